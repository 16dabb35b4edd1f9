using System.Buffers.Text;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Tessera.Cryptography;
using Tessera.Jwt;
using Tessera.Sessions;

namespace Tessera.Tokens;

/// <summary>
/// Stateful JWT: binds short-lived signed access tokens to server-side sessions. Signs users in (a new session, an
/// access token and a one-time refresh token), authenticates every request (the token, then its session), rotates
/// refresh tokens with reuse detection, and signs out or revokes sessions so that their tokens fail at once.
/// </summary>
/// <remarks>
/// <para>Access tokens are JWS with header <c>typ: at+jwt</c> and <c>kid</c>, and claims <c>iss</c>, <c>aud</c>,
/// <c>sub</c> (user id), <c>sid</c> (session id), <c>jti</c>, <c>iat</c>, <c>nbf</c>, <c>exp</c>, plus the user's
/// <c>name</c>, <c>roles</c> and extra claims (<see cref="SessionUser"/>). Refresh tokens are opaque
/// <c>&lt;session id&gt;.&lt;secret&gt;</c>; the store keeps only the secret's SHA-256.</para>
/// <para>Expected outcomes (a bad token, a gone session, a spent refresh token, a limit) are result values with stable
/// codes; members throw for misuse and when the store fails (I/O): an unreachable store never authenticates anyone.
/// Safe for concurrent use.</para>
/// <para>Observability: meter <see cref="MeterName"/> (sign-ins, refreshes, reuse detections, revocations,
/// authentication failures, and gauges of live sessions and users online) and activity source
/// <see cref="ActivitySourceName"/> (sign-in, refresh, revocations). Neither ever carries a token or a secret.</para>
/// </remarks>
public sealed partial class SessionTokenService : IDisposable
{
    /// <summary>The name of the <see cref="Meter"/> the service reports to.</summary>
    public const string MeterName = "Tessera";

    /// <summary>The name of the <see cref="ActivitySource"/> the service traces with.</summary>
    public const string ActivitySourceName = "Tessera";

    private const string SessionIdClaim = "sid";
    private const int JwtIdBytes = 16;

    private readonly SessionTokenOptions _options;
    private readonly ISessionStore _store;
    private readonly TimeProvider _time;
    private readonly JwtValidator _validator;
    private readonly ValidatedTokenCache? _cache;
    private readonly RecentRevocations _revocations;
    private readonly TokenMetrics _metrics;
    private JwtSigner _signer;

    /// <summary>Creates the service.</summary>
    /// <param name="options">Lifetimes, issuer, audience; copied and checked here.</param>
    /// <param name="store">Where sessions live.</param>
    /// <param name="signingKey">The key that signs access tokens: it must have a private part and a <c>kid</c>.</param>
    /// <param name="validationKeys">The keys access tokens may be signed with (the signing key and, during a rotation,
    /// the previous ones); null for the signing key alone.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when null. Use the store's clock.</param>
    /// <param name="meterFactory">Creates the meter (as dependency injection provides it); null creates a standalone one.</param>
    /// <exception cref="ArgumentException">The options are unusable (the message lists every problem), or the keys do
    /// not fit (see <see cref="UpdateKeys"/>).</exception>
    public SessionTokenService(
        SessionTokenOptions options,
        ISessionStore store,
        JwtKey signingKey,
        JwtKeySet? validationKeys = null,
        TimeProvider? timeProvider = null,
        IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        IReadOnlyList<string> problems = options.GetProblems();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid session token options: " + string.Join(" ", problems), nameof(options));
        }

