using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authorization;
using Tessera.AspNetCore;
using Tessera.Credentials;
using Tessera.Server.Users;
using Tessera.Sessions;
using Tessera.Tokens;

namespace Tessera.Server.Admin;

/// <summary>The admin API of the HTTP contract, for role <c>admin</c>.</summary>
internal static class AdminEndpoints
{
    private const int PageSize = 50;

    public static void Map(IEndpointRouteBuilder app)
    {
        RouteGroupBuilder admin = app.MapGroup("/admin/api")
            .RequireAuthorization(new AuthorizeAttribute { AuthenticationSchemes = TesseraDefaults.AuthenticationScheme, Roles = "admin" });

        admin.MapGet("/stats", async (SessionTokenService tokens, CancellationToken ct) =>
        {
            SessionCounts counts = await tokens.Store.GetCountsAsync(ct);
            return Results.Json(new StatsResponse(counts.Sessions, counts.Users, counts.ActiveSessions), ServerJson.Default.StatsResponse);
        });

        admin.MapGet("/sessions", async (HttpContext context, SessionTokenService tokens, IUserDatabase users, CancellationToken ct) =>
        {
            string? user = context.Request.Query["user"];
            string? page = context.Request.Query["page"];
            IReadOnlyList<SessionRecord> sessions;
            string? next = null;
            if (!string.IsNullOrEmpty(user))
            {
                UserRecord? record = await users.FindAsync(user, ct);
                sessions = record is null ? [] : await tokens.Store.ListUserSessionsAsync(record.Id, ct);
            }
            else
            {
                SessionPage result = await tokens.Store.ListAsync(string.IsNullOrEmpty(page) ? null : page, PageSize, ct);
                sessions = result.Sessions;
                next = result.NextCursor;
            }

            IReadOnlyDictionary<string, string> names = await users.NamesAsync([.. sessions.Select(s => s.UserId).Distinct(StringComparer.Ordinal)], ct);
            AdminSession[] body = [.. sessions.Select(s => new AdminSession(
                s.Id, s.UserId, names.GetValueOrDefault(s.UserId), s.CreatedAt, s.LastSeenAt, s.ExpiresAt, s.Client?.IpAddress, s.Client?.UserAgent))];
            return Results.Json(new AdminSessionPage(body, next), ServerJson.Default.AdminSessionPage);
        });

        admin.MapPost("/users", async (HttpContext context, IUserDatabase users, IPasswordHasher hasher, CancellationToken ct) =>
        {
            CreateUserRequest? request;
            try
            {
                request = await JsonSerializer.DeserializeAsync(context.Request.Body, ServerJson.Default.CreateUserRequest, ct);
            }
            catch (JsonException)
            {
                return TesseraProblems.Result(StatusCodes.Status400BadRequest, "invalid_request", "The body must be {\"username\",\"password\",\"roles\"}.");
            }

            if (request is not { UserName: { Length: > 0 and <= 128 } name, Password: { Length: >= 8 and <= 1024 } password } || (request.Roles ?? []).Any(string.IsNullOrWhiteSpace))
            {
                return TesseraProblems.Result(StatusCodes.Status400BadRequest, "invalid_request", "username (1-128 characters), password (8-1024 characters) and roles (non-empty names) are required.");
            }

            if (UserShape.SignInProblem(name, request.Roles ?? []) is { } problem)
            {
                return TesseraProblems.Result(StatusCodes.Status400BadRequest, "invalid_request", problem);
            }

            UserRecord? created = await users.AddAsync(name, hasher.Hash(password), request.Roles ?? [], ct);
            return created is null
                ? TesseraProblems.Result(StatusCodes.Status409Conflict, "user_exists", "A user with that name exists.")
                : Results.Json(new UserResponse(created.Id, created.UserName, created.Roles, created.Disabled), ServerJson.Default.UserResponse, statusCode: StatusCodes.Status201Created);
        });

        admin.MapGet("/users", async (IUserDatabase users, CancellationToken ct) =>
            Results.Json((await users.ListAsync(ct)).Select(u => new UserResponse(u.Id, u.UserName, u.Roles, u.Disabled)).ToArray(), ServerJson.Default.UserResponseArray));

        // Disabling refuses the user's next sign-ins and ends every session they have, at once.
        admin.MapPost("/users/{username}/disable", (HttpContext context, string username, IUserDatabase users, SessionTokenService tokens, CancellationToken ct) => SetDisabledAsync(context, username, true, users, tokens, ct));
        admin.MapPost("/users/{username}/enable", (HttpContext context, string username, IUserDatabase users, SessionTokenService tokens, CancellationToken ct) => SetDisabledAsync(context, username, false, users, tokens, ct));

        admin.MapDelete("/users/{username}/sessions", async (string username, IUserDatabase users, SessionTokenService tokens, CancellationToken ct) =>
        {
            UserRecord? user = await users.FindAsync(username, ct);
            if (user is null)
            {
                return TesseraProblems.Result(StatusCodes.Status404NotFound, "not_found", "No such user.");
            }

            await tokens.RevokeUserSessionsAsync(user.Id, CancellationToken.None); // asked for: finishes if the caller leaves
            return Results.NoContent();
        });

        admin.MapDelete("/sessions/{sid}", async (string sid, SessionTokenService tokens, CancellationToken ct) =>
            await tokens.RevokeSessionAsync(sid, CancellationToken.None) ? Results.NoContent() : TesseraProblems.Result(StatusCodes.Status404NotFound, "not_found", "No such live session."));

        KeyEndpoints.Map(admin);
    }

