using Microsoft.Extensions.Time.Testing;
using Tessera.Jwt;

namespace Tessera.Tests.Jwt;

public sealed class JwtValidationOptionsTests
{
    private static readonly byte[] s_secret = [.. Enumerable.Range(7, 32).Select(i => (byte)i)];

    // ---- configuration problems -----------------------------------------------------------------------------

    [Fact]
    public void Constructor_ManyProblems_ListsEveryProblemAtOnce()
    {
        var options = new JwtValidationOptions
        {
            ClockSkew = TimeSpan.FromSeconds(-1),
            MaxTokenLength = 0,
            ValidTypes = { " " },
            RequiredClaims = { "sid", "" },
        };
        using JwtKey key = JwtKey.CreateHmac(s_secret);

        ArgumentException exception = Assert.Throws<ArgumentException>(() => new JwtValidator(options, new JwtKeySet(key)));

        Assert.Equal("options", exception.ParamName);
        Assert.Contains("ValidIssuer", exception.Message, StringComparison.Ordinal);   // no issuer accepted
        Assert.Contains("ValidAudience", exception.Message, StringComparison.Ordinal); // no audience accepted
        Assert.Contains("ClockSkew", exception.Message, StringComparison.Ordinal);
        Assert.Contains("MaxTokenLength", exception.Message, StringComparison.Ordinal);
        Assert.Contains("ValidTypes", exception.Message, StringComparison.Ordinal);
        Assert.Contains("RequiredClaims", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_EmptyIssuerAndAudienceStringsAndOutOfRangeValues_ListsEveryProblem()
    {
        var options = new JwtValidationOptions
        {
            ValidIssuers = { "https://issuer.example", "" },
            ValidAudiences = { "" },
            ClockSkew = TimeSpan.FromMinutes(5) + TimeSpan.FromTicks(1),
            MaxTokenLength = 1_048_577,
        };
        using JwtKey key = JwtKey.CreateHmac(s_secret);

        ArgumentException exception = Assert.Throws<ArgumentException>(() => new JwtValidator(options, new JwtKeySet(key)));

        Assert.Contains("empty", exception.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("ClockSkew", exception.Message, StringComparison.Ordinal);
        Assert.Contains("MaxTokenLength", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("issuer", "ValidIssuer")]
    [InlineData("audience", "ValidAudience")]
    [InlineData("negative-skew", "ClockSkew")]
    [InlineData("large-skew", "ClockSkew")]
    [InlineData("zero-length", "MaxTokenLength")]
    [InlineData("negative-length", "MaxTokenLength")]
    [InlineData("tiny-length", "MaxTokenLength")]
    [InlineData("huge-length", "MaxTokenLength")]
    [InlineData("empty-issuer", "empty")]
    [InlineData("empty-issuer-in-list", "empty")]
    [InlineData("empty-audience", "empty")]
    [InlineData("empty-audience-in-list", "empty")]
    [InlineData("empty-type", "ValidTypes")]
    [InlineData("empty-required-claim", "RequiredClaims")]
    [InlineData("too-many-required-claims", "RequiredClaims")]
    public void Constructor_SingleProblem_Throws(string problem, string mentioned)
    {
        JwtValidationOptions options = Usable();
        switch (problem)
        {
            case "issuer": options.ValidIssuer = null; break;
            case "audience": options.ValidAudience = null; break;
            case "negative-skew": options.ClockSkew = TimeSpan.FromTicks(-1); break;
            case "large-skew": options.ClockSkew = TimeSpan.FromMinutes(6); break;
            case "zero-length": options.MaxTokenLength = 0; break;
            case "negative-length": options.MaxTokenLength = -1; break;
            case "tiny-length": options.MaxTokenLength = 15; break;
            case "huge-length": options.MaxTokenLength = 1_048_577; break;
            case "empty-issuer": options.ValidIssuer = ""; break;
            case "empty-issuer-in-list": options.ValidIssuers.Add(""); break;
            case "empty-audience": options.ValidAudience = ""; break;
            case "empty-audience-in-list": options.ValidAudiences.Add(""); break;
            case "empty-type": options.ValidTypes.Add(""); break;
            case "empty-required-claim": options.RequiredClaims.Add(""); break;
            default:
                for (int i = 0; i < 65; i++)
                {
                    options.RequiredClaims.Add($"c{i}");
                }

                break;
        }

        using JwtKey key = JwtKey.CreateHmac(s_secret);

        ArgumentException exception = Assert.Throws<ArgumentException>(() => new JwtValidator(options, new JwtKeySet(key)));
        Assert.Contains(mentioned, exception.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData(0, 16)]
    [InlineData(300, 1_048_576)]
    public void Constructor_BoundaryValues_AreAccepted(int skewSeconds, int maxTokenLength)
    {
        JwtValidationOptions options = Usable();
        options.ClockSkew = TimeSpan.FromSeconds(skewSeconds);
        options.MaxTokenLength = maxTokenLength;
        using JwtKey key = JwtKey.CreateHmac(s_secret);

        _ = new JwtValidator(options, new JwtKeySet(key));
    }

    [Fact]
    public void Constructor_Nulls_Throw()
    {
        using JwtKey key = JwtKey.CreateHmac(s_secret);
        Assert.Throws<ArgumentNullException>(() => new JwtValidator(null!, new JwtKeySet(key)));
        Assert.Throws<ArgumentNullException>(() => new JwtValidator(Usable(), null!));
    }

    [Fact]
    public void Defaults_FailClosed()
    {
        var options = new JwtValidationOptions();

        Assert.True(options.ValidateIssuer);
        Assert.True(options.ValidateAudience);
        Assert.True(options.RequireExpirationTime);
        Assert.Equal(TimeSpan.FromSeconds(30), options.ClockSkew);
        Assert.Equal(JwtValidationOptions.DefaultMaxTokenLength, options.MaxTokenLength);
        using JwtKey key = JwtKey.CreateHmac(s_secret);
        Assert.Throws<ArgumentException>(() => new JwtValidator(options, new JwtKeySet(key)));
    }

    // ---- switching checks off --------------------------------------------------------------------------------

    [Fact]
    public void ValidateIssuerFalse_NoIssuerConfigured_AcceptsAnyOrNoIssuer()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
        using JwtKey key = JwtKey.CreateHmac(s_secret);
        var validator = new JwtValidator(new JwtValidationOptions { ValidateIssuer = false, ValidAudience = "api" }, new JwtKeySet(key), time);
        var signer = new JwtSigner(key);

        Assert.Equal(JwtError.None, validator.Validate(signer.Sign(Claims(time).Audience("api"))).Error);
        Assert.Equal(JwtError.None, validator.Validate(signer.Sign(Claims(time).Audience("api").Issuer("https://any.example"))).Error);
        // The audience is still checked.
        Assert.Equal(JwtError.AudienceInvalid, validator.Validate(signer.Sign(Claims(time).Audience("other"))).Error);
    }

    [Fact]
    public void ValidateAudienceFalse_NoAudienceConfigured_AcceptsAnyOrNoAudience()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
        using JwtKey key = JwtKey.CreateHmac(s_secret);
        var validator = new JwtValidator(
            new JwtValidationOptions { ValidIssuer = "https://issuer.example", ValidateAudience = false }, new JwtKeySet(key), time);
        var signer = new JwtSigner(key);

        Assert.Equal(JwtError.None, validator.Validate(signer.Sign(Claims(time).Issuer("https://issuer.example"))).Error);
        Assert.Equal(JwtError.None, validator.Validate(signer.Sign(Claims(time).Issuer("https://issuer.example").Audience("a").Audience("b"))).Error);
        // The issuer is still checked.
        Assert.Equal(JwtError.IssuerInvalid, validator.Validate(signer.Sign(Claims(time).Issuer("https://other.example"))).Error);
        Assert.Equal(JwtError.IssuerInvalid, validator.Validate(signer.Sign(Claims(time))).Error);
    }

    [Fact]
    public void ValidateBothFalse_NothingConfigured_Works()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
        using JwtKey key = JwtKey.CreateHmac(s_secret);
        var validator = new JwtValidator(
            new JwtValidationOptions { ValidateIssuer = false, ValidateAudience = false }, new JwtKeySet(key), time);

        Assert.Equal(JwtError.None, validator.Validate(new JwtSigner(key).Sign(Claims(time))).Error);
    }

    // ---- options are copied -------------------------------------------------------------------------------

    [Fact]
    public void Constructor_OptionsChangedAfterwards_BehaviourUnchanged()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
        using JwtKey key = JwtKey.CreateHmac(s_secret);
        var signer = new JwtSigner(key);
        var options = new JwtValidationOptions
        {
            ValidIssuer = "https://issuer.example",
            ValidIssuers = { "https://issuer2.example" },
            ValidAudiences = { "api" },
            ClockSkew = TimeSpan.FromSeconds(30),
        };
        var validator = new JwtValidator(options, new JwtKeySet(key), time);

        string valid = signer.Sign(Claims(time).Issuer("https://issuer.example").Audience("api").Claim("pad", new string('p', 200)));
        string validSecondIssuer = signer.Sign(Claims(time).Issuer("https://issuer2.example").Audience("api"));
        string otherIssuer = signer.Sign(Claims(time).Issuer("https://other.example").Audience("api"));
        string otherAudience = signer.Sign(Claims(time).Issuer("https://issuer.example").Audience("web"));
        string expiredWithinSkew = signer.Sign(new JwtBuilder()
            .Issuer("https://issuer.example").Audience("api").ExpiresAt(time.GetUtcNow().AddSeconds(-10)));
        string withoutExp = signer.Sign(new JwtBuilder().Issuer("https://issuer.example").Audience("api"));
        var cases = new (string Token, JwtError Expected)[]
        {
            (valid, JwtError.None),
            (validSecondIssuer, JwtError.None),
            (otherIssuer, JwtError.IssuerInvalid),
            (otherAudience, JwtError.AudienceInvalid),
            (expiredWithinSkew, JwtError.None),
            (withoutExp, JwtError.ClaimMissing),
        };
        AssertResults(validator, cases);

        // Change everything the validator could have kept a reference to.
        options.ValidIssuer = "https://other.example";
        options.ValidIssuers.Clear();
        options.ValidIssuers.Add("https://other.example");
        options.ValidAudiences.Clear();
        options.ValidAudiences.Add("web");
        options.ValidateIssuer = false;
        options.ValidateAudience = false;
        options.ValidTypes.Add(JwtTypes.AccessToken);
        options.RequiredClaims.Add("sid");
        options.RequireExpirationTime = false;
        options.ClockSkew = TimeSpan.Zero;
        options.MaxTokenLength = 16;

        AssertResults(validator, cases);
    }

    // ---- concurrency ----------------------------------------------------------------------------------------

    [Fact]
    public void Validate_ConcurrentCallsWithValidAndInvalidTokens_AllResultsAsExpected()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
        DateTimeOffset now = time.GetUtcNow();
        using JwtKey hmac = JwtKey.CreateHmac(s_secret, JwtAlgorithm.HS256, "h");
        using JwtKey ec = JwtKey.Generate(JwtAlgorithm.ES256, "e");
        using JwtKey unknown = JwtKey.Generate(JwtAlgorithm.ES256, "unknown");
        var hmacSigner = new JwtSigner(hmac, JwtTypes.AccessToken);
        var ecSigner = new JwtSigner(ec, JwtTypes.AccessToken);
        var validator = new JwtValidator(
            new JwtValidationOptions { ValidIssuer = "https://issuer.example", ValidAudience = "api", ValidTypes = { JwtTypes.AccessToken } },
            new JwtKeySet(hmac, ec),
            time);

        JwtBuilder Good(string subject) => new JwtBuilder()
            .Issuer("https://issuer.example").Audience("api").Subject(subject).ExpiresAt(now.AddMinutes(5)).IssuedAt(now);

        string tampered = hmacSigner.Sign(Good("tampered"));
        tampered = tampered[..^2] + (tampered[^2] == 'A' ? 'B' : 'A') + tampered[^1];
        var cases = new List<(string? Token, JwtError Expected, string? Subject)>();
        for (int i = 0; i < 16; i++)
        {
            cases.Add((hmacSigner.Sign(Good($"h{i}")), JwtError.None, $"h{i}"));
            cases.Add((ecSigner.Sign(Good($"e{i}")), JwtError.None, $"e{i}"));
        }

        cases.Add((hmacSigner.Sign(Good("x").ExpiresAt(now.AddMinutes(-5))), JwtError.Expired, null));
        cases.Add((ecSigner.Sign(Good("x").NotBefore(now.AddMinutes(5))), JwtError.NotYetValid, null));
        cases.Add((hmacSigner.Sign(Good("x").Issuer("https://evil.example")), JwtError.IssuerInvalid, null));
        cases.Add((ecSigner.Sign(new JwtBuilder().Issuer("https://issuer.example").Audience("web").ExpiresAt(now.AddMinutes(5))), JwtError.AudienceInvalid, null));
        cases.Add((new JwtSigner(unknown, JwtTypes.AccessToken).Sign(Good("x")), JwtError.KeyNotFound, null));
        cases.Add((new JwtSigner(hmac).Sign(Good("x")), JwtError.TypeInvalid, null));
        cases.Add((tampered, JwtError.SignatureInvalid, null));
        cases.Add(("not.a.token", JwtError.Malformed, null));
        cases.Add((null, JwtError.Malformed, null));
        cases.Add((new string('a', JwtValidationOptions.DefaultMaxTokenLength + 1), JwtError.TokenTooLarge, null));

        // Sequentially first, so that a wrong expectation is reported plainly rather than as a race.
        foreach ((string? token, JwtError expected, string? subject) in cases)
        {
            JwtValidationResult result = validator.Validate(token);
            Assert.Equal(expected, result.Error);
            Assert.Equal(subject, result.Claims?.Subject);
        }

        const int Iterations = 20_000;
        int[] failures = new int[Iterations];
        Parallel.For(0, Iterations, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(4, Environment.ProcessorCount) }, i =>
        {
            (string? token, JwtError expected, string? subject) = cases[(i * 7) % cases.Count];
            JwtValidationResult result = validator.Validate(token);
            bool ok = result.Error == expected
                && (expected != JwtError.None || (result.Claims is not null && result.Claims.Subject == subject));
            failures[i] = ok ? 0 : 1;
        });

        Assert.Equal(0, failures.Sum());
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    private static JwtValidationOptions Usable() => new() { ValidIssuer = "https://issuer.example", ValidAudience = "api" };

    private static JwtBuilder Claims(TimeProvider time) => new JwtBuilder().ExpiresAt(time.GetUtcNow().AddMinutes(5));

    private static void AssertResults(JwtValidator validator, (string Token, JwtError Expected)[] cases)
    {
        foreach ((string token, JwtError expected) in cases)
        {
            Assert.Equal(expected, validator.Validate(token).Error);
        }
    }
}
