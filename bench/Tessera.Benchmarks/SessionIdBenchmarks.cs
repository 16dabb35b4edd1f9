using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using Tessera.Cryptography;

namespace Tessera.Benchmarks;

/// <summary>
/// The two costs inside making a session id, against the obvious BCL calls they replace: the routing tag
/// (SipHash-2-4 against a one-shot HMAC-SHA256 and a pooled one) and 18 random bytes (a block-buffered draw against
/// one <see cref="RandomNumberGenerator.Fill"/> call per id).
/// </summary>
public class SessionIdBenchmarks
{
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly byte[] _userId = Encoding.UTF8.GetBytes("user-0000042");
    private readonly byte[] _mac = new byte[32];
    private readonly byte[] _random = new byte[18];
    private SipHash _sipHash;
    private HmacPool _hmacPool = null!;

    /// <summary>Keys both MACs.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _sipHash = new SipHash(_key.AsSpan(0, 16));
        _hmacPool = new HmacPool(HashAlgorithmName.SHA256, _key);
    }

    /// <summary>Releases the pooled MACs.</summary>
    [GlobalCleanup]
    public void Cleanup() => _hmacPool.Dispose();

    /// <summary>HMAC-SHA256 keyed on every call, as <c>HMACSHA256.HashData</c> does.</summary>
    [Benchmark(Baseline = true)]
    public int TagHmacOneShot() => HMACSHA256.HashData(_key, _userId, _mac);

    /// <summary>HMAC-SHA256 from a pool of keyed instances.</summary>
    [Benchmark]
    public int TagHmacPooled() => _hmacPool.Compute(_userId, _mac);

    /// <summary>SipHash-2-4, what session ids use.</summary>
    [Benchmark]
    public ulong TagSipHash() => _sipHash.Compute(_userId);

    /// <summary>One CSPRNG call per id.</summary>
    [Benchmark]
    public byte RandomFillPerCall()
    {
        RandomNumberGenerator.Fill(_random);
        return _random[0];
    }

    /// <summary>Ids carved from a per-thread CSPRNG block, what session ids use.</summary>
    [Benchmark]
    public byte RandomBuffered()
    {
        SecureRandom.Fill(_random);
        return _random[0];
    }
}
