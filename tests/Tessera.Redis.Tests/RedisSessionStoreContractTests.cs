using StackExchange.Redis;
using Tessera.Redis.Tests.Fixtures;
using Tessera.Sessions;
using Tessera.Tests.Sessions;

namespace Tessera.Redis.Tests;

/// <summary>
/// The shared store contract, unchanged, against a real redis-server. Each test gets its own key prefix, so tests
/// share one server without seeing each other's keys. The collector timer is off: the suite sweeps by itself.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class RedisSessionStoreContractTests(RedisServerFixture redis) : SessionStoreContractTests
{
    protected override ISessionStore CreateStore(TimeProvider timeProvider) =>
        new OwningStore(ConnectionMultiplexer.Connect(redis.Server.Configuration), RedisStores.Options(nearCache: false), timeProvider);
}

/// <summary>The contract again with the near cache on: the cache must not change any answer of one store.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisSessionStoreNearCacheContractTests(RedisServerFixture redis) : SessionStoreContractTests
{
    protected override ISessionStore CreateStore(TimeProvider timeProvider) =>
        new OwningStore(ConnectionMultiplexer.Connect(redis.Server.Configuration), RedisStores.Options(nearCache: true), timeProvider);
}

/// <summary>The contract against a 3-master Redis Cluster: every multi-key step must stay within one hash slot.</summary>
[Collection(RedisClusterCollection.Name)]
public sealed class RedisClusterSessionStoreContractTests(RedisClusterFixture cluster) : SessionStoreContractTests
{
    protected override ISessionStore CreateStore(TimeProvider timeProvider) =>
        new OwningStore(ConnectionMultiplexer.Connect(cluster.Cluster.Configuration), RedisStores.Options(nearCache: false), timeProvider);
}

/// <summary>Options for test stores: a fresh key prefix, no collector timer.</summary>
internal static class RedisStores
{
    public static RedisSessionStoreOptions Options(bool nearCache, string? prefix = null) => new()
    {
        KeyPrefix = prefix ?? NewPrefix(),
        CollectionInterval = TimeSpan.Zero,
        NearCacheDuration = nearCache ? TimeSpan.FromSeconds(5) : TimeSpan.Zero,
    };

    public static string NewPrefix() => "t" + Guid.NewGuid().ToString("N")[..12] + ":";
}

/// <summary>A store that also disposes the connection made for it.</summary>
internal sealed class OwningStore(IConnectionMultiplexer connection, RedisSessionStoreOptions options, TimeProvider time)
    : ISessionStore, IAsyncDisposable
{
    private readonly RedisSessionStore _store = new(connection, options, time);

    public RedisSessionStore Inner => _store;

    public IConnectionMultiplexer Connection => connection;

    public ValueTask<SessionCreateResult> CreateAsync(NewSession session, CancellationToken cancellationToken) => _store.CreateAsync(session, cancellationToken);
    public ValueTask<SessionRecord?> GetAsync(string sessionId, CancellationToken cancellationToken) => _store.GetAsync(sessionId, cancellationToken);
    public ValueTask<SessionRecord?> TouchAsync(string sessionId, CancellationToken cancellationToken) => _store.TouchAsync(sessionId, cancellationToken);
    public ValueTask<SessionWriteStatus> SetValueAsync(string sessionId, string key, ReadOnlyMemory<byte> utf8Json, CancellationToken cancellationToken) => _store.SetValueAsync(sessionId, key, utf8Json, cancellationToken);
    public ValueTask<SessionWriteStatus> RemoveValueAsync(string sessionId, string key, CancellationToken cancellationToken) => _store.RemoveValueAsync(sessionId, key, cancellationToken);
    public ValueTask<SessionWriteStatus> ClearValuesAsync(string sessionId, CancellationToken cancellationToken) => _store.ClearValuesAsync(sessionId, cancellationToken);
    public ValueTask<RotationResult> RotateRefreshAsync(string sessionId, RefreshHash expected, RefreshHash replacement, ReadOnlyMemory<byte> recoveryEnvelope, CancellationToken cancellationToken) => _store.RotateRefreshAsync(sessionId, expected, replacement, recoveryEnvelope, cancellationToken);
    public ValueTask<bool> RemoveAsync(string sessionId, CancellationToken cancellationToken) => _store.RemoveAsync(sessionId, cancellationToken);
    public ValueTask<IReadOnlyList<string>> RemoveUserSessionsAsync(string userId, string? exceptSessionId, CancellationToken cancellationToken) => _store.RemoveUserSessionsAsync(userId, exceptSessionId, cancellationToken);
    public ValueTask<IReadOnlyList<SessionRecord>> ListUserSessionsAsync(string userId, CancellationToken cancellationToken) => _store.ListUserSessionsAsync(userId, cancellationToken);
    public ValueTask<SessionPage> ListAsync(string? after, int limit, CancellationToken cancellationToken) => _store.ListAsync(after, limit, cancellationToken);
    public ValueTask<SessionCounts> GetCountsAsync(CancellationToken cancellationToken) => _store.GetCountsAsync(cancellationToken);
    public ValueTask<int> SweepExpiredAsync(CancellationToken cancellationToken) => _store.SweepExpiredAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _store.DisposeAsync();
        await connection.DisposeAsync();
    }
}
