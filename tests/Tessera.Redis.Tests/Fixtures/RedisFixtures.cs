using System.Diagnostics.CodeAnalysis;

namespace Tessera.Redis.Tests.Fixtures;

/// <summary>
/// One redis-server for a whole test collection (<see cref="RedisCollection"/>): starting one per test would be
/// cheap too (tens of milliseconds), but not free on a shared 2-core machine. Tests that share it use their own keys
/// and never kill it; a test that kills or restarts Redis starts its own <see cref="RedisServer"/>.
/// </summary>
/// <remarks>If redis-server is missing, <see cref="InitializeAsync"/> throws and every test of the collection fails, saying how to install it.</remarks>
public sealed class RedisServerFixture : IAsyncLifetime
{
    private RedisServer? _server;

    public RedisServer Server => _server ?? throw new InvalidOperationException("The Redis fixture is not initialized.");

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>
/// One three-master Redis Cluster for a whole test collection (<see cref="RedisClusterCollection"/>): creating one
/// takes a second or two, most of it redis-cli waiting for the nodes to agree.
/// </summary>
public sealed class RedisClusterFixture : IAsyncLifetime
{
    private RedisCluster? _cluster;

    public RedisCluster Cluster => _cluster ?? throw new InvalidOperationException("The Redis Cluster fixture is not initialized.");

    public async Task InitializeAsync() => _cluster = await RedisCluster.StartAsync();

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}

/// <summary>The tests that share one redis-server; xunit runs them one after another, in parallel with other collections.</summary>
[CollectionDefinition(Name)]
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "An xunit collection definition: the suffix is what it is.")]
public sealed class RedisCollection : ICollectionFixture<RedisServerFixture>
{
    public const string Name = "redis";
}

/// <summary>The tests that share one Redis Cluster.</summary>
[CollectionDefinition(Name)]
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "An xunit collection definition: the suffix is what it is.")]
public sealed class RedisClusterCollection : ICollectionFixture<RedisClusterFixture>
{
    public const string Name = "redis-cluster";
}