    private static async Task<IResult> SetDisabledAsync(HttpContext context, string username, bool disabled, IUserDatabase users, SessionTokenService tokens, CancellationToken ct)
    {
        UserRecord? user = await users.FindAsync(username, ct);
        if (user is null)
        {
            return TesseraProblems.Result(StatusCodes.Status404NotFound, "not_found", "No such user.");
        }

        // An admin who disables themselves ends their own sessions and, if they were the only admin, leaves the admin
        // API to nobody but the CLI on the host.
        if (disabled && user.Id == context.GetTesseraFeature()?.Session.UserId)
        {
            return TesseraProblems.Result(StatusCodes.Status409Conflict, "cannot_disable_self", "You can't disable your own account; another admin can.");
        }

        // From the write on, not the request's token: a disabled user whose sessions live on would be half done.
        if (!await users.SetDisabledAsync(username, disabled, CancellationToken.None))
        {
            return TesseraProblems.Result(StatusCodes.Status404NotFound, "not_found", "No such user.");
        }

        if (disabled)
        {
            await tokens.RevokeUserSessionsAsync(user.Id, CancellationToken.None);
        }

        return Results.NoContent();
    }
}

internal sealed record CreateUserRequest(
    [property: JsonPropertyName("username")] string? UserName,
    [property: JsonPropertyName("password")] string? Password,
    [property: JsonPropertyName("roles")] string[]? Roles);

internal sealed record StatsResponse(
    [property: JsonPropertyName("sessions")] long Sessions,
    [property: JsonPropertyName("users_online")] long UsersOnline,
    [property: JsonPropertyName("active_last_5m")] long ActiveLast5Minutes);

internal sealed record AdminSession(
    [property: JsonPropertyName("session_id")] string SessionId,
    [property: JsonPropertyName("user")] string User,
    [property: JsonPropertyName("username")] string? UserName,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("last_seen_at")] DateTimeOffset LastSeenAt,
    [property: JsonPropertyName("expires_at")] DateTimeOffset ExpiresAt,
    [property: JsonPropertyName("ip")] string? IpAddress,
    [property: JsonPropertyName("user_agent")] string? UserAgent);

internal sealed record AdminSessionPage(
    [property: JsonPropertyName("sessions")] AdminSession[] Sessions,
    [property: JsonPropertyName("next_page")] string? NextPage);

internal sealed record UserResponse(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("username")] string UserName,
    [property: JsonPropertyName("roles")] string[] Roles,
    [property: JsonPropertyName("disabled")] bool Disabled);
