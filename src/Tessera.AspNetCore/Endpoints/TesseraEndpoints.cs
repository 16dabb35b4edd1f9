using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tessera.AspNetCore.Authentication;
using Tessera.Credentials;
using Tessera.Sessions;
using Tessera.Tokens;

namespace Tessera.AspNetCore;

/// <summary>
/// The handlers behind <c>MapTesseraEndpoints</c>, one method per route of the HTTP contract (API.md: Authentication
/// and Session data). Every failure is a problem with a stable <c>error</c>; malformed input is 400
/// <c>invalid_request</c>, never a 500; every response is <c>Cache-Control: no-store</c> (set for the whole group).
/// </summary>
internal sealed class TesseraEndpoints(string prefix)
{
    /// <summary>The largest login or refresh body read; larger ones are 413.</summary>
    private const int MaxCredentialsBodyBytes = 16 * 1024;

    /// <summary>The largest session value read; the store's own (smaller) limits apply below it.</summary>
    private const int MaxValueBodyBytes = 1024 * 1024;

    private string RefreshPath => prefix.TrimEnd('/') + "/refresh";

    public async Task<IResult> LoginAsync(HttpContext context)
    {
        (LoginRequest? body, IResult? error) = await ReadJsonAsync(context, TesseraJsonContext.Default.LoginRequest, MaxCredentialsBodyBytes).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        if (body is not { Username: { Length: > 0 } userName, Password: { Length: > 0 } password })
        {
            return InvalidRequest("The body must be a JSON object with non-empty \"username\" and \"password\".");
        }

        if (!TryReadMode(context, out bool cookieMode, out IResult? modeError))
        {
            return modeError!;
        }

        // Login CSRF: a cross-site form could otherwise sign the victim's browser into the attacker's account (the
        // response's cookies are set even for a top-level navigation). No session exists yet, so the origin is the proof.
        if (cookieMode && !context.RequestServices.GetRequiredService<CsrfProtection>().IsSameOrigin(context.Request))
        {
            Log.CsrfRefused(Logger(context), context.Request.Method, context.Request.Path, nameof(CsrfResult.CrossOrigin));
            return TesseraProblems.Result(StatusCodes.Status403Forbidden, "csrf_failed", "A cookie-mode login must come from the app's own origin.");
        }

        IServiceProvider services = context.RequestServices;
        string client = LoginThrottle.ClientKey(context.Connection.RemoteIpAddress);
        if (services.GetRequiredService<LoginThrottle>().TryAcquire(client, userName) is { } wait)
        {
            Log.LoginThrottled(Logger(context), client);
            context.Response.Headers.RetryAfter = LoginThrottle.RetryAfterSeconds(wait);
            return TesseraProblems.Result(StatusCodes.Status429TooManyRequests, "too_many_requests", "Too many login attempts; retry later.");
        }

        PasswordSignInService login = services.GetRequiredService<PasswordSignInService>();
        SignInResult result = await login.SignInAsync(userName, password, ClientInfo(context), context.RequestAborted).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            Log.SignInFailed(Logger(context), result.ErrorCode!);
            return result.Error switch
            {
                SignInError.SessionLimitReached => TesseraProblems.Result(StatusCodes.Status403Forbidden, result.ErrorCode!, "The account has reached its session limit; sign out elsewhere first."),
                SignInError.StoreFull => TesseraProblems.Result(StatusCodes.Status503ServiceUnavailable, result.ErrorCode!, "The session store is full; retry later."),
                _ => TesseraProblems.Result(StatusCodes.Status401Unauthorized, "invalid_credentials", "The user name or password is wrong."),
            };
        }

