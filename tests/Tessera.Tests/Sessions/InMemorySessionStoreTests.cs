using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Tessera.Sessions;

namespace Tessera.Tests.Sessions;

/// <summary>
/// What only the in-memory store promises: capacity, the collector's timer and memory, eviction policy, allocation
/// budget and invariants under concurrency. The shared contract is in SessionStoreContractTests.
/// </summary>
public sealed class InMemorySessionStoreTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly byte[] Cart = "{\"items\":[1,2,3],\"total\":\"12.50\",\"c\":1}"u8.ToArray();
    private static readonly byte[] Dark = "\"dark\""u8.ToArray();

    private static NewSession For(string user, TimeSpan? idle = null, TimeSpan? absolute = null) => new()
    {
        UserId = user,
        IdleTimeout = idle ?? TimeSpan.FromMinutes(20),
        AbsoluteLifetime = absolute ?? TimeSpan.FromHours(8),
        RefreshHash = RefreshHash.FromSecret("secret-" + user),
    };

    private static async Task<string> CreateAsync(InMemorySessionStore store, NewSession session)
    {
        SessionCreateResult result = await store.CreateAsync(session, default);
        Assert.Equal(SessionCreateStatus.Created, result.Status);
        return result.Session!.Id;
    }

    [Fact]
    public async Task CreateAsync_AtMaxSessions_RefusesAndKeepsEverySession()
    {
        var time = new FakeTimeProvider(Start);
        using var store = new InMemorySessionStore(new() { MaxSessions = 100, CollectionInterval = TimeSpan.Zero }, time);
        var ids = new List<string>();
        for (int i = 0; i < 100; i++)
        {
            ids.Add(await CreateAsync(store, For("user-" + i)));
        }

        SessionCreateResult refused = await store.CreateAsync(For("user-100"), default);

        Assert.Equal(SessionCreateStatus.StoreFull, refused.Status);
        Assert.Null(refused.Session);
        Assert.Empty(refused.EvictedSessionIds);
        foreach (string id in ids)
        {
            Assert.NotNull(await store.GetAsync(id, default)); // unlike a cache, nothing was dropped silently
        }

        Assert.Equal(100, (await store.GetCountsAsync(default)).Sessions);
    }

    [Fact]
    public async Task CreateAsync_AtMaxSessionsAfterExpiry_AcceptsOnceCollected()
    {
        var time = new FakeTimeProvider(Start);
        using var store = new InMemorySessionStore(new() { MaxSessions = 2, CollectionInterval = TimeSpan.Zero }, time);
        await CreateAsync(store, For("a", idle: TimeSpan.FromMinutes(1)));
        await CreateAsync(store, For("b", idle: TimeSpan.FromMinutes(1)));
        time.Advance(TimeSpan.FromMinutes(2));

        Assert.Equal(SessionCreateStatus.StoreFull, (await store.CreateAsync(For("c"), default)).Status);
        Assert.Equal(2, store.SweepExpired());
        Assert.Equal(SessionCreateStatus.Created, (await store.CreateAsync(For("c"), default)).Status);
    }

    [Fact]
    public async Task SetValueAsync_OverMaxBytes_RefusesAndKeepsData()
    {
        var time = new FakeTimeProvider(Start);
        using var store = new InMemorySessionStore(new() { MaxBytes = 4096, CollectionInterval = TimeSpan.Zero }, time);
        string id = await CreateAsync(store, For("a"));
        Assert.Equal(SessionWriteStatus.Ok, await store.SetValueAsync(id, "cart", Cart, default));
        long before = store.ApproximateBytes;
        byte[] big = Encoding.UTF8.GetBytes("\"" + new string('x', 4000) + "\"");

        Assert.Equal(SessionWriteStatus.StoreFull, await store.SetValueAsync(id, "big", big, default));

        Assert.Equal(before, store.ApproximateBytes);
        SessionRecord record = (await store.GetAsync(id, default))!;
        Assert.Equal(["cart"], record.Data.Keys);
    }

    [Fact]
    public async Task CreateAsync_EvictSoonestExpiring_EndsTheSessionClosestToExpiryAndReportsIt()
    {
        var time = new FakeTimeProvider(Start);
        using var store = new InMemorySessionStore(new() { MaxSessions = 3, CapacityPolicy = StoreCapacityPolicy.EvictSoonestExpiring, CollectionInterval = TimeSpan.Zero }, time);
        string first = await CreateAsync(store, For("a"));
        time.Advance(TimeSpan.FromMinutes(1));
        string second = await CreateAsync(store, For("b"));
        time.Advance(TimeSpan.FromMinutes(1));
        string third = await CreateAsync(store, For("c"));
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.NotNull(await store.TouchAsync(first, default)); // now `second` expires soonest

        SessionCreateResult result = await store.CreateAsync(For("d"), default);

        Assert.Equal(SessionCreateStatus.Created, result.Status);
        Assert.Equal([second], result.EvictedSessionIds);
        Assert.Equal(1, store.EvictedCount);
        Assert.Null(await store.GetAsync(second, default));
        Assert.NotNull(await store.GetAsync(first, default));
        Assert.NotNull(await store.GetAsync(third, default));
        Assert.Equal(3, (await store.GetCountsAsync(default)).Sessions);
    }

    [Fact]
    public async Task Collector_TimerOnTimeProvider_RemovesExpiredSessionsWithoutBeingCalled()
    {
        var time = new FakeTimeProvider(Start);
        using var store = new InMemorySessionStore(new() { CollectionInterval = TimeSpan.FromSeconds(10) }, time);
        for (int i = 0; i < 50; i++)
        {
            await CreateAsync(store, For("user-" + i, idle: TimeSpan.FromMinutes(1)));
        }

        string keeper = await CreateAsync(store, For("keeper", idle: TimeSpan.FromHours(1)));
        Assert.Equal(51, (await store.GetCountsAsync(default)).Sessions);

        time.Advance(TimeSpan.FromSeconds(70)); // the timer fires on the fake clock

        SessionCounts counts = await store.GetCountsAsync(default);
        Assert.Equal(1, counts.Sessions);
        Assert.Equal(1, counts.Users);
        Assert.NotNull(await store.GetAsync(keeper, default));
    }

    [Fact]
    public async Task Dispose_StopsTheCollector()
    {
        var time = new FakeTimeProvider(Start);
        var store = new InMemorySessionStore(new() { CollectionInterval = TimeSpan.FromSeconds(10) }, time);
        await CreateAsync(store, For("a", idle: TimeSpan.FromMinutes(1)));
        store.Dispose();

        time.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal(1, (await store.GetCountsAsync(default)).Sessions); // nobody collected
        Assert.Equal(1, store.SweepExpired());
    }

    [Fact]
    public async Task SweepExpired_ReleasesTheSessionObjectsAndTheirBytes()
    {
        var time = new FakeTimeProvider(Start);
        using var store = new InMemorySessionStore(new() { CollectionInterval = TimeSpan.Zero }, time);
        long empty = store.ApproximateBytes;
        WeakReference[] references = await CreateExpiringSessionsAsync(store, 100);
        Assert.True(store.ApproximateBytes > empty);
        time.Advance(TimeSpan.FromMinutes(2));

        Assert.Equal(100, store.SweepExpired());
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.All(references, r => Assert.False(r.IsAlive));
        Assert.Equal(empty, store.ApproximateBytes);
    }

    // Not inlined so no local keeps a session reachable from the test's frame.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static async Task<WeakReference[]> CreateExpiringSessionsAsync(InMemorySessionStore store, int count)
    {
        var references = new WeakReference[count];
        for (int i = 0; i < count; i++)
        {
            SessionCreateResult result = await store.CreateAsync(For("user-" + i, idle: TimeSpan.FromMinutes(1)), default);
            Assert.Equal(SessionWriteStatus.Ok, await store.SetValueAsync(result.Session!.Id, "cart", Cart, default));
            references[i] = new WeakReference(result.Session);
        }

        return references;
    }

    [Fact]
    public async Task SweepExpired_MassExpiry_RebuildsTablesAndKeepsSurvivorsExact()
    {
        // 30,000 sessions expire at once (the bulk path: more than 10,000 and an eighth of the store); 2,000
        // survivors share users with them, so chains must be relinked, not dropped.
        var time = new FakeTimeProvider(Start);
        using var store = new InMemorySessionStore(new() { CollectionInterval = TimeSpan.Zero }, time);
        var survivors = new List<string>();
        var doomed = new List<string>();
        for (int i = 0; i < 32_000; i++)
        {
            bool survives = i % 16 == 0;
            string id = await CreateAsync(store, For("user-" + (i % 5_000), idle: survives ? TimeSpan.FromHours(2) : TimeSpan.FromMinutes(1)));
            Assert.Equal(SessionWriteStatus.Ok, await store.SetValueAsync(id, "theme", Dark, default));
            (survives ? survivors : doomed).Add(id);
        }

        time.Advance(TimeSpan.FromMinutes(2));

        Assert.Equal(doomed.Count, store.SweepExpired());

        SessionCounts counts = await store.GetCountsAsync(default);
        Assert.Equal(survivors.Count, counts.Sessions);
        Assert.Equal(survivors.Count, counts.ActiveSessions);
        var survivingUsers = new HashSet<string>();
        long expectedBytes = 0;
        foreach (string id in survivors)
        {
            SessionRecord? session = await store.TouchAsync(id, default);
            Assert.NotNull(session);
            survivingUsers.Add(session.UserId);
            expectedBytes += 256 + (2 * session.UserId.Length) + DataLength(session);
        }

        Assert.Equal(survivingUsers.Count, counts.Users);
        Assert.Equal(expectedBytes, store.ApproximateBytes);
        foreach (string id in doomed.Take(500))
        {
            Assert.Null(await store.GetAsync(id, default));
        }

        foreach (string user in survivingUsers.Take(50))
        {
            IReadOnlyList<SessionRecord> sessions = await store.ListUserSessionsAsync(user, default);
            Assert.NotEmpty(sessions);
            Assert.All(sessions, s => Assert.Contains(s.Id, survivors));
        }

        // The rebuilt store keeps working: per-user removal, creation and removal.
        string someone = survivingUsers.First();
        int theirs = (await store.ListUserSessionsAsync(someone, default)).Count;
        Assert.Equal(theirs, (await store.RemoveUserSessionsAsync(someone, null, default)).Count);
        string fresh = await CreateAsync(store, For(someone));
        Assert.True(await store.RemoveAsync(fresh, default));
        Assert.Equal(survivors.Count - theirs, (await store.GetCountsAsync(default)).Sessions);
    }

    [Fact]
    public async Task SweepExpired_TouchedSessionsAreRefiledNotRemoved()
    {
        var time = new FakeTimeProvider(Start);
        using var store = new InMemorySessionStore(new() { CollectionInterval = TimeSpan.Zero }, time);
        string touched = await CreateAsync(store, For("a", idle: TimeSpan.FromMinutes(10)));
        string idle = await CreateAsync(store, For("b", idle: TimeSpan.FromMinutes(10)));

        for (int minute = 0; minute < 60; minute++)
        {
            time.Advance(TimeSpan.FromMinutes(1));
            Assert.NotNull(await store.TouchAsync(touched, default));
            store.SweepExpired();
        }

        Assert.NotNull(await store.GetAsync(touched, default));
        Assert.Null(await store.GetAsync(idle, default));
        Assert.Equal(1, (await store.GetCountsAsync(default)).Sessions);
    }

    [Fact]
    public async Task TouchAndReadOneKey_AllocatesNothing()
    {
        var time = new FakeTimeProvider(Start);
        using var store = new InMemorySessionStore(new() { CollectionInterval = TimeSpan.Zero }, time);
        string id = await CreateAsync(store, For("a"));
        Assert.Equal(SessionWriteStatus.Ok, await store.SetValueAsync(id, "cart", Cart, default));
        Assert.Equal(SessionWriteStatus.Ok, await store.SetValueAsync(id, "theme", Dark, default));

        long least = long.MaxValue;
        for (int attempt = 0; attempt < 5; attempt++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            SessionRecord? record = Completed(store.TouchAsync(id, default));
            bool found = record!.Data.TryGetValue("cart", out ReadOnlyMemory<byte> json);
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
            Assert.True(found);
            Assert.Equal(Cart, json.ToArray());
        }

        Assert.Equal(0, least);
    }

    [Fact]
    public void Create_AllocatesTheSessionObjectAndNothingElse()
    {
        using var store = new InMemorySessionStore(new() { CollectionInterval = TimeSpan.Zero }, new FakeTimeProvider(Start));
        NewSession[] requests = [.. Enumerable.Range(0, 10).Select(i => i % 2 == 0
            ? For("u" + i)
            : new NewSession
            {
                UserId = "u" + i,
                IdleTimeout = TimeSpan.FromMinutes(20),
                AbsoluteLifetime = TimeSpan.FromHours(8),
                Data = SessionData.Create([new("cart", Cart), new("theme", Dark)]),
            })];

        // One uninitialized session object: exactly what a creation has to allocate (the data is adopted, not copied).
        long sessionObject = long.MaxValue;
        for (int attempt = 0; attempt < 5; attempt++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            GC.KeepAlive(System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(typeof(Tessera.Sessions.InMemory.InMemorySession)));
            sessionObject = Math.Min(sessionObject, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        long withoutData = long.MaxValue, withData = long.MaxValue;
        for (int i = 0; i < requests.Length; i++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            SessionCreateResult result = Completed(store.CreateAsync(requests[i], default));
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(SessionCreateStatus.Created, result.Status);
            if (i % 2 == 0)
            {
                withoutData = Math.Min(withoutData, allocated);
            }
            else
            {
                withData = Math.Min(withData, allocated);
            }
        }

        Assert.Equal(sessionObject, withoutData);
        Assert.Equal(sessionObject, withData);
    }

    [Fact]
    public void Constructor_InvalidOptions_ListsEveryProblem()
    {
        var options = new InMemorySessionStoreOptions
        {
            MaxSessions = 0,
            MaxBytes = -1,
            CollectionInterval = TimeSpan.FromSeconds(-1),
            ActiveWindow = TimeSpan.FromSeconds(1),
            RoutingKey = new byte[8],
            DataLimits = new SessionDataLimits { MaxKeys = 0 },
        };

        var error = Assert.Throws<ArgumentException>(() => new InMemorySessionStore(options));

        foreach (string name in new[] { "MaxSessions", "MaxBytes", "CollectionInterval", "ActiveWindow", "RoutingKey", "DataLimits.MaxKeys" })
        {
            Assert.Contains(name, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task RoutingKey_SameKey_GivesSameTagAcrossStores()
    {
        byte[] key = RandomNumberGenerator.GetBytes(32);
        using var one = new InMemorySessionStore(new() { RoutingKey = key, CollectionInterval = TimeSpan.Zero });
        using var two = new InMemorySessionStore(new() { RoutingKey = key, CollectionInterval = TimeSpan.Zero });
        using var other = new InMemorySessionStore(new() { CollectionInterval = TimeSpan.Zero });

        string a = await CreateAsync(one, For("alice"));
        string b = await CreateAsync(two, For("alice"));
        string c = await CreateAsync(other, For("alice"));

        Assert.Equal(a[..SessionIdFactory.RoutingTagLength], b[..SessionIdFactory.RoutingTagLength]);
        Assert.NotEqual(a[..SessionIdFactory.RoutingTagLength], c[..SessionIdFactory.RoutingTagLength]);
        Assert.Equal(new SessionIdFactory(key).GetRoutingTag("alice"), a[..SessionIdFactory.RoutingTagLength]);
    }

    [Fact]
    public async Task ConcurrentMixedOperations_KeepCountsBytesAndIndexesConsistent()
    {
        var time = new FakeTimeProvider(Start);
        using var store = new InMemorySessionStore(new() { CollectionInterval = TimeSpan.Zero, MaxSessions = 10_000 }, time);
        const int Users = 40;
        var created = new System.Collections.Concurrent.ConcurrentBag<string>();

        Task[] workers = Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
        {
            var random = new Random(worker);
            for (int i = 0; i < 3_000; i++)
            {
                string user = "user-" + random.Next(Users);
                switch (random.Next(8))
                {
                    case 0 or 1:
                        SessionCreateResult result = await store.CreateAsync(new NewSession
                        {
                            UserId = user,
                            IdleTimeout = TimeSpan.FromMinutes(random.Next(1, 30)),
                            AbsoluteLifetime = TimeSpan.FromHours(1),
                            RefreshHash = RefreshHash.FromSecret("s"),
                            MaxSessionsPerUser = 5,
                            LimitPolicy = SessionLimitPolicy.EvictOldest,
                        }, default);
                        created.Add(result.Session!.Id);
                        break;
                    case 2:
                        await store.TouchAsync(Pick(created, random), default);
                        break;
                    case 3:
                        await store.SetValueAsync(Pick(created, random), "k" + random.Next(4), Cart, default);
                        break;
                    case 4:
                        await store.RotateRefreshAsync(Pick(created, random), RefreshHash.FromSecret("s"), RefreshHash.FromSecret("t"), default, default);
                        break;
                    case 5:
                        await store.RemoveAsync(Pick(created, random), default);
                        break;
                    case 6:
                        await store.RemoveUserSessionsAsync(user, Pick(created, random), default);
                        break;
                    default:
                        if (worker == 0)
                        {
                            time.Advance(TimeSpan.FromSeconds(random.Next(30)));
                        }

                        store.SweepExpired();
                        break;
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);
        store.SweepExpired();

        // Recount everything from the public surface and compare with the counters.
        var live = new List<SessionRecord>();
        for (int u = 0; u < Users; u++)
        {
            IReadOnlyList<SessionRecord> sessions = await store.ListUserSessionsAsync("user-" + u, default);
            Assert.InRange(sessions.Count, 0, 5);
            live.AddRange(sessions);
        }

        var paged = new List<SessionRecord>();
        for (string? cursor = null; ;)
        {
            SessionPage page = await store.ListAsync(cursor, 1000, default);
            paged.AddRange(page.Sessions);
            if ((cursor = page.NextCursor) is null)
            {
                break;
            }
        }

        SessionCounts counts = await store.GetCountsAsync(default);
        Assert.Equal(live.Count, counts.Sessions);
        Assert.Equal(live.Select(s => s.Id).Order(StringComparer.Ordinal), paged.Select(s => s.Id));
        Assert.Equal(live.Select(s => s.UserId).Distinct().Count(), counts.Users);
        long expectedBytes = live.Sum(s => 256 + (2 * s.UserId.Length) + (s.Data.IsEmpty ? 0 : DataLength(s)));
        Assert.Equal(expectedBytes, store.ApproximateBytes);
        foreach (SessionRecord session in live)
        {
            Assert.NotNull(await store.GetAsync(session.Id, default));
        }
    }

    private static int DataLength(SessionRecord session) => ((Tessera.Sessions.InMemory.InMemorySession)session).DataBlob!.Length;

    private static T Completed<T>(ValueTask<T> pending)
    {
        Assert.True(pending.IsCompletedSuccessfully); // the in-memory store completes synchronously
        return pending.Result;
    }

    private static string Pick(System.Collections.Concurrent.ConcurrentBag<string> ids, Random random) =>
        ids.IsEmpty ? "missing" : ids.ElementAt(random.Next(Math.Min(ids.Count, 64)));
}
