using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Time.Testing;
using Tessera.Jwt;

namespace Tessera.Tests.Jwt;

public sealed class JwtClaimsTests
{
    private const long Now = 1_700_000_000;

    private static readonly byte[] s_secret = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];

    private const string PrivateClaims = """
        {
          "exp": 1700000600,
          "str": "hello",
          "empty": "",
          "int": 42,
          "neg": -9007199254740993,
          "big": 123456789012345678901234567890,
          "dbl": 1.5,
          "t": true,
          "f": false,
          "nul": null,
          "roles": ["admin", "user"],
          "none": [],
          "mixed": ["a", 1, true],
          "address": {"street": "Main St", "number": 7, "tags": ["x"]},
          "escaped": "caf\u00e9 \"quoted\""
        }
        """;

    // ---- private claims of every JSON type --------------------------------------------------------------

    [Fact]
    public void TryGetString_StringClaims_ReadValue()
    {
        JwtClaims claims = Claims(PrivateClaims);

        Assert.True(claims.TryGetString("str", out string? value));
        Assert.Equal("hello", value);
        Assert.True(claims.TryGetString("empty", out value));
        Assert.Equal("", value);
        Assert.Equal("café \"quoted\"", claims.GetString("escaped"));
    }

    [Theory]
    [InlineData("int")]
    [InlineData("dbl")]
    [InlineData("t")]
    [InlineData("nul")]
    [InlineData("roles")]
    [InlineData("address")]
    [InlineData("missing")]
    public void TryGetString_NotAString_ReturnsFalse(string name)
    {
        JwtClaims claims = Claims(PrivateClaims);

        Assert.False(claims.TryGetString(name, out string? value));
        Assert.Null(value);
        Assert.Null(claims.GetString(name));
    }

    [Fact]
    public void TryGetInt64_Integers_ReadValue()
    {
        JwtClaims claims = Claims(PrivateClaims);

        Assert.True(claims.TryGetInt64("int", out long value));
        Assert.Equal(42, value);
        Assert.True(claims.TryGetInt64("neg", out value));
        Assert.Equal(-9_007_199_254_740_993, value); // beyond double precision: read exactly
        Assert.True(claims.TryGetInt64("exp", out value));
        Assert.Equal(1_700_000_600, value);
    }

    [Theory]
    [InlineData("big")]
    [InlineData("dbl")]
    [InlineData("str")]
    [InlineData("t")]
    [InlineData("nul")]
    [InlineData("roles")]
    [InlineData("address")]
    [InlineData("missing")]
    public void TryGetInt64_NotAnInt64_ReturnsFalse(string name)
    {
        Assert.False(Claims(PrivateClaims).TryGetInt64(name, out long value));
        Assert.Equal(0, value);
    }

    [Fact]
    public void TryGetDouble_Numbers_ReadValue()
    {
        JwtClaims claims = Claims(PrivateClaims);

        Assert.True(claims.TryGetDouble("dbl", out double value));
        Assert.Equal(1.5, value);
        Assert.True(claims.TryGetDouble("int", out value));
        Assert.Equal(42.0, value);
        Assert.True(claims.TryGetDouble("big", out value));
        Assert.Equal(1.2345678901234568E+29, value);
    }

    [Theory]
    [InlineData("str")]
    [InlineData("t")]
    [InlineData("nul")]
    [InlineData("roles")]
    [InlineData("missing")]
    public void TryGetDouble_NotANumber_ReturnsFalse(string name)
    {
        Assert.False(Claims(PrivateClaims).TryGetDouble(name, out double value));
        Assert.Equal(0.0, value);
    }

    [Fact]
    public void TryGetBoolean_Booleans_ReadValue()
    {
        JwtClaims claims = Claims(PrivateClaims);

        Assert.True(claims.TryGetBoolean("t", out bool value));
        Assert.True(value);
        Assert.True(claims.TryGetBoolean("f", out value));
        Assert.False(value);
    }

    [Theory]
    [InlineData("str")]
    [InlineData("int")]
    [InlineData("nul")]
    [InlineData("missing")]
    public void TryGetBoolean_NotABoolean_ReturnsFalse(string name)
    {
        Assert.False(Claims(PrivateClaims).TryGetBoolean(name, out bool value));
        Assert.False(value);
    }

    [Fact]
    public void TryGetValue_Null_IsPresentWithNullKind()
    {
        JwtClaims claims = Claims(PrivateClaims);

        Assert.True(claims.Contains("nul"));
        Assert.True(claims.TryGetValue("nul", out JsonElement value));
        Assert.Equal(JsonValueKind.Null, value.ValueKind);
    }

    [Fact]
    public void TryGetStringArray_StringArrays_ReadValues()
    {
        JwtClaims claims = Claims(PrivateClaims);

        Assert.True(claims.TryGetStringArray("roles", out string[]? roles));
        Assert.Equal(["admin", "user"], roles);
        Assert.True(claims.TryGetStringArray("none", out string[]? none));
        Assert.Empty(none);
        Assert.True(claims.TryGetStringArray("str", out string[]? single));
        Assert.Equal(["hello"], single);
    }

    [Theory]
    [InlineData("mixed")]
    [InlineData("int")]
    [InlineData("nul")]
    [InlineData("address")]
    [InlineData("missing")]
    public void TryGetStringArray_NotAStringArray_ReturnsFalse(string name)
    {
        Assert.False(Claims(PrivateClaims).TryGetStringArray(name, out string[]? values));
        Assert.Null(values);
    }

    [Fact]
    public void TryGetValue_Object_ReturnsElement()
    {
        JwtClaims claims = Claims(PrivateClaims);

        Assert.True(claims.TryGetValue("address", out JsonElement address));
        Assert.Equal(JsonValueKind.Object, address.ValueKind);
        Assert.Equal("Main St", address.GetProperty("street").GetString());
        Assert.Equal(7, address.GetProperty("number").GetInt32());
        Assert.True(claims.TryGetValue("mixed", out JsonElement mixed));
        Assert.Equal(3, mixed.GetArrayLength());
        Assert.False(claims.TryGetValue("missing", out _));
    }

    [Fact]
    public void TryGet_SourceGeneratedTypeInfo_ReadsObject()
    {
        JwtClaims claims = Claims(PrivateClaims);

        Assert.True(claims.TryGet("address", JwtClaimsTestsJsonContext.Default.TestAddress, out TestAddress? address));
        Assert.NotNull(address);
        Assert.Equal("Main St", address.Street);
        Assert.Equal(7, address.Number);
        Assert.Equal(["x"], address.Tags);

        Assert.True(claims.TryGet("roles", JwtClaimsTestsJsonContext.Default.StringArray, out string[]? roles));
        Assert.NotNull(roles);
        Assert.Equal(["admin", "user"], roles);
    }

    [Theory]
    [InlineData("str")]
    [InlineData("int")]
    [InlineData("roles")]
    [InlineData("missing")]
    public void TryGet_SourceGeneratedTypeInfoWrongShape_ReturnsFalse(string name)
    {
        Assert.False(Claims(PrivateClaims).TryGet(name, JwtClaimsTestsJsonContext.Default.TestAddress, out TestAddress? value));
        Assert.Null(value);
    }

    [Fact]
    public void TryGet_SourceGeneratedTypeInfoNull_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => Claims(PrivateClaims).TryGet<TestAddress>("address", null!, out _));
    }

    [Fact]
    public void TryGet_Reflection_ReadsValues()
    {
        JwtClaims claims = Claims(PrivateClaims);

        Assert.True(claims.TryGet("address", out Dictionary<string, JsonElement>? address));
        Assert.NotNull(address);
        Assert.Equal("Main St", address["street"].GetString());
        Assert.True(claims.TryGet("int", out int number));
        Assert.Equal(42, number);
        Assert.True(claims.TryGet("roles", out List<string>? roles));
        Assert.Equal(["admin", "user"], roles);
        Assert.True(claims.TryGet("dbl", out decimal amount));
        Assert.Equal(1.5m, amount);
    }

    [Theory]
    [InlineData("str")]
    [InlineData("dbl")]
    [InlineData("big")]
    [InlineData("address")]
    [InlineData("missing")]
    public void TryGet_ReflectionWrongType_ReturnsFalse(string name)
    {
        Assert.False(Claims(PrivateClaims).TryGet(name, out int value));
        Assert.Equal(0, value);
    }

    [Fact]
    public void Contains_PresentAndAbsentNames()
    {
        JwtClaims claims = Claims(PrivateClaims);

        Assert.True(claims.Contains("str"));
        Assert.True(claims.Contains("nul"));
        Assert.True(claims.Contains("exp"));
        Assert.False(claims.Contains("missing"));
        Assert.False(claims.Contains("STR"));
    }

    // ---- registered claims and header ------------------------------------------------------------------

    [Fact]
    public void RegisteredClaims_Present_ReadAsProperties()
    {
        JwtClaims claims = Claims("""
            {"iss":"https://issuer.example","sub":"user-1","aud":"api","exp":1700000600,"nbf":1699999990,"iat":1699999995,"jti":"id-1"}
            """);

        Assert.Equal("https://issuer.example", claims.Issuer);
        Assert.Equal("user-1", claims.Subject);
        Assert.Equal("id-1", claims.Id);
        Assert.Equal(["api"], claims.Audiences);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_600), claims.ExpiresAt);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_699_999_990), claims.NotBefore);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_699_999_995), claims.IssuedAt);
        Assert.Equal(TimeSpan.Zero, claims.ExpiresAt!.Value.Offset);
    }

    [Fact]
    public void RegisteredClaims_Absent_AreNullOrEmpty()
    {
        JwtClaims claims = Claims("""{"exp":1700000600}""");

        Assert.Null(claims.Issuer);
        Assert.Null(claims.Subject);
        Assert.Null(claims.Id);
        Assert.Empty(claims.Audiences);
        Assert.Null(claims.NotBefore);
        Assert.Null(claims.IssuedAt);
        Assert.NotNull(claims.ExpiresAt);
    }

    [Fact]
    public void Audiences_Array_ReadsEveryAudience()
    {
        JwtClaims claims = Claims("""{"exp":1700000600,"aud":["api","billing","https://x.example"]}""");

        Assert.Equal(["api", "billing", "https://x.example"], claims.Audiences);
    }

    [Fact]
    public void ExpiresAt_Fractional_IsRoundedDownToMilliseconds()
    {
        JwtClaims half = Claims("""{"exp":1700000000.5}""");
        JwtClaims fine = Claims("""{"exp":1700000000.1239}""");

        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_500), half.ExpiresAt);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123), fine.ExpiresAt);
    }

    [Fact]
    public void NotBeforeAndIssuedAt_Fractional_AreRoundedUpToMilliseconds()
    {
        // nbf and iat round toward the safe side, which is up.
        JwtClaims claims = Claims("""{"exp":1700000600,"nbf":1699999000.1231,"iat":1699999000.5}""");

        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_699_999_000_124), claims.NotBefore);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_699_999_000_500), claims.IssuedAt);
    }

    [Fact]
    public void Header_KidTypAlg_ReadFromHeader()
    {
        string token = Token("""{"alg":"HS256","kid":"k1","typ":"at+jwt","x-custom":5}""", """{"exp":1700000600}""");
        JwtClaims claims = Validate(token, "k1");

        Assert.Equal(JwtAlgorithm.HS256, claims.Algorithm);
        Assert.Equal("k1", claims.KeyId);
        Assert.Equal("at+jwt", claims.Type);
        Assert.Equal(JsonValueKind.Object, claims.Header.ValueKind);
        Assert.Equal("HS256", claims.Header.GetProperty("alg").GetString());
        Assert.Equal(5, claims.Header.GetProperty("x-custom").GetInt32());
    }

    [Fact]
    public void Header_NoKidNoTyp_AreNull()
    {
        JwtClaims claims = Validate(Token("""{"alg":"HS256"}""", """{"exp":1700000600}"""), keyId: null);

        Assert.Null(claims.KeyId);
        Assert.Null(claims.Type);
        Assert.Equal(JwtAlgorithm.HS256, claims.Algorithm);
    }

    [Fact]
    public void Payload_IsWholeClaimsSet()
    {
        JwtClaims claims = Claims(PrivateClaims);

        Assert.Equal(JsonValueKind.Object, claims.Payload.ValueKind);
        Assert.Equal(15, claims.Payload.EnumerateObject().Count());
    }

    [Fact]
    public void Token_IsExactInput()
    {
        string token = Token("""{"alg":"HS256","typ":"JWT"}""", PrivateClaims);

        JwtClaims claims = Validate(token, keyId: null);

        Assert.Equal(token, claims.Token);
    }

    [Fact]
    public void Claims_ReadConcurrently_AreConsistent()
    {
        JwtClaims claims = Claims(PrivateClaims);
        bool[] ok = new bool[256];

        Parallel.For(0, ok.Length, i =>
            ok[i] = claims.GetString("str") == "hello"
                && claims.TryGetInt64("int", out long n) && n == 42
                && claims.KeyId is null
                && claims.Audiences.Count == 0);

        Assert.DoesNotContain(false, ok);
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    /// <summary>Validates a token with the given payload and a plain HS256 header.</summary>
    private static JwtClaims Claims(string payloadJson) =>
        Validate(Token("""{"alg":"HS256","typ":"JWT"}""", payloadJson), keyId: null);

    private static JwtClaims Validate(string token, string? keyId)
    {
        using JwtKey key = JwtKey.CreateHmac(s_secret, JwtAlgorithm.HS256, keyId);
        var validator = new JwtValidator(
            new JwtValidationOptions { ValidateIssuer = false, ValidateAudience = false },
            new JwtKeySet(key),
            new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(Now)));
        JwtValidationResult result = validator.Validate(token);
        Assert.Equal(JwtError.None, result.Error);
        Assert.NotNull(result.Claims);
        return result.Claims;
    }

    /// <summary>Builds an HS256 token from exact header and payload JSON text, signed independently of Tessera.</summary>
    private static string Token(string headerJson, string payloadJson)
    {
        string signingInput = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(headerJson))
            + "." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payloadJson));
        byte[] mac = HMACSHA256.HashData(s_secret, Encoding.ASCII.GetBytes(signingInput));
        return signingInput + "." + Base64Url.EncodeToString(mac);
    }
}

/// <summary>A structured claim read through <see cref="JwtClaims.TryGet{T}(string, System.Text.Json.Serialization.Metadata.JsonTypeInfo{T}, out T)"/>.</summary>
public sealed record TestAddress(string Street, int Number, string[] Tags);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(TestAddress))]
[JsonSerializable(typeof(string[]))]
internal sealed partial class JwtClaimsTestsJsonContext : JsonSerializerContext;
