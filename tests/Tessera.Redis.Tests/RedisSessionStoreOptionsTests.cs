using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Tessera.Redis.Tests.Fixtures;
using Tessera.Sessions;

namespace Tessera.Redis.Tests;

/// <summary>Options and registration: bad settings are refused up front with every problem named.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisSessionStoreOptionsTests(RedisServerFixture redis)
{
    [Fact]
    public void Validate_Defaults_NoProblems() => Assert.Empty(new RedisSessionStoreOptions().Validate());

    [Fact]
    public async Task Constructor_SeveralBadOptions_OneErrorNamingEach()
    {
        await using ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(redis.Server.Configuration);
        var options = new RedisSessionStoreOptions
        {
            KeyPrefix = "app:{x}",
            ActiveWindow = TimeSpan.FromSeconds(1),
            NearCacheDuration = TimeSpan.FromMinutes(5),
            RoutingKey = new byte[8],
        };

        ArgumentException error = Assert.Throws<ArgumentException>(() => new RedisSessionStore(connection, options));

        foreach (string name in new[] { "KeyPrefix", "ActiveWindow", "NearCacheDuration", "RoutingKey" })
        {
            Assert.Contains(name, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ConnectAsync_NoConfiguration_ArgumentException()
    {
        ArgumentException error = await Assert.ThrowsAsync<ArgumentException>(() => RedisSessionStore.ConnectAsync(new RedisSessionStoreOptions()));
        Assert.Contains("Configuration", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectAsync_Configuration_StoreOwnsAWorkingConnection()
    {
        using RedisSessionStore store = await RedisSessionStore.ConnectAsync(new RedisSessionStoreOptions { Configuration = redis.Server.Configuration, KeyPrefix = RedisStores.NewPrefix() });
        SessionCreateResult created = await store.CreateAsync(new NewSession { UserId = "alice", IdleTimeout = TimeSpan.FromMinutes(5), AbsoluteLifetime = TimeSpan.FromHours(1) }, default);
        Assert.NotNull(await store.GetAsync(created.Session!.Id, default));
    }

    [Fact]
    public void AddTesseraRedisStore_ReplacesTheStore_AndUsesARegisteredConnection()
    {
        var services = new ServiceCollection();
        services.AddSingleton<ISessionStore>(new InMemorySessionStore());
        services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(redis.Server.Configuration));
        services.AddTesseraRedisStore(o => o.KeyPrefix = RedisStores.NewPrefix());
        using ServiceProvider provider = services.BuildServiceProvider();

        ISessionStore store = provider.GetRequiredService<ISessionStore>();

        Assert.IsType<RedisSessionStore>(store);
        Assert.Same(store, provider.GetRequiredService<RedisSessionStore>());
    }

    [Fact]
    public void AddTesseraRedisStore_NoConnectionNorConfiguration_ClearErrorWhenResolved()
    {
        var services = new ServiceCollection();
        services.AddTesseraRedisStore(_ => { });
        using ServiceProvider provider = services.BuildServiceProvider();

        ArgumentException error = Assert.Throws<ArgumentException>(() => provider.GetRequiredService<ISessionStore>());
        Assert.Contains("Configuration", error.Message, StringComparison.Ordinal);
    }
}
