using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Tessera.Jwt;

namespace Tessera.Tests.Jwt;

public sealed class JwtBuilderTests
{
    private static readonly byte[] s_secret = [.. Enumerable.Range(100, 32).Select(i => (byte)i)];

    private static readonly FakeTimeProvider s_time = new(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));

    // ---- registered names and replacement ---------------------------------------------------------------

    [Theory]
    [InlineData("iss")]
    [InlineData("sub")]
    [InlineData("aud")]
    [InlineData("exp")]
    [InlineData("nbf")]
    [InlineData("iat")]
    [InlineData("jti")]
    public void Claim_RegisteredName_ThrowsForEveryOverload(string name)
    {
        var builder = new JwtBuilder();
        using JsonDocument json = JsonDocument.Parse("{}");

        Assert.Throws<ArgumentException>(() => builder.Claim(name, "value"));
        Assert.Throws<ArgumentException>(() => builder.Claim(name, (string?)null));
        Assert.Throws<ArgumentException>(() => builder.Claim(name, 1L));
        Assert.Throws<ArgumentException>(() => builder.Claim(name, 1.5));
        Assert.Throws<ArgumentException>(() => builder.Claim(name, true));
        Assert.Throws<ArgumentException>(() => builder.Claim(name, ["a"]));
        Assert.Throws<ArgumentException>(() => builder.Claim(name, json.RootElement));
        Assert.Equal("{}", Payload(builder));
    }

    [Theory]
    [InlineData("ISS")]
    [InlineData("Sub")]
    [InlineData("expires")]
    [InlineData("sid")]
    public void Claim_NameSimilarToRegistered_IsAllowed(string name)
    {
        Assert.Equal($$"""{"{{name}}":1}""", Payload(new JwtBuilder().Claim(name, 1L)));
    }

    [Fact]
    public void Claim_NullOrEmptyName_Throws()
    {
        var builder = new JwtBuilder();
        Assert.Throws<ArgumentNullException>(() => builder.Claim(null!, "v"));
        Assert.Throws<ArgumentException>(() => builder.Claim("", "v"));
    }

    [Fact]
    public void Claim_SetTwice_KeepsLastValueInFirstPositionWithoutDuplicates()
    {
        JwtBuilder builder = new JwtBuilder()
            .Claim("a", "first")
            .Claim("b", 2L)
            .Claim("a", 3L)
            .Claim("c", true)
            .Claim("a", ["x", "y"]);

        string payload = Payload(builder);

        Assert.Equal("""{"a":["x","y"],"b":2,"c":true}""", payload);
        AssertNoDuplicateNames(payload);
    }

    [Fact]
    public void RegisteredSetters_SetTwice_KeepLastValue()
    {
        JwtBuilder builder = new JwtBuilder()
            .Issuer("i1").Issuer("i2")
            .Subject("s1").Subject("s2")
            .Id("j1").Id("j2")
            .ExpiresAt(DateTimeOffset.FromUnixTimeSeconds(1_700_000_100)).ExpiresAt(DateTimeOffset.FromUnixTimeSeconds(1_700_000_200))
            .NotBefore(DateTimeOffset.FromUnixTimeSeconds(1_600_000_000)).NotBefore(DateTimeOffset.FromUnixTimeSeconds(1_600_000_001))
            .IssuedAt(DateTimeOffset.FromUnixTimeSeconds(1_600_000_000)).IssuedAt(DateTimeOffset.FromUnixTimeSeconds(1_600_000_002));

        string payload = Payload(builder);

        Assert.Equal("""{"iss":"i2","sub":"s2","exp":1700000200,"nbf":1600000001,"iat":1600000002,"jti":"j2"}""", payload);
        AssertNoDuplicateNames(payload);
    }

    [Fact]
    public void RegisteredSetters_NullOrEmpty_Throw()
    {
        var builder = new JwtBuilder();
        Assert.ThrowsAny<ArgumentException>(() => builder.Issuer(""));
        Assert.ThrowsAny<ArgumentException>(() => builder.Subject(null!));
        Assert.ThrowsAny<ArgumentException>(() => builder.Id(""));
        Assert.ThrowsAny<ArgumentException>(() => builder.Audience(""));
        Assert.ThrowsAny<ArgumentException>(() => builder.Audience(null!));
    }

    [Fact]
    public void WriteOrder_RegisteredFirstThenPrivateInInsertionOrder()
    {
        JwtBuilder builder = new JwtBuilder()
            .Claim("z", 1L)
            .Id("j")
            .Claim("a", 2L)
            .Subject("s")
            .Issuer("i");

        Assert.Equal("""{"iss":"i","sub":"s","jti":"j","z":1,"a":2}""", Payload(builder));
    }

    // ---- audiences ----------------------------------------------------------------------------------------

    [Fact]
    public void Audience_One_IsJsonString()
    {
        Assert.Equal("""{"aud":"api"}""", Payload(new JwtBuilder().Audience("api")));
    }

    [Fact]
    public void Audience_Two_IsJsonArray()
    {
        Assert.Equal("""{"aud":["api","billing"]}""", Payload(new JwtBuilder().Audience("api").Audience("billing")));
    }

    [Fact]
    public void Audience_Duplicates_AreIgnored()
    {
        Assert.Equal("""{"aud":"api"}""", Payload(new JwtBuilder().Audience("api").Audience("api")));
        Assert.Equal(
            """{"aud":["api","billing"]}""",
            Payload(new JwtBuilder().Audience("api").Audience("billing").Audience("api").Audience("billing")));
        // Comparison is ordinal: case variants are different audiences.
        Assert.Equal("""{"aud":["api","API"]}""", Payload(new JwtBuilder().Audience("api").Audience("API")));
    }

    // ---- times ----------------------------------------------------------------------------------------------

    [Fact]
    public void Times_FractionalSeconds_WrittenAsWholeSecondsRoundedDown()
    {
        DateTimeOffset time = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_999);
        JwtBuilder builder = new JwtBuilder().ExpiresAt(time).NotBefore(time.AddMilliseconds(-998)).IssuedAt(time.AddMilliseconds(1));

        Assert.Equal("""{"exp":1700000000,"nbf":1700000000,"iat":1700000001}""", Payload(builder));
    }

    [Fact]
    public void Times_NonUtcOffset_WrittenAsUnixSeconds()
    {
        var local = new DateTimeOffset(2023, 11, 15, 0, 13, 20, TimeSpan.FromHours(2)); // 2023-11-14T22:13:20Z
        Assert.Equal("""{"exp":1700000000}""", Payload(new JwtBuilder().ExpiresAt(local)));
    }

    [Fact]
    public void Times_BeforeUnixEpoch_Throw()
    {
        DateTimeOffset before = DateTimeOffset.UnixEpoch.AddSeconds(-1);
        var builder = new JwtBuilder();
        Assert.ThrowsAny<ArgumentException>(() => builder.ExpiresAt(before));
        Assert.ThrowsAny<ArgumentException>(() => builder.NotBefore(before));
        Assert.ThrowsAny<ArgumentException>(() => builder.IssuedAt(before));
        Assert.Equal("""{"exp":0}""", Payload(builder.ExpiresAt(DateTimeOffset.UnixEpoch)));
    }

    // ---- private claim values -------------------------------------------------------------------------------

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void Claim_NonFiniteDouble_Throws(double value)
    {
        var builder = new JwtBuilder();
        Assert.ThrowsAny<ArgumentException>(() => builder.Claim("n", value));
        Assert.Equal("{}", Payload(builder));
    }

    [Fact]
    public void Claim_Numbers_WrittenAsJsonNumbers()
    {
        JwtBuilder builder = new JwtBuilder()
            .Claim("i", long.MaxValue)
            .Claim("neg", -5L)
            .Claim("d", 1.5)
            .Claim("z", 0.0);

        using JsonDocument payload = JsonDocument.Parse(Payload(builder));
        JsonElement root = payload.RootElement;
        Assert.Equal(long.MaxValue, root.GetProperty("i").GetInt64());
        Assert.Equal(-5, root.GetProperty("neg").GetInt64());
        Assert.Equal(1.5, root.GetProperty("d").GetDouble());
        Assert.Equal(JsonValueKind.Number, root.GetProperty("z").ValueKind);
    }

    [Fact]
    public void Claim_NullString_WritesJsonNull()
    {
        string payload = Payload(new JwtBuilder().Claim("n", (string?)null).Claim("s", "v"));

        Assert.Equal("""{"n":null,"s":"v"}""", payload);
    }

    [Fact]
    public void Claim_NullStringThenValidated_IsPresentAsNull()
    {
        using JwtKey key = JwtKey.CreateHmac(s_secret);
        string token = new JwtSigner(key).Sign(Valid().Claim("n", (string?)null));

        JwtClaims claims = Validate(key, token);

        Assert.True(claims.Contains("n"));
        Assert.True(claims.TryGetValue("n", out JsonElement value));
        Assert.Equal(JsonValueKind.Null, value.ValueKind);
        Assert.Null(claims.GetString("n"));
    }

    [Fact]
    public void Claim_StringArray_IsCopied()
    {
        string[] roles = ["a", "b"];
        JwtBuilder builder = new JwtBuilder().Claim("roles", roles);
        roles[0] = "changed";

        Assert.Equal("""{"roles":["a","b"]}""", Payload(builder));
    }

    [Fact]
    public void Claim_StringArrayWithNullOrNullArray_Throws()
    {
        var builder = new JwtBuilder();
        Assert.Throws<ArgumentException>(() => builder.Claim("roles", ["a", null!]));
        Assert.Throws<ArgumentNullException>(() => builder.Claim("roles", (IEnumerable<string>)null!));
        Assert.Equal("{}", Payload(builder));
    }

    [Fact]
    public void Claim_EmptyStringArray_WritesEmptyArray()
    {
        Assert.Equal("""{"roles":[]}""", Payload(new JwtBuilder().Claim("roles", Array.Empty<string>())));
    }

    [Fact]
    public void Claim_JsonElement_IsClonedAndSurvivesDisposal()
    {
        var builder = new JwtBuilder();
        using (JsonDocument document = JsonDocument.Parse("""{"street":"Main","n":[1,2,{"deep":true}]}"""))
        {
            builder.Claim("address", document.RootElement);
            builder.Claim("n", document.RootElement.GetProperty("n"));
        }

        using JwtKey key = JwtKey.CreateHmac(s_secret);
        string token = new JwtSigner(key).Sign(builder.ExpiresAt(s_time.GetUtcNow().AddMinutes(1)));

        Assert.Equal("""{"exp":1700000060,"address":{"street":"Main","n":[1,2,{"deep":true}]},"n":[1,2,{"deep":true}]}""", DecodeSegment(token, 1));
        JwtClaims claims = Validate(key, token);
        Assert.True(claims.TryGetValue("address", out JsonElement address));
        Assert.Equal("Main", address.GetProperty("street").GetString());
    }

    [Fact]
    public void Claim_DefaultJsonElement_Throws()
    {
        Assert.Throws<ArgumentException>(() => new JwtBuilder().Claim("x", default(JsonElement)));
    }

    [Fact]
    public void Claim_NonAsciiAndSpecialCharacters_RoundTrip()
    {
        using JwtKey key = JwtKey.CreateHmac(s_secret);
        const string Value = "café <b>&'\"\\ 日本 😀";
        string token = new JwtSigner(key).Sign(Valid().Claim("text", Value).Claim("na\"me", 1L));

        JwtClaims claims = Validate(key, token);

        Assert.Equal(Value, claims.GetString("text"));
        Assert.True(claims.TryGetInt64("na\"me", out long n) && n == 1);
    }

    // ---- header written by JwtSigner -------------------------------------------------------------------------

    [Fact]
    public void Sign_Header_HasAlgKidTyp()
    {
        using JwtKey key = JwtKey.Generate(JwtAlgorithm.ES256, "k1");
        var signer = new JwtSigner(key);

        string token = signer.Sign(Valid());

        Assert.Equal(JwtTypes.Jwt, signer.Type);
        Assert.Same(key, signer.Key);
        Assert.Equal("""{"alg":"ES256","kid":"k1","typ":"JWT"}""", DecodeSegment(token, 0));
    }

    [Fact]
    public void Sign_NullType_OmitsTyp()
    {
        using JwtKey key = JwtKey.CreateHmac(s_secret, JwtAlgorithm.HS256, "k1");
        using JwtKey unnamed = JwtKey.CreateHmac(s_secret);

        Assert.Equal("""{"alg":"HS256","kid":"k1"}""", DecodeSegment(new JwtSigner(key, type: null).Sign(Valid()), 0));
        Assert.Equal("""{"alg":"HS256"}""", DecodeSegment(new JwtSigner(unnamed, type: null).Sign(Valid()), 0));
        Assert.Null(Validate(key, new JwtSigner(key, type: null).Sign(Valid())).Type);
    }

    [Fact]
    public void Sign_AccessTokenType_PlusIsNotEscaped()
    {
        using JwtKey key = JwtKey.CreateHmac(s_secret, JwtAlgorithm.HS256, "k");

        string token = new JwtSigner(key, JwtTypes.AccessToken).Sign(Valid());

        string header = DecodeSegment(token, 0);
        Assert.Contains("\"typ\":\"at+jwt\"", header, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u002B", header, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("at+jwt", Validate(key, token).Type);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    public void Signer_EmptyType_Throws(string type)
    {
        using JwtKey key = JwtKey.CreateHmac(s_secret);
        Assert.Throws<ArgumentException>(() => new JwtSigner(key, type));
    }

    [Fact]
    public void Sign_NullBuilder_Throws()
    {
        using JwtKey key = JwtKey.CreateHmac(s_secret);
        Assert.Throws<ArgumentNullException>(() => new JwtSigner(key).Sign(null!));
    }

    [Fact]
    public void Sign_LargePayload_ThenSmall_BothValidate()
    {
        // The signer keeps per-thread buffers; a one-off large payload must not corrupt later tokens.
        using JwtKey key = JwtKey.CreateHmac(s_secret);
        var signer = new JwtSigner(key);

        string large = signer.Sign(Valid().Claim("blob", new string('x', 100_000)));
        string small = signer.Sign(Valid().Claim("blob", "y"));

        var validator = new JwtValidator(
            new JwtValidationOptions { ValidateIssuer = false, ValidateAudience = false, MaxTokenLength = 1_048_576 },
            new JwtKeySet(key),
            s_time);
        Assert.Equal(JwtError.None, validator.Validate(large).Error);
        Assert.Equal("y", validator.Validate(small).Claims!.GetString("blob"));
    }

    // ---- concurrency ------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(JwtAlgorithm.HS256)]
    [InlineData(JwtAlgorithm.ES256)]
    public void Sign_SameBuilderFromManyThreads_EveryTokenValidates(JwtAlgorithm algorithm)
    {
        using JwtKey key = JwtKey.Generate(algorithm, "k");
        var signer = new JwtSigner(key, JwtTypes.AccessToken);
        JwtBuilder builder = Valid()
            .Issuer("https://issuer.example")
            .Audience("api").Audience("web")
            .Subject("user-1")
            .Claim("roles", ["a", "b"])
            .Claim("n", 42L);
        string[] tokens = new string[400];

        Parallel.For(0, tokens.Length, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(4, Environment.ProcessorCount) }, i =>
            tokens[i] = signer.Sign(builder));

        string expectedPayload = DecodeSegment(signer.Sign(builder), 1);
        var validator = new JwtValidator(
            new JwtValidationOptions { ValidIssuer = "https://issuer.example", ValidAudience = "web" }, new JwtKeySet(key), s_time);
        Assert.All(tokens, token =>
        {
            Assert.Equal(expectedPayload, DecodeSegment(token, 1));
            JwtValidationResult result = validator.Validate(token);
            Assert.Equal(JwtError.None, result.Error);
            Assert.Equal("user-1", result.Claims!.Subject);
        });
    }

    [Fact]
    public void Sign_DifferentBuildersFromManyThreads_PayloadsDoNotMix()
    {
        using JwtKey key = JwtKey.CreateHmac(s_secret);
        var signer = new JwtSigner(key);
        string[] tokens = new string[500];

        Parallel.For(0, tokens.Length, i =>
            tokens[i] = signer.Sign(Valid().Subject($"user-{i}").Claim("pad", new string('p', i % 37))));

        var validator = new JwtValidator(new JwtValidationOptions { ValidateIssuer = false, ValidateAudience = false }, new JwtKeySet(key), s_time);
        for (int i = 0; i < tokens.Length; i++)
        {
            JwtValidationResult result = validator.Validate(tokens[i]);
            Assert.Equal(JwtError.None, result.Error);
            Assert.Equal($"user-{i}", result.Claims!.Subject);
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    private static JwtBuilder Valid() => new JwtBuilder().ExpiresAt(s_time.GetUtcNow().AddMinutes(5));

    /// <summary>The payload JSON exactly as a signer writes it.</summary>
    private static string Payload(JwtBuilder builder)
    {
        using JwtKey key = JwtKey.CreateHmac(s_secret);
        return DecodeSegment(new JwtSigner(key).Sign(builder), 1);
    }

    private static string DecodeSegment(string token, int index) =>
        Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token.Split('.')[index]));

    private static JwtClaims Validate(JwtKey key, string token)
    {
        var validator = new JwtValidator(
            new JwtValidationOptions { ValidateIssuer = false, ValidateAudience = false }, new JwtKeySet(key), s_time);
        JwtValidationResult result = validator.Validate(token);
        Assert.Equal(JwtError.None, result.Error);
        return result.Claims!;
    }

    private static void AssertNoDuplicateNames(string json)
    {
        // Throws JsonException on a repeated member name.
        using JsonDocument document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowDuplicateProperties = false });
        string[] names = [.. document.RootElement.EnumerateObject().Select(p => p.Name)];
        Assert.Equal(names.Length, names.Distinct(StringComparer.Ordinal).Count());
    }
}