        _options = options.Clone();
        _store = store;
        _time = timeProvider ?? TimeProvider.System;
        validationKeys ??= new JwtKeySet(signingKey);
        _signer = CreateSigner(signingKey, validationKeys);
        _validator = new JwtValidator(new JwtValidationOptions
        {
            ValidIssuer = _options.Issuer,
            ValidAudience = _options.Audience,
            ValidTypes = { JwtTypes.AccessToken },
            RequiredClaims = { "sub", SessionIdClaim },
            RequireExpirationTime = true,
            ClockSkew = _options.ClockSkew,
        }, validationKeys, _time) { CaptureSessionId = true };
        _cache = _options.ValidatedTokenCacheSize > 0 ? new ValidatedTokenCache(_options.ValidatedTokenCacheSize) : null;
        _revocations = new RecentRevocations(_options.AccessTokenLifetime + _options.ClockSkew, _time);
        _metrics = new TokenMetrics(meterFactory, store);
    }

    /// <summary>The session store.</summary>
    public ISessionStore Store => _store;

    /// <summary>The key that signs new access tokens.</summary>
    public JwtKey SigningKey => Volatile.Read(ref _signer).Key;

    /// <summary>The keys access tokens are verified with.</summary>
    public JwtKeySet ValidationKeys => _validator.Keys;

    /// <summary>
    /// Rotates keys: new access tokens are signed with <paramref name="signingKey"/>, and tokens signed with any key of
    /// <paramref name="validationKeys"/> are accepted. Keep the previous key in the set until its tokens have expired
    /// (one access-token lifetime plus the clock skew), then drop it. Validated-token cache entries of the old set are
    /// not used again.
    /// </summary>
    /// <exception cref="ArgumentException">The signing key cannot sign, has no <c>kid</c>, or is not in the set.</exception>
    public void UpdateKeys(JwtKey signingKey, JwtKeySet validationKeys)
    {
        JwtSigner signer = CreateSigner(signingKey, validationKeys);
        // Verification first, so no token signed with the new key is ever checked against the old set.
        _validator.Keys = validationKeys;
        Volatile.Write(ref _signer, signer);
    }

    /// <summary>Releases the meter the service created (none when a meter factory was given).</summary>
    public void Dispose() => _metrics.Dispose();

    private static JwtSigner CreateSigner(JwtKey signingKey, JwtKeySet validationKeys)
    {
        ArgumentNullException.ThrowIfNull(signingKey);
        ArgumentNullException.ThrowIfNull(validationKeys);
        if (signingKey.KeyId is null)
        {
            throw new ArgumentException("The signing key needs a key id (kid), so verifiers can pick it.", nameof(signingKey));
        }

        if (!validationKeys.TryGetKey(signingKey.KeyId, out JwtKey? listed) || listed.Algorithm != signingKey.Algorithm)
        {
            throw new ArgumentException($"The validation keys must include the signing key '{signingKey.KeyId}'.", nameof(validationKeys));
        }

        return new JwtSigner(signingKey, JwtTypes.AccessToken); // throws when the key cannot sign
    }

    /// <summary>Signs a new access token for a live session and packages it with the refresh token.</summary>
    private IssuedTokens Issue(SessionRecord session, string refreshToken, DateTimeOffset refreshIssuedAt, DateTimeOffset now)
    {
        // JWT times are whole seconds: floor once, so iat/exp and the reported expiry agree exactly.
        DateTimeOffset issuedAt = FloorToSecond(now);
        DateTimeOffset absolute = session.AbsoluteExpiresAt;
        DateTimeOffset accessExpires = Min(issuedAt + _options.AccessTokenLifetime, FloorToSecond(absolute));
        Span<byte> jti = stackalloc byte[JwtIdBytes];
        SecureRandom.Fill(jti);
        var claims = new JwtBuilder()
            .Issuer(_options.Issuer!)
            .Audience(_options.Audience!)
            .Subject(session.UserId)
            .Id(Base64Url.EncodeToString(jti))
            .IssuedAt(issuedAt)
            .NotBefore(issuedAt)
            .ExpiresAt(accessExpires)
            .Claim(SessionIdClaim, session.Id);
        SessionUser.AddTo(claims, session.TokenClaims);
        string accessToken = Volatile.Read(ref _signer).Sign(claims);
        return new IssuedTokens(accessToken, issuedAt, accessExpires, refreshToken, RefreshExpiry(refreshIssuedAt, absolute), session.Id);
    }

    /// <summary>
    /// The latest time the session's current refresh token can be used: its refresh window from
    /// <see cref="SessionRecord.RefreshIssuedAt"/>, capped by the session's absolute expiry (the session may end earlier).
    /// </summary>
    public DateTimeOffset RefreshTokenExpiresAt(SessionRecord session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return RefreshExpiry(session.RefreshIssuedAt, session.AbsoluteExpiresAt);
    }

    private DateTimeOffset RefreshExpiry(DateTimeOffset issuedAt, DateTimeOffset absolute) => Min(issuedAt + _options.RefreshTokenLifetime, absolute);

    private static DateTimeOffset FloorToSecond(DateTimeOffset time) =>
        new(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a <= b ? a : b;
}
