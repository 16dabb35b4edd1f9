using Tessera.Jwt;
using Tessera.Sessions;

namespace Tessera.Tokens;

/// <content>Authenticate: the per-request path.</content>
public sealed partial class SessionTokenService
{
    /// <summary>
    /// Authenticates a request's access token: validates it (signature, issuer, audience, <c>typ</c>, times — no I/O),
    /// then requires its session to be alive in the store, and slides the session's idle expiry.
    /// </summary>
    /// <remarks>
    /// <para>A token whose session is gone fails at once, however far its <c>exp</c> is. The session is looked up on
    /// every call; a repeat of a token seen before skips only the signature work (a bounded cache keyed by the exact
    /// token text, never used past the token's <c>exp</c> or after <see cref="UpdateKeys"/>).</para>
    /// <para>Last-seen writes are coalesced: the session is touched only when its last-seen time is at least
    /// <see cref="SessionTokenOptions.LastSeenUpdateInterval"/> old, so it may end by idleness up to that interval
    /// early. With the in-memory store the call completes synchronously and allocates nothing for a repeat token.</para>
    /// </remarks>
    /// <param name="accessToken">The token text (e.g. from <c>Authorization: Bearer</c>); null or empty fails.</param>
    /// <param name="cancellationToken">Cancels the store lookup.</param>
    /// <returns>Success with the claims and the live session, or the reason. When the store fails (I/O) its exception
    /// propagates: an unreachable store never yields a success.</returns>
#pragma warning disable RS0027 // the overloads differ in the token's type, not in count: no call can bind to both
    public ValueTask<AuthenticationResult> AuthenticateAsync(string? accessToken, CancellationToken cancellationToken = default) =>
        Authenticate(accessToken.AsSpan(), accessToken, cancellationToken);
#pragma warning restore RS0027

    /// <summary>
    /// <see cref="AuthenticateAsync(string?, CancellationToken)"/> for a token that is part of a larger text (an
    /// <c>Authorization</c> header, say): a repeat token is looked up without copying it into a string of its own.
    /// </summary>
    /// <param name="accessToken">The token's characters; empty fails.</param>
    /// <param name="cancellationToken">Cancels the store lookup.</param>
    /// <returns>As <see cref="AuthenticateAsync(string?, CancellationToken)"/>.</returns>
    public ValueTask<AuthenticationResult> AuthenticateAsync(ReadOnlySpan<char> accessToken, CancellationToken cancellationToken) =>
        Authenticate(accessToken, null, cancellationToken);

    /// <summary>The path both overloads share; <paramref name="text"/> is the token as a string when the caller has one.</summary>
    private ValueTask<AuthenticationResult> Authenticate(ReadOnlySpan<char> accessToken, string? text, CancellationToken cancellationToken)
    {
        if (accessToken.IsEmpty)
        {
            return new ValueTask<AuthenticationResult>(Fail(AuthenticationError.InvalidToken));
        }

        DateTimeOffset now = _time.GetUtcNow();
        long nowMilliseconds = now.ToUnixTimeMilliseconds();
        JwtKeySet keys = _validator.Keys;
        JwtClaims? claims = _cache?.TryGet(accessToken, keys, nowMilliseconds);
        if (claims is null)
        {
            JwtValidationResult validation = _validator.Validate(text ?? accessToken.ToString());
            if (!validation.IsValid)
            {
                return new ValueTask<AuthenticationResult>(Fail(validation.Error == JwtError.Expired ? AuthenticationError.TokenExpired : AuthenticationError.InvalidToken));
            }

            claims = validation.Claims!;
            if (claims.SessionId is not { } id || !SessionIdFactory.IsWellFormed(id))
            {
                return new ValueTask<AuthenticationResult>(Fail(AuthenticationError.InvalidToken));
            }

            // exp is required by the validator, so it is present here.
            _cache?.Add(claims, keys, claims.ExpiresAt!.Value.ToUnixTimeMilliseconds(), nowMilliseconds);
        }

        string sessionId = claims.SessionId!;
        if (_options.LastSeenUpdateInterval == TimeSpan.Zero)
        {
            return Complete(claims, _store.TouchAsync(sessionId, cancellationToken));
        }

        ValueTask<SessionRecord?> read = _store.GetAsync(sessionId, cancellationToken);
        if (!read.IsCompletedSuccessfully)
        {
            return AwaitSessionAsync(claims, read, now, cancellationToken);
        }

        SessionRecord? session = read.Result;
        return session is not null && now - session.LastSeenAt >= _options.LastSeenUpdateInterval
            ? Complete(claims, _store.TouchAsync(sessionId, cancellationToken))
            : new ValueTask<AuthenticationResult>(Decide(claims, session));
    }

    private async ValueTask<AuthenticationResult> AwaitSessionAsync(JwtClaims claims, ValueTask<SessionRecord?> read, DateTimeOffset now, CancellationToken cancellationToken)
    {
        SessionRecord? session = await read.ConfigureAwait(false);
        if (session is not null && now - session.LastSeenAt >= _options.LastSeenUpdateInterval)
        {
            session = await _store.TouchAsync(claims.SessionId!, cancellationToken).ConfigureAwait(false);
        }

        return Decide(claims, session);
    }

    private ValueTask<AuthenticationResult> Complete(JwtClaims claims, ValueTask<SessionRecord?> touch) =>
        touch.IsCompletedSuccessfully ? new ValueTask<AuthenticationResult>(Decide(claims, touch.Result)) : CompleteAsync(claims, touch);

    private async ValueTask<AuthenticationResult> CompleteAsync(JwtClaims claims, ValueTask<SessionRecord?> touch) =>
        Decide(claims, await touch.ConfigureAwait(false));

    /// <summary>The verdict once the session was read: alive, or which failure a gone session is.</summary>
    private AuthenticationResult Decide(JwtClaims claims, SessionRecord? session)
    {
        if (session is null)
        {
            // The store cannot tell removed from expired; this process remembers what it removed itself.
            return Fail(_revocations.Contains(claims.SessionId!) ? AuthenticationError.SessionRevoked : AuthenticationError.SessionExpired);
        }

        return new AuthenticationResult(AuthenticationError.None, claims, session);
    }

    private AuthenticationResult Fail(AuthenticationError error)
    {
        _metrics.AuthenticationFailed(error);
        return AuthenticationResult.Fail(error);
    }
}
