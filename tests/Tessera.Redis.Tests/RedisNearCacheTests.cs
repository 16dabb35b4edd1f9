using StackExchange.Redis;
using Tessera.Redis.Tests.Fixtures;
using Tessera.Sessions;

namespace Tessera.Redis.Tests;

/// <summary>
/// Two store instances on two connections to one Redis, as two server processes would be: what one changes, the
/// other's near cache must stop answering.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class RedisNearCacheTests(RedisServerFixture redis) : IAsyncLifetime
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);
    private readonly string _prefix = RedisStores.NewPrefix();
    private OwningStore _a = null!;
    private OwningStore _b = null!;

    public async Task InitializeAsync()
    {
        _a = await OpenAsync();
        _b = await OpenAsync();
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    [Fact]
    public async Task RemoveThroughOne_OtherStopsAnsweringFromItsCache()
    {
        string id = await CreateAsync();
        Assert.NotNull(await _b.GetAsync(id, default)); // now in B's near cache
        Assert.True(IsAnsweredFromCache(_b, id)); // a Redis round trip never completes synchronously

        Task evicted = EvictionSeenAsync(_b.Inner, id);
        Assert.True(await _a.RemoveAsync(id, default));
        await evicted.WaitAsync(s_wait);

        Assert.Null(await _b.GetAsync(id, default));
        Assert.False(IsAnsweredFromCache(_b, id));
    }

    [Fact]
    public async Task RemoveUserSessionsAndDataWritesThroughOne_OtherSeesThem()
    {
        string kept = await CreateAsync("alice");
        string kicked = await CreateAsync("alice");
        Assert.NotNull(await _b.GetAsync(kept, default));
        Assert.NotNull(await _b.GetAsync(kicked, default));

        Task evicted = EvictionSeenAsync(_b.Inner, kicked);
        Assert.Equal([kicked], await _a.RemoveUserSessionsAsync("alice", kept, default));
        await evicted.WaitAsync(s_wait);
        Assert.Null(await _b.GetAsync(kicked, default));

        Task written = EvictionSeenAsync(_b.Inner, kept);
        Assert.Equal(SessionWriteStatus.Ok, await _a.SetValueAsync(kept, "theme", "\"dark\""u8.ToArray(), default));
        await written.WaitAsync(s_wait);
        SessionRecord? read = await _b.GetAsync(kept, default);
        Assert.True(read!.Data.TryGetValue("theme", out ReadOnlyMemory<byte> theme));
        Assert.Equal("\"dark\"", System.Text.Encoding.UTF8.GetString(theme.Span));
    }

    [Fact]
    public async Task SubscriptionDown_CacheNotUsedUntilItsProbeComesBack()
    {
        string id = await CreateAsync();
        Assert.NotNull(await _b.GetAsync(id, default));
        Assert.True(_b.Inner.IsNearCacheActive);

        // Drop B's subscription connection from the server side: B must stop trusting its cache at once.
        await using (ConnectionMultiplexer admin = await ConnectionMultiplexer.ConnectAsync(redis.Server.Configuration + ",allowAdmin=true"))
        {
            await admin.GetServer(redis.Server.Endpoint).ExecuteAsync("CLIENT", "KILL", "TYPE", "pubsub");
        }

        await WaitUntilAsync(() => !_b.Inner.IsNearCacheActive);

        // While it reconnects, a removal through A is missed by B's subscription, yet B does not answer from cache.
        Assert.True(await _a.RemoveAsync(id, default));
        Assert.Null(await _b.GetAsync(id, default));

        // It comes back by itself.
        await WaitUntilAsync(() => _b.Inner.IsNearCacheActive);
        Assert.Null(await _b.GetAsync(id, default));
        string other = await CreateAsync();
        Assert.NotNull(await _b.GetAsync(other, default));
        Assert.True(IsAnsweredFromCache(_b, other));
    }

    private async Task<OwningStore> OpenAsync()
    {
        var store = new OwningStore(await ConnectionMultiplexer.ConnectAsync(redis.Server.Configuration), RedisStores.Options(nearCache: true, _prefix), TimeProvider.System);
        await WaitUntilAsync(() => store.Inner.IsNearCacheActive);
        return store;
    }

    private async Task<string> CreateAsync(string user = "alice")
    {
        SessionCreateResult created = await _a.CreateAsync(new NewSession { UserId = user, IdleTimeout = TimeSpan.FromMinutes(30), AbsoluteLifetime = TimeSpan.FromHours(8) }, default);
        return created.Session!.Id;
    }

    private static bool IsAnsweredFromCache(OwningStore store, string id)
    {
        ValueTask<SessionRecord?> read = store.GetAsync(id, default);
        return read.IsCompletedSuccessfully && read.Result is not null;
    }

    private static Task EvictionSeenAsync(RedisSessionStore store, string id)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Handler(string evicted)
        {
            if (evicted == id)
            {
                store.EvictionApplied -= Handler;
                seen.TrySetResult();
            }
        }

        store.EvictionApplied += Handler;
        return seen.Task;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = TimeProvider.System.GetTimestamp() + (long)(s_wait.TotalSeconds * TimeProvider.System.TimestampFrequency);
        while (!condition())
        {
            Assert.True(TimeProvider.System.GetTimestamp() < deadline, "The condition did not come true within 10 seconds.");
            await Task.Delay(20);
        }
    }
}
