using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Session;
using Microsoft.Extensions.Caching.Distributed;
using Tessera.Sessions;

namespace Tessera.Benchmarks;

/// <summary>
/// Reading one key of an existing session, picked at random among 1,000,000 (<see cref="SessionBench.Sessions"/>),
/// each holding the two keys described on <see cref="SessionBench"/>.
/// </summary>
/// <remarks>
/// <para>Every call takes the next id of a pre-built array shuffled with a fixed seed, so the access pattern is
/// random over the whole store (cache misses included) and nothing is allocated to pick it.</para>
/// <list type="bullet">
/// <item><b>AspNet_LoadGet</b> (baseline): what a request that reads its session does before the response:
/// <c>DistributedSessionStore.Create(key, …, isNewSessionKey: false)</c>, <c>await LoadAsync()</c> (which reads
/// the bytes from <see cref="MemoryDistributedCache"/>, sliding its expiry, and deserializes every key), then
/// <c>TryGetValue("cart")</c>.</item>
/// <item><b>AspNet_LoadGetCommit</b>: the same plus the <c>CommitAsync()</c> <c>SessionMiddleware</c> runs after every
/// request; for an unmodified session it is a refresh (one more cache lookup).</item>
/// <item><b>Tessera_TouchGet</b>: <c>TouchAsync(id)</c> (lookup, slide the idle expiry) then
/// <c>record.Data.TryGetValue("cart")</c>, a slice of the stored value; must allocate nothing.</item>
/// </list>
/// <para>Every call must find the session and the key, or the benchmark throws (a miss is a different, cheaper
/// path). Background collection is off in both stacks (Tessera's collector timer, MemoryCache's expiration scan):
/// these are per-call costs; collection is measured by the <c>collect</c> mode. Each stack is populated only for
/// its own benchmarks, so the other's million sessions never sit in the same heap.</para>
/// </remarks>
public class SessionGetBenchmarks
{
    private InMemorySessionStore _tessera = null!;
    private string[] _tesseraIds = [];
    private DistributedSessionStore _aspNet = null!;
    private string[] _aspNetKeys = [];
    private int _next;

    /// <summary>Populates Tessera's store and checks it.</summary>
    [GlobalSetup(Target = nameof(Tessera_TouchGet))]
    public void SetupTessera()
    {
        int sessions = SessionBench.Sessions;
        _tessera = new InMemorySessionStore(SessionBench.TesseraOptions(sessions));
        _tesseraIds = SessionBench.PopulateTessera(_tessera, sessions, 1, SessionBench.BenchIdleTimeout, keepIds: true);
        SessionBench.VerifyTessera(_tessera, _tesseraIds, sessions);
        SessionBench.Shuffle(_tesseraIds, 42);

        // The hot path must complete synchronously and find the value.
        SessionRecord? touched = SessionBench.Sync(_tessera.TouchAsync(_tesseraIds[0], CancellationToken.None));
        if (touched is null || !touched.Data.TryGetValue(SessionBench.CartKey, out _))
        {
            throw new InvalidOperationException("Tessera's TouchAsync did not find a populated session.");
        }
    }

    /// <summary>Populates ASP.NET Core's store and checks it.</summary>
    [GlobalSetup(Targets = [nameof(AspNet_LoadGet), nameof(AspNet_LoadGetCommit)])]
    public void SetupAspNet()
    {
        int sessions = SessionBench.Sessions;
        MemoryDistributedCache cache = SessionBench.NewAspNetCache(o => o.ExpirationScanFrequency = TimeSpan.FromDays(1));
        _aspNet = SessionBench.NewAspNetStore(cache);
        _aspNetKeys = SessionBench.PopulateAspNet(_aspNet, sessions, SessionBench.BenchIdleTimeout, keepKeys: true);
        SessionBench.VerifyAspNet(cache, _aspNet, _aspNetKeys, sessions);
        SessionBench.Shuffle(_aspNetKeys, 42);

        ISession session = _aspNet.Create(_aspNetKeys[0], SessionBench.BenchIdleTimeout, SessionBench.IoTimeout, SessionBench.TryEstablish, isNewSessionKey: false);
        if (!session.LoadAsync().IsCompletedSuccessfully || !session.CommitAsync().IsCompletedSuccessfully)
        {
            throw new InvalidOperationException("ASP.NET Core's LoadAsync/CommitAsync did not complete synchronously.");
        }
    }

    /// <summary>ASP.NET Core: create the session object, load it, read "cart".</summary>
    [Benchmark(Baseline = true)]
    public int AspNet_LoadGet()
    {
        ISession session = _aspNet.Create(_aspNetKeys[NextIndex(_aspNetKeys.Length)], SessionBench.BenchIdleTimeout, SessionBench.IoTimeout, SessionBench.TryEstablish, isNewSessionKey: false);
        session.LoadAsync().GetAwaiter().GetResult();
        return session.TryGetValue(SessionBench.CartKey, out byte[]? cart) ? cart.Length : throw Missing();
    }

    /// <summary>ASP.NET Core: as <see cref="AspNet_LoadGet"/>, then the commit the middleware runs after the request.</summary>
    [Benchmark]
    public int AspNet_LoadGetCommit()
    {
        ISession session = _aspNet.Create(_aspNetKeys[NextIndex(_aspNetKeys.Length)], SessionBench.BenchIdleTimeout, SessionBench.IoTimeout, SessionBench.TryEstablish, isNewSessionKey: false);
        session.LoadAsync().GetAwaiter().GetResult();
        int length = session.TryGetValue(SessionBench.CartKey, out byte[]? cart) ? cart.Length : throw Missing();
        session.CommitAsync().GetAwaiter().GetResult();
        return length;
    }

    /// <summary>Tessera: touch the session, read "cart".</summary>
    [Benchmark]
    public int Tessera_TouchGet()
    {
        SessionRecord? record = SessionBench.Sync(_tessera.TouchAsync(_tesseraIds[NextIndex(_tesseraIds.Length)], CancellationToken.None));
        return record is not null && record.Data.TryGetValue(SessionBench.CartKey, out ReadOnlyMemory<byte> cart) ? cart.Length : throw Missing();
    }

    private int NextIndex(int length)
    {
        int index = _next;
        _next = index + 1 == length ? 0 : index + 1;
        return index;
    }

    private static InvalidOperationException Missing() => new("A populated session or its \"cart\" key was not found.");
}
