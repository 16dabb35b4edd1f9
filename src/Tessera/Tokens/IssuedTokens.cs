namespace Tessera.Tokens;

/// <summary>
/// What a sign-in or refresh hands to the client: an access token, a refresh token and when each expires — the
/// fields of an RFC 6749 §5.1 token response.
/// </summary>
/// <remarks>Both tokens are secrets: <see cref="ToString"/> leaves them out, and so must logs. Immutable.</remarks>
public sealed class IssuedTokens
{
    internal IssuedTokens(string accessToken, DateTimeOffset issuedAt, DateTimeOffset accessTokenExpiresAt, string refreshToken, DateTimeOffset refreshTokenExpiresAt, string sessionId)
    {
        AccessToken = accessToken;
        IssuedAt = issuedAt;
        AccessTokenExpiresAt = accessTokenExpiresAt;
        RefreshToken = refreshToken;
        RefreshTokenExpiresAt = refreshTokenExpiresAt;
        SessionId = sessionId;
    }

    /// <summary>The OAuth token type of every access token issued: <c>Bearer</c> (the token response's <c>token_type</c>).</summary>
    public const string TokenType = "Bearer";

    /// <summary>The signed access token (JWS, header <c>typ: at+jwt</c>), for <c>Authorization: Bearer</c>.</summary>
    public string AccessToken { get; }

    /// <summary>When the access token was issued (its <c>iat</c>, whole seconds).</summary>
    public DateTimeOffset IssuedAt { get; }

    /// <summary>When the access token expires (its <c>exp</c>); it also stops working when its session ends.</summary>
    public DateTimeOffset AccessTokenExpiresAt { get; }

    /// <summary>The access token's lifetime in whole seconds: the token response's <c>expires_in</c>.</summary>
    public long ExpiresIn => (long)(AccessTokenExpiresAt - IssuedAt).TotalSeconds;

    /// <summary>The one-time refresh token, <c>&lt;session id&gt;.&lt;secret&gt;</c>; only its hash is stored.</summary>
    public string RefreshToken { get; }

    /// <summary>
    /// The latest time the refresh token can be used: its refresh window, capped by the session's absolute expiry. The
    /// session can end earlier (idle timeout, revocation), and then the refresh token fails too.
    /// </summary>
    public DateTimeOffset RefreshTokenExpiresAt { get; }

    /// <summary>The refresh token's remaining lifetime in whole seconds from <see cref="IssuedAt"/> (<c>refresh_expires_in</c>; never negative).</summary>
    public long RefreshExpiresIn => Math.Max(0, (long)(RefreshTokenExpiresAt - IssuedAt).TotalSeconds);

    /// <summary>The session both tokens belong to (the access token's <c>sid</c>); safe to log.</summary>
    public string SessionId { get; }

    /// <summary>Names the session and expiry times, never the tokens.</summary>
    public override string ToString() => $"IssuedTokens {{ SessionId = {SessionId}, AccessTokenExpiresAt = {AccessTokenExpiresAt:O}, RefreshTokenExpiresAt = {RefreshTokenExpiresAt:O} }}";
}
