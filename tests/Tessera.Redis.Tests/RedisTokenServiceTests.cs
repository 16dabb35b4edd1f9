using System.Security.Cryptography;
using StackExchange.Redis;
using Tessera.Jwt;
using Tessera.Redis.Tests.Fixtures;
using Tessera.Sessions;
using Tessera.Tests;
using Tessera.Tokens;

namespace Tessera.Redis.Tests;

/// <summary>The token service over the Redis store: one token refreshed by eight callers at once.</summary>
internal static class RefreshRace
{
    public const int Trials = 1000;
    public const int Racers = 8;

    /// <summary>Each trial: a new session, eight concurrent refreshes with its one refresh token, exactly one rotation.</summary>
    public static async Task RunAsync(string configuration)
    {
        await using ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(configuration);
        using var store = new RedisSessionStore(connection, RedisStores.Options(nearCache: true));
        using JwtKey key = JwtKey.CreateHmac(RandomNumberGenerator.GetBytes(32), JwtAlgorithm.HS256, "k1");
        using var service = new SessionTokenService(new SessionTokenOptions { Issuer = "https://auth.example", Audience = "api" }, store, key);
        for (int trial = 0; trial < Trials; trial++)
        {
            SignInResult signIn = await service.SignInAsync(new SessionUser("user-" + (trial % 50), "User", ["reader"]));
            IssuedTokens tokens = signIn.Tokens!;
            RefreshResult[] results = await Concurrently.RunTogetherAsync(Racers, _ => service.RefreshAsync(tokens.RefreshToken).AsTask());

            Assert.All(results, r => Assert.True(r.Succeeded, $"trial {trial}: {r.Error}"));
            Assert.Single(results, r => !r.IsGraceRepeat);
            Assert.Single(results.Select(r => r.Tokens!.RefreshToken).Distinct());
            Assert.Equal(1, (await store.GetAsync(tokens.SessionId, default))!.RefreshGeneration);
            await service.SignOutAsync(tokens.SessionId);
        }
    }
}

[Collection(RedisCollection.Name)]
public sealed class RedisRefreshRaceTests(RedisServerFixture redis)
{
    [Fact]
    public Task RefreshAsync_EightConcurrentWithOneToken_ExactlyOneRotates_1000Trials() => RefreshRace.RunAsync(redis.Server.Configuration);
}

[Collection(RedisClusterCollection.Name)]
public sealed class RedisClusterRefreshRaceTests(RedisClusterFixture cluster)
{
    [Fact]
    public Task RefreshAsync_EightConcurrentWithOneToken_ExactlyOneRotates_1000Trials() => RefreshRace.RunAsync(cluster.Cluster.Configuration);
}

/// <summary>Faults: each test owns its redis-server, kills it and starts it again.</summary>
public sealed class RedisFaultTests
{
    private static readonly SessionTokenOptions s_options = new() { Issuer = "https://auth.example", Audience = "api" };

    [Fact]
    public async Task RedisKilled_AuthenticateFailsClosed_ThenRecoversWhenRedisIsBack()
    {
        await using RedisServer server = await RedisServer.StartAsync(appendOnly: true);
        await using ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(server.Configuration + ",syncTimeout=1000,asyncTimeout=1000");
        using var store = new RedisSessionStore(connection, RedisStores.Options(nearCache: true));
        using JwtKey key = JwtKey.CreateHmac(RandomNumberGenerator.GetBytes(32), JwtAlgorithm.HS256, "k1");
        using var service = new SessionTokenService(s_options, store, key);
        IssuedTokens tokens = (await service.SignInAsync(new SessionUser("alice", "Alice", []))).Tokens!;
        await WaitUntilAsync(() => store.IsNearCacheActive);
        Assert.True((await service.AuthenticateAsync(tokens.AccessToken)).Succeeded);

        await server.KillAsync();
        await WaitUntilAsync(() => !store.IsNearCacheActive);
        for (int i = 0; i < 3; i++)
        {
            // Never a success while Redis is gone: the store's failure propagates (the host answers 503 or 500).
            Exception failure = await Assert.ThrowsAnyAsync<Exception>(async () => await service.AuthenticateAsync(tokens.AccessToken));
            Assert.True(failure is RedisException or TimeoutException, failure.GetType().Name);
        }

        await server.RestartAsync();
        await WaitUntilAsync(() => connection.IsConnected && store.IsNearCacheActive);
        Assert.True((await service.AuthenticateAsync(tokens.AccessToken)).Succeeded);
    }

    [Fact]
    public async Task RedisKilledAndRestartedWithAof_NoSessionLost()
    {
        await using RedisServer server = await RedisServer.StartAsync(appendOnly: true);
        await using ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(server.Configuration);
        using var store = new RedisSessionStore(connection, RedisStores.Options(nearCache: false));
        var ids = new List<string>();
        for (int i = 0; i < 50; i++)
        {
            SessionCreateResult created = await store.CreateAsync(new NewSession { UserId = "user-" + (i % 7), IdleTimeout = TimeSpan.FromMinutes(30), AbsoluteLifetime = TimeSpan.FromHours(8) }, default);
            ids.Add(created.Session!.Id);
            Assert.Equal(SessionWriteStatus.Ok, await store.SetValueAsync(created.Session.Id, "n", System.Text.Encoding.UTF8.GetBytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture)), default));
        }

        int pid = server.ProcessId;
        await server.KillAsync();
        await server.RestartAsync();
        Assert.NotEqual(pid, server.ProcessId);
        await WaitUntilAsync(() => connection.IsConnected);

        for (int i = 0; i < ids.Count; i++)
        {
            SessionRecord? session = await store.GetAsync(ids[i], default);
            Assert.NotNull(session);
            Assert.True(session.Data.TryGetValue("n", out ReadOnlyMemory<byte> n));
            Assert.Equal(i.ToString(System.Globalization.CultureInfo.InvariantCulture), System.Text.Encoding.UTF8.GetString(n.Span));
        }

        Assert.Equal(50, (await store.GetCountsAsync(default)).Sessions);
        Assert.Equal(7, (await store.GetCountsAsync(default)).Users);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        long deadline = TimeProvider.System.GetTimestamp() + (15 * TimeProvider.System.TimestampFrequency);
        while (!condition())
        {
            Assert.True(TimeProvider.System.GetTimestamp() < deadline, "The condition did not come true within 15 seconds.");
            await Task.Delay(20);
        }
    }
}
