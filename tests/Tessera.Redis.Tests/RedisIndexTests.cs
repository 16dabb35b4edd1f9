using StackExchange.Redis;
using Tessera.Redis.Tests.Fixtures;
using Tessera.Sessions;

namespace Tessera.Redis.Tests;

/// <summary>
/// What the store leaves in Redis on the real clock: expired sessions vanish by TTL, the collector empties the
/// store-wide sets, and no request path scans the key space.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class RedisIndexTests(RedisServerFixture redis)
{
    [Fact]
    public async Task SessionsExpireByTtl_SweepLeavesNoSessionOrIndexEntry_AndNothingScanned()
    {
        string prefix = RedisStores.NewPrefix();
        await using ConnectionMultiplexer admin = await ConnectionMultiplexer.ConnectAsync(redis.Server.Configuration + ",allowAdmin=true");
        IServer server = admin.GetServer(redis.Server.Endpoint);
        await using ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(redis.Server.Configuration);
        using var store = new RedisSessionStore(connection, RedisStores.Options(nearCache: true, prefix));
        await server.ExecuteAsync("CONFIG", "RESETSTAT");

        // Every kind of request on sessions that live one second.
        var ids = new List<string>();
        for (int i = 0; i < 40; i++)
        {
            SessionCreateResult created = await store.CreateAsync(new NewSession
            {
                UserId = "user-" + (i % 5),
                IdleTimeout = TimeSpan.FromSeconds(1),
                AbsoluteLifetime = TimeSpan.FromHours(1),
                RefreshHash = RefreshHash.FromSecret("s" + i),
                MaxSessionsPerUser = 20,
            }, default);
            ids.Add(created.Session!.Id);
            await store.SetValueAsync(created.Session.Id, "k", "1"u8.ToArray(), default);
            await store.TouchAsync(created.Session.Id, default);
            await store.GetAsync(created.Session.Id, default);
            await store.RotateRefreshAsync(created.Session.Id, RefreshHash.FromSecret("s" + i), RefreshHash.FromSecret("t" + i), default, default);
        }

        await store.ListUserSessionsAsync("user-1", default);
        await store.RemoveUserSessionsAsync("user-2", null, default);
        await store.RemoveAsync(ids[0], default);
        await store.ListAsync(null, 10, default);
        await store.GetCountsAsync(default);

        string stats = (string)(await server.ExecuteAsync("INFO", "commandstats"))!;
        Assert.DoesNotContain("cmdstat_keys:", stats, StringComparison.Ordinal);
        Assert.DoesNotContain("cmdstat_scan:", stats, StringComparison.Ordinal);
        // Each script's text goes to Redis once (EVAL); every later call is by its hash (EVALSHA).
        Assert.InRange(Calls(stats, "eval"), 1, 12);
        Assert.True(Calls(stats, "evalsha") > 200, stats);

        // Redis deletes the sessions and the per-user sets by TTL (a second after expiry), with no sweep.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Empty(KeysOf(server, prefix, ":s:"));
        Assert.Empty(KeysOf(server, prefix, ":u:"));
        Assert.Equal(0, (await store.GetCountsAsync(default)).Sessions);

        // The collector removes what the store-wide sets still list.
        Assert.True(await store.SweepExpiredAsync(default) > 0);
        IDatabase db = connection.GetDatabase();
        Assert.Equal(0, await db.SortedSetLengthAsync(prefix + "{g}:exp"));
        Assert.Equal(0, await db.SortedSetLengthAsync(prefix + "{g}:seen"));
        Assert.Equal(0, await db.SortedSetLengthAsync(prefix + "{g}:ids"));
        Assert.Equal(0, (await store.GetCountsAsync(default)).Users);
        Assert.Equal(0, await store.SweepExpiredAsync(default));
    }

    [Fact]
    public async Task TwoStoresWithoutRoutingKey_AgreeOnTheKeyKeptInRedis()
    {
        string prefix = RedisStores.NewPrefix();
        await using ConnectionMultiplexer one = await ConnectionMultiplexer.ConnectAsync(redis.Server.Configuration);
        await using ConnectionMultiplexer two = await ConnectionMultiplexer.ConnectAsync(redis.Server.Configuration);
        using var a = new RedisSessionStore(one, RedisStores.Options(nearCache: false, prefix));
        using var b = new RedisSessionStore(two, RedisStores.Options(nearCache: false, prefix));
        var request = new NewSession { UserId = "alice", IdleTimeout = TimeSpan.FromMinutes(5), AbsoluteLifetime = TimeSpan.FromHours(1) };

        string fromA = (await a.CreateAsync(request, default)).Session!.Id;
        string fromB = (await b.CreateAsync(request, default)).Session!.Id;

        Assert.Equal(fromA[..SessionIdFactory.RoutingTagLength], fromB[..SessionIdFactory.RoutingTagLength]);
        Assert.Equal(2, (await b.ListUserSessionsAsync("alice", default)).Count);
        Assert.Equal(2, (await a.RemoveUserSessionsAsync("alice", null, default)).Count);
    }

    private static long Calls(string commandStats, string command)
    {
        string line = commandStats.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith($"cmdstat_{command}:calls=", StringComparison.Ordinal)) ?? "";
        return line.Length == 0 ? 0 : long.Parse(line.Split('=', ',')[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static List<string> KeysOf(IServer server, string prefix, string kind) =>
        [.. server.Keys(pattern: prefix + "*").Select(k => (string)k!).Where(k => k.Contains(kind, StringComparison.Ordinal))];
}
