// Load-test app for bench/http/run.sh. Endpoints return the same tiny JSON:
//   GET /bare      no authentication
//   GET /tessera   Tessera scheme (in-memory store; HS256 or ES256 per --alg)
//   GET /jwt       ASP.NET Core JwtBearer, HS256, stateless
//   GET /floor     a scheme that accepts every request with a fixed principal: the cost of ASP.NET Core's
//                  authentication + authorization pipeline alone, the floor under any real scheme
//   GET /tokens    one token of each kind for the load generator (loopback only; this app is never deployed)
// Usage: dotnet run -c Release --project bench/Tessera.Benchmarks.Http -- --urls http://127.0.0.1:5099 --alg HS256
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
builder.Services.AddAuthentication(o => o.AddScheme<FloorHandler>("floor", "floor"))
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
app.UseAuthentication();
app.UseAuthorization();

var payload = new { ok = true, n = 42 };
app.MapGet("/bare", () => Results.Json(payload));
app.MapGet("/tessera", () => Results.Json(payload)).RequireAuthorization(p => p.AddAuthenticationSchemes(TesseraDefaults.AuthenticationScheme).RequireAuthenticatedUser());
app.MapGet("/jwt", () => Results.Json(payload)).RequireAuthorization(p => p.AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme).RequireAuthenticatedUser());
app.MapGet("/floor", () => Results.Json(payload)).RequireAuthorization(p => p.AddAuthenticationSchemes("floor").RequireAuthenticatedUser());
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
