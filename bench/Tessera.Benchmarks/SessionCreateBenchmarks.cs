using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Session;
using Microsoft.Extensions.Caching.Distributed;
using Perfolizer.Mathematics.OutlierDetection;
using Tessera.Sessions;

namespace Tessera.Benchmarks;

/// <summary>
/// Creating one session in a store that already holds 1,000,000 (<see cref="SessionBench.Sessions"/>).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><b>AspNet_CreateWithData</b> (baseline): what a request that starts a session does: a new key as
/// <c>SessionMiddleware</c> makes it, <c>Create(key, …, isNewSessionKey: true)</c>, <c>Set</c> of the two keys
/// (the first <c>Set</c> also runs the synchronous load, a cache miss), <c>CommitAsync()</c> (serialize, store with
/// sliding expiry).</item>
/// <item><b>Tessera_CreateWithData</b>: the same work in Tessera: <c>CreateAsync(new NewSession { … })</c> for user
/// <c>user-NNNNNNN</c> (new id, per-user chain, expiry bucket, counters), read the id (<c>Session.Id</c>, a new
/// string, as a caller needs it for the token), then two <c>SetValueAsync</c> by that id.</item>
/// <item><b>Tessera_CreateWithInitialData</b>: the same data given at creation (<see cref="NewSession.Data"/>, built
/// per call with <see cref="SessionData.Create(ReadOnlySpan{KeyValuePair{string, ReadOnlyMemory{byte}}})"/>, as an application would), stored in the same step; the id is read.</item>
/// <item><b>Tessera_Create</b>: <c>CreateAsync</c> alone (no data, the id not read).</item>
/// </list>
/// <para><b>Collections inside the iterations.</b> Every created session survives, so the gen0 collections that
/// promote them are part of what creating costs. An iteration therefore allocates several gen0 budgets (<see
/// cref="Invocations"/> creations, about half the store's size): with fewer, an iteration of 280–456-byte creations
/// can fit under the budget, and its collection falls into the cleanup, after the sessions are already garbage. The
/// budget follows the machine's largest cache (about 15 MB on a machine with a few tens of MB of L3, 84 MB on one that
/// reports 260 MiB), so the count is sized for the large one: 524,288 creations of 280 B are 147 MB.</para>
/// <para><b>Keeping the store size fixed.</b> Each iteration runs exactly <see cref="Invocations"/> creations, and
/// <c>[IterationCleanup]</c> removes the sessions it created, so every iteration starts from the same million. New Tessera sessions belong to <see cref="Invocations"/>·4 pre-built user ids past
/// the populated ones, reused each iteration (their previous sessions are gone by then). Tessera's id table removes by
/// shifting entries back (no tombstones), but either stack grows its tables and collects gen1/gen2 now and then, inside
/// some iteration, as in a server. So outliers are kept (<c>[Outliers(DontRemove)]</c>): the mean of both stacks includes
/// their occasional costs
/// (table growth, gen1/gen2 collections); the median shows the common call. Capacity limits
/// are set far above the run's needs on both sides (ASP.NET Core's 200 MB default size limit counts ~85 MB here:
/// 85 bytes per serialized session), and background collection is off in both.</para>
/// </remarks>
[InvocationCount(Invocations)]
[Outliers(OutlierMode.DontRemove)]
public class SessionCreateBenchmarks
{
    /// <summary>Creations per iteration (a multiple of BenchmarkDotNet's unroll factor, 16).</summary>
    public const int Invocations = 524_288;

    // Room for the creations made between two cleanups, with margin for an extra iteration BenchmarkDotNet may run.
    private const int Capacity = Invocations * 4;

    private InMemorySessionStore _tessera = null!;
    private string[] _newUserIds = [];
    private SessionRecord[] _createdSessions = [];
    private MemoryDistributedCache _cache = null!;
    private DistributedSessionStore _aspNet = null!;
    private string[] _createdKeys = [];
    private int _created;