        Log.SignedIn(Logger(context), result.Tokens!.SessionId);
        return TokensResult(context, result.Tokens, cookieMode);
    }

    public async Task<IResult> RefreshAsync(HttpContext context)
    {
        (RefreshRequest? body, IResult? error) = await ReadJsonAsync(context, TesseraJsonContext.Default.RefreshRequest, MaxCredentialsBodyBytes, allowEmpty: true).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        TesseraOptions options = Options(context);
        string? refreshToken = body?.RefreshToken;
        bool cookieMode = false;
        if (string.IsNullOrEmpty(refreshToken) && options.Cookies.Enabled
            && context.Request.Cookies.TryGetValue(options.Cookies.RefreshCookieName, out string? cookie) && !string.IsNullOrEmpty(cookie))
        {
            // A cookie travels with any request the browser makes: demand the same proof as any cookie-authenticated write.
            string sessionId = cookie.Length > SessionIdFactory.IdLength ? cookie[..SessionIdFactory.IdLength] : cookie;
            if (context.RequestServices.GetRequiredService<CsrfProtection>().Check(context.Request, sessionId) is var csrf and not CsrfResult.Passed)
            {
                Log.CsrfRefused(Logger(context), context.Request.Method, context.Request.Path, csrf.ToString());
                return TesseraProblems.Result(StatusCodes.Status403Forbidden, "csrf_failed", "A cookie refresh needs a same-origin source and the session's CSRF token.");
            }

            refreshToken = cookie;
            cookieMode = true;
        }

        if (string.IsNullOrEmpty(refreshToken))
        {
            return InvalidRequest("The body must be a JSON object with \"refresh_token\" (or, in cookie mode, the refresh cookie must be sent).");
        }

        RefreshResult result = await Tokens(context).RefreshAsync(refreshToken, context.RequestAborted).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            Log.RefreshRefused(Logger(context), result.Error.ToString());
            if (cookieMode)
            {
                DeleteCookies(context);
            }

            return TesseraProblems.Result(StatusCodes.Status401Unauthorized, "invalid_grant", "The refresh token is not valid: unknown, spent, expired, or its session is gone.");
        }

        return TokensResult(context, result.Tokens!, cookieMode);
    }

    public async Task<IResult> LogoutAsync(HttpContext context)
    {
        ITesseraFeature feature = Feature(context);
        string scope = context.Request.Query["scope"].ToString() is { Length: > 0 } given ? given : "current";
        SessionTokenService tokens = Tokens(context);
        string userId = feature.Session.UserId;
        // Not RequestAborted: a user who asks to sign out and closes the tab at once must still be signed out.
        switch (scope)
        {
            case "current":
                await tokens.SignOutAsync(feature.Session.Id, CancellationToken.None).ConfigureAwait(false);
                break;
            case "others":
                await tokens.SignOutOtherSessionsAsync(userId, feature.Session.Id, CancellationToken.None).ConfigureAwait(false);
                break;
            case "all":
                await tokens.SignOutEverywhereAsync(userId, CancellationToken.None).ConfigureAwait(false);
                break;
            default:
                return InvalidRequest("scope must be current, others or all.");
        }

        if (scope != "others" && feature.Transport == TesseraTransport.Cookie)
        {
            DeleteCookies(context);
        }

        return Results.NoContent();
    }

    public static IResult Me(HttpContext context)
    {
        ITesseraFeature feature = Feature(context);
        Jwt.JwtClaims claims = feature.Authentication.Claims!;
        string? csrf = feature.Transport == TesseraTransport.Cookie ? context.RequestServices.GetRequiredService<CsrfProtection>().TokenFor(feature.Session.Id) : null;
        var body = new MeResponse(
            feature.Session.UserId,
            claims.TryGetString("name", out string? name) ? name : null,
            feature.Session.Id,
            claims.TryGetStringArray("roles", out string[]? roles) ? roles : [],
            feature.Transport == TesseraTransport.Cookie ? "cookie" : "bearer",
            csrf);
        return Results.Json(body, TesseraJsonContext.Default.MeResponse);
    }

    public static async Task<IResult> ListSessionsAsync(HttpContext context)
    {
        ITesseraFeature feature = Feature(context);
        IReadOnlyList<SessionRecord> sessions = await Tokens(context).Store.ListUserSessionsAsync(feature.Session.UserId, context.RequestAborted).ConfigureAwait(false);
        SessionInfo[] body = [.. sessions.Select(s => new SessionInfo(
            s.Id, s.CreatedAt, s.LastSeenAt, s.ExpiresAt, s.Client?.IpAddress, s.Client?.UserAgent, s.Client?.DeviceLabel, s.Id == feature.Session.Id))];
        return Results.Json(body, TesseraJsonContext.Default.SessionInfoArray);
    }

    public async Task<IResult> EndSessionAsync(HttpContext context, string sid)
    {
        ITesseraFeature feature = Feature(context);
        SessionTokenService tokens = Tokens(context);
        // Only the caller's own sessions: any other id, existing or not, is the same 404.
        SessionRecord? session = await tokens.Store.GetAsync(sid, context.RequestAborted).ConfigureAwait(false);
        if (session is null || session.UserId != feature.Session.UserId)
        {
            return TesseraProblems.Result(StatusCodes.Status404NotFound, "not_found", "No such session of yours.");
        }

        await tokens.SignOutAsync(sid, CancellationToken.None).ConfigureAwait(false); // finishes if the client leaves, as a logout does
        if (sid == feature.Session.Id && feature.Transport == TesseraTransport.Cookie)
        {
            DeleteCookies(context);
        }

        return Results.NoContent();
    }

    public static IResult GetAllData(HttpContext context)
    {
        TesseraSession session = Feature(context).Session;
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (string key in session.Keys)
            {
                if (session.TryGetJson(key, out ReadOnlyMemory<byte> json))
                {
                    writer.WritePropertyName(key);
                    writer.WriteRawValue(json.Span, skipInputValidation: true); // stores hold only valid JSON
                }
            }

            writer.WriteEndObject();
        }

        return Results.Bytes(buffer.WrittenMemory, "application/json");
    }

    public static IResult GetData(HttpContext context, string key) =>
        Feature(context).Session.TryGetJson(key, out ReadOnlyMemory<byte> json)
            ? Results.Bytes(json, "application/json")
            : TesseraProblems.Result(StatusCodes.Status404NotFound, "not_found", "The session has no such key.");

    public static async Task<IResult> PutDataAsync(HttpContext context, string key)
    {
        (byte[]? body, IResult? error) = await ReadBodyAsync(context, MaxValueBodyBytes).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        if (body is null || body.Length == 0)
        {
            return InvalidRequest("The body must be one JSON value.");
        }

        SessionWriteStatus status;
        try
        {
            status = await Feature(context).Session.SetJsonAsync(key, body, context.RequestAborted).ConfigureAwait(false);
        }
        catch (ArgumentException)
        {
            return InvalidRequest("The body must be exactly one valid JSON value (UTF-8).");
        }

        return WriteResult(status);
    }

    public static async Task<IResult> DeleteDataAsync(HttpContext context, string key) =>
        WriteResult(await Feature(context).Session.DeleteAsync(key, context.RequestAborted).ConfigureAwait(false));

    private static IResult WriteResult(SessionWriteStatus status) => status switch
    {
        SessionWriteStatus.Ok => Results.NoContent(),
        SessionWriteStatus.KeyInvalid => InvalidRequest("The key is empty, too long, or has control characters."),
        SessionWriteStatus.ValueTooLarge or SessionWriteStatus.DataTooLarge => TesseraProblems.Result(StatusCodes.Status413PayloadTooLarge, "payload_too_large", $"The session refused the value: {status}."),
        SessionWriteStatus.SessionNotFound => TesseraProblems.Result(StatusCodes.Status401Unauthorized, "session_expired", "The session has ended."),
        _ => TesseraProblems.Result(StatusCodes.Status400BadRequest, "invalid_request", $"The session refused the write: {status}."),
    };

    private IResult TokensResult(HttpContext context, IssuedTokens tokens, bool cookieMode)
    {
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.Pragma = "no-cache";
        if (!cookieMode)
        {
            return Results.Json(new TokenResponse(tokens.AccessToken, IssuedTokens.TokenType, tokens.ExpiresIn, tokens.RefreshToken, tokens.RefreshExpiresIn, tokens.SessionId),
                TesseraJsonContext.Default.TokenResponse);
        }

        TesseraCookieOptions cookies = Options(context).Cookies;
        context.Response.Cookies.Append(cookies.AccessCookieName, tokens.AccessToken, CookieOptions(cookies, "/", tokens.AccessTokenExpiresAt));
        context.Response.Cookies.Append(cookies.RefreshCookieName, tokens.RefreshToken, CookieOptions(cookies, RefreshPath, tokens.RefreshTokenExpiresAt));
        CsrfProtection csrf = context.RequestServices.GetRequiredService<CsrfProtection>();
        return Results.Json(new CookieTokenResponse("cookie", tokens.ExpiresIn, tokens.RefreshExpiresIn, tokens.SessionId, csrf.HeaderName, csrf.TokenFor(tokens.SessionId)),
            TesseraJsonContext.Default.CookieTokenResponse);
    }

    private void DeleteCookies(HttpContext context)
    {
        TesseraCookieOptions cookies = Options(context).Cookies;
        context.Response.Cookies.Delete(cookies.AccessCookieName, CookieOptions(cookies, "/", null));
        context.Response.Cookies.Delete(cookies.RefreshCookieName, CookieOptions(cookies, RefreshPath, null));
    }

    private static CookieOptions CookieOptions(TesseraCookieOptions cookies, string path, DateTimeOffset? expires) => new()
    {
        HttpOnly = true,
        Secure = true,
        SameSite = cookies.SameSite,
        Path = path,
        Expires = expires,
        IsEssential = true,
    };

    private static bool TryReadMode(HttpContext context, out bool cookieMode, out IResult? error)
    {
        string mode = context.Request.Query["mode"].ToString();
        cookieMode = mode == "cookie";
        error = mode is "" or "token" or "cookie" ? null : InvalidRequest("mode must be token or cookie.");
        if (cookieMode && !Options(context).Cookies.Enabled)
        {
            error = InvalidRequest("Cookie mode is disabled on this server.");
        }

        return error is null;
    }

    private static async Task<(T? Value, IResult? Error)> ReadJsonAsync<T>(HttpContext context, JsonTypeInfo<T> typeInfo, int maxBytes, bool allowEmpty = false)
        where T : class
    {
        (byte[]? body, IResult? error) = await ReadBodyAsync(context, maxBytes).ConfigureAwait(false);
        if (error is not null)
        {
            return (null, error);
        }

        if (body is null || body.AsSpan().Trim(" \t\r\n"u8).IsEmpty)
        {
            return allowEmpty ? (null, null) : (null, InvalidRequest("The request needs a JSON body."));
        }

        try
        {
            return (JsonSerializer.Deserialize(body, typeInfo), null);
        }
        catch (JsonException)
        {
            return (null, InvalidRequest("The body is not valid JSON of the expected shape."));
        }
    }

    /// <summary>Reads the body, at most <paramref name="maxBytes"/>; larger is 413 without reading the rest.</summary>
    private static async Task<(byte[]? Body, IResult? Error)> ReadBodyAsync(HttpContext context, int maxBytes)
    {
        if (context.Request.ContentLength > maxBytes)
        {
            return (null, TooLarge());
        }

        using var buffer = new MemoryStream();
        byte[] chunk = ArrayPool<byte>.Shared.Rent(8192);
        try
        {
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    return (null, TooLarge());
                }

                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return (buffer.ToArray(), null);
    }

    private static IResult TooLarge() => TesseraProblems.Result(StatusCodes.Status413PayloadTooLarge, "payload_too_large", "The request body is too large.");

    private static IResult InvalidRequest(string detail) => TesseraProblems.Result(StatusCodes.Status400BadRequest, "invalid_request", detail);

    private static SessionClientInfo ClientInfo(HttpContext context) =>
        new(context.Connection.RemoteIpAddress?.ToString(), context.Request.Headers.UserAgent.ToString() is { Length: > 0 } agent ? agent : null);

    private static ITesseraFeature Feature(HttpContext context) =>
        context.GetTesseraFeature() ?? throw new InvalidOperationException("The endpoint requires a request authenticated by the Tessera scheme.");

    private static SessionTokenService Tokens(HttpContext context) => context.RequestServices.GetRequiredService<SessionTokenService>();

    private static TesseraOptions Options(HttpContext context) => context.RequestServices.GetRequiredService<IOptions<TesseraOptions>>().Value;

    private static ILogger Logger(HttpContext context) => context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Tessera.AspNetCore.Endpoints");
}
