using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Tessera.AspNetCore;
using Tessera.Credentials;
using Tessera.Tokens;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the HTTP contract's authentication and session-data endpoints.</summary>
public static class TesseraEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps, under <paramref name="prefix"/>: <c>POST login</c> (<c>?mode=cookie</c> for browsers), <c>POST refresh</c>,
    /// <c>POST logout?scope=current|others|all</c>, <c>GET me</c>, <c>GET sessions</c>, <c>DELETE sessions/{sid}</c>,
    /// and <c>GET session</c>, <c>GET|PUT|DELETE session/{key}</c> for the caller's session data. All but login and refresh
    /// require a request authenticated by the Tessera scheme. Every response is <c>Cache-Control: no-store</c>.
    /// </summary>
    /// <param name="endpoints">The app.</param>
    /// <param name="prefix">The route prefix. Default: <c>/auth</c>.</param>
    /// <returns>The group, to add metadata (CORS, OpenAPI) to every endpoint.</returns>
    /// <exception cref="InvalidOperationException"><c>AddTessera</c> was not called, or no <see cref="ICredentialStore"/> is
    /// registered for the login endpoint (<c>AddTessera().AddCredentialStore&lt;T&gt;()</c>).</exception>
    public static RouteGroupBuilder MapTesseraEndpoints(this IEndpointRouteBuilder endpoints, string prefix = "/auth")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        if (endpoints.ServiceProvider.GetService<SessionTokenService>() is null)
        {
            throw new InvalidOperationException("MapTesseraEndpoints needs services.AddTessera(...).");
        }

        if (endpoints.ServiceProvider.GetService<ICredentialStore>() is null)
        {
            throw new InvalidOperationException("The login endpoint needs a user database: register one with services.AddTessera().AddCredentialStore<TStore>().");
        }

        var handlers = new TesseraEndpoints(prefix);
        RouteGroupBuilder group = endpoints.MapGroup(prefix);
        // Every answer here is one user's: tokens, the CSRF token, sessions with IPs, session data. No cache keeps it.
        group.AddEndpointFilter(static (context, next) =>
        {
            context.HttpContext.Response.Headers.CacheControl = "no-store";
            return next(context);
        });
        group.MapPost("/login", (Func<HttpContext, Task<IResult>>)handlers.LoginAsync).AllowAnonymous();
        group.MapPost("/refresh", (Func<HttpContext, Task<IResult>>)handlers.RefreshAsync).AllowAnonymous();

        RouteGroupBuilder authenticated = group.MapGroup("").RequireAuthorization(new AuthorizeAttribute { AuthenticationSchemes = TesseraDefaults.AuthenticationScheme });
        authenticated.MapPost("/logout", (Func<HttpContext, Task<IResult>>)handlers.LogoutAsync);
        authenticated.MapGet("/me", (Func<HttpContext, IResult>)TesseraEndpoints.Me);
        authenticated.MapGet("/sessions", (Func<HttpContext, Task<IResult>>)TesseraEndpoints.ListSessionsAsync);
        authenticated.MapDelete("/sessions/{sid}", (HttpContext context, string sid) => handlers.EndSessionAsync(context, sid));
        authenticated.MapGet("/session", (Func<HttpContext, IResult>)TesseraEndpoints.GetAllData);
        authenticated.MapGet("/session/{key}", (HttpContext context, string key) => TesseraEndpoints.GetData(context, key));
        authenticated.MapPut("/session/{key}", (HttpContext context, string key) => TesseraEndpoints.PutDataAsync(context, key));
        authenticated.MapDelete("/session/{key}", (HttpContext context, string key) => TesseraEndpoints.DeleteDataAsync(context, key));
        return group;
    }
}
