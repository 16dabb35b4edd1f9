using System.Runtime.CompilerServices;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tessera.Jwt;
using Tessera.Tokens;

namespace Tessera.AspNetCore.Authentication;

/// <summary>
/// The Tessera authentication scheme: a Bearer token (or, in cookie mode, the access cookie) is authenticated by
/// <see cref="SessionTokenService.AuthenticateAsync(ReadOnlySpan{char}, CancellationToken)"/> — the JWT, then its live session. Success yields a principal
/// with <c>sub</c>, <c>sid</c>, <c>name</c> and one <c>role</c> per role, sets <see cref="ITesseraFeature"/>, and binds
/// <c>HttpContext.Session</c> to the token's session.
/// </summary>
/// <remarks>
/// No credential: <c>NoResult</c> (other schemes may run). A refused token: <c>Fail</c>, and the challenge answers 401
/// with <c>WWW-Authenticate: Bearer error="invalid_token"</c> (RFC 6750 §3) and a problem whose <c>error</c> is the
/// service's code. A cookie-authenticated unsafe request without CSRF proof fails the same way, answered 403
/// <c>csrf_failed</c>. Forbidden: 403 <c>insufficient_scope</c>.
/// </remarks>
internal sealed class TesseraAuthenticationHandler : AuthenticationHandler<TesseraAuthenticationOptions>
{
    private const string FailureItem = "tessera.failure";
    private static readonly ConditionalWeakTable<JwtClaims, PrincipalParts> s_parts = new();

    // The scheme raises no events. Without this the base class makes a new events object and a task for it on every
    // request (CreateEventsAsync), only to hold them unused.
    private static readonly Task<object> s_noEvents = Task.FromResult(new object());
    private readonly SessionTokenService _tokens;
    private readonly CsrfProtection _csrf;
    private readonly TesseraOptions _tessera;

    /// <summary>Created per request by the authentication system.</summary>
    public TesseraAuthenticationHandler(
        IOptionsMonitor<TesseraAuthenticationOptions> options, ILoggerFactory logger, UrlEncoder encoder,
        SessionTokenService tokens, IOptions<TesseraOptions> tessera, CsrfProtection csrf)
        : base(options, logger, encoder)
    {
        _tokens = tokens;
        _tessera = tessera.Value;
        _csrf = csrf;
    }

    /// <inheritdoc/>
    protected override Task<object> CreateEventsAsync() => s_noEvents;

    /// <inheritdoc/>
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        (ReadOnlyMemory<char>? token, TesseraTransport transport) = ReadToken();
        if (token is not { } tokenText)
        {
            return AuthenticateResult.NoResult();
        }

