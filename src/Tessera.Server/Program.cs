// Tessera.Server: the standalone auth server. `dotnet run --project src/Tessera.Server` serves on
// http://127.0.0.1:5080 with its embedded defaults (SQLite users and key files in ./data, in-memory sessions;
// Tessera__Store=redis with Tessera__Redis=<configuration> keeps sessions in Redis, Tessera__Database=postgres with
// Tessera__Postgres=<connection string> keeps users and signing keys in PostgreSQL).
// The same program is the CLI: `user add|list|disable|enable|passwd`, `keys list|rotate|retire`, `token decode <jwt>`.
using OpenTelemetry.Metrics;
using Tessera.AspNetCore;
using Tessera.Jwt;
using Tessera.Server;
using Tessera.Server.Admin;
using Tessera.Server.Keys;
using Tessera.Server.Users;

if (args.Length > 0 && args[0] is "user" or "keys" or "token" or "help" or "--help")
{
    return await Cli.RunAsync(args, Console.Out, Console.Error);
}

string[] hostArgs = args.Length > 0 && args[0] == "serve" ? args[1..] : args;
// appsettings.json ships next to the program, so the defaults hold from any working directory; the data folder is
// relative to the working directory.
WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = hostArgs,
    ContentRootPath = AppContext.BaseDirectory,
    WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot"), // the admin page's static files
});
if (string.IsNullOrEmpty(builder.Configuration["urls"]))
{
    builder.WebHost.UseUrls("http://127.0.0.1:5080"); // loopback unless --urls / ASPNETCORE_URLS say otherwise
}

await using ServerData data = await ServerData.OpenAsync(builder.Configuration, TimeProvider.System, CancellationToken.None);
var hasher = new IdentityPasswordHasher();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<IUserDatabase>(data.Users); // the admin and password endpoints take it as a parameter
// Tessera:HmacSecret (single-service setups: the same service issues and checks tokens) signs instead of the key
// store's keys; JWKS then publishes nothing a resource server could verify with, and there is no key ring.
bool hmac = !string.IsNullOrEmpty(builder.Configuration["Tessera:HmacSecret"]);
SigningKeyRing? ring = hmac ? null : await SigningKeyRing.OpenAsync(data.Keys, SigningKeyStoreSetup.RingOptions(builder.Configuration), TimeProvider.System, CancellationToken.None);
if (ring is not null)
{
    builder.Services.AddSingleton(ring);
    builder.Services.AddHostedService<SigningKeyRingService>(); // follows rotations made on any node
}

builder.Services.AddTessera(o =>
    {
        if (ring is not null)
        {
            o.SigningKey = ring.SigningKey;
            foreach (JwtKey key in ring.Keys)
            {
                o.ValidationKeys.Add(key);
            }
        }
    })
    .AddCredentialStore(data.Users)
    .AddPasswordHasher(hasher)
    .AddSessionStore(builder.Configuration);
builder.Services.AddAuthentication(TesseraDefaults.AuthenticationScheme).AddTessera();
builder.Services.AddAuthorization();
builder.Services.AddOpenApi();
builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(Tessera.Tokens.SessionTokenService.MeterName).AddPrometheusExporter());

WebApplication app = builder.Build();
if (await data.EnsureAdminAsync(hasher, CancellationToken.None) is { } admin)
{
    ServerLog.FirstAdminCreated(app.Logger, admin.UserName);
    if (admin.GeneratedPassword is { } password)
    {
        // Printed once, to the console only: it is not logged anywhere else and cannot be shown again.
        Console.WriteLine($"First admin: {admin.UserName} / {password}  (shown once; change it with `user passwd`)");
    }
}

app.UseStoreUnavailableAnswer();

// The admin page: plain static files (no build step), under a strict content security policy.
app.Use((context, next) =>
{
    // Ignoring case as routing does: /ADMIN serves the same page and must carry the same headers.
    if (context.Request.Path.StartsWithSegments("/admin", StringComparison.OrdinalIgnoreCase) && !context.Request.Path.StartsWithSegments("/admin/api", StringComparison.OrdinalIgnoreCase))
    {
        context.Response.Headers.ContentSecurityPolicy = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
        context.Response.Headers.XFrameOptions = "DENY"; // frame-ancestors for browsers that predate it
        context.Response.Headers.XContentTypeOptions = "nosniff";
        context.Response.Headers["Referrer-Policy"] = "no-referrer";
    }

    return next(context);
});
app.UseStaticFiles();
app.MapGet("/admin", () => Results.File(Path.Combine(app.Environment.WebRootPath, "admin", "index.html"), "text/html; charset=utf-8"));
app.UseAuthentication();
app.UseAuthorization();
app.MapTesseraEndpoints("/auth");
AdminEndpoints.Map(app);
PasswordEndpoint.Map(app);
Tessera.Server.ResourceServers.ResourceServerEndpoints.Map(app);
app.MapGet("/.well-known/jwks.json", (HttpContext context, Tessera.Tokens.SessionTokenService tokens) =>
{
    context.Response.Headers.CacheControl = "public, max-age=300";
    return Results.Text(tokens.ValidationKeys.ToJwks(), "application/jwk-set+json");
});
app.MapOpenApi("/openapi/{documentName}.json"); // the HTTP API as OpenAPI 3.1; a browsable UI at /openapi/ui
app.UseSwaggerUI(ui =>
{
    ui.SwaggerEndpoint("/openapi/v1.json", "Tessera");
    ui.RoutePrefix = "openapi/ui";
});
app.MapPrometheusScrapingEndpoint("/metrics"); // sign-ins, refreshes, reuse detections, revocations, live sessions, users online
app.MapGet("/healthz", async (Tessera.Tokens.SessionTokenService tokens, CancellationToken ct) =>
{
    try
    {
        await tokens.Store.GetCountsAsync(ct);
        return Results.Json(new { status = "ok" });
    }
    catch (Exception e) when (SessionStoreSetup.IsStoreUnavailable(e))
    {
        return Results.Json(new { status = "unavailable" }, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
});

await app.RunAsync();
return 0;
