using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Tessera.AspNetCore;

namespace Tessera.Server.Users;

/// <summary>
/// Attempts at <c>POST /auth/password</c> per user, with login's per-user limit (<c>LoginLimits:PerUser</c> per
/// <c>LoginLimits:Window</c>): the endpoint checks the current password, so without a limit of its own a stolen access
/// token could guess it as fast as the server answers. Every attempt counts. Thread-safe.
/// </summary>
internal sealed class PasswordAttemptLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string>? _perUser;

    public PasswordAttemptLimiter(IOptions<TesseraOptions> options)
    {
        TesseraLoginLimitOptions limits = options.Value.LoginLimits;
        _perUser = limits.PerUser <= 0 ? null : PartitionedRateLimiter.Create<string, string>(userId =>
            RateLimitPartition.GetFixedWindowLimiter(userId, _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = limits.PerUser,
                Window = limits.Window,
                QueueLimit = 0,
            }));
    }

    /// <summary>Takes one attempt for <paramref name="userId"/>; null when allowed, else the wait before retrying.</summary>
    public TimeSpan? TryAcquire(string userId)
    {
        if (_perUser is null)
        {
            return null;
        }

        using RateLimitLease lease = _perUser.AttemptAcquire(userId);
        return lease.IsAcquired ? null : lease.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan wait) ? wait : TimeSpan.FromSeconds(1);
    }

    public void Dispose() => _perUser?.Dispose();
}
