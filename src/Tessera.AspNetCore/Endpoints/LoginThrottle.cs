using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Tessera.AspNetCore;

/// <summary>
/// Login throttling with ASP.NET Core's rate limiters (System.Threading.RateLimiting): a fixed window per client IP
/// and one per user name (case-insensitive), so neither one address nor a distributed guesser against one account
/// gets far. Every attempt counts, successful or not. Thread-safe.
/// </summary>
internal sealed class LoginThrottle : IDisposable
{
    private readonly PartitionedRateLimiter<string>? _perClient;
    private readonly PartitionedRateLimiter<string>? _perUser;
    private readonly PartitionedRateLimiter<string>? _passwordChecks;

    public LoginThrottle(IOptions<TesseraOptions> options)
    {
        TesseraLoginLimitOptions limits = options.Value.LoginLimits;
        _perClient = Create(limits.PerClient, limits.Window);
        _perUser = Create(limits.PerUser, limits.Window);
        _passwordChecks = Create(limits.PerUser, limits.Window);
    }

    /// <summary>The <c>Retry-After</c> value (whole seconds, at least 1) for a wait this returned.</summary>
    public static string RetryAfterSeconds(TimeSpan wait) => Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The per-client key of an address: IPv4 as it is (an IPv4-mapped IPv6 address as its IPv4 form), IPv6 by its /64
    /// network, since one client commonly holds a whole /64 and could otherwise take a fresh key per attempt.
    /// </summary>
    public static string ClientKey(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes).ToString() + "/64";
    }

    /// <summary>Takes one attempt for the client and the user name; null when allowed, else the wait before retrying.</summary>
    public TimeSpan? TryAcquire(string clientKey, string userName)
    {
        TimeSpan? wait = Take(_perClient, clientKey);
        return wait ?? Take(_perUser, userName.ToUpperInvariant());
    }

    /// <summary>
    /// Takes one attempt at checking a signed-in user's current password (a password change), with the per-user limit
    /// and its own count: otherwise a stolen access token could guess the password as fast as the server answers.
    /// Null when allowed, else the wait before retrying.
    /// </summary>
    public TimeSpan? TryAcquirePasswordCheck(string userId) => Take(_passwordChecks, userId);

    public void Dispose()
    {
        _perClient?.Dispose();
        _perUser?.Dispose();
        _passwordChecks?.Dispose();
    }

    private static TimeSpan? Take(PartitionedRateLimiter<string>? limiter, string key)
    {
        if (limiter is null)
        {
            return null;
        }

        using RateLimitLease lease = limiter.AttemptAcquire(key);
        if (lease.IsAcquired)
        {
            return null;
        }

        return lease.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
    }

    private static PartitionedRateLimiter<string>? Create(int permits, TimeSpan window) => permits == 0 ? null
        : PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = window,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
}
