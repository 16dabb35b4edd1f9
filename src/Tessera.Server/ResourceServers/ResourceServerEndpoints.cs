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
                return TesseraProblems.Result(StatusCodes.Status400BadRequest, "invalid_request", "The form must carry token.");
            }

            context.Response.Headers.CacheControl = "no-store";
            if (hint != "refresh_token")
            {
                AuthenticationResult access = await tokens.AuthenticateAsync(token, CancellationToken.None);
                if (access.Succeeded)
                {
                    Jwt.JwtClaims claims = access.Claims!;
                    return Results.Json(new IntrospectionResponse(true, "access_token", access.UserId, access.SessionId,
                        claims.TryGetString("name", out string? name) ? name : null, claims.Issuer, claims.Audiences is [string audience, ..] ? audience : null,
                        claims.ExpiresAt?.ToUnixTimeSeconds(), claims.IssuedAt?.ToUnixTimeSeconds(), claims.TryGetStringArray("roles", out string[]? roles) ? roles : null),
                        ResourceServerJson.Default.IntrospectionResponse);
                }
            }

            if (await tokens.FindRefreshSessionAsync(token, context.RequestAborted) is { } session
                && tokens.RefreshTokenExpiresAt(session) is var expires && expires > timeProvider.GetUtcNow())
            {
                return Results.Json(new IntrospectionResponse(true, "refresh_token", session.UserId, session.Id, null, null, null,
                    expires.ToUnixTimeSeconds(), session.RefreshIssuedAt.ToUnixTimeSeconds(), null), ResourceServerJson.Default.IntrospectionResponse);
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
                return TesseraProblems.Result(StatusCodes.Status400BadRequest, "invalid_request", "The form must carry token.");
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

    private static async Task<(string? Token, string? Hint)> ReadFormAsync(HttpContext context)
    {
        if (!context.Request.HasFormContentType || context.Request.ContentLength > 16 * 1024)
        {
            return (null, null);
        }

        IFormCollection form = await context.Request.ReadFormAsync(context.RequestAborted);
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
