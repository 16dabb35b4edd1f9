using Tessera.Sessions;

namespace Tessera.Tokens;

/// <summary>
/// What <see cref="SessionTokenService"/> issues and accepts: lifetimes, issuer, audience, and the knobs of the
/// authenticate path. Read once, when the service is created; later changes have no effect on it.
/// </summary>
/// <remarks>
/// <para>How the four lifetimes interact. A session ends at <c>min(last seen + <see cref="IdleTimeout"/>, created +
/// <see cref="AbsoluteLifetime"/>)</c> or when it is revoked; an access token is valid for
/// <see cref="AccessTokenLifetime"/> (never past the session's absolute expiry) and only while its session lives; a
/// refresh token can be used for <see cref="RefreshTokenLifetime"/> after it was issued (never past the absolute
/// expiry), and only while its session lives. Every authenticated request and every refresh slides the idle expiry,
/// so an active client keeps its session until the absolute lifetime; a client that goes away for longer than the
/// idle timeout (or the refresh window) signs in again.</para>
/// <para>Every property binds from configuration (section <c>Tessera</c> in the ASP.NET Core integration; TimeSpan
/// values as <c>00:15:00</c>).</para>
/// </remarks>
public sealed class SessionTokenOptions
{
    /// <summary>The <c>iss</c> of every access token, and the only issuer accepted. Required (e.g. <c>https://auth.example</c>).</summary>
    public string? Issuer { get; set; }

    /// <summary>The <c>aud</c> of every access token, and the only audience accepted. Required (e.g. <c>api</c>).</summary>
    public string? Audience { get; set; }

    /// <summary>How long an access token is valid. Default: 5 minutes. From 1 second to 1 day.</summary>
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The refresh window: how long a refresh token can be used after it was issued; each refresh issues a new one
    /// with a full window. Default: 8 hours. From 1 second to 365 days, and longer than <see cref="AccessTokenLifetime"/>
    /// (the window after the access token expires is the difference).
    /// </summary>
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>How long a session lives without being used (authenticated or refreshed). Default: 30 minutes. From 1 second to 365 days.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How long a session lives at most, however active. Default: 1 day. From 1 second to 365 days.</summary>
    public TimeSpan AbsoluteLifetime { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// How long after a refresh token was rotated a repeat of it still gets the successor that rotation issued (two
    /// tabs refreshing at once, a response lost on a bad network) instead of counting as reuse. Default: 30 seconds.
    /// From zero (every repeat is reuse) to 5 minutes. Past it, presenting a rotated token revokes the session
    /// (RFC 9700 §4.14). Within it, whoever holds the old token — a thief too — gets the successor: keep it short.
    /// </summary>
    public TimeSpan RefreshReuseGracePeriod { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often an authenticated request writes the session's last-seen time: at most once per interval per session,
    /// so a busy client does not write on every request. Default: 1 minute; zero writes on every request. Must be
    /// shorter than <see cref="IdleTimeout"/>.
    /// </summary>
    /// <remarks>The cost is precision: the stored last-seen time can lag the real last request by up to this
    /// interval, so a session may end by idleness up to this much earlier than <see cref="IdleTimeout"/> after its last
    /// request (never later), and the store's "active in the last N minutes" count lags by as much.</remarks>
    public TimeSpan LastSeenUpdateInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Tolerance for clock differences on <c>exp</c>, <c>nbf</c> and <c>iat</c>. Default: 30 seconds. From zero to 5 minutes.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How many validated access tokens are remembered, so a repeat request with the same token skips the signature
    /// check (never the session check). Default: 10,000; 0 turns the cache off. At most 1,048,576. Each entry holds the
    /// token text (about 0.6–1 KB for a typical token).
    /// </summary>
    public int ValidatedTokenCacheSize { get; set; } = 10_000;

    /// <summary>The most live sessions a user may have; 0 (the default) means no limit.</summary>
    public int MaxSessionsPerUser { get; set; }

    /// <summary>What a sign-in does when the user is at <see cref="MaxSessionsPerUser"/>. Default: <see cref="SessionLimitPolicy.RefuseNew"/>.</summary>
    public SessionLimitPolicy SessionLimitPolicy { get; set; } = SessionLimitPolicy.RefuseNew;

    /// <summary>Every problem with these options, one sentence each; empty when they are usable.</summary>
    public IReadOnlyList<string> GetProblems()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Issuer))
        {
            problems.Add($"{nameof(Issuer)} is required (the iss of every access token).");
        }

        if (string.IsNullOrWhiteSpace(Audience))
        {
            problems.Add($"{nameof(Audience)} is required (the aud of every access token).");
        }

        CheckRange(problems, nameof(AccessTokenLifetime), AccessTokenLifetime, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
        CheckRange(problems, nameof(RefreshTokenLifetime), RefreshTokenLifetime, TimeSpan.FromSeconds(1), TimeSpan.FromDays(365));
        CheckRange(problems, nameof(IdleTimeout), IdleTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromDays(365));
        CheckRange(problems, nameof(AbsoluteLifetime), AbsoluteLifetime, TimeSpan.FromSeconds(1), TimeSpan.FromDays(365));
        CheckRange(problems, nameof(RefreshReuseGracePeriod), RefreshReuseGracePeriod, TimeSpan.Zero, TimeSpan.FromMinutes(5));
        CheckRange(problems, nameof(ClockSkew), ClockSkew, TimeSpan.Zero, TimeSpan.FromMinutes(5));
        if (RefreshTokenLifetime <= AccessTokenLifetime)
        {
            // Both windows start when the tokens are issued: a shorter refresh window is over before the access token
            // expires, so the client could never refresh when it needs to.
            problems.Add($"{nameof(RefreshTokenLifetime)} must be longer than {nameof(AccessTokenLifetime)} ({AccessTokenLifetime}), or no refresh token outlives its access token; got {RefreshTokenLifetime}.");
        }

        if (LastSeenUpdateInterval < TimeSpan.Zero || LastSeenUpdateInterval >= IdleTimeout)
        {
            problems.Add($"{nameof(LastSeenUpdateInterval)} must be at least 00:00:00 and shorter than {nameof(IdleTimeout)}; got {LastSeenUpdateInterval}.");
        }

        if (ValidatedTokenCacheSize is < 0 or > 1 << 20)
        {
            problems.Add($"{nameof(ValidatedTokenCacheSize)} must be between 0 and 1048576; got {ValidatedTokenCacheSize}.");
        }

        if (MaxSessionsPerUser < 0)
        {
            problems.Add($"{nameof(MaxSessionsPerUser)} must not be negative; got {MaxSessionsPerUser}.");
        }

        if (!Enum.IsDefined(SessionLimitPolicy))
        {
            problems.Add($"{nameof(SessionLimitPolicy)} is not a defined policy; got {SessionLimitPolicy}.");
        }

        return problems;
    }

    /// <summary>A copy, so the service keeps what it validated whatever the caller changes later.</summary>
    internal SessionTokenOptions Clone() => (SessionTokenOptions)MemberwiseClone();

    private static void CheckRange(List<string> problems, string name, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            problems.Add($"{name} must be between {min} and {max}; got {value}.");
        }
    }
}
