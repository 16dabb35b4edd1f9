using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Session;
using Microsoft.Extensions.Caching.Distributed;
using Tessera.Sessions;

namespace Tessera.Benchmarks;

/// <summary>
/// Writing to an existing session, picked at random among 1,000,000 (<see cref="SessionBench.Sessions"/>) as in
/// <see cref="SessionGetBenchmarks"/>: setting one key, and (Tessera only) rotating the refresh hash.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><b>SetValue / AspNet_LoadSetCommit</b> (baseline): a request that changes its session:
/// <c>Create(key, …, isNewSessionKey: false)</c>, <c>LoadAsync()</c>, <c>Set("cart", bytes)</c> (which copies the
/// bytes), <c>CommitAsync()</c> (which serializes every key and stores a new cache entry with the sliding expiry).</item>
/// <item><b>SetValue / Tessera_SetValue</b>: <c>SetValueAsync(id, "cart", json)</c> with the same pre-serialized
/// 40 bytes: validates the JSON, then swaps in a new encoded map of the session's keys. It does not touch the
/// session (a request would also have called <c>TouchAsync</c>, measured by <see cref="SessionGetBenchmarks"/>).</item>
/// <item><b>Rotate / Tessera_RotateRefresh</b>: <c>RotateRefreshAsync</c> with a 60-byte recovery envelope (the size
/// of a 32-byte secret sealed with AES-GCM: nonce, ciphertext, tag). Each session alternates between two hashes, so
/// every call really rotates (retires the current hash, stores the envelope, touches the session). ASP.NET Core's
/// session has no counterpart, so this category has no baseline and no ratio.</item>
/// </list>
/// <para>Every call must succeed or the benchmark throws. Background collection is off in both stacks, and each
/// stack is populated only for its own benchmarks (see <see cref="SessionGetBenchmarks"/>).</para>
/// </remarks>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class SessionWriteBenchmarks
{
    private static readonly RefreshHash s_otherRefresh = RefreshHash.FromSecret("refresh-secret-b");
    private static readonly ReadOnlyMemory<byte> s_envelope = new byte[60];

    private InMemorySessionStore _tessera = null!;
    private string[] _tesseraIds = [];
    private bool[] _rotated = [];
    private DistributedSessionStore _aspNet = null!;
    private string[] _aspNetKeys = [];
    private int _next;

    /// <summary>Populates Tessera's store and checks it.</summary>
    [GlobalSetup(Targets = [nameof(Tessera_SetValue), nameof(Tessera_RotateRefresh)])]
    public void SetupTessera()
    {
        int sessions = SessionBench.Sessions;
        _tessera = new InMemorySessionStore(SessionBench.TesseraOptions(sessions));
        _tesseraIds = SessionBench.PopulateTessera(_tessera, sessions, 1, SessionBench.BenchIdleTimeout, keepIds: true);
        SessionBench.VerifyTessera(_tessera, _tesseraIds, sessions);
        SessionBench.Shuffle(_tesseraIds, 42);
        _rotated = new bool[sessions];

        SessionBench.RequireOk(SessionBench.Sync(_tessera.SetValueAsync(_tesseraIds[0], SessionBench.CartKey, SessionBench.CartJson, CancellationToken.None)));
    }

    /// <summary>Populates ASP.NET Core's store and checks it.</summary>
    [GlobalSetup(Target = nameof(AspNet_LoadSetCommit))]
    public void SetupAspNet()
    {
        int sessions = SessionBench.Sessions;
        MemoryDistributedCache cache = SessionBench.NewAspNetCache(o => o.ExpirationScanFrequency = TimeSpan.FromDays(1));
        _aspNet = SessionBench.NewAspNetStore(cache);
        _aspNetKeys = SessionBench.PopulateAspNet(_aspNet, sessions, SessionBench.BenchIdleTimeout, keepKeys: true);
        SessionBench.VerifyAspNet(cache, _aspNet, _aspNetKeys, sessions);
        SessionBench.Shuffle(_aspNetKeys, 42);
    }

    /// <summary>ASP.NET Core: load the session, set "cart", commit.</summary>
    [BenchmarkCategory("SetValue")]
    [Benchmark(Baseline = true)]
    public void AspNet_LoadSetCommit()
    {
        ISession session = _aspNet.Create(_aspNetKeys[NextIndex(_aspNetKeys.Length)], SessionBench.BenchIdleTimeout, SessionBench.IoTimeout, SessionBench.TryEstablish, isNewSessionKey: false);
        session.LoadAsync().GetAwaiter().GetResult();
        session.Set(SessionBench.CartKey, SessionBench.CartJson);
        session.CommitAsync().GetAwaiter().GetResult();
    }

    /// <summary>Tessera: set "cart".</summary>
    [BenchmarkCategory("SetValue")]
    [Benchmark]
    public SessionWriteStatus Tessera_SetValue()
    {
        SessionWriteStatus status = SessionBench.Sync(_tessera.SetValueAsync(_tesseraIds[NextIndex(_tesseraIds.Length)], SessionBench.CartKey, SessionBench.CartJson, CancellationToken.None));
        return status == SessionWriteStatus.Ok ? status : throw new InvalidOperationException($"Tessera write failed: {status}.");
    }

    /// <summary>Tessera: rotate the refresh hash (no ASP.NET Core counterpart).</summary>
    [BenchmarkCategory("Rotate")]
    [Benchmark]
    public RotationStatus Tessera_RotateRefresh()
    {
        int index = NextIndex(_tesseraIds.Length);
        bool rotated = _rotated[index];
        RotationResult result = SessionBench.Sync(_tessera.RotateRefreshAsync(
            _tesseraIds[index],
            rotated ? s_otherRefresh : SessionBench.InitialRefresh,
            rotated ? SessionBench.InitialRefresh : s_otherRefresh,
            s_envelope,
            CancellationToken.None));
        if (result.Status != RotationStatus.Rotated)
        {
            throw new InvalidOperationException($"Tessera rotation failed: {result.Status}.");
        }

        _rotated[index] = !rotated;
        return result.Status;
    }

    private int NextIndex(int length)
    {
        int index = _next;
        _next = index + 1 == length ? 0 : index + 1;
        return index;
    }
}
