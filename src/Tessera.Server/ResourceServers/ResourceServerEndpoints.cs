using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using Tessera.AspNetCore;
using Tessera.Tokens;

namespace Tessera.Server.ResourceServers;

/// <summary>
/// Token introspection (RFC 7662, <c>POST /auth/introspect</c>) and revocation (RFC 7009, <c>POST /auth/revoke</c>)
/// for resource servers, which authenticate with HTTP Basic as the client configured in
/// <c>Tessera:ResourceClient:Id</c> / <c>Tessera:ResourceClient:Secret</c>. Without a configured secret both answer
/// 401 <c>invalid_client</c> to everyone (fail closed).
/// </summary>
/// <remarks>
/// Introspection answers <c>{"active":false}</c> for anything that is not a live access token of a live session or
/// the current refresh token of one, and never says why. An active access token's answer carries its claims. Revoking
/// an access token ends its whole session (the only state a token has); revoking a refresh token ends its session
/// when it is the current one. Revocation answers 200 whatever the token (RFC 7009 §2.2).
/// </remarks>
internal static class ResourceServerEndpoints
{
    private const int MaxFormBytes = 16 * 1024;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/auth/introspect", async (HttpContext context, SessionTokenService tokens, IConfiguration configuration, TimeProvider timeProvider) =>
        {
            if (!ClientAuthenticated(context, configuration))
            {
                return InvalidClient(context);
            }

            (string? token, string? hint) = await ReadFormAsync(context);
            if (token is null)
            {
                return TesseraProblems.Result(StatusCodes.Status400BadRequest, "invalid_request", "The body must be a URL-encoded form (at most 16 KiB) carrying token.");
            }

            context.Response.Headers.CacheControl = "no-store";
            // The hint only orders the search: a wrong one must not hide an active token (RFC 7662 §2.1).
            bool refreshFirst = hint == "refresh_token";
            IResult? answer = refreshFirst
                ? await RefreshAnswerAsync(token, tokens, timeProvider) ?? await AccessAnswerAsync(token, tokens)
                : await AccessAnswerAsync(token, tokens) ?? await RefreshAnswerAsync(token, tokens, timeProvider);
            if (answer is not null)
            {
                return answer;
            }

            return Results.Json(IntrospectionResponse.Inactive, ResourceServerJson.Default.IntrospectionResponse);
        });

        app.MapPost("/auth/revoke", async (HttpContext context, SessionTokenService tokens, IConfiguration configuration) =>
        {
            if (!ClientAuthenticated(context, configuration))
            {
                return InvalidClient(context);
            }

            (string? token, _) = await ReadFormAsync(context);
            if (token is null)
            {
                return TesseraProblems.Result(StatusCodes.Status400BadRequest, "invalid_request", "The body must be a URL-encoded form (at most 16 KiB) carrying token.");
            }

            // Not RequestAborted: a revocation asked for runs to the end even if the caller stops waiting for it.
            if (!await tokens.RevokeRefreshTokenAsync(token, CancellationToken.None))
            {
                AuthenticationResult access = await tokens.AuthenticateAsync(token, CancellationToken.None);
                if (access.Succeeded)
                {
                    await tokens.RevokeSessionAsync(access.SessionId!, CancellationToken.None);
                }
            }

            return Results.Ok();
        });
    }

    /// <summary>The answer for a live access token of a live session, or null.</summary>
    private static async Task<IResult?> AccessAnswerAsync(string token, SessionTokenService tokens)
    {
        AuthenticationResult access = await tokens.AuthenticateAsync(token, CancellationToken.None);
        if (!access.Succeeded)
        {
            return null;
        }

        Jwt.JwtClaims claims = access.Claims!;
        return Results.Json(new IntrospectionResponse(true, "access_token", access.UserId, access.SessionId,
            claims.TryGetString("name", out string? name) ? name : null, claims.Issuer, claims.Audiences is [string audience, ..] ? audience : null,
            claims.ExpiresAt?.ToUnixTimeSeconds(), claims.IssuedAt?.ToUnixTimeSeconds(), claims.TryGetStringArray("roles", out string[]? roles) ? roles : null),
            ResourceServerJson.Default.IntrospectionResponse);
    }

    /// <summary>The answer for a session's current refresh token within its window, or null.</summary>
    private static async Task<IResult?> RefreshAnswerAsync(string token, SessionTokenService tokens, TimeProvider timeProvider)
    {
        if (await tokens.FindRefreshSessionAsync(token, CancellationToken.None) is not { } session
            || tokens.RefreshTokenExpiresAt(session) is var expires && expires <= timeProvider.GetUtcNow())
        {
            return null;
        }

        return Results.Json(new IntrospectionResponse(true, "refresh_token", session.UserId, session.Id, null, null, null,
            expires.ToUnixTimeSeconds(), session.RefreshIssuedAt.ToUnixTimeSeconds(), null), ResourceServerJson.Default.IntrospectionResponse);
    }

    /// <summary>
    /// The form's token and hint; a null token for anything but a URL-encoded form of at most <see cref="MaxFormBytes"/>
    /// (the caller answers 400). Multipart, a chunked body past the limit or a malformed one are refused, not a 500.
    /// </summary>
    private static async Task<(string? Token, string? Hint)> ReadFormAsync(HttpContext context)
    {
        if (!MediaTypeHeaderValue.TryParse(context.Request.ContentType, out MediaTypeHeaderValue? type)
            || !string.Equals(type.MediaType, "application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase)
            || context.Request.ContentLength > MaxFormBytes)
        {
            return (null, null);
        }

        // Content-Length may be absent (chunked): the server's own limit then stops the read at the same size.
        if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxFormBytes;
        }

        IFormCollection form;
        try
        {
            form = await context.Request.ReadFormAsync(context.RequestAborted);
        }
        catch (Exception ex) when (ex is InvalidDataException or BadHttpRequestException or IOException)
        {
            return (null, null);
        }

        string? token = form["token"];
        return (string.IsNullOrEmpty(token) ? null : token, form["token_type_hint"]);
    }

    /// <summary>HTTP Basic with the configured client; secrets compared in constant time.</summary>
    private static bool ClientAuthenticated(HttpContext context, IConfiguration configuration)
    {
        string? secret = configuration["Tessera:ResourceClient:Secret"];
        string id = configuration["Tessera:ResourceClient:Id"] ?? "resource-server";
        if (string.IsNullOrEmpty(secret) || !AuthenticationHeaderValue.TryParse(context.Request.Headers.Authorization, out AuthenticationHeaderValue? header)
            || !string.Equals(header.Scheme, "Basic", StringComparison.OrdinalIgnoreCase) || header.Parameter is null)
        {
            return false;
        }

        string credentials;
        try
        {
            credentials = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter));
        }
        catch (FormatException)
        {
            return false;
        }

        int colon = credentials.IndexOf(':', StringComparison.Ordinal);
        return colon > 0
            && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(credentials[..colon])), SHA256.HashData(Encoding.UTF8.GetBytes(id)))
            && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(credentials[(colon + 1)..])), SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
    }

    private static IResult InvalidClient(HttpContext context)
    {
        context.Response.Headers.WWWAuthenticate = "Basic realm=\"tessera\"";
        return TesseraProblems.Result(StatusCodes.Status401Unauthorized, "invalid_client", "Authenticate with the configured resource client (HTTP Basic).");
    }
}

/// <summary>An RFC 7662 §2.2 response; inactive tokens carry <c>active</c> alone.</summary>
internal sealed record IntrospectionResponse(
    [property: JsonPropertyName("active")] bool Active,
    [property: JsonPropertyName("token_type"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? TokenType,
    [property: JsonPropertyName("sub"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Subject,
    [property: JsonPropertyName("sid"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? SessionId,
    [property: JsonPropertyName("username"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? UserName,
    [property: JsonPropertyName("iss"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Issuer,
    [property: JsonPropertyName("aud"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Audience,
    [property: JsonPropertyName("exp"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? ExpiresAt,
    [property: JsonPropertyName("iat"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? IssuedAt,
    [property: JsonPropertyName("roles"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string[]? Roles)
{
    public static IntrospectionResponse Inactive { get; } = new(false, null, null, null, null, null, null, null, null, null);
}

[JsonSerializable(typeof(IntrospectionResponse))]
internal sealed partial class ResourceServerJson : JsonSerializerContext
{
}
