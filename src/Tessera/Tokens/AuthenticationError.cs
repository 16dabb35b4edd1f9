namespace Tessera.Tokens;

/// <summary>Why <see cref="SessionTokenService.AuthenticateAsync(string?, CancellationToken)"/> refused an access token. Values are stable.</summary>
/// <remarks>Over HTTP each is a 401 with <c>WWW-Authenticate: Bearer error="invalid_token"</c> (RFC 6750 §3.1) and
/// the code of <see cref="AuthenticationResult.ErrorCode"/> as the problem's <c>error</c>.</remarks>
public enum AuthenticationError
{
    /// <summary>No error: the token and its session are valid.</summary>
    None = 0,

    /// <summary><c>invalid_token</c>: missing, malformed, wrongly signed, for another issuer or audience, not yet valid,
    /// or without a well-formed <c>sid</c>.</summary>
    InvalidToken = 1,

    /// <summary><c>token_expired</c>: the token's <c>exp</c> has passed (beyond the clock skew). Refresh to go on.</summary>
    TokenExpired = 2,

    /// <summary><c>session_expired</c>: the token is valid but its session is gone — ended by idle timeout or absolute
    /// lifetime, or revoked somewhere this process does not know of.</summary>
    SessionExpired = 3,

    /// <summary><c>session_revoked</c>: the token is valid but this service ended its session (sign-out, revocation,
    /// kick, refresh-token reuse) within the last access-token lifetime.</summary>
    SessionRevoked = 4,
}
