using Microsoft.Extensions.Time.Testing;
using Tessera.Jwt;

namespace Tessera.Tests.Jwt;

public sealed class SmokeTests
{
    [Theory]
    [InlineData(JwtAlgorithm.HS256)]
    [InlineData(JwtAlgorithm.HS384)]
    [InlineData(JwtAlgorithm.HS512)]
    [InlineData(JwtAlgorithm.RS256)]
    [InlineData(JwtAlgorithm.PS384)]
    [InlineData(JwtAlgorithm.ES256)]
    [InlineData(JwtAlgorithm.ES384)]
    [InlineData(JwtAlgorithm.ES512)]
    public void SignThenValidate_EveryAlgorithm_RoundTrips(JwtAlgorithm algorithm)
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
        using JwtKey key = JwtKey.Generate(algorithm, "k1");
        string token = new JwtSigner(key, JwtTypes.AccessToken).Sign(new JwtBuilder()
            .Issuer("https://auth.example").Audience("api").Subject("u1").Id("j1")
            .IssuedAt(time.GetUtcNow()).NotBefore(time.GetUtcNow()).ExpiresAt(time.GetUtcNow().AddMinutes(5))
            .Claim("sid", "s1").Claim("admin", true).Claim("roles", ["a", "b"]));

        var validator = new JwtValidator(
            new JwtValidationOptions { ValidIssuer = "https://auth.example", ValidAudience = "api", ValidTypes = { JwtTypes.AccessToken } },
            new JwtKeySet(key), time);
        JwtValidationResult result = validator.Validate(token);

        Assert.Equal(JwtError.None, result.Error);
        Assert.Equal("u1", result.Claims!.Subject);
        Assert.Equal("s1", result.Claims.GetString("sid"));
        Assert.True(result.Claims.TryGetBoolean("admin", out bool admin) && admin);
        Assert.True(result.Claims.TryGetStringArray("roles", out string[]? roles));
        Assert.Equal(["a", "b"], roles);
        Assert.Equal("at+jwt", result.Claims.Type);
        Assert.Equal("k1", result.Claims.KeyId);

        time.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal(JwtError.Expired, validator.Validate(token).Error);
    }
}