        // The token is looked up in place, inside the header's string: a repeat token costs no copy.
        AuthenticationResult result = await _tokens.AuthenticateAsync(tokenText.Span, Context.RequestAborted).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            Log.TokenRefused(Logger, result.ErrorCode!);
            return Failure(result.ErrorCode!, Describe(result.Error));
        }

        if (transport == TesseraTransport.Cookie)
        {
            CsrfResult csrf = _csrf.Check(Request, result.SessionId!);
            if (csrf != CsrfResult.Passed)
            {
                Log.CsrfRefused(Logger, Request.Method, Request.Path, csrf.ToString());
                return Failure("csrf_failed", "Cookie-authenticated requests that change state need a same-origin source and the session's CSRF token.");
            }
        }

        var feature = new TesseraFeature(_tokens.Store, result, transport);
        Context.Features.Set<ITesseraFeature>(feature);
        Context.Features.Set<ISessionFeature>(feature);
        return AuthenticateResult.Success(new AuthenticationTicket(CreatePrincipal(result), Scheme.Name));
    }

    /// <inheritdoc/>
    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        (string Error, string Detail)? failure = Context.Items.TryGetValue(FailureItem, out object? item) ? ((string, string))item! : null;
        if (failure is ("csrf_failed", string csrfDetail))
        {
            return TesseraProblems.WriteAsync(Context, StatusCodes.Status403Forbidden, "csrf_failed", csrfDetail);
        }

        // RFC 6750 §3.1: no error code when the request carried no credential.
        Response.Headers.WWWAuthenticate = failure is null
            ? "Bearer"
            : $"Bearer error=\"invalid_token\", error_description=\"{failure.Value.Detail}\"";
        return TesseraProblems.WriteAsync(Context, StatusCodes.Status401Unauthorized, failure?.Error ?? "invalid_token",
            failure?.Detail ?? "This resource needs an access token (Authorization: Bearer).");
    }

    /// <inheritdoc/>
    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer error=\"insufficient_scope\"";
        return TesseraProblems.WriteAsync(Context, StatusCodes.Status403Forbidden, "insufficient_scope", "The access token is valid but does not grant this resource.");
    }

    /// <summary>The request's credential, or null when it carries none (another scheme may apply).</summary>
    private (ReadOnlyMemory<char>? Token, TesseraTransport Transport) ReadToken()
    {
        string? authorization = Request.Headers.Authorization;
        if (!string.IsNullOrEmpty(authorization))
        {
            // Another scheme's credential (Basic, say) is no token at all: null, not empty (which is refused). No
            // conditional expression here: its null would become an empty ReadOnlyMemory (via char[]), not a null one.
            if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                return (null, TesseraTransport.Bearer);
            }

            return (authorization.AsMemory("Bearer ".Length).Trim(), TesseraTransport.Bearer);
        }

        if (Options.AcceptCookies && _tessera.Cookies.Enabled && Request.Cookies.TryGetValue(_tessera.Cookies.AccessCookieName, out string? cookie) && !string.IsNullOrEmpty(cookie))
        {
            return (cookie.AsMemory(), TesseraTransport.Cookie);
        }

        return (null, TesseraTransport.Bearer);
    }

    private AuthenticateResult Failure(string error, string detail)
    {
        Context.Items[FailureItem] = (error, detail);
        return AuthenticateResult.Fail(detail);
    }

    private static string Describe(AuthenticationError error) => error switch
    {
        AuthenticationError.TokenExpired => "The access token has expired; refresh it.",
        AuthenticationError.SessionExpired => "The session of this token has ended.",
        AuthenticationError.SessionRevoked => "The session of this token was revoked.",
        _ => "The access token is not valid.",
    };

    private static ClaimsPrincipal CreatePrincipal(AuthenticationResult result)
    {
        // Name and roles are decoded once per validated token (the claims object is cached with it), not per request.
        PrincipalParts parts = s_parts.GetValue(result.Claims!, static claims => PrincipalParts.From(claims));
        string userId = result.UserId!;
        var identity = new ClaimsIdentity(TesseraDefaults.AuthenticationScheme, TesseraClaimTypes.Name, TesseraClaimTypes.Role);
        // Claims created with the identity as subject are added as they are (others would be cloned).
        identity.AddClaim(new Claim(TesseraClaimTypes.Subject, userId, ClaimValueTypes.String, ClaimsIdentity.DefaultIssuer, ClaimsIdentity.DefaultIssuer, identity));
        identity.AddClaim(new Claim(ClaimTypes.NameIdentifier, userId, ClaimValueTypes.String, ClaimsIdentity.DefaultIssuer, ClaimsIdentity.DefaultIssuer, identity));
        identity.AddClaim(new Claim(TesseraClaimTypes.SessionId, result.SessionId!, ClaimValueTypes.String, ClaimsIdentity.DefaultIssuer, ClaimsIdentity.DefaultIssuer, identity));
        if (parts.Name is not null)
        {
            identity.AddClaim(new Claim(TesseraClaimTypes.Name, parts.Name, ClaimValueTypes.String, ClaimsIdentity.DefaultIssuer, ClaimsIdentity.DefaultIssuer, identity));
        }

        foreach (string role in parts.Roles)
        {
            identity.AddClaim(new Claim(TesseraClaimTypes.Role, role, ClaimValueTypes.String, ClaimsIdentity.DefaultIssuer, ClaimsIdentity.DefaultIssuer, identity));
        }

        return new ClaimsPrincipal(identity);
    }

    private sealed record PrincipalParts(string? Name, string[] Roles)
    {
        public static PrincipalParts From(JwtClaims claims) => new(
            claims.TryGetString("name", out string? name) ? name : null,
            claims.TryGetStringArray("roles", out string[]? roles) ? roles : []);
    }

}
