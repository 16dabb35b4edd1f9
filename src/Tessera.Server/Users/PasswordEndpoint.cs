using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authorization;
using Tessera.AspNetCore;
using Tessera.Credentials;
using Tessera.Tokens;

namespace Tessera.Server.Users;

/// <summary>
/// <c>POST /auth/password</c> <c>{"current_password","new_password"}</c>: a signed-in user changes their password.
/// The other sessions end (whoever knew the old password is out); the current one stays.
/// </summary>
internal static class PasswordEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost("/auth/password", async (HttpContext context, IUserDatabase users, IPasswordHasher hasher, SessionTokenService tokens, LoginThrottle throttle, CancellationToken ct) =>
        {
            ChangePasswordRequest? request;
            try
            {
                request = await JsonSerializer.DeserializeAsync(context.Request.Body, ServerJson.Default.ChangePasswordRequest, ct);
            }
            catch (JsonException)
            {
                request = null;
            }

            if (request is not { CurrentPassword: { Length: > 0 } current, NewPassword: { Length: >= 8 and <= 1024 } next })
            {
                return TesseraProblems.Result(StatusCodes.Status400BadRequest, "invalid_request", "The body must be {\"current_password\",\"new_password\"} with a new password of 8 to 1024 characters.");
            }

            var feature = context.GetTesseraFeature()!;
            string userId = feature.Session.UserId;
            if (throttle.TryAcquirePasswordCheck(userId) is { } wait)
            {
                context.Response.Headers.RetryAfter = LoginThrottle.RetryAfterSeconds(wait);
                return TesseraProblems.Result(StatusCodes.Status429TooManyRequests, "too_many_requests", "Too many password attempts; retry later.");
            }

            string? stored = await users.PasswordHashAsync(userId, ct);
            if (stored is null || hasher.Verify(stored, current) == PasswordVerification.Failed)
            {
                return TesseraProblems.Result(StatusCodes.Status403Forbidden, "invalid_credentials", "The current password is wrong.");
            }

            // From the write on, not the request's token: a new password with the old sessions alive would be half done.
            await users.UpdatePasswordHashAsync(userId, hasher.Hash(next), CancellationToken.None);
            await tokens.SignOutOtherSessionsAsync(userId, feature.Session.Id, CancellationToken.None);
            return Results.NoContent();
        }).RequireAuthorization(new AuthorizeAttribute { AuthenticationSchemes = TesseraDefaults.AuthenticationScheme });
}

internal sealed record ChangePasswordRequest(
    [property: JsonPropertyName("current_password")] string? CurrentPassword,
    [property: JsonPropertyName("new_password")] string? NewPassword);
