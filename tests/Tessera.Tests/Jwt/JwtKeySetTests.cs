using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Tessera.Jwt;

namespace Tessera.Tests.Jwt;

public sealed class JwtKeySetTests
{
    private static readonly string[] s_privateMembers = ["d", "p", "q", "dp", "dq", "qi", "k"];

    // Generating RSA keys is slow: two 2048-bit keys serve the whole class.
    private static readonly RSA s_rsa1 = RSA.Create(2048);
    private static readonly RSA s_rsa2 = RSA.Create(2048);

    private static readonly FakeTimeProvider s_time = new(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));

    // ---- kid selection and rotation ---------------------------------------------------------------------

    [Fact]
    public void Validate_SeveralKeysWithKid_SelectsKeyByKid()
    {
        using JwtKey rsa = JwtKey.CreateRsa(s_rsa1, JwtAlgorithm.RS256, "rsa");
        using JwtKey ec = JwtKey.Generate(JwtAlgorithm.ES256, "ec");
        using JwtKey hmac = JwtKey.CreateHmac(Secret(32, 1), JwtAlgorithm.HS256, "hmac");
        using JwtKey hmac2 = JwtKey.CreateHmac(Secret(32, 2), JwtAlgorithm.HS256, "hmac2");
        JwtValidator validator = Validator(new JwtKeySet(rsa, ec, hmac, hmac2));

        foreach (JwtKey key in new[] { rsa, ec, hmac, hmac2 })
        {
            JwtValidationResult result = validator.Validate(Sign(key));
            Assert.Equal(JwtError.None, result.Error);
            Assert.Same(key, result.Claims!.Key);
            Assert.Equal(key.KeyId, result.Claims.KeyId);
        }
    }

    [Fact]
    public void Validate_KidOfOtherKeyWithSameAlgorithm_SignatureInvalid()
    {
        // The token names "a" but was signed with another secret: only key "a" is tried.
        using JwtKey a = JwtKey.CreateHmac(Secret(32, 1), JwtAlgorithm.HS256, "a");
        using JwtKey b = JwtKey.CreateHmac(Secret(32, 2), JwtAlgorithm.HS256, "b");
        using JwtKey impostor = JwtKey.CreateHmac(Secret(32, 2), JwtAlgorithm.HS256, "a");

        Assert.Equal(JwtError.SignatureInvalid, Validator(new JwtKeySet(a, b)).Validate(Sign(impostor)).Error);
    }

    [Fact]
    public void Validate_KidOfKeyWithOtherAlgorithm_AlgorithmNotAllowed()
    {
        using JwtKey rsa = JwtKey.CreateRsa(s_rsa1, JwtAlgorithm.RS256, "k");
        using JwtKey hmac = JwtKey.CreateHmac(Secret(32, 1), JwtAlgorithm.HS256, "k");

        Assert.Equal(JwtError.AlgorithmNotAllowed, Validator(new JwtKeySet(hmac)).Validate(Sign(rsa)).Error);
    }

    [Fact]
    public void Validate_KeyRotation_OldAndNewTokensValidUntilOldKeyRemoved()
    {
        using JwtKey oldKey = JwtKey.CreateRsa(s_rsa1, JwtAlgorithm.RS256);
        using JwtKey newKey = JwtKey.CreateRsa(s_rsa2, JwtAlgorithm.RS256);
        Assert.NotEqual(oldKey.KeyId, newKey.KeyId);
        string oldToken = Sign(oldKey);
        string newToken = Sign(newKey);
        JwtValidator validator = Validator(new JwtKeySet(oldKey));
        Assert.Equal(JwtError.None, validator.Validate(oldToken).Error);
        Assert.Equal(JwtError.KeyNotFound, validator.Validate(newToken).Error);

        // Publish the new key next to the old one: both generations validate.
        validator.Keys = new JwtKeySet(oldKey, newKey);
        Assert.Equal(JwtError.None, validator.Validate(oldToken).Error);
        Assert.Equal(JwtError.None, validator.Validate(newToken).Error);
        Assert.Same(oldKey, validator.Validate(oldToken).Claims!.Key);
        Assert.Same(newKey, validator.Validate(newToken).Claims!.Key);

        // Retire the old key.
        validator.Keys = new JwtKeySet(newKey);
        Assert.Equal(JwtError.KeyNotFound, validator.Validate(oldToken).Error);
        Assert.Equal(JwtError.None, validator.Validate(newToken).Error);
    }

    [Fact]
    public void Keys_SetNull_Throws()
    {
        using JwtKey key = JwtKey.CreateHmac(Secret(32, 1));
        JwtValidator validator = Validator(new JwtKeySet(key));
        Assert.Throws<ArgumentNullException>(() => validator.Keys = null!);
    }

    [Fact]
    public void Constructor_DuplicateKid_Throws()
    {
        using JwtKey a = JwtKey.CreateHmac(Secret(32, 1), JwtAlgorithm.HS256, "same");
        using JwtKey b = JwtKey.CreateRsa(s_rsa1, JwtAlgorithm.RS256, "same");
        Assert.Throws<ArgumentException>(() => new JwtKeySet(a, b));
    }

    [Fact]
    public void Constructor_SameRsaKeyTwiceWithoutKid_ThrowsBecauseThumbprintsCollide()
    {
        using JwtKey a = JwtKey.CreateRsa(s_rsa1, JwtAlgorithm.RS256);
        using JwtKey b = JwtKey.CreateRsa(s_rsa1, JwtAlgorithm.PS256);
        Assert.Equal(a.KeyId, b.KeyId);
        Assert.Throws<ArgumentException>(() => new JwtKeySet(a, b));
    }

    [Fact]
    public void Constructor_KidsDifferingOnlyInCase_AreDistinct()
    {
        using JwtKey lower = JwtKey.CreateHmac(Secret(32, 1), JwtAlgorithm.HS256, "key");
        using JwtKey upper = JwtKey.CreateHmac(Secret(32, 2), JwtAlgorithm.HS256, "KEY");
        var set = new JwtKeySet(lower, upper);

        Assert.Equal(2, set.Count);
        Assert.True(set.TryGetKey("key", out JwtKey? found) && ReferenceEquals(found, lower));
        Assert.True(set.TryGetKey("KEY", out found) && ReferenceEquals(found, upper));
        Assert.False(set.TryGetKey("Key", out _));
    }

    [Fact]
    public void Constructor_NullKey_Throws()
    {
        using JwtKey key = JwtKey.CreateHmac(Secret(32, 1));
        Assert.ThrowsAny<ArgumentException>(() => new JwtKeySet(key, null!));
    }

    [Fact]
    public void Enumerate_ReturnsKeysInOrder()
    {
        using JwtKey a = JwtKey.CreateHmac(Secret(32, 1), JwtAlgorithm.HS256, "a");
        using JwtKey b = JwtKey.CreateHmac(Secret(48, 2), JwtAlgorithm.HS384, "b");
        var set = new JwtKeySet(a, b);

        Assert.Equal(2, set.Count);
        Assert.Equal([a, b], set.ToArray());
    }

    [Theory]
    [InlineData("ключ-1")]
    [InlineData("a\"b\\c")]
    [InlineData("k+/=<>&'")]
    [InlineData("😀")]
    public void Validate_KidNeedingEscapesOrNonAscii_SelectsKey(string kid)
    {
        using JwtKey key = JwtKey.CreateHmac(Secret(32, 1), JwtAlgorithm.HS256, kid);
        using JwtKey other = JwtKey.CreateHmac(Secret(32, 2), JwtAlgorithm.HS256, "other");

        JwtValidationResult result = Validator(new JwtKeySet(other, key)).Validate(Sign(key));

        Assert.Equal(JwtError.None, result.Error);
        Assert.Same(key, result.Claims!.Key);
        Assert.Equal(kid, result.Claims.KeyId);
    }

    [Fact]
    public void Validate_KidOf256Bytes_SelectsKey()
    {
        string kid = new('k', 256);
        using JwtKey key = JwtKey.CreateHmac(Secret(32, 1), JwtAlgorithm.HS256, kid);

        Assert.Equal(JwtError.None, Validator(new JwtKeySet(key)).Validate(Sign(key)).Error);
    }

    [Fact]
    public void Constructor_KidLongerThan256Bytes_Throws()
    {
        using JwtKey ascii = JwtKey.CreateHmac(Secret(32, 1), JwtAlgorithm.HS256, new string('k', 257));
        using JwtKey multiByte = JwtKey.CreateHmac(Secret(32, 1), JwtAlgorithm.HS256, new string('é', 129)); // 258 bytes

        Assert.Throws<ArgumentException>(() => new JwtKeySet(ascii));
        Assert.Throws<ArgumentException>(() => new JwtKeySet(multiByte));
    }

    [Fact]
    public void Validate_TokenKidLongerThanAnyKey_KeyNotFound()
    {
        using JwtKey key = JwtKey.CreateHmac(Secret(32, 1), JwtAlgorithm.HS256, "k");
        using JwtKey longKid = JwtKey.CreateHmac(Secret(32, 1), JwtAlgorithm.HS256, new string('k', 1000));

        Assert.Equal(JwtError.KeyNotFound, Validator(new JwtKeySet(key)).Validate(Sign(longKid)).Error);
    }

    [Fact]
    public void Validate_UnknownKid_KeyNotFound()
    {
        using JwtKey known = JwtKey.CreateHmac(Secret(32, 1), JwtAlgorithm.HS256, "known");
        using JwtKey unknown = JwtKey.CreateHmac(Secret(32, 1), JwtAlgorithm.HS256, "unknown");

        Assert.Equal(JwtError.KeyNotFound, Validator(new JwtKeySet(known)).Validate(Sign(unknown)).Error);
    }

    [Fact]
    public void Validate_EmptyKeySet_KeyNotFound()
    {
        using JwtKey key = JwtKey.CreateHmac(Secret(32, 1), JwtAlgorithm.HS256, "k");
        using JwtKey unnamed = JwtKey.CreateHmac(Secret(32, 1));
        JwtValidator validator = Validator(new JwtKeySet());

        Assert.Equal(JwtError.KeyNotFound, validator.Validate(Sign(key)).Error);
        Assert.Equal(JwtError.KeyNotFound, validator.Validate(Sign(unnamed)).Error);
    }

    // ---- tokens without kid ----------------------------------------------------------------------------

    [Fact]
    public void Validate_NoKid_TriesEveryKeyOfHeaderAlgorithm()
    {
        using JwtKey first = JwtKey.CreateHmac(Secret(32, 1));
        using JwtKey second = JwtKey.CreateHmac(Secret(32, 2));
        using JwtKey third = JwtKey.CreateHmac(Secret(32, 3));
        using JwtKey named = JwtKey.CreateHmac(Secret(32, 4), JwtAlgorithm.HS256, "named");
        JwtValidator validator = Validator(new JwtKeySet(named, first, second));

        string firstToken = Sign(first);
        string secondToken = Sign(second);
        Assert.DoesNotContain("kid", DecodeSegment(firstToken, 0), StringComparison.Ordinal);

        JwtValidationResult firstResult = validator.Validate(firstToken);
        JwtValidationResult secondResult = validator.Validate(secondToken);
        Assert.Equal(JwtError.None, firstResult.Error);
        Assert.Equal(JwtError.None, secondResult.Error);
        Assert.Same(first, firstResult.Claims!.Key);
        Assert.Same(second, secondResult.Claims!.Key);
        Assert.Null(firstResult.Claims.KeyId);

        Assert.Equal(JwtError.SignatureInvalid, validator.Validate(Sign(third)).Error);
    }

    [Fact]
    public void Validate_NoKidAndNoKeyOfHeaderAlgorithm_KeyNotFound()
    {
        using JwtKey hs256 = JwtKey.CreateHmac(Secret(32, 1));
        using JwtKey hs384 = JwtKey.CreateHmac(Secret(48, 1), JwtAlgorithm.HS384);
        using JwtKey rsa = JwtKey.CreateRsa(s_rsa1, JwtAlgorithm.RS256);

        Assert.Equal(JwtError.KeyNotFound, Validator(new JwtKeySet(hs384, rsa)).Validate(Sign(hs256)).Error);
    }

    [Fact]
    public void Validate_NoKidAndSameSecretBoundToOtherAlgorithm_KeyNotFound()
    {
        // The same secret as an HS512 key must not verify an HS256 token: keys are bound to one algorithm.
        using JwtKey hs256 = JwtKey.CreateHmac(Secret(64, 1));
        using JwtKey hs512 = JwtKey.CreateHmac(Secret(64, 1), JwtAlgorithm.HS512);

        Assert.Equal(JwtError.KeyNotFound, Validator(new JwtKeySet(hs512)).Validate(Sign(hs256)).Error);
    }

    // ---- JWKS export ------------------------------------------------------------------------------------

    [Fact]
    public void ToJwks_MixedKeys_IsPublicRfc7517Set()
    {
        using JwtKey rsa = JwtKey.CreateRsa(s_rsa1, JwtAlgorithm.RS256, "rsa");
        using JwtKey ps = JwtKey.CreateRsa(s_rsa2, JwtAlgorithm.PS384);
        using JwtKey ec = JwtKey.Generate(JwtAlgorithm.ES384, "ec");
        using JwtKey hmac = JwtKey.CreateHmac(Secret(32, 1), JwtAlgorithm.HS256, "hmac");
        using JwtKey unnamedHmac = JwtKey.CreateHmac(Secret(32, 2));
        var set = new JwtKeySet(rsa, hmac, ps, unnamedHmac, ec);

        string jwks = set.ToJwks();

        using JsonDocument document = JsonDocument.Parse(jwks, new JsonDocumentOptions { AllowDuplicateProperties = false });
        JsonElement root = document.RootElement;
        Assert.Equal(JsonValueKind.Object, root.ValueKind);
        JsonProperty only = Assert.Single(root.EnumerateObject());
        Assert.Equal("keys", only.Name);
        JsonElement[] keys = [.. only.Value.EnumerateArray()];
        Assert.Equal(["rsa", ps.KeyId, "ec"], keys.Select(k => k.GetProperty("kid").GetString()));
        Assert.Equal(["RSA", "RSA", "EC"], keys.Select(k => k.GetProperty("kty").GetString()));
        Assert.Equal(["RS256", "PS384", "ES384"], keys.Select(k => k.GetProperty("alg").GetString()));
        foreach (JsonElement key in keys)
        {
            Assert.Equal("sig", key.GetProperty("use").GetString());
            foreach (string member in s_privateMembers)
            {
                Assert.False(key.TryGetProperty(member, out _), $"JWKS contains \"{member}\"");
            }
        }

        Assert.DoesNotContain("oct", jwks, StringComparison.Ordinal);
        Assert.DoesNotContain("hmac", jwks, StringComparison.Ordinal);
        Assert.DoesNotContain("HS256", jwks, StringComparison.Ordinal);
    }

    [Fact]
    public void ToJwks_OnlyHmacKeys_IsEmptySet()
    {
        using JwtKey hmac = JwtKey.CreateHmac(Secret(32, 1), JwtAlgorithm.HS256, "hmac");
        Assert.Equal("""{"keys":[]}""", new JwtKeySet(hmac).ToJwks());
        Assert.Equal("""{"keys":[]}""", new JwtKeySet().ToJwks());
    }

    // ---- JWKS import ------------------------------------------------------------------------------------

    [Fact]
    public void FromJwks_OutputOfToJwks_ValidatesTokensOfOriginalKeys()
    {
        using JwtKey rsa = JwtKey.CreateRsa(s_rsa1, JwtAlgorithm.RS256, "rsa");
        using JwtKey ps = JwtKey.CreateRsa(s_rsa2, JwtAlgorithm.PS256);
        using JwtKey es256 = JwtKey.Generate(JwtAlgorithm.ES256);
        using JwtKey es512 = JwtKey.Generate(JwtAlgorithm.ES512, "ec521");
        using JwtKey hmac = JwtKey.CreateHmac(Secret(32, 1), JwtAlgorithm.HS256, "hmac");
        string jwks = new JwtKeySet(rsa, ps, es256, es512, hmac).ToJwks();

        JwtKeySet imported = JwtKeySet.FromJwks(jwks);

        Assert.Equal(4, imported.Count);
        Assert.All(imported, k => Assert.False(k.CanSign));
        Assert.DoesNotContain(imported, k => k.IsSymmetric);
        JwtValidator validator = Validator(imported);
        foreach (JwtKey key in new[] { rsa, ps, es256, es512 })
        {
            Assert.True(imported.TryGetKey(key.KeyId!, out JwtKey? match));
            Assert.Equal(key.Algorithm, match.Algorithm);
            JwtValidationResult result = validator.Validate(Sign(key));
            Assert.Equal(JwtError.None, result.Error);
            Assert.Same(match, result.Claims!.Key);
        }

        Assert.Equal(JwtError.KeyNotFound, validator.Validate(Sign(hmac)).Error);
        Assert.Equal(jwks, imported.ToJwks());
    }

    [Fact]
    public void FromJwks_UnknownKtyAndEncryptionKeys_AreSkipped()
    {
        using JwtKey rsa = JwtKey.CreateRsa(s_rsa1, JwtAlgorithm.RS256, "sig-key");
        using JwtKey other = JwtKey.CreateRsa(s_rsa2, JwtAlgorithm.RS256, "enc-key");
        JsonObject encKey = JsonNode.Parse(other.ToJwk())!.AsObject();
        encKey["use"] = "enc";
        encKey["alg"] = "RSA-OAEP";
        JsonObject jwks = new()
        {
            ["keys"] = new JsonArray(
                JsonNode.Parse("""{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"okp"}"""),
                JsonNode.Parse("""{"kty":"future-kty","kid":"future"}"""),
                encKey,
                JsonNode.Parse("""{"kty":"oct","use":"enc","k":"c2hvcnQ","kid":"oct-enc"}"""),
                JsonNode.Parse(rsa.ToJwk())),
        };

        JwtKeySet imported = JwtKeySet.FromJwks(jwks.ToJsonString());

        JwtKey only = Assert.Single(imported);
        Assert.Equal("sig-key", only.KeyId);
        Assert.Equal(JwtError.None, Validator(imported).Validate(Sign(rsa)).Error);
    }

    [Fact]
    public void FromJwks_UnsupportedSigningCandidatesWithoutUse_AreSkippedNotFatal()
    {
        using JwtKey rsa = JwtKey.CreateRsa(s_rsa1, JwtAlgorithm.RS256, "sig-key");
        JsonObject Variant(string kid, Action<JsonObject> change)
        {
            JsonObject key = JsonNode.Parse(rsa.ToJwk())!.AsObject();
            key["kid"] = kid;
            key.Remove("use");
            change(key);
            return key;
        }

        JsonObject jwks = new()
        {
            ["keys"] = new JsonArray(
                Variant("oaep", k => k["alg"] = "RSA-OAEP"),
                Variant("encrypt-only", k => k["key_ops"] = new JsonArray("encrypt", "wrapKey")),
                JsonNode.Parse("""{"kty":"EC","crv":"secp256k1","x":"AAAA","y":"AAAA","kid":"k1-curve"}"""),
                JsonNode.Parse("""{"kty":"EC","alg":"ES256K","crv":"secp256k1","x":"AAAA","y":"AAAA","kid":"es256k"}"""),
                JsonNode.Parse(rsa.ToJwk())),
        };

        JwtKeySet imported = JwtKeySet.FromJwks(jwks.ToJsonString());

        Assert.Equal("sig-key", Assert.Single(imported).KeyId);
        Assert.Equal(JwtError.None, Validator(imported).Validate(Sign(rsa)).Error);

        // A key of a supported kind that is malformed still fails the whole set, as before.
        jwks["keys"]!.AsArray().Add(Variant("bad-alg-type", k => k["alg"] = 256));
        Assert.Throws<ArgumentException>(() => JwtKeySet.FromJwks(jwks.ToJsonString()));
        jwks["keys"]!.AsArray().RemoveAt(5);
        jwks["keys"]!.AsArray().Add(Variant("bad-ops", k => k["key_ops"] = "verify"));
        Assert.Throws<ArgumentException>(() => JwtKeySet.FromJwks(jwks.ToJsonString()));
    }

    [Fact]
    public void FromJwks_EmptyKeys_IsEmptySet()
    {
        Assert.Empty(JwtKeySet.FromJwks("""{"keys":[]}"""));
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("\"keys\"")]
    [InlineData("null")]
    [InlineData("{}")]
    [InlineData("{\"key\":[]}")]
    [InlineData("{\"keys\":{}}")]
    [InlineData("{\"keys\":null}")]
    [InlineData("{\"keys\":[],\"keys\":[]}")]
    [InlineData("{\"keys\":[{\"kty\":\"oct\",\"kty\":\"oct\",\"alg\":\"HS256\",\"k\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}]}")]
    [InlineData("{\"keys\":[]")]
    public void FromJwks_MalformedSet_Throws(string json)
    {
        Assert.Throws<ArgumentException>(() => JwtKeySet.FromJwks(json));
    }

    [Fact]
    public void FromJwks_MalformedKeyOfKnownType_Throws()
    {
        using JwtKey ec = JwtKey.Generate(JwtAlgorithm.ES256);
        JsonObject broken = JsonNode.Parse(ec.ToJwk())!.AsObject();
        broken["x"] = broken["x"]!.GetValue<string>()[1..];
        string jwks = new JsonObject { ["keys"] = new JsonArray(broken) }.ToJsonString();

        Assert.Throws<ArgumentException>(() => JwtKeySet.FromJwks(jwks));
    }

    [Theory]
    [InlineData("""{"keys":[{"kty":"RSA","use":true,"n":"AQAB","e":"AQAB"}]}""")]
    [InlineData("""{"keys":[{"kty":7}]}""")]
    public void FromJwks_KeyMemberOfWrongJsonType_SkipsOrThrowsArgumentException(string json)
    {
        // A key whose "kty" or "use" is not a string may be skipped (RFC 7517 §5) or refused, but only with
        // the documented ArgumentException: never another exception type.
        Exception? exception = Record.Exception(() => JwtKeySet.FromJwks(json, JwtAlgorithm.RS256));
        Assert.True(exception is null or ArgumentException, $"unexpected {exception?.GetType().Name}: {exception?.Message}");
    }

    [Fact]
    public void FromJwks_DuplicateKidAcrossKeys_Throws()
    {
        using JwtKey a = JwtKey.CreateRsa(s_rsa1, JwtAlgorithm.RS256, "same");
        using JwtKey b = JwtKey.CreateRsa(s_rsa2, JwtAlgorithm.RS256, "other");
        string jwks = new JwtKeySet(a, b).ToJwks().Replace("\"other\"", "\"same\"", StringComparison.Ordinal);

        Assert.Throws<ArgumentException>(() => JwtKeySet.FromJwks(jwks));
    }

    [Fact]
    public void FromJwks_DefaultAlgorithm_AppliesToRsaWithoutAlgButNotToEc()
    {
        using ECDsa ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using JwtKey rsaSigner = JwtKey.CreateRsa(s_rsa1, JwtAlgorithm.PS256);
        using JwtKey ecSigner = JwtKey.CreateECDsa(ecdsa, JwtAlgorithm.ES256);
        using JwtKey rsaWithAlgSigner = JwtKey.CreateRsa(s_rsa2, JwtAlgorithm.RS512);
        string jwks = new JsonObject
        {
            ["keys"] = new JsonArray(
                WithoutAlg(rsaSigner.ToJwk()),
                WithoutAlg(ecSigner.ToJwk()),
                JsonNode.Parse(rsaWithAlgSigner.ToJwk())),
        }.ToJsonString();

        // The default is for a P-384 curve, but an EC key takes its algorithm from its own crv.
        JwtKeySet withRsaDefault = JwtKeySet.FromJwks(jwks, JwtAlgorithm.PS256);
        JwtKeySet withEcDefault = JwtKeySet.FromJwks(
            new JsonObject { ["keys"] = new JsonArray(WithoutAlg(ecSigner.ToJwk())) }.ToJsonString(), JwtAlgorithm.ES384);

        Assert.Equal([JwtAlgorithm.PS256, JwtAlgorithm.ES256, JwtAlgorithm.RS512], withRsaDefault.Select(k => k.Algorithm));
        Assert.Equal(JwtAlgorithm.ES256, Assert.Single(withEcDefault).Algorithm);
        JwtValidator validator = Validator(withRsaDefault);
        Assert.Equal(JwtError.None, validator.Validate(Sign(rsaSigner)).Error);
        Assert.Equal(JwtError.None, validator.Validate(Sign(ecSigner)).Error);
        Assert.Equal(JwtError.None, validator.Validate(Sign(rsaWithAlgSigner)).Error);
    }

    [Fact]
    public void FromJwks_DefaultAlgorithm_AppliesToOctWithoutAlg()
    {
        byte[] secret = Secret(48, 7);
        string jwks = $$"""{"keys":[{"kty":"oct","k":"{{Base64Url.EncodeToString(secret)}}","kid":"o"}]}""";
        using JwtKey signer = JwtKey.CreateHmac(secret, JwtAlgorithm.HS384, "o");

        JwtKeySet imported = JwtKeySet.FromJwks(jwks, JwtAlgorithm.HS384);

        Assert.Equal(JwtAlgorithm.HS384, Assert.Single(imported).Algorithm);
        Assert.Equal(JwtError.None, Validator(imported).Validate(Sign(signer)).Error);
    }

    [Fact]
    public void FromJwks_RsaWithoutAlgAndNoDefault_Throws()
    {
        using JwtKey rsa = JwtKey.CreateRsa(s_rsa1, JwtAlgorithm.RS256);
        string jwks = new JsonObject { ["keys"] = new JsonArray(WithoutAlg(rsa.ToJwk())) }.ToJsonString();

        Assert.Throws<ArgumentException>(() => JwtKeySet.FromJwks(jwks));
        // A default of another family does not apply either.
        Assert.Throws<ArgumentException>(() => JwtKeySet.FromJwks(jwks, JwtAlgorithm.HS256));
        Assert.Throws<ArgumentException>(() => JwtKeySet.FromJwks(jwks, JwtAlgorithm.ES256));
    }

    [Fact]
    public void FromJwks_DefaultAlgorithmDiffersFromKeyAlg_KeyAlgWins()
    {
        using JwtKey rsa = JwtKey.CreateRsa(s_rsa1, JwtAlgorithm.RS384, "r");
        string jwks = new JwtKeySet(rsa).ToJwks();

        JwtKeySet imported = JwtKeySet.FromJwks(jwks, JwtAlgorithm.PS256);

        Assert.Equal(JwtAlgorithm.RS384, Assert.Single(imported).Algorithm);
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    private static JwtValidator Validator(JwtKeySet keys) =>
        new(new JwtValidationOptions { ValidateIssuer = false, ValidateAudience = false }, keys, s_time);

    private static string Sign(JwtKey key) =>
        new JwtSigner(key).Sign(new JwtBuilder().Subject("u1").ExpiresAt(s_time.GetUtcNow().AddMinutes(5)));

    private static byte[] Secret(int length, byte seed)
    {
        byte[] secret = new byte[length];
        for (int i = 0; i < length; i++)
        {
            secret[i] = (byte)((seed * 31) + i + 1);
        }

        return secret;
    }

    private static JsonObject WithoutAlg(string jwk)
    {
        JsonObject node = JsonNode.Parse(jwk)!.AsObject();
        Assert.True(node.Remove("alg"));
        return node;
    }

    private static string DecodeSegment(string token, int index) =>
        System.Text.Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token.Split('.')[index]));
}
