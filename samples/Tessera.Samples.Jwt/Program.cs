// Signs an access token with a fresh ES256 key, validates it, then shows the stable error codes that a
// tampered, expired, wrong-audience or unsigned ("alg": "none") token produces. Nothing here throws for a
// bad token: validation returns a result.
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Tessera.Jwt;

var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
using JwtKey key = JwtKey.Generate(JwtAlgorithm.ES256, keyId: "2026-11");
var signer = new JwtSigner(key, JwtTypes.AccessToken);

DateTimeOffset now = clock.GetUtcNow();
string token = signer.Sign(new JwtBuilder()
    .Issuer("https://auth.example")
    .Audience("orders-api")
    .Subject("user-42")
    .Id(Guid.NewGuid().ToString("N"))
    .IssuedAt(now).NotBefore(now).ExpiresAt(now.AddMinutes(5))
    .Claim("sid", "demo-session")
    .Claim("roles", ["reader", "writer"]));

var validator = new JwtValidator(new JwtValidationOptions
{
    ValidIssuer = "https://auth.example",
    ValidAudience = "orders-api",
    ValidTypes = { JwtTypes.AccessToken },
    RequiredClaims = { "sub", "sid" },
}, new JwtKeySet(key), clock);

Console.WriteLine($"token:   {token}");
Console.WriteLine($"JWKS:    {new JwtKeySet(key).ToJwks()}");

JwtValidationResult result = validator.Validate(token);
Console.WriteLine($"valid:   {result.IsValid} sub={result.Claims?.Subject} sid={result.Claims?.GetString("sid")} " +
                  $"roles={string.Join(",", result.Claims?.TryGetStringArray("roles", out string[]? roles) == true ? roles : [])}");

char last = token[^1] == 'A' ? 'B' : 'A';
Report("tampered", validator.Validate(token[..^1] + last));

string unsigned = Base64Url("""{"alg":"none","typ":"at+jwt"}""") + "." + token.Split('.')[1] + ".";
Report("alg none", validator.Validate(unsigned));

var otherAudience = new JwtValidator(new JwtValidationOptions { ValidIssuer = "https://auth.example", ValidAudience = "billing-api" },
    new JwtKeySet(key), clock);
Report("wrong aud", otherAudience.Validate(token));

clock.Advance(TimeSpan.FromMinutes(6));
Report("expired", validator.Validate(token));

return result.IsValid ? 0 : 1;

static void Report(string what, JwtValidationResult result) =>
    Console.WriteLine($"{what + ":",-9}{result.Error} — {result.Message}");

static string Base64Url(string json) =>
    Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
