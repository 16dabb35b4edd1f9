using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Session;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Tessera.Sessions;

namespace Tessera.Benchmarks;

/// <summary>
/// What every session benchmark and measurement shares: the session contents, the timeouts, how both stacks are
/// built and populated, and the checks that a populated store really holds what it should.
/// </summary>
/// <remarks>
/// <para>Each session holds two keys: <c>"cart"</c>, the same 40-byte JSON value in both stacks, and
/// <c>"theme"</c>: the JSON string <c>"dark"</c> (6 bytes) for Tessera, whose values are JSON, and the 4 bytes
/// <c>dark</c> for ASP.NET Core, what <c>session.SetString("theme", "dark")</c> stores (passed pre-encoded to
/// <c>Set</c>, as Tessera gets pre-serialized bytes).</para>
/// <para>Tessera: one session per user, user ids <c>user-0000001</c>…, a refresh hash, no client information.
/// ASP.NET Core: session keys made as <c>SessionMiddleware</c> makes them (16 random bytes as a GUID string), a
/// <see cref="DistributedSessionStore"/> over a <see cref="MemoryDistributedCache"/> with its default options
/// unless stated, <see cref="NullLoggerFactory"/> (so <c>CommitAsync</c> skips its Information-level extra read),
/// and the default <c>SessionOptions.IOTimeout</c> of one minute. Cookies, data protection and tokens are left
/// out on both sides.</para>
/// </remarks>
internal static class SessionBench
{
    /// <summary>The environment variable that overrides the number of sessions (for smoke runs).</summary>
    public const string SessionsVariable = "TESSERA_BENCH_SESSIONS";

    /// <summary>Sessions in a populated store unless <see cref="SessionsVariable"/> says otherwise.</summary>
    public const int DefaultSessions = 1_000_000;

    /// <summary>The key read and written by the benchmarks.</summary>
    public const string CartKey = "cart";

    /// <summary>The second key of every session.</summary>
    public const string ThemeKey = "theme";

    /// <summary>The value of <see cref="CartKey"/> in both stacks: 40 bytes of JSON.</summary>
    public static readonly byte[] CartJson = """{"items":[{"sku":"A-10","qty":2}],"n":1}"""u8.ToArray();

    /// <summary>Tessera's value of <see cref="ThemeKey"/>: the JSON string "dark".</summary>
    public static readonly byte[] ThemeJson = "\"dark\""u8.ToArray();

    /// <summary>ASP.NET Core's value of <see cref="ThemeKey"/>: what <c>SetString("theme", "dark")</c> stores.</summary>
    public static readonly byte[] ThemeUtf8 = "dark"u8.ToArray();

    /// <summary>The idle timeout of the memory and collection measurements (ASP.NET Core's default).</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(20);

    /// <summary>
    /// The idle timeout in the BenchmarkDotNet classes: long enough that no session can expire during a run.
    /// It changes the cost of no call in either stack.
    /// </summary>
    public static readonly TimeSpan BenchIdleTimeout = TimeSpan.FromHours(2);

    /// <summary>Tessera's absolute lifetime (ASP.NET Core sessions have none).</summary>
    public static readonly TimeSpan AbsoluteLifetime = TimeSpan.FromDays(1);

    /// <summary>ASP.NET Core's default <c>SessionOptions.IOTimeout</c>.</summary>
    public static readonly TimeSpan IoTimeout = TimeSpan.FromMinutes(1);

    /// <summary>The <c>tryEstablishSession</c> callback: the response has not started, so a session may be set.</summary>
    public static readonly Func<bool> TryEstablish = static () => true;

    /// <summary>The refresh hash every populated Tessera session starts with.</summary>
    public static readonly RefreshHash InitialRefresh = RefreshHash.FromSecret("refresh-secret-a");

