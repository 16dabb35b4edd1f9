using System.Text.Json.Serialization;

namespace Tessera.AspNetCore;

/// <summary><c>POST /auth/login</c> body.</summary>
internal sealed record LoginRequest(
    [property: JsonPropertyName("username")] string? Username,
    [property: JsonPropertyName("password")] string? Password);

/// <summary><c>POST /auth/refresh</c> body.</summary>
internal sealed record RefreshRequest([property: JsonPropertyName("refresh_token")] string? RefreshToken);

/// <summary>An RFC 6749 §5.1 token response, plus the refresh token's lifetime and the session id.</summary>
internal sealed record TokenResponse(
    [property: JsonPropertyName("access_token")] string AccessToken,
    [property: JsonPropertyName("token_type")] string TokenType,
    [property: JsonPropertyName("expires_in")] long ExpiresIn,
    [property: JsonPropertyName("refresh_token")] string RefreshToken,
    [property: JsonPropertyName("refresh_expires_in")] long RefreshExpiresIn,
    [property: JsonPropertyName("session_id")] string SessionId);

/// <summary>The cookie-mode token response: the tokens are in cookies; the body names the CSRF header and token.</summary>
internal sealed record CookieTokenResponse(
    [property: JsonPropertyName("token_type")] string TokenType,
    [property: JsonPropertyName("expires_in")] long ExpiresIn,
    [property: JsonPropertyName("refresh_expires_in")] long RefreshExpiresIn,
    [property: JsonPropertyName("session_id")] string SessionId,
    [property: JsonPropertyName("csrf_header")] string CsrfHeader,
    [property: JsonPropertyName("csrf_token")] string CsrfToken);

/// <summary><c>GET /auth/me</c>.</summary>
internal sealed record MeResponse(
    [property: JsonPropertyName("sub")] string Subject,
    [property: JsonPropertyName("username")] string? Username,
    [property: JsonPropertyName("sid")] string SessionId,
    [property: JsonPropertyName("roles")] string[] Roles,
    [property: JsonPropertyName("transport")] string Transport,
    [property: JsonPropertyName("csrf_token"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? CsrfToken);

/// <summary>One entry of <c>GET /auth/sessions</c>.</summary>
internal sealed record SessionInfo(
    [property: JsonPropertyName("session_id")] string SessionId,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("last_seen_at")] DateTimeOffset LastSeenAt,
    [property: JsonPropertyName("expires_at")] DateTimeOffset ExpiresAt,
    [property: JsonPropertyName("ip")] string? IpAddress,
    [property: JsonPropertyName("user_agent")] string? UserAgent,
    [property: JsonPropertyName("device")] string? Device,
    [property: JsonPropertyName("current")] bool Current);

/// <summary>Source-generated JSON for every body the integration reads or writes.</summary>
[JsonSerializable(typeof(LoginRequest))]
[JsonSerializable(typeof(RefreshRequest))]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(CookieTokenResponse))]
[JsonSerializable(typeof(MeResponse))]
[JsonSerializable(typeof(SessionInfo[]))]
[JsonSerializable(typeof(string))]
internal sealed partial class TesseraJsonContext : JsonSerializerContext
{
}
