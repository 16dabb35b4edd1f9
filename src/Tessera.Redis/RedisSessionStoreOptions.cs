using Tessera.Sessions;

namespace Tessera.Redis;

/// <summary>Options of <see cref="RedisSessionStore"/>. Read once, when the store is created.</summary>
public sealed class RedisSessionStoreOptions
{
    /// <summary>The longest accepted <see cref="KeyPrefix"/>, in characters.</summary>
    public const int MaxKeyPrefixLength = 64;

    /// <summary>
    /// A StackExchange.Redis configuration string (e.g. <c>"127.0.0.1:6379"</c>, or every node of a cluster), used
    /// by <see cref="RedisSessionStore.ConnectAsync"/>. Ignored when the store is given a connection.
    /// </summary>
    public string? Configuration { get; set; }

    /// <summary>
    /// Starts every key the store writes, so several applications can share one Redis. No braces (the store uses
    /// Redis Cluster hash tags after it). Default: <c>"tessera:"</c>.
    /// </summary>
    public string KeyPrefix { get; set; } = "tessera:";

    /// <summary>Size limits on session data. Default: see <see cref="SessionDataLimits"/>.</summary>
    public SessionDataLimits DataLimits { get; set; } = new();

    /// <summary>The window of <see cref="SessionCounts.ActiveSessions"/>. Default: 5 minutes.</summary>
    public TimeSpan ActiveWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How often this process runs the collector, which drops expired sessions from the store-wide indexes (Redis
    /// deletes the sessions themselves by their TTL). <see cref="TimeSpan.Zero"/> turns it off (call
    /// <see cref="RedisSessionStore.SweepExpiredAsync"/> yourself). Every node may run it; runs are idempotent.
    /// Default: 30 seconds.
    /// </summary>
    public TimeSpan CollectionInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The key of the routing tag in session ids (at least 16 bytes). Null, the default, uses a random key that
    /// the first node stores in Redis and every node reads from there, so nodes sharing the store agree on it.
    /// </summary>
    public byte[]? RoutingKey { get; set; }

    /// <summary>
    /// How long this process may answer <see cref="ISessionStore.GetAsync"/> for a session from its near cache
    /// instead of Redis. Every change made through any store instance is published and evicts the entry in every
    /// process; while this process's subscription is down the cache is not used. <see cref="TimeSpan.Zero"/> turns
    /// the cache off. Default: 5 seconds.
    /// </summary>
    public TimeSpan NearCacheDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The most sessions the near cache holds. Default: 100,000.</summary>
    public int NearCacheSize { get; set; } = 100_000;

    /// <summary>Lists every problem with these options (empty when they are usable).</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrEmpty(KeyPrefix) || KeyPrefix.Length > MaxKeyPrefixLength || KeyPrefix.AsSpan().IndexOfAny('{', '}') >= 0)
        {
            problems.Add($"{nameof(KeyPrefix)} must be 1 to {MaxKeyPrefixLength} characters without braces (was '{KeyPrefix}').");
        }

        if (DataLimits is null)
        {
            problems.Add($"{nameof(DataLimits)} must not be null.");
        }
        else
        {
            problems.AddRange(DataLimits.Validate($"{nameof(DataLimits)}."));
        }

        if (ActiveWindow < TimeSpan.FromSeconds(30) || ActiveWindow > TimeSpan.FromDays(1))
        {
            problems.Add($"{nameof(ActiveWindow)} must be between 30 seconds and 1 day (was {ActiveWindow}).");
        }

        if (CollectionInterval < TimeSpan.Zero)
        {
            problems.Add($"{nameof(CollectionInterval)} must not be negative (was {CollectionInterval}).");
        }

        if (RoutingKey is { Length: < SessionIdFactory.MinRoutingKeyBytes })
        {
            problems.Add($"{nameof(RoutingKey)} must have at least {SessionIdFactory.MinRoutingKeyBytes} bytes.");
        }

        if (NearCacheDuration < TimeSpan.Zero || NearCacheDuration > TimeSpan.FromMinutes(1))
        {
            problems.Add($"{nameof(NearCacheDuration)} must be between 0 and 1 minute (was {NearCacheDuration}).");
        }

        if (NearCacheSize < 1)
        {
            problems.Add($"{nameof(NearCacheSize)} must be positive (was {NearCacheSize}).");
        }

        return problems;
    }
}
