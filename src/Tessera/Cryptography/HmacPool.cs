using System.Security.Cryptography;

namespace Tessera.Cryptography;

/// <summary>
/// A keyed HMAC that many threads can compute with at once. Keying an HMAC costs about as much as hashing a small
/// message (and the one-shot <c>HMACSHA256.HashData</c> pays it on every call: about 4 µs here against 0.3 µs), so
/// keyed <see cref="IncrementalHash"/> instances are reused: a small lock-free pool hands one to each concurrent
/// caller and takes it back. <see cref="IncrementalHash.TryGetHashAndReset(Span{byte}, out int)"/> leaves an
/// instance keyed and ready for the next message.
/// </summary>
internal sealed class HmacPool : IDisposable
{
    private readonly HashAlgorithmName _hash;
    private readonly byte[] _key;
    private readonly IncrementalHash?[] _pool = new IncrementalHash?[Math.Max(4, Environment.ProcessorCount * 2)];
    private bool _disposed;

    public HmacPool(HashAlgorithmName hash, ReadOnlySpan<byte> key)
    {
        _hash = hash;
        _key = key.ToArray();
    }

    /// <summary>Computes the MAC of <paramref name="data"/> into <paramref name="destination"/>; returns its length.</summary>
    public int Compute(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        IncrementalHash hmac = Rent(out int slot);
        hmac.AppendData(data);
        if (!hmac.TryGetHashAndReset(destination, out int written))
        {
            throw new ArgumentException("Destination is too small for the MAC.", nameof(destination));
        }

        // A Dispose racing with this call zeroes the key; never hand out a MAC that may have used it.
        if (Volatile.Read(ref _disposed))
        {
            hmac.Dispose();
            throw new ObjectDisposedException(nameof(HmacPool));
        }

        Return(hmac, slot);
        return written;
    }

    /// <summary>Disposes the pooled instances and zeroes the key.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        Volatile.Write(ref _disposed, true);
        for (int i = 0; i < _pool.Length; i++)
        {
            Interlocked.Exchange(ref _pool[i], null)?.Dispose();
        }

        CryptographicOperations.ZeroMemory(_key);
    }

    private IncrementalHash Rent(out int slot)
    {
        // Start at a per-thread slot so two cores rarely touch the same one.
        int start = Environment.CurrentManagedThreadId % _pool.Length;
        for (int i = 0; i < _pool.Length; i++)
        {
            slot = (start + i) % _pool.Length;
            IncrementalHash? pooled = Interlocked.Exchange(ref _pool[slot], null);
            if (pooled is not null)
            {
                return pooled;
            }
        }

        slot = start;
        return IncrementalHash.CreateHMAC(_hash, _key);
    }

    private void Return(IncrementalHash hmac, int slot)
    {
        for (int i = 0; i < _pool.Length; i++)
        {
            int index = (slot + i) % _pool.Length;
            if (Interlocked.CompareExchange(ref _pool[index], hmac, null) is null)
            {
                return;
            }
        }

        hmac.Dispose();
    }
}
