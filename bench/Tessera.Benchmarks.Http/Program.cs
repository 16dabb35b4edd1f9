// Load-test app for bench/http/run.sh. Endpoints return the same tiny JSON:
//   GET /bare      no authentication
//   GET /bare/check whether a request to /bare got authenticated (run.sh checks that it never does)
//   GET /tessera   Tessera scheme (in-memory store; HS256 or ES256 per --alg)
//   GET /jwt       ASP.NET Core JwtBearer, HS256, stateless
//   GET /floor     a scheme that accepts every request with a fixed principal: the cost of ASP.NET Core's
//                  authentication + authorization pipeline alone, the floor under any real scheme
//   GET /tokens    one token of each kind for the load generator (loopback only; this app is never deployed)
// --default Tessera|floor makes that scheme the app's default, as in an app with one scheme: authentication runs
// in UseAuthentication (for every path but /bare, which stays bare) and its endpoint takes plain
// RequireAuthorization(). Without it every endpoint's policy names its scheme, and the authorization middleware
// authenticates that scheme itself.
// Usage: dotnet run -c Release --project bench/Tessera.Benchmarks.Http -- --urls http://127.0.0.1:5099 --alg HS256 [--default Tessera]
using System.IdentityModel.Tokens.Jwt;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;
using Tessera.AspNetCore;
using Tessera.Benchmarks;
using Tessera.Jwt;
using Tessera.Tokens;

WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
builder.Logging.ClearProviders();
JwtAlgorithm algorithm = Enum.Parse<JwtAlgorithm>(builder.Configuration["alg"] ?? "HS256");
string? defaultScheme = builder.Configuration["default"];
if (defaultScheme is not (null or TesseraDefaults.AuthenticationScheme or "floor"))
{
    throw new ArgumentException($"--default must be {TesseraDefaults.AuthenticationScheme} or floor, not '{defaultScheme}'.");
}

byte[] hmacSecret = RandomNumberGenerator.GetBytes(32);
const string Issuer = "https://bench.local";
const string Audience = "bench";

builder.Services.AddTessera(o =>
{
    o.Tokens.Issuer = Issuer;
    o.Tokens.Audience = Audience;
    o.Tokens.AccessTokenLifetime = TimeSpan.FromHours(1);
    o.Tokens.IdleTimeout = TimeSpan.FromHours(2);
    o.SigningKey = algorithm == JwtAlgorithm.HS256 ? JwtKey.CreateHmac(hmacSecret, JwtAlgorithm.HS256, "bench") : JwtKey.Generate(algorithm, "bench");
});
builder.Services.AddAuthentication(o =>
    {
        o.AddScheme<FloorHandler>("floor", "floor");
        o.DefaultScheme = defaultScheme;
    })
    .AddTessera()
    .AddJwtBearer(o =>
    {
        o.MapInboundClaims = false;
        o.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = Audience,
            IssuerSigningKey = new SymmetricSecurityKey(hmacSecret),
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        };
    });
builder.Services.AddAuthorization();

WebApplication app = builder.Build();
if (defaultScheme is null)
{
    app.UseAuthentication(); // no default scheme: it authenticates nothing
}
else
{
    // A default scheme authenticates every request it sees; /bare must not pay for that. UseWhen's branch works on a
    // copy of the app's properties, so the flag its UseAuthentication sets never reaches the app, and WebApplication
    // would then add a UseAuthentication of its own in front of the pipeline: every request, /bare included, would be
    // authenticated, the others twice. Setting the flag that WebApplication looks for (the one UseAuthentication
    // sets) prevents it; /bare/check shows run.sh that /bare stays unauthenticated.
    app.UseWhen(context => !context.Request.Path.StartsWithSegments("/bare"), branch => branch.UseAuthentication());
    ((IApplicationBuilder)app).Properties["__AuthenticationMiddlewareSet"] = true;
}

app.UseAuthorization();

var payload = new { ok = true, n = 42 };
app.MapGet("/bare", () => Results.Json(payload));
app.MapGet("/bare/check", (HttpContext context) => Results.Json(new { authenticated = context.User.Identity?.IsAuthenticated == true }));
MapAuthenticated("/tessera", TesseraDefaults.AuthenticationScheme);
MapAuthenticated("/jwt", JwtBearerDefaults.AuthenticationScheme);
MapAuthenticated("/floor", "floor");
app.MapGet("/tokens", async (SessionTokenService tokens) =>
{
    SignInResult signIn = await tokens.SignInAsync(new SessionUser("bench-user", "bench", ["reader"]));
    var descriptor = new SecurityTokenDescriptor
    {
        Issuer = Issuer,
        Audience = Audience,
        Subject = new System.Security.Claims.ClaimsIdentity([new("sub", "bench-user")]),
        Expires = DateTime.SpecifyKind(DateTimeOffset.FromUnixTimeSeconds(signIn.Tokens!.AccessTokenExpiresAt.ToUnixTimeSeconds()).UtcDateTime, DateTimeKind.Utc),
        SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(hmacSecret), SecurityAlgorithms.HmacSha256),
    };
    return Results.Json(new { tessera = signIn.Tokens.AccessToken, jwt = new JwtSecurityTokenHandler().CreateEncodedJwt(descriptor) });
});

app.Run();

// The default scheme's endpoint needs only an authenticated user; the others name their scheme in the policy.
void MapAuthenticated(string path, string scheme)
{
    RouteHandlerBuilder endpoint = app.MapGet(path, () => Results.Json(payload));
    if (scheme == defaultScheme)
    {
        endpoint.RequireAuthorization();
    }
    else
    {
        endpoint.RequireAuthorization(p => p.AddAuthenticationSchemes(scheme).RequireAuthenticatedUser());
    }
}