    /// <summary>Populates Tessera's store, checks it, and prepares the user ids of new sessions.</summary>
    [GlobalSetup(Targets = [nameof(Tessera_CreateWithData), nameof(Tessera_CreateWithInitialData), nameof(Tessera_Create)])]
    public void SetupTessera()
    {
        int sessions = SessionBench.Sessions;
        InMemorySessionStoreOptions options = SessionBench.TesseraOptions(sessions);
        options.MaxSessions = Math.Max(options.MaxSessions, sessions + Capacity); // a smoke run's small store still takes an iteration
        _tessera = new InMemorySessionStore(options);
        string[] ids = SessionBench.PopulateTessera(_tessera, sessions, 1, SessionBench.BenchIdleTimeout, keepIds: true);
        SessionBench.VerifyTessera(_tessera, ids, sessions);
        _newUserIds = new string[Capacity];
        for (int i = 0; i < Capacity; i++)
        {
            _newUserIds[i] = SessionBench.UserId(sessions + 1 + i);
        }

        _createdSessions = new SessionRecord[Capacity];
    }

    /// <summary>Populates ASP.NET Core's store and checks it.</summary>
    [GlobalSetup(Target = nameof(AspNet_CreateWithData))]
    public void SetupAspNet()
    {
        int sessions = SessionBench.Sessions;
        _cache = SessionBench.NewAspNetCache(o => o.ExpirationScanFrequency = TimeSpan.FromDays(1));
        _aspNet = SessionBench.NewAspNetStore(_cache);
        string[] keys = SessionBench.PopulateAspNet(_aspNet, sessions, SessionBench.BenchIdleTimeout, keepKeys: true);
        SessionBench.VerifyAspNet(_cache, _aspNet, keys, sessions);
        _createdKeys = new string[Capacity];
    }

    /// <summary>Removes the sessions the iteration created, so the next one starts from the same store size.</summary>
    [IterationCleanup]
    public void RemoveCreated()
    {
        for (int i = 0; i < _created; i++)
        {
            if (_tessera is not null)
            {
                if (!SessionBench.Sync(_tessera.RemoveAsync(_createdSessions[i].Id, CancellationToken.None)))
                {
                    throw new InvalidOperationException("A session created by the iteration was not found to remove.");
                }

                _createdSessions[i] = null!;
            }
            else
            {
                _cache.Remove(_createdKeys[i]);
                _createdKeys[i] = null!;
            }
        }

        _created = 0;
    }

    /// <summary>ASP.NET Core: new key, create, set the two keys, commit.</summary>
    [Benchmark(Baseline = true)]
    public ISession AspNet_CreateWithData()
    {
        string key = SessionBench.NewAspNetKey();
        ISession session = _aspNet.Create(key, SessionBench.BenchIdleTimeout, SessionBench.IoTimeout, SessionBench.TryEstablish, isNewSessionKey: true);
        session.Set(SessionBench.CartKey, SessionBench.CartJson);
        session.Set(SessionBench.ThemeKey, SessionBench.ThemeUtf8);
        session.CommitAsync().GetAwaiter().GetResult();
        _createdKeys[_created++] = key;
        return session;
    }

    /// <summary>Tessera: create, read the id, set the two keys.</summary>
    [Benchmark]
    public SessionRecord Tessera_CreateWithData()
    {
        SessionRecord session = Create();
        string id = session.Id;
        Check(SessionBench.Sync(_tessera.SetValueAsync(id, SessionBench.CartKey, SessionBench.CartJson, CancellationToken.None)));
        Check(SessionBench.Sync(_tessera.SetValueAsync(id, SessionBench.ThemeKey, SessionBench.ThemeJson, CancellationToken.None)));
        return session;
    }

    /// <summary>Tessera: create with the two keys as initial data, read the id.</summary>
    [Benchmark]
    public string Tessera_CreateWithInitialData()
    {
        int index = _created;
        SessionRecord session = SessionBench.CreateTesseraWithInitialData(_tessera, _newUserIds[index], SessionBench.BenchIdleTimeout);
        _createdSessions[index] = session;
        _created = index + 1;
        return session.Id;
    }

    /// <summary>Tessera: create only.</summary>
    [Benchmark]
    public SessionRecord Tessera_Create() => Create();

    private SessionRecord Create()
    {
        int index = _created;
        SessionCreateResult result = SessionBench.Sync(
            _tessera.CreateAsync(SessionBench.NewTesseraSession(_newUserIds[index], SessionBench.BenchIdleTimeout), CancellationToken.None));
        SessionRecord session = result.Session ?? throw new InvalidOperationException($"Tessera refused the session: {result.Status}.");
        _createdSessions[index] = session;
        _created = index + 1;
        return session;
    }

    private static void Check(SessionWriteStatus status)
    {
        if (status != SessionWriteStatus.Ok)
        {
            throw new InvalidOperationException($"Tessera write failed: {status}.");
        }
    }
}