    /// <summary>Sessions per populated store: <see cref="SessionsVariable"/> or <see cref="DefaultSessions"/>.</summary>
    public static int Sessions
    {
        get
        {
            string? text = Environment.GetEnvironmentVariable(SessionsVariable);
            if (string.IsNullOrEmpty(text))
            {
                return DefaultSessions;
            }

            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value >= 1000
                ? value
                : throw new InvalidOperationException($"{SessionsVariable} must be a whole number of at least 1000 (was '{text}').");
        }
    }

    /// <summary>The user id of session number <paramref name="number"/> (from 1): <c>user-0000001</c>.</summary>
    public static string UserId(int number) => "user-" + number.ToString("D7", CultureInfo.InvariantCulture);

    /// <summary>
    /// Tessera's options for a store of about <paramref name="sessions"/> sessions: capacity limits far above what the
    /// run needs (so they never refuse), and no background collector (the benchmarks measure calls; collection is
    /// measured on its own by the <c>collect</c> mode).
    /// </summary>
    public static InMemorySessionStoreOptions TesseraOptions(int sessions) => new()
    {
        MaxSessions = checked((sessions * 2) + 100_000),
        MaxBytes = 64L * 1024 * 1024 * 1024,
        CollectionInterval = TimeSpan.Zero,
    };

    /// <summary>
    /// A Tessera session request for <paramref name="userId"/>.
    /// </summary>
    public static NewSession NewTesseraSession(string userId, TimeSpan idleTimeout, SessionData data = default) => new()
    {
        UserId = userId,
        IdleTimeout = idleTimeout,
        AbsoluteLifetime = idleTimeout > AbsoluteLifetime ? idleTimeout * 2 : AbsoluteLifetime,
        RefreshHash = InitialRefresh,
        Data = data,
    };

    /// <summary>
    /// Creates <paramref name="count"/> Tessera sessions for users <paramref name="firstUser"/>… and sets the two keys
    /// in each, as an application would (create, then two writes by id).
    /// </summary>
    /// <returns>The session ids when <paramref name="keepIds"/>, in creation order; otherwise an empty array.</returns>
    public static string[] PopulateTessera(InMemorySessionStore store, int count, int firstUser, TimeSpan idleTimeout, bool keepIds)
    {
        string[] ids = keepIds ? new string[count] : [];
        for (int i = 0; i < count; i++)
        {
            string id = CreateTessera(store, UserId(firstUser + i), idleTimeout);
            if (keepIds)
            {
                ids[i] = id;
            }
        }

        return ids;
    }

    /// <summary>Creates one Tessera session with the two keys and returns its id.</summary>
    public static string CreateTessera(InMemorySessionStore store, string userId, TimeSpan idleTimeout)
    {
        SessionCreateResult created = Sync(store.CreateAsync(NewTesseraSession(userId, idleTimeout), CancellationToken.None));
        if (!created.IsCreated)
        {
            throw new InvalidOperationException($"Tessera refused session for {userId}: {created.Status}.");
        }

        string id = created.Session!.Id;
        RequireOk(Sync(store.SetValueAsync(id, CartKey, CartJson, CancellationToken.None)));
        RequireOk(Sync(store.SetValueAsync(id, ThemeKey, ThemeJson, CancellationToken.None)));
        return id;
    }

    /// <summary>
    /// Creates one Tessera session with the two keys given at creation (<see cref="NewSession.Data"/>, built per call
    /// as an application would) and returns it.
    /// </summary>
    public static SessionRecord CreateTesseraWithInitialData(InMemorySessionStore store, string userId, TimeSpan idleTimeout)
    {
        SessionData data = SessionData.Create([new(CartKey, CartJson), new(ThemeKey, ThemeJson)]);
        SessionCreateResult created = Sync(store.CreateAsync(NewTesseraSession(userId, idleTimeout, data), CancellationToken.None));
        return created.Session ?? throw new InvalidOperationException($"Tessera refused session for {userId}: {created.Status}.");
    }

