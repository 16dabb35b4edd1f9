namespace Tessera.Tokens;

/// <summary>
/// Why <see cref="SessionTokenService.RefreshAsync"/> refused a refresh token. Values are stable. Every one of them is
/// the OAuth error <c>invalid_grant</c> to the client (RFC 6749 §5.2); the distinction is for logs and metrics.
/// </summary>
public enum RefreshError
{
    /// <summary>No error: the token was rotated, or was a repeat within the grace period.</summary>
    None = 0,

    /// <summary>Not of the form <c>&lt;session id&gt;.&lt;secret&gt;</c>. Nothing changed.</summary>
    Malformed = 1,

    /// <summary>The session is gone (expired, signed out, revoked) or never existed. Nothing changed.</summary>
    SessionNotFound = 2,

    /// <summary>The session exists but the token is not its current one nor the one just rotated out (a guess, or an
    /// older token). Nothing changed.</summary>
    UnknownToken = 3,

    /// <summary>The token is the current one but its refresh window has passed. Nothing changed: sign in again.</summary>
    Expired = 4,

    /// <summary>The token was already rotated and the grace period is over: reuse (RFC 9700 §4.14). The session was
    /// revoked, so every token of it fails from now on.</summary>
    Reused = 5,
}
