using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using StackExchange.Redis;
using Tessera.Jwt;
using Tessera.Redis;
using Tessera.Sessions;
using Tessera.Tokens;

namespace Tessera.Benchmarks;

/// <summary>
/// <see cref="SessionTokenService.AuthenticateAsync(string?, CancellationToken)"/> (HS256, the validated-token cache on) over three session
/// stores: the in-memory store (baseline), <see cref="RedisSessionStore"/> without its near cache (every call is a
/// round trip to Redis), and with it (a repeat call is answered locally).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><b>*_Repeat</b>: one token again and again through a service with the default validated-token cache (10,000):
/// the signature work is skipped, the session lookup (<see cref="ISessionStore.GetAsync"/>) is not.</item>
/// <item><b>*_FirstSeen</b>: <see cref="Tokens"/> distinct tokens cycled through a service whose cache (64) is far
/// smaller than the cycle: full validation, a cache insert and the session lookup on every call.</item>
/// </list>
/// <para>Redis: a <c>redis-server</c> started by the setup for this process on a free loopback port
/// (<see cref="RedisServerProcess"/>, persistence off), one <see cref="ConnectionMultiplexer"/>, the collector off
/// (<c>CollectionInterval = 0</c>); the near cache at its default 5 seconds and 100,000 entries, measured only once
/// <see cref="RedisSessionStore.IsNearCacheActive"/> (its pub/sub probe came back). The setup proves each store
/// accepts every token, and, from Redis's own <c>INFO commandstats</c>, that without the near cache every repeat call
/// reads Redis (one <c>HGETALL</c>) and with it almost none does (one per session per 5 seconds).</para>
/// <para>How the I/O is measured: every benchmark returns <see cref="ValueTask{TResult}"/> of bool, which
/// BenchmarkDotNet awaits (blocking) after each invocation, so a call that waits for Redis is timed to its
/// completion. A call that completes synchronously (memory store, near-cache hit) returns a finished ValueTask with
/// no allocation, so the baseline is not charged for a <see cref="Task"/> it does not need.</para>
/// <para>Tokens: the service's own (5-minute lifetime on the system clock); the setup signs fresh ones in each process.
/// Last seen is written at most once a minute (the default), so a run touches each session about once a minute.</para>
/// </remarks>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class RedisAuthenticateBenchmarks
{
    /// <summary>Distinct tokens (and sessions) cycled through by the first-seen benchmarks.</summary>
    public const int Tokens = 4096;

    private const string Repeat = "Repeat";
    private const string FirstSeen = "FirstSeen";

    /// <summary>Repeat calls the setup makes to see how many reach Redis.</summary>
    private const int ProbeCalls = 1000;

    private static readonly TimeSpan s_nearCacheWait = TimeSpan.FromSeconds(15);

    private RedisServerProcess? _redisServer;
    private ConnectionMultiplexer? _redis;
    private ISessionStore _store = null!;
    private JwtKey _key = null!;
    private SessionTokenService _firstSeen = null!;
    private SessionTokenService _repeat = null!;
    private string[] _tokens = [];
    private int _next;

    /// <summary>The in-memory store.</summary>
    [GlobalSetup(Targets = [nameof(Memory_Repeat), nameof(Memory_FirstSeen)])]
    public void SetupMemory()
    {
        _store = new InMemorySessionStore();
        SignIn("memory");
    }

    /// <summary>Redis, near cache off: every lookup is a round trip.</summary>
    [GlobalSetup(Targets = [nameof(Redis_Repeat), nameof(Redis_FirstSeen)])]
    public void SetupRedis()
    {
        _store = StartRedis(TimeSpan.Zero);
        SignIn("redis");
        long reads = RepeatReadsOfRedis();
        if (reads < ProbeCalls)
        {
            throw new InvalidOperationException($"Without the near cache, {ProbeCalls} repeat calls read Redis only {reads} times: not every call looks the session up.");
        }
    }

    /// <summary>Redis, near cache on (5 s): a repeat lookup is answered locally.</summary>
    [GlobalSetup(Targets = [nameof(RedisNear_Repeat), nameof(RedisNear_FirstSeen)])]
    public void SetupRedisNear()
    {
        var store = StartRedis(TimeSpan.FromSeconds(5));
        long deadline = System.Diagnostics.Stopwatch.GetTimestamp() + (long)(s_nearCacheWait.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        while (!store.IsNearCacheActive)
        {
            if (System.Diagnostics.Stopwatch.GetTimestamp() > deadline)
            {
                throw new InvalidOperationException($"The near cache did not become active within {s_nearCacheWait.TotalSeconds} s (its pub/sub probe never came back).");
            }

            Thread.Sleep(20);
        }

        SignIn("redis-near");
        long reads = RepeatReadsOfRedis();
        if (reads > ProbeCalls / 100)
        {
            throw new InvalidOperationException($"With the near cache, {ProbeCalls} repeat calls still read Redis {reads} times.");
        }
    }

    /// <summary>Releases the services, the store, the connection and the Redis server.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _firstSeen?.Dispose();
        _repeat?.Dispose();
        (_store as IDisposable)?.Dispose();

        _redis?.Dispose();
        _redisServer?.Dispose();
        _key?.Dispose();
        _redis = null;
        _redisServer = null;
    }

    /// <summary>Repeat token, in-memory store.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory(Repeat)]
    public ValueTask<bool> Memory_Repeat() => Check(_repeat, _tokens[0]);

    /// <summary>Repeat token, Redis without near cache.</summary>
    [Benchmark]
    [BenchmarkCategory(Repeat)]
    public ValueTask<bool> Redis_Repeat() => Check(_repeat, _tokens[0]);

    /// <summary>Repeat token, Redis with near cache.</summary>
    [Benchmark]
    [BenchmarkCategory(Repeat)]
    public ValueTask<bool> RedisNear_Repeat() => Check(_repeat, _tokens[0]);

    /// <summary>A token not in the validated-token cache, in-memory store.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory(FirstSeen)]
    public ValueTask<bool> Memory_FirstSeen() => Check(_firstSeen, NextToken());

    /// <summary>A token not in the validated-token cache, Redis without near cache.</summary>
    [Benchmark]
    [BenchmarkCategory(FirstSeen)]
    public ValueTask<bool> Redis_FirstSeen() => Check(_firstSeen, NextToken());

    /// <summary>A token not in the validated-token cache, Redis with near cache.</summary>
    [Benchmark]
    [BenchmarkCategory(FirstSeen)]
    public ValueTask<bool> RedisNear_FirstSeen() => Check(_firstSeen, NextToken());

    private RedisSessionStore StartRedis(TimeSpan nearCache)
    {
        _redisServer = RedisServerProcess.Start();
        // allowAdmin for INFO commandstats in the setup's check only; the store's calls are the same either way.
        _redis = ConnectionMultiplexer.Connect(_redisServer.Configuration + ",allowAdmin=true");
        var store = new RedisSessionStore(_redis, new RedisSessionStoreOptions
        {
            NearCacheDuration = nearCache,
            CollectionInterval = TimeSpan.Zero,
        }, TimeProvider.System);
        _store = store;
        return store;
    }

    private void SignIn(string mode)
    {
        _key = JwtKey.CreateHmac(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), JwtAlgorithm.HS256, "bench");
        var options = new SessionTokenOptions { Issuer = BenchToken.Issuer, Audience = BenchToken.Audience, ValidatedTokenCacheSize = 64 };
        _firstSeen = new SessionTokenService(options, _store, _key);
        options.ValidatedTokenCacheSize = 10_000;
        _repeat = new SessionTokenService(options, _store, _key);

        _tokens = new string[Tokens];
        for (int i = 0; i < Tokens; i++)
        {
            SignInResult signedIn = _firstSeen.SignInAsync(new SessionUser(SessionBench.UserId(i + 1), "user", ["reader"])).AsTask().GetAwaiter().GetResult();
            _tokens[i] = signedIn.Tokens?.AccessToken ?? throw new InvalidOperationException($"Sign-in refused ({mode}): {signedIn.Error}.");
            if (!Check(_firstSeen, _tokens[i]).AsTask().GetAwaiter().GetResult() || !Check(_repeat, _tokens[i]).AsTask().GetAwaiter().GetResult())
            {
                throw new InvalidOperationException($"A fresh token was refused ({mode}).");
            }
        }
    }

    /// <summary>How many of <see cref="ProbeCalls"/> repeat calls read Redis (<c>HGETALL</c>s counted by Redis itself).</summary>
    private long RepeatReadsOfRedis()
    {
        IServer server = _redis!.GetServer(_redis.GetEndPoints()[0]);
        long before = HashGetAllCalls(server);
        for (int i = 0; i < ProbeCalls; i++)
        {
            Check(_repeat, _tokens[0]).AsTask().GetAwaiter().GetResult();
        }

        long reads = HashGetAllCalls(server) - before;
        Console.WriteLine($"// {ProbeCalls} repeat authentications read Redis {reads} times (HGETALL, from INFO commandstats).");
        return reads;
    }

    private static long HashGetAllCalls(IServer server)
    {
        foreach (IGrouping<string, KeyValuePair<string, string>> section in server.Info("commandstats"))
        {
            foreach (KeyValuePair<string, string> entry in section)
            {
                if (entry.Key == "cmdstat_hgetall")
                {
                    // calls=123,usec=...,usec_per_call=...
                    string calls = entry.Value.Split(',')[0];
                    return long.Parse(calls["calls=".Length..], CultureInfo.InvariantCulture);
                }
            }
        }

        return 0;
    }

    private string NextToken()
    {
        int i = _next;
        _next = i + 1 == Tokens ? 0 : i + 1;
        return _tokens[i];
    }

    private static ValueTask<bool> Check(SessionTokenService service, string token)
    {
        ValueTask<AuthenticationResult> pending = service.AuthenticateAsync(token);
        return pending.IsCompletedSuccessfully ? new ValueTask<bool>(Succeeded(pending.Result)) : AwaitAsync(pending);

        static async ValueTask<bool> AwaitAsync(ValueTask<AuthenticationResult> pending) => Succeeded(await pending.ConfigureAwait(false));
    }

    private static bool Succeeded(AuthenticationResult result) =>
        result.Succeeded ? true : throw new InvalidOperationException($"Refused: {result.Error}.");
}