    /// <summary>Throws unless a Tessera write succeeded.</summary>
    public static void RequireOk(SessionWriteStatus status)
    {
        if (status != SessionWriteStatus.Ok)
        {
            throw new InvalidOperationException($"Tessera write failed: {status}.");
        }
    }

    /// <summary>Throws unless <paramref name="store"/> holds <paramref name="expected"/> live sessions and the sampled
    /// ones hold both keys with the expected values.</summary>
    public static void VerifyTessera(InMemorySessionStore store, IReadOnlyList<string> sampleIds, int expected)
    {
        SessionCounts counts = Sync(store.GetCountsAsync(CancellationToken.None));
        if (counts.Sessions != expected)
        {
            throw new InvalidOperationException($"Tessera holds {counts.Sessions} sessions, expected {expected}.");
        }

        foreach (string id in Sample(sampleIds))
        {
            SessionRecord record = Sync(store.GetAsync(id, CancellationToken.None))
                ?? throw new InvalidOperationException($"Tessera session {id} is missing.");
            if (!record.Data.TryGetValue(CartKey, out ReadOnlyMemory<byte> cart) || !cart.Span.SequenceEqual(CartJson)
                || !record.Data.TryGetValue(ThemeKey, out ReadOnlyMemory<byte> theme) || !theme.Span.SequenceEqual(ThemeJson))
            {
                throw new InvalidOperationException($"Tessera session {id} does not hold the two keys.");
            }
        }
    }

    /// <summary>
    /// A <see cref="MemoryDistributedCache"/> with the default options (as <c>AddDistributedMemoryCache()</c> makes it,
    /// 200 MB size limit included) except those changed by <paramref name="configure"/>.
    /// </summary>
    public static MemoryDistributedCache NewAspNetCache(Action<MemoryDistributedCacheOptions>? configure = null)
    {
        var options = new MemoryDistributedCacheOptions();
        configure?.Invoke(options);
        return new MemoryDistributedCache(Options.Create(options), NullLoggerFactory.Instance);
    }

    /// <summary>The session store <c>AddSession()</c> registers, over <paramref name="cache"/>.</summary>
    public static DistributedSessionStore NewAspNetStore(IDistributedCache cache) => new(cache, NullLoggerFactory.Instance);

