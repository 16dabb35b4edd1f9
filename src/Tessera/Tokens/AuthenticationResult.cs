using Tessera.Jwt;
using Tessera.Sessions;

namespace Tessera.Tokens;

/// <summary>The outcome of <see cref="SessionTokenService.AuthenticateAsync(string?, CancellationToken)"/>: the token's claims and its live session, or why not.</summary>
public readonly struct AuthenticationResult
{
    internal AuthenticationResult(AuthenticationError error, JwtClaims? claims, SessionRecord? session)
    {
        Error = error;
        Claims = claims;
        Session = session;
    }

    /// <summary>Why the token was refused; <see cref="AuthenticationError.None"/> on success.</summary>
    public AuthenticationError Error { get; }

    /// <summary>True when the token is valid and its session alive.</summary>
    public bool Succeeded => Error == AuthenticationError.None;

    /// <summary>The verified claims (<c>sub</c>, <c>sid</c>, <c>name</c>, <c>roles</c>, ...); null on failure.</summary>
    public JwtClaims? Claims { get; }

    /// <summary>The token's live session (touched when due); null on failure.</summary>
    public SessionRecord? Session { get; }

    /// <summary>The user, from the session; null on failure.</summary>
    public string? UserId => Session?.UserId;

    /// <summary>The session id; null on failure.</summary>
    public string? SessionId => Claims?.SessionId;

    /// <summary>The stable code of <see cref="Error"/> (<c>invalid_token</c>, <c>token_expired</c>, <c>session_expired</c>,
    /// <c>session_revoked</c>); null on success.</summary>
    public string? ErrorCode => CodeOf(Error);

    /// <summary>The stable code of an error; null for <see cref="AuthenticationError.None"/>.</summary>
    public static string? CodeOf(AuthenticationError error) => error switch
    {
        AuthenticationError.None => null,
        AuthenticationError.TokenExpired => "token_expired",
        AuthenticationError.SessionExpired => "session_expired",
        AuthenticationError.SessionRevoked => "session_revoked",
        _ => "invalid_token",
    };

    internal static AuthenticationResult Fail(AuthenticationError error) => new(error, null, null);
}
