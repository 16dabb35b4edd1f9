using Microsoft.Extensions.Time.Testing;
using Tessera.Jwt;

namespace Tessera.Tests.Jwt;

/// <summary>
/// Guards the allocation budget of the hot path (issue target: at most 200 bytes per validation, which is the
/// one <see cref="JwtClaims"/> object). Counts bytes, never time.
/// </summary>
public sealed class ValidationAllocationTests
{
    [Theory]
    [InlineData(JwtAlgorithm.HS256)]
    [InlineData(JwtAlgorithm.RS256)]
    [InlineData(JwtAlgorithm.PS256)]
    [InlineData(JwtAlgorithm.ES256)]
    [InlineData(JwtAlgorithm.ES512)]
    public void Validate_ValidToken_AllocatesAtMost200Bytes(JwtAlgorithm algorithm)
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
        using JwtKey key = JwtKey.Generate(algorithm, "k1");
        DateTimeOffset now = time.GetUtcNow();
        string token = new JwtSigner(key).Sign(new JwtBuilder()
            .Issuer("https://auth.example").Audience("api").Subject("user-1").Id("j-1")
            .IssuedAt(now).NotBefore(now).ExpiresAt(now.AddMinutes(5))
            .Claim("sid", "s-1").Claim("role", "admin"));
        var validator = new JwtValidator(new JwtValidationOptions { ValidIssuer = "https://auth.example", ValidAudience = "api" }, new JwtKeySet(key), time);

        long least = long.MaxValue;
        for (int attempt = 0; attempt < 5; attempt++)
        {
            Assert.True(validator.Validate(token).IsValid); // warm: JIT, header cache, pooled MACs
            long before = GC.GetAllocatedBytesForCurrentThread();
            JwtValidationResult result = validator.Validate(token);
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
            Assert.True(result.IsValid);
        }

        Assert.InRange(least, 1, 200);
    }
}