    /// <summary>A new session key as <c>SessionMiddleware</c> makes one: 16 random bytes formatted as a GUID.</summary>
    public static string NewAspNetKey()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        return new Guid(bytes).ToString();
    }

    /// <summary>
    /// Creates and commits <paramref name="count"/> ASP.NET Core sessions, each with the two keys, as a request that
    /// starts a session does (new key, <c>Create</c>, two <c>Set</c>s, <c>CommitAsync</c>).
    /// </summary>
    /// <returns>The session keys when <paramref name="keepKeys"/>, in creation order; otherwise an empty array.</returns>
    public static string[] PopulateAspNet(DistributedSessionStore store, int count, TimeSpan idleTimeout, bool keepKeys)
    {
        string[] keys = keepKeys ? new string[count] : [];
        for (int i = 0; i < count; i++)
        {
            string key = CreateAspNet(store, idleTimeout);
            if (keepKeys)
            {
                keys[i] = key;
            }
        }

        return keys;
    }

    /// <summary>Creates and commits one ASP.NET Core session with the two keys and returns its key.</summary>
    public static string CreateAspNet(DistributedSessionStore store, TimeSpan idleTimeout)
    {
        string key = NewAspNetKey();
        ISession session = store.Create(key, idleTimeout, IoTimeout, TryEstablish, isNewSessionKey: true);
        session.Set(CartKey, CartJson);
        session.Set(ThemeKey, ThemeUtf8);
        Sync(session.CommitAsync());
        return key;
    }

    /// <summary>Throws unless the cache holds <paramref name="expected"/> entries and the sampled sessions load with
    /// both keys (a size-limit compaction would drop sessions silently).</summary>
    public static void VerifyAspNet(MemoryDistributedCache cache, DistributedSessionStore store, IReadOnlyList<string> sampleKeys, int expected)
    {
        int count = InnerCache(cache).Count;
        if (count != expected)
        {
            throw new InvalidOperationException($"ASP.NET Core's cache holds {count} sessions, expected {expected}.");
        }

        foreach (string key in Sample(sampleKeys))
        {
            ISession session = store.Create(key, IdleTimeout, IoTimeout, TryEstablish, isNewSessionKey: false);
            Sync(session.LoadAsync());
            if (!session.TryGetValue(CartKey, out byte[]? cart) || !cart.AsSpan().SequenceEqual(CartJson)
                || !session.TryGetValue(ThemeKey, out byte[]? theme) || !theme.AsSpan().SequenceEqual(ThemeUtf8))
            {
                throw new InvalidOperationException($"ASP.NET Core session {key} does not hold the two keys.");
            }
        }
    }

    /// <summary>
    /// The <see cref="MemoryCache"/> inside a <see cref="MemoryDistributedCache"/> (private field <c>_memCache</c>),
    /// for its entry count and <see cref="MemoryCache.Compact"/>. Reflection, because the distributed cache exposes neither.
    /// </summary>
    public static MemoryCache InnerCache(MemoryDistributedCache cache)
    {
        FieldInfo field = typeof(MemoryDistributedCache).GetField("_memCache", BindingFlags.Instance | BindingFlags.NonPublic)
            ?? throw new InvalidOperationException("MemoryDistributedCache has no _memCache field in this version of .NET.");
        return field.GetValue(cache) as MemoryCache
            ?? throw new InvalidOperationException("MemoryDistributedCache._memCache is not a MemoryCache in this version of .NET.");
    }

    /// <summary>Shuffles <paramref name="items"/> with a fixed seed, so every run visits sessions in the same random order.</summary>
    public static void Shuffle<T>(T[] items, int seed) => new Random(seed).Shuffle(items);

    /// <summary>
    /// The result of a call that completes synchronously (every in-memory call here does); throws if it did not.
    /// Used on the hot paths too: the check is one field test, and it keeps a ValueTask from being read unfinished.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sync<T>(ValueTask<T> task) => task.IsCompletedSuccessfully ? task.Result : ThrowNotCompleted<T>();

    /// <summary>Throws unless <paramref name="task"/> has already completed successfully.</summary>
    public static void Sync(Task task)
    {
        if (!task.IsCompletedSuccessfully)
        {
            throw new InvalidOperationException("Expected a synchronously completed call.");
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static T ThrowNotCompleted<T>() => throw new InvalidOperationException("Expected a synchronously completed call.");

    private static IEnumerable<string> Sample(IReadOnlyList<string> ids)
    {
        if (ids.Count == 0)
        {
            yield break;
        }

        int step = Math.Max(1, ids.Count / 100);
        for (int i = 0; i < ids.Count; i += step)
        {
            yield return ids[i];
        }

        yield return ids[^1];
    }
}

/// <summary>A clock that moves only when told: <see cref="Advance"/>. Safe to read from any thread.</summary>
internal sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private long _utcTicks = start.UtcTicks;

    /// <inheritdoc/>
    public override DateTimeOffset GetUtcNow() => new(Volatile.Read(ref _utcTicks), TimeSpan.Zero);

    /// <summary>Moves the clock forward.</summary>
    public void Advance(TimeSpan by) => Interlocked.Add(ref _utcTicks, by.Ticks);
}

/// <summary>A <see cref="ManualTimeProvider"/> as the <see cref="ISystemClock"/> <see cref="MemoryCacheOptions.Clock"/> takes.</summary>
internal sealed class ManualSystemClock(ManualTimeProvider time) : ISystemClock
{
    /// <inheritdoc/>
    public DateTimeOffset UtcNow => time.GetUtcNow();
}
