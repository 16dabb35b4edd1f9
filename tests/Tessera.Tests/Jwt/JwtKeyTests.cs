using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Tessera.Jwt;

namespace Tessera.Tests.Jwt;

public sealed class JwtKeyTests
{
    // RFC 7638 §3.1: the example RSA key and its SHA-256 JWK thumbprint.
    private const string Rfc7638Modulus =
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiF"
        + "V4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9"
        + "c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1"
        + "jF44-csFCur-kEgU8awapJzKnqDKgw";

    private const string Rfc7638Thumbprint = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";

    private static readonly string[] s_privateMembers = ["d", "p", "q", "dp", "dq", "qi", "k"];

    // One 2048-bit RSA key for the whole class: generating RSA keys is slow.
    private static readonly RSA s_rsa = RSA.Create(2048);

    private static readonly FakeTimeProvider s_time = new(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));

    // ---- PEM ------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("PUBLIC KEY", false)]
    [InlineData("RSA PUBLIC KEY", false)]
    [InlineData("PRIVATE KEY", true)]
    [InlineData("RSA PRIVATE KEY", true)]
    public void FromPem_RsaFormats_LoadsSameKey(string label, bool isPrivate)
    {
        string pem = label switch
        {
            "PUBLIC KEY" => s_rsa.ExportSubjectPublicKeyInfoPem(),
            "RSA PUBLIC KEY" => s_rsa.ExportRSAPublicKeyPem(),
            "PRIVATE KEY" => s_rsa.ExportPkcs8PrivateKeyPem(),
            _ => s_rsa.ExportRSAPrivateKeyPem(),
        };
        Assert.StartsWith($"-----BEGIN {label}-----", pem, StringComparison.Ordinal);

        using JwtKey key = JwtKey.FromPem(pem, JwtAlgorithm.RS256);
        using JwtKey reference = JwtKey.CreateRsa(s_rsa, JwtAlgorithm.RS256);

        Assert.Equal(JwtAlgorithm.RS256, key.Algorithm);
        Assert.Equal(isPrivate, key.CanSign);
        Assert.False(key.IsSymmetric);
        Assert.Equal(reference.KeyId, key.KeyId);
        Assert.Equal(JwtError.None, Validate(key, Sign(reference)).Error);
        if (isPrivate)
        {
            Assert.Equal(JwtError.None, Validate(reference, Sign(key)).Error);
        }
    }

    [Theory]
    [InlineData(JwtAlgorithm.ES256, "PUBLIC KEY", false)]
    [InlineData(JwtAlgorithm.ES256, "PRIVATE KEY", true)]
    [InlineData(JwtAlgorithm.ES256, "EC PRIVATE KEY", true)]
    [InlineData(JwtAlgorithm.ES384, "PUBLIC KEY", false)]
    [InlineData(JwtAlgorithm.ES384, "PRIVATE KEY", true)]
    [InlineData(JwtAlgorithm.ES384, "EC PRIVATE KEY", true)]
    [InlineData(JwtAlgorithm.ES512, "PUBLIC KEY", false)]
    [InlineData(JwtAlgorithm.ES512, "PRIVATE KEY", true)]
    [InlineData(JwtAlgorithm.ES512, "EC PRIVATE KEY", true)]
    public void FromPem_EcFormats_LoadsSameKey(JwtAlgorithm algorithm, string label, bool isPrivate)
    {
        using ECDsa ecdsa = ECDsa.Create(CurveFor(algorithm));
        string pem = label switch
        {
            "PUBLIC KEY" => ecdsa.ExportSubjectPublicKeyInfoPem(),
            "PRIVATE KEY" => ecdsa.ExportPkcs8PrivateKeyPem(),
            _ => ecdsa.ExportECPrivateKeyPem(),
        };
        Assert.StartsWith($"-----BEGIN {label}-----", pem, StringComparison.Ordinal);

        using JwtKey key = JwtKey.FromPem(pem, algorithm);
        using JwtKey reference = JwtKey.CreateECDsa(ecdsa, algorithm);

        Assert.Equal(algorithm, key.Algorithm);
        Assert.Equal(isPrivate, key.CanSign);
        Assert.Equal(reference.KeyId, key.KeyId);
        Assert.Equal(JwtError.None, Validate(key, Sign(reference)).Error);
        if (isPrivate)
        {
            Assert.Equal(JwtError.None, Validate(reference, Sign(key)).Error);
        }
    }

    [Fact]
    public void FromPem_RsaPublicKey_CannotSignButVerifiesTokensOfPrivateKey()
    {
        using JwtKey publicKey = JwtKey.FromPem(s_rsa.ExportSubjectPublicKeyInfoPem(), JwtAlgorithm.PS256);
        using JwtKey privateKey = JwtKey.FromPem(s_rsa.ExportPkcs8PrivateKeyPem(), JwtAlgorithm.PS256);

        Assert.False(publicKey.CanSign);
        Assert.True(privateKey.CanSign);
        Assert.Throws<ArgumentException>(() => new JwtSigner(publicKey));
        Assert.Equal(JwtError.None, Validate(publicKey, Sign(privateKey)).Error);
    }

    [Fact]
    public void FromPem_EcPublicKey_CannotSignButVerifiesTokensOfPrivateKey()
    {
        using ECDsa ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using JwtKey publicKey = JwtKey.FromPem(ecdsa.ExportSubjectPublicKeyInfoPem(), JwtAlgorithm.ES256);
        using JwtKey privateKey = JwtKey.FromPem(ecdsa.ExportECPrivateKeyPem(), JwtAlgorithm.ES256);

        Assert.False(publicKey.CanSign);
        Assert.Throws<ArgumentException>(() => new JwtSigner(publicKey));
        Assert.Equal(JwtError.None, Validate(publicKey, Sign(privateKey)).Error);
    }

    [Fact]
    public void FromPem_RsaPemForEcAlgorithm_Throws()
    {
        Assert.ThrowsAny<ArgumentException>(() => JwtKey.FromPem(s_rsa.ExportSubjectPublicKeyInfoPem(), JwtAlgorithm.ES256));
        Assert.ThrowsAny<ArgumentException>(() => JwtKey.FromPem(s_rsa.ExportRSAPrivateKeyPem(), JwtAlgorithm.ES256));
    }

    [Fact]
    public void FromPem_EcPemForRsaAlgorithm_Throws()
    {
        using ECDsa ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.ThrowsAny<ArgumentException>(() => JwtKey.FromPem(ecdsa.ExportSubjectPublicKeyInfoPem(), JwtAlgorithm.RS256));
        Assert.ThrowsAny<ArgumentException>(() => JwtKey.FromPem(ecdsa.ExportECPrivateKeyPem(), JwtAlgorithm.RS256));
    }

    [Fact]
    public void FromPem_EcKeyOnWrongCurve_Throws()
    {
        using ECDsa ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.ThrowsAny<ArgumentException>(() => JwtKey.FromPem(ecdsa.ExportSubjectPublicKeyInfoPem(), JwtAlgorithm.ES384));
        Assert.ThrowsAny<ArgumentException>(() => JwtKey.FromPem(ecdsa.ExportPkcs8PrivateKeyPem(), JwtAlgorithm.ES512));
    }

    [Fact]
    public void FromPem_HmacAlgorithm_Throws()
    {
        Assert.ThrowsAny<ArgumentException>(() => JwtKey.FromPem(s_rsa.ExportSubjectPublicKeyInfoPem(), JwtAlgorithm.HS256));
    }

    [Fact]
    public void FromPem_NotPem_Throws()
    {
        Assert.ThrowsAny<ArgumentException>(() => JwtKey.FromPem("not a key", JwtAlgorithm.RS256));
        Assert.ThrowsAny<ArgumentException>(
            () => JwtKey.FromPem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", JwtAlgorithm.RS256));
    }

    [Fact]
    public void FromPem_RsaKeyUnder2048Bits_Throws()
    {
        using RSA weak = RSA.Create(1024);
        Assert.ThrowsAny<ArgumentException>(() => JwtKey.FromPem(weak.ExportSubjectPublicKeyInfoPem(), JwtAlgorithm.RS256));
    }

    // ---- JWK import -----------------------------------------------------------------------------------

    [Theory]
    [InlineData(JwtAlgorithm.RS256)]
    [InlineData(JwtAlgorithm.PS512)]
    public void FromJwk_RsaPublicWithAlg_VerifiesTokensOfPrivateKey(JwtAlgorithm algorithm)
    {
        JsonObject jwk = RsaJwk(s_rsa, includePrivate: false);
        jwk["alg"] = algorithm.ToString();
        using JwtKey privateKey = JwtKey.CreateRsa(s_rsa, algorithm);

        using JwtKey withoutRequest = JwtKey.FromJwk(jwk.ToJsonString());
        using JwtKey withRequest = JwtKey.FromJwk(jwk.ToJsonString(), algorithm);

        Assert.Equal(algorithm, withoutRequest.Algorithm);
        Assert.Equal(algorithm, withRequest.Algorithm);
        Assert.False(withoutRequest.CanSign);
        Assert.Throws<ArgumentException>(() => new JwtSigner(withoutRequest));
        Assert.Equal(JwtError.None, Validate(withoutRequest, Sign(privateKey)).Error);
    }

    [Theory]
    [InlineData("AQ")] // 1: verifying would hand the signature back, so anyone could forge one
    [InlineData("AAE")] // 1 with a leading zero byte
    [InlineData("AQAA")] // 65536: even
    [InlineData("AA")] // 0
    public void FromJwk_RsaExponentNotOddAndAtLeastThree_IsRefused(string exponent)
    {
        JsonObject jwk = RsaJwk(s_rsa, includePrivate: false);
        jwk["alg"] = "RS256";
        jwk["e"] = exponent;

        ArgumentException error = Assert.ThrowsAny<ArgumentException>(() => JwtKey.FromJwk(jwk.ToJsonString()));

        Assert.Contains("exponent", error.Message, StringComparison.Ordinal);
        jwk["e"] = "Aw"; // 3 is odd and allowed (the key is then inconsistent only if it has private parts)
        using JwtKey three = JwtKey.FromJwk(jwk.ToJsonString());
        Assert.Equal(JwtAlgorithm.RS256, three.Algorithm);
    }

    [Fact]
    public void FromJwk_RsaPrivateWithoutAlg_UsesRequestedAlgorithmAndSigns()
    {
        JsonObject jwk = RsaJwk(s_rsa, includePrivate: true);
        using JwtKey key = JwtKey.FromJwk(jwk.ToJsonString(), JwtAlgorithm.RS384);
        using JwtKey reference = JwtKey.CreateRsa(s_rsa, JwtAlgorithm.RS384);

        Assert.Equal(JwtAlgorithm.RS384, key.Algorithm);
        Assert.True(key.CanSign);
        Assert.Equal(JwtError.None, Validate(reference, Sign(key)).Error);
    }

    [Theory]
    [InlineData(JwtAlgorithm.ES256, false)]
    [InlineData(JwtAlgorithm.ES256, true)]
    [InlineData(JwtAlgorithm.ES384, false)]
    [InlineData(JwtAlgorithm.ES384, true)]
    [InlineData(JwtAlgorithm.ES512, false)]
    [InlineData(JwtAlgorithm.ES512, true)]
    public void FromJwk_EcWithAlg_LoadsKey(JwtAlgorithm algorithm, bool includePrivate)
    {
        using ECDsa ecdsa = ECDsa.Create(CurveFor(algorithm));
        JsonObject jwk = EcJwk(ecdsa, includePrivate);
        jwk["alg"] = algorithm.ToString();
        using JwtKey reference = JwtKey.CreateECDsa(ecdsa, algorithm);

        using JwtKey key = JwtKey.FromJwk(jwk.ToJsonString(), algorithm);

        Assert.Equal(algorithm, key.Algorithm);
        Assert.Equal(includePrivate, key.CanSign);
        Assert.Equal(reference.KeyId, key.KeyId);
        Assert.Equal(JwtError.None, Validate(key, Sign(reference)).Error);
        if (includePrivate)
        {
            Assert.Equal(JwtError.None, Validate(reference, Sign(key)).Error);
        }
    }

    [Theory]
    [InlineData(JwtAlgorithm.ES256)]
    [InlineData(JwtAlgorithm.ES384)]
    [InlineData(JwtAlgorithm.ES512)]
    public void FromJwk_EcWithoutAlg_InfersAlgorithmFromCurve(JwtAlgorithm algorithm)
    {
        using ECDsa ecdsa = ECDsa.Create(CurveFor(algorithm));
        JsonObject jwk = EcJwk(ecdsa, includePrivate: false);
        Assert.False(jwk.ContainsKey("alg"));

        using JwtKey key = JwtKey.FromJwk(jwk.ToJsonString());

        Assert.Equal(algorithm, key.Algorithm);
    }

    [Theory]
    [InlineData(JwtAlgorithm.HS256, 32)]
    [InlineData(JwtAlgorithm.HS384, 48)]
    [InlineData(JwtAlgorithm.HS512, 64)]
    public void FromJwk_OctWithAlg_VerifiesTokensOfSameSecret(JwtAlgorithm algorithm, int length)
    {
        byte[] secret = Secret(length);
        var jwk = new JsonObject { ["kty"] = "oct", ["k"] = Base64Url.EncodeToString(secret), ["alg"] = algorithm.ToString(), ["kid"] = "h" };
        using JwtKey reference = JwtKey.CreateHmac(secret, algorithm, "h");

        using JwtKey key = JwtKey.FromJwk(jwk.ToJsonString());

        Assert.Equal(algorithm, key.Algorithm);
        Assert.True(key.CanSign);
        Assert.True(key.IsSymmetric);
        Assert.Equal("h", key.KeyId);
        Assert.Equal(JwtError.None, Validate(key, Sign(reference)).Error);
    }

    [Fact]
    public void FromJwk_OctWithoutAlg_UsesRequestedAlgorithm()
    {
        var jwk = new JsonObject { ["kty"] = "oct", ["k"] = Base64Url.EncodeToString(Secret(48)) };

        using JwtKey key = JwtKey.FromJwk(jwk.ToJsonString(), JwtAlgorithm.HS384);

        Assert.Equal(JwtAlgorithm.HS384, key.Algorithm);
        Assert.Null(key.KeyId);
    }

    [Fact]
    public void FromJwk_OctWithoutAlgOrAlgorithm_Throws()
    {
        var jwk = new JsonObject { ["kty"] = "oct", ["k"] = Base64Url.EncodeToString(Secret(32)) };
        Assert.Throws<ArgumentException>(() => JwtKey.FromJwk(jwk.ToJsonString()));
    }

    [Fact]
    public void FromJwk_RsaWithoutAlgOrAlgorithm_Throws()
    {
        Assert.Throws<ArgumentException>(() => JwtKey.FromJwk(RsaJwk(s_rsa, includePrivate: false).ToJsonString()));
    }

    [Theory]
    [InlineData("RSA", "RS256", JwtAlgorithm.PS256)]
    [InlineData("RSA", "RS256", JwtAlgorithm.RS512)]
    [InlineData("RSA", "RS256", JwtAlgorithm.ES256)]
    [InlineData("EC", "ES256", JwtAlgorithm.ES384)]
    [InlineData("EC", "ES256", JwtAlgorithm.HS256)]
    [InlineData("oct", "HS256", JwtAlgorithm.HS512)]
    [InlineData("oct", "HS256", JwtAlgorithm.RS256)]
    public void FromJwk_AlgDiffersFromRequestedAlgorithm_Throws(string kty, string alg, JwtAlgorithm requested)
    {
        using ECDsa ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        JsonObject jwk = kty switch
        {
            "RSA" => RsaJwk(s_rsa, includePrivate: false),
            "EC" => EcJwk(ecdsa, includePrivate: false),
            _ => new JsonObject { ["kty"] = "oct", ["k"] = Base64Url.EncodeToString(Secret(64)) },
        };
        jwk["alg"] = alg;

        Assert.Throws<ArgumentException>(() => JwtKey.FromJwk(jwk.ToJsonString(), requested));
    }

    [Fact]
    public void FromJwk_EcCurveDiffersFromRequestedAlgorithm_Throws()
    {
        using ECDsa ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.Throws<ArgumentException>(() => JwtKey.FromJwk(EcJwk(ecdsa, includePrivate: false).ToJsonString(), JwtAlgorithm.ES384));
    }

    [Theory]
    [InlineData("none")]
    [InlineData("rs256")]
    [InlineData("RSA-OAEP")]
    public void FromJwk_UnsupportedAlg_Throws(string alg)
    {
        JsonObject jwk = RsaJwk(s_rsa, includePrivate: false);
        jwk["alg"] = alg;
        Assert.Throws<ArgumentException>(() => JwtKey.FromJwk(jwk.ToJsonString()));
    }

    [Fact]
    public void FromJwk_UseSig_Loads()
    {
        JsonObject jwk = RsaJwk(s_rsa, includePrivate: false);
        jwk["use"] = "sig";
        using JwtKey key = JwtKey.FromJwk(jwk.ToJsonString(), JwtAlgorithm.RS256);
        Assert.Equal(JwtAlgorithm.RS256, key.Algorithm);
    }

    [Theory]
    [InlineData("RSA")]
    [InlineData("EC")]
    [InlineData("oct")]
    public void FromJwk_UseEnc_Throws(string kty)
    {
        using ECDsa ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        JsonObject jwk = kty switch
        {
            "RSA" => RsaJwk(s_rsa, includePrivate: false),
            "EC" => EcJwk(ecdsa, includePrivate: false),
            _ => new JsonObject { ["kty"] = "oct", ["k"] = Base64Url.EncodeToString(Secret(32)) },
        };
        jwk["use"] = "enc";

        Assert.Throws<ArgumentException>(() => JwtKey.FromJwk(jwk.ToJsonString(), kty switch
        {
            "RSA" => JwtAlgorithm.RS256,
            "EC" => JwtAlgorithm.ES256,
            _ => JwtAlgorithm.HS256,
        }));
    }

    [Theory]
    [InlineData("[\"encrypt\",\"decrypt\"]")]
    [InlineData("[\"wrapKey\"]")]
    [InlineData("[]")]
    [InlineData("\"sign\"")]
    public void FromJwk_KeyOpsWithoutSignOrVerify_Throws(string keyOps)
    {
        JsonObject jwk = RsaJwk(s_rsa, includePrivate: false);
        jwk["key_ops"] = JsonNode.Parse(keyOps);
        Assert.Throws<ArgumentException>(() => JwtKey.FromJwk(jwk.ToJsonString(), JwtAlgorithm.RS256));
    }

    [Theory]
    [InlineData("[\"verify\"]")]
    [InlineData("[\"sign\",\"verify\"]")]
    [InlineData("[\"encrypt\",\"verify\"]")]
    public void FromJwk_KeyOpsWithSignOrVerify_Loads(string keyOps)
    {
        JsonObject jwk = RsaJwk(s_rsa, includePrivate: false);
        jwk["key_ops"] = JsonNode.Parse(keyOps);
        using JwtKey key = JwtKey.FromJwk(jwk.ToJsonString(), JwtAlgorithm.RS256);
        Assert.Equal(JwtAlgorithm.RS256, key.Algorithm);
    }

    [Theory]
    [InlineData("x", -1)]
    [InlineData("x", 1)]
    [InlineData("y", -1)]
    [InlineData("y", 1)]
    [InlineData("d", -1)]
    [InlineData("d", 1)]
    public void FromJwk_EcMemberOfWrongLength_Throws(string member, int delta)
    {
        using ECDsa ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        JsonObject jwk = EcJwk(ecdsa, includePrivate: true);
        byte[] value = Base64Url.DecodeFromChars(jwk[member]!.GetValue<string>());
        Assert.Equal(32, value.Length);
        // Shorter: drop the first byte (as a writer that strips leading zeros would). Longer: a leading zero.
        byte[] changed = delta < 0 ? value[1..] : [0, .. value];
        jwk[member] = Base64Url.EncodeToString(changed);

        Assert.Throws<ArgumentException>(() => JwtKey.FromJwk(jwk.ToJsonString()));
    }

    [Theory]
    [InlineData("n", "padding")]
    [InlineData("n", "trailing-bits")]
    [InlineData("n", "standard-alphabet")]
    [InlineData("n", "whitespace")]
    [InlineData("e", "padding")]
    [InlineData("x", "trailing-bits")]
    [InlineData("x", "padding")]
    [InlineData("y", "standard-alphabet")]
    public void FromJwk_NonCanonicalBase64Url_Throws(string member, string defect)
    {
        using ECDsa ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        JsonObject jwk = member is "n" or "e" ? RsaJwk(s_rsa, includePrivate: false) : EcJwk(ecdsa, includePrivate: false);
        jwk["alg"] = member is "n" or "e" ? "RS256" : "ES256";
        string value = jwk[member]!.GetValue<string>();
        jwk[member] = defect switch
        {
            "padding" => value + (value.Length % 4 == 2 ? "==" : "="),
            "trailing-bits" => WithNonZeroTrailingBits(value),
            "standard-alphabet" => "+/" + value[2..],
            _ => value[..10] + " " + value[10..],
        };

        Assert.Throws<ArgumentException>(() => JwtKey.FromJwk(jwk.ToJsonString()));
    }

    [Fact]
    public void FromJwk_CanonicalMembersOfSameKey_Load()
    {
        // Control for the non-canonical cases: the untouched JWKs load.
        using ECDsa ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using JwtKey rsa = JwtKey.FromJwk(RsaJwk(s_rsa, includePrivate: false).ToJsonString(), JwtAlgorithm.RS256);
        using JwtKey ec = JwtKey.FromJwk(EcJwk(ecdsa, includePrivate: false).ToJsonString());
        Assert.False(rsa.CanSign);
        Assert.False(ec.CanSign);
    }

    [Theory]
    [InlineData("kty")]
    [InlineData("n")]
    [InlineData("e")]
    [InlineData("alg")]
    [InlineData("kid")]
    public void FromJwk_DuplicateMember_Throws(string member)
    {
        JsonObject jwk = RsaJwk(s_rsa, includePrivate: false);
        jwk["alg"] = "RS256";
        jwk["kid"] = "k1";
        string json = jwk.ToJsonString();
        string duplicate = $"\"{member}\":{jwk[member]!.ToJsonString()}";
        string withDuplicate = "{" + duplicate + "," + json[1..];

        Assert.Throws<ArgumentException>(() => JwtKey.FromJwk(withDuplicate));
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("\"RSA\"")]
    [InlineData("{\"kty\":\"RSA\",")]
    [InlineData("{\"kty\":\"RSA\"}")]
    [InlineData("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\",\"alg\":\"EdDSA\"}")]
    [InlineData("{\"kty\":7}")]
    [InlineData("{}")]
    public void FromJwk_Malformed_Throws(string json)
    {
        Assert.Throws<ArgumentException>(() => JwtKey.FromJwk(json, JwtAlgorithm.RS256));
    }

    [Fact]
    public void FromJwk_EcPointNotOnCurve_Throws()
    {
        using ECDsa ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        JsonObject jwk = EcJwk(ecdsa, includePrivate: false);
        byte[] y = Base64Url.DecodeFromChars(jwk["y"]!.GetValue<string>());
        y[^1] ^= 1;
        jwk["y"] = Base64Url.EncodeToString(y);

        Assert.Throws<ArgumentException>(() => JwtKey.FromJwk(jwk.ToJsonString()));
    }

    [Fact]
    public void FromJwk_EcPrivateScalarNotMatchingPublicPoint_Throws()
    {
        using ECDsa ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using ECDsa other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        JsonObject jwk = EcJwk(ecdsa, includePrivate: false);
        jwk["d"] = EcJwk(other, includePrivate: true)["d"]!.GetValue<string>();

        Assert.Throws<ArgumentException>(() => JwtKey.FromJwk(jwk.ToJsonString()));
    }

    [Fact]
    public void FromJwk_RsaPrivateNotMatchingModulus_Throws()
    {
        using RSA other = RSA.Create(2048);
        JsonObject jwk = RsaJwk(other, includePrivate: true);
        jwk["n"] = RsaJwk(s_rsa, includePrivate: false)["n"]!.GetValue<string>();

        Assert.Throws<ArgumentException>(() => JwtKey.FromJwk(jwk.ToJsonString(), JwtAlgorithm.RS256));
    }

    [Fact]
    public void FromJwk_RsaPrivateWithoutCrtMembers_Throws()
    {
        JsonObject jwk = RsaJwk(s_rsa, includePrivate: true);
        jwk.Remove("p");
        Assert.Throws<ArgumentException>(() => JwtKey.FromJwk(jwk.ToJsonString(), JwtAlgorithm.RS256));
    }

    [Fact]
    public void FromJwk_WeakKeys_Throw()
    {
        using RSA weak = RSA.Create(1024);
        Assert.Throws<ArgumentException>(() => JwtKey.FromJwk(RsaJwk(weak, includePrivate: false).ToJsonString(), JwtAlgorithm.RS256));

        var shortSecret = new JsonObject { ["kty"] = "oct", ["k"] = Base64Url.EncodeToString(Secret(31)), ["alg"] = "HS256" };
        Assert.Throws<ArgumentException>(() => JwtKey.FromJwk(shortSecret.ToJsonString()));
    }

    [Fact]
    public void FromJwk_EmptyKid_Throws()
    {
        JsonObject jwk = RsaJwk(s_rsa, includePrivate: false);
        jwk["kid"] = "";
        Assert.Throws<ArgumentException>(() => JwtKey.FromJwk(jwk.ToJsonString(), JwtAlgorithm.RS256));
    }

    [Fact]
    public void FromJwk_WithKid_KeepsIt()
    {
        JsonObject jwk = RsaJwk(s_rsa, includePrivate: false);
        jwk["kid"] = "2024-01";
        using JwtKey key = JwtKey.FromJwk(jwk.ToJsonString(), JwtAlgorithm.RS256);
        Assert.Equal("2024-01", key.KeyId);
    }

    // ---- JWK export -----------------------------------------------------------------------------------

    [Theory]
    [InlineData(JwtAlgorithm.RS256)]
    [InlineData(JwtAlgorithm.PS384)]
    [InlineData(JwtAlgorithm.ES256)]
    [InlineData(JwtAlgorithm.ES384)]
    [InlineData(JwtAlgorithm.ES512)]
    public void ToJwk_Public_HasNoPrivateMembers(JwtAlgorithm algorithm)
    {
        using JwtKey key = CreatePrivateKey(algorithm, keyId: null);
        Assert.True(key.CanSign);

        using JsonDocument jwk = JsonDocument.Parse(key.ToJwk());
        JsonElement root = jwk.RootElement;

        foreach (string member in s_privateMembers)
        {
            Assert.False(root.TryGetProperty(member, out _), $"public JWK contains \"{member}\"");
        }

        bool isRsa = algorithm.ToString().StartsWith('R') || algorithm.ToString().StartsWith('P');
        Assert.Equal(isRsa ? "RSA" : "EC", root.GetProperty("kty").GetString());
        Assert.Equal("sig", root.GetProperty("use").GetString());
        Assert.Equal(algorithm.ToString(), root.GetProperty("alg").GetString());
        Assert.Equal(key.KeyId, root.GetProperty("kid").GetString());
        string[] expected = isRsa ? ["kty", "use", "alg", "kid", "n", "e"] : ["kty", "use", "alg", "kid", "crv", "x", "y"];
        Assert.Equal(expected.Order(StringComparer.Ordinal), root.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ToJwk_IncludePrivateOnPublicOnlyKey_HasNoPrivateMembers()
    {
        using JwtKey key = JwtKey.FromPem(s_rsa.ExportSubjectPublicKeyInfoPem(), JwtAlgorithm.RS256);

        using JsonDocument jwk = JsonDocument.Parse(key.ToJwk(includePrivateParameters: true));

        foreach (string member in s_privateMembers)
        {
            Assert.False(jwk.RootElement.TryGetProperty(member, out _), $"JWK contains \"{member}\"");
        }
    }

    [Theory]
    [InlineData(JwtAlgorithm.RS256, null)]
    [InlineData(JwtAlgorithm.PS512, "rsa-1")]
    [InlineData(JwtAlgorithm.ES256, null)]
    [InlineData(JwtAlgorithm.ES384, "ec-1")]
    [InlineData(JwtAlgorithm.ES512, null)]
    [InlineData(JwtAlgorithm.HS256, "hmac-1")]
    [InlineData(JwtAlgorithm.HS512, "hmac-2")]
    public void ToJwk_IncludePrivate_RoundTripsThroughFromJwk(JwtAlgorithm algorithm, string? keyId)
    {
        using JwtKey original = CreatePrivateKey(algorithm, keyId);
        string jwk = original.ToJwk(includePrivateParameters: true);

        using JwtKey reloaded = JwtKey.FromJwk(jwk);

        Assert.Equal(original.Algorithm, reloaded.Algorithm);
        Assert.Equal(original.KeyId, reloaded.KeyId);
        Assert.True(reloaded.CanSign);
        Assert.Equal(JwtError.None, Validate(reloaded, Sign(original)).Error);
        Assert.Equal(JwtError.None, Validate(original, Sign(reloaded)).Error);
        Assert.Equal(jwk, reloaded.ToJwk(includePrivateParameters: true));
    }

    [Theory]
    [InlineData(JwtAlgorithm.RS256)]
    [InlineData(JwtAlgorithm.ES384)]
    public void ToJwk_Public_RoundTripsThroughFromJwkAsVerifyOnlyKey(JwtAlgorithm algorithm)
    {
        using JwtKey original = CreatePrivateKey(algorithm, keyId: null);

        using JwtKey reloaded = JwtKey.FromJwk(original.ToJwk());

        Assert.False(reloaded.CanSign);
        Assert.Equal(original.KeyId, reloaded.KeyId);
        Assert.Equal(JwtError.None, Validate(reloaded, Sign(original)).Error);
    }

    [Fact]
    public void ToJwk_HmacPublic_ThrowsInvalidOperation()
    {
        using JwtKey key = JwtKey.CreateHmac(Secret(32), JwtAlgorithm.HS256, "h");
        Assert.Throws<InvalidOperationException>(() => key.ToJwk());
        Assert.Throws<InvalidOperationException>(() => key.ToJwk(includePrivateParameters: false));
    }

    [Fact]
    public void ToJwk_HmacPrivate_WritesSecret()
    {
        byte[] secret = Secret(32);
        using JwtKey key = JwtKey.CreateHmac(secret, JwtAlgorithm.HS256, "h");

        using JsonDocument jwk = JsonDocument.Parse(key.ToJwk(includePrivateParameters: true));

        Assert.Equal("oct", jwk.RootElement.GetProperty("kty").GetString());
        Assert.Equal("HS256", jwk.RootElement.GetProperty("alg").GetString());
        Assert.Equal(Base64Url.EncodeToString(secret), jwk.RootElement.GetProperty("k").GetString());
    }

    // ---- Key ids ----------------------------------------------------------------------------------------

    [Fact]
    public void KeyId_Rfc7638ExampleKeyWithoutKid_IsRfc7638Thumbprint()
    {
        string jwk = $$"""{"kty":"RSA","n":"{{Rfc7638Modulus}}","e":"AQAB","alg":"RS256"}""";

        using JwtKey key = JwtKey.FromJwk(jwk);

        Assert.Equal(Rfc7638Thumbprint, key.KeyId);
        // Independent check of the expected value: SHA-256 over the RFC 7638 §3.3 canonical JSON.
        Assert.Equal(Rfc7638Thumbprint, ThumbprintOf($$"""{"e":"AQAB","kty":"RSA","n":"{{Rfc7638Modulus}}"}"""));
    }

    [Fact]
    public void KeyId_Rfc7638ExampleKeyWithKid_KeepsKid()
    {
        string jwk = $$"""{"kty":"RSA","n":"{{Rfc7638Modulus}}","e":"AQAB","alg":"RS256","kid":"2011-04-29"}""";
        using JwtKey key = JwtKey.FromJwk(jwk);
        Assert.Equal("2011-04-29", key.KeyId);
    }

    [Fact]
    public void KeyId_RsaKeyWithoutKid_IsThumbprintOfCanonicalJwk()
    {
        RSAParameters p = s_rsa.ExportParameters(includePrivateParameters: false);
        string canonical = $$"""{"e":"{{Base64Url.EncodeToString(p.Exponent)}}","kty":"RSA","n":"{{Base64Url.EncodeToString(p.Modulus)}}"}""";

        using JwtKey created = JwtKey.CreateRsa(s_rsa, JwtAlgorithm.RS256);
        using JwtKey fromPem = JwtKey.FromPem(s_rsa.ExportSubjectPublicKeyInfoPem(), JwtAlgorithm.PS256);

        Assert.Equal(ThumbprintOf(canonical), created.KeyId);
        Assert.Equal(ThumbprintOf(canonical), fromPem.KeyId);
    }

    [Theory]
    [InlineData(JwtAlgorithm.ES256, "P-256")]
    [InlineData(JwtAlgorithm.ES384, "P-384")]
    [InlineData(JwtAlgorithm.ES512, "P-521")]
    public void KeyId_EcKeyWithoutKid_IsThumbprintOfCanonicalJwk(JwtAlgorithm algorithm, string curve)
    {
        using ECDsa ecdsa = ECDsa.Create(CurveFor(algorithm));
        ECParameters p = ecdsa.ExportParameters(includePrivateParameters: false);
        string canonical = $$"""{"crv":"{{curve}}","kty":"EC","x":"{{Base64Url.EncodeToString(p.Q.X)}}","y":"{{Base64Url.EncodeToString(p.Q.Y)}}"}""";

        using JwtKey key = JwtKey.CreateECDsa(ecdsa, algorithm);

        Assert.Equal(ThumbprintOf(canonical), key.KeyId);
    }

    [Theory]
    [InlineData(JwtAlgorithm.RS256)]
    [InlineData(JwtAlgorithm.ES256)]
    public void KeyId_Given_IsUsedInsteadOfThumbprint(JwtAlgorithm algorithm)
    {
        using JwtKey key = CreatePrivateKey(algorithm, "mine");
        Assert.Equal("mine", key.KeyId);
        Assert.Equal("mine", new JwtSigner(key).Key.KeyId);
    }

    [Fact]
    public void KeyId_HmacWithoutKid_IsNull()
    {
        using JwtKey key = JwtKey.CreateHmac(Secret(32));
        Assert.Null(key.KeyId);
    }

    [Fact]
    public void KeyId_Empty_Throws()
    {
        using ECDsa ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.Throws<ArgumentException>(() => JwtKey.CreateHmac(Secret(32), JwtAlgorithm.HS256, ""));
        Assert.Throws<ArgumentException>(() => JwtKey.CreateRsa(s_rsa, JwtAlgorithm.RS256, ""));
        Assert.Throws<ArgumentException>(() => JwtKey.CreateECDsa(ecdsa, JwtAlgorithm.ES256, ""));
        Assert.Throws<ArgumentException>(() => JwtKey.FromPem(s_rsa.ExportSubjectPublicKeyInfoPem(), JwtAlgorithm.RS256, ""));
        Assert.Throws<ArgumentException>(() => JwtKey.Generate(JwtAlgorithm.HS256, ""));
    }

    // ---- PEM export, construction checks, disposal ------------------------------------------------------

    [Theory]
    [InlineData(JwtAlgorithm.RS256)]
    [InlineData(JwtAlgorithm.PS256)]
    [InlineData(JwtAlgorithm.ES256)]
    [InlineData(JwtAlgorithm.ES384)]
    [InlineData(JwtAlgorithm.ES512)]
    public void ExportPublicKeyPem_RoundTripsThroughFromPem(JwtAlgorithm algorithm)
    {
        using JwtKey original = CreatePrivateKey(algorithm, keyId: null);

        string pem = original.ExportPublicKeyPem();
        using JwtKey reloaded = JwtKey.FromPem(pem, algorithm);

        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", pem, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE", pem, StringComparison.Ordinal);
        Assert.False(reloaded.CanSign);
        Assert.Equal(original.KeyId, reloaded.KeyId);
        Assert.Equal(JwtError.None, Validate(reloaded, Sign(original)).Error);
    }

    [Fact]
    public void ExportPublicKeyPem_Hmac_ThrowsInvalidOperation()
    {
        using JwtKey key = JwtKey.CreateHmac(Secret(32));
        Assert.Throws<InvalidOperationException>(() => key.ExportPublicKeyPem());
    }

    [Theory]
    [InlineData(JwtAlgorithm.HS256, 31)]
    [InlineData(JwtAlgorithm.HS384, 47)]
    [InlineData(JwtAlgorithm.HS512, 63)]
    public void CreateHmac_SecretShorterThanHash_Throws(JwtAlgorithm algorithm, int length)
    {
        Assert.Throws<ArgumentException>(() => JwtKey.CreateHmac(Secret(length), algorithm));
    }

    [Fact]
    public void CreateHmac_PublicKeyMaterial_Throws()
    {
        Assert.Throws<ArgumentException>(() => JwtKey.CreateHmac(Encoding.UTF8.GetBytes(s_rsa.ExportSubjectPublicKeyInfoPem())));
        Assert.Throws<ArgumentException>(() => JwtKey.CreateHmac(s_rsa.ExportSubjectPublicKeyInfo()));
        Assert.Throws<ArgumentException>(() => JwtKey.CreateHmac(s_rsa.ExportRSAPublicKey()));
        Assert.Throws<ArgumentException>(
            () => JwtKey.CreateHmac(Encoding.UTF8.GetBytes(RsaJwk(s_rsa, includePrivate: false).ToJsonString())));
    }

    [Fact]
    public void CreateHmac_NonHmacAlgorithm_Throws()
    {
        Assert.Throws<ArgumentException>(() => JwtKey.CreateHmac(Secret(64), JwtAlgorithm.RS256));
    }

    [Fact]
    public void CreateRsa_NonRsaAlgorithm_Throws()
    {
        Assert.Throws<ArgumentException>(() => JwtKey.CreateRsa(s_rsa, JwtAlgorithm.ES256));
        Assert.Throws<ArgumentException>(() => JwtKey.CreateRsa(s_rsa, JwtAlgorithm.HS256));
    }

    [Fact]
    public void Dispose_HmacThenSign_ThrowsObjectDisposed()
    {
        JwtKey key = JwtKey.CreateHmac(Secret(32));
        var signer = new JwtSigner(key);
        JwtBuilder claims = Claims();
        Assert.NotEmpty(signer.Sign(claims));

        key.Dispose();

        Assert.Throws<ObjectDisposedException>(() => signer.Sign(claims));
        key.Dispose(); // idempotent
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    private static JwtBuilder Claims() =>
        new JwtBuilder().Subject("u1").ExpiresAt(s_time.GetUtcNow().AddMinutes(5));

    private static string Sign(JwtKey key) => new JwtSigner(key).Sign(Claims());

    private static JwtValidationResult Validate(JwtKey key, string token) =>
        new JwtValidator(new JwtValidationOptions { ValidateIssuer = false, ValidateAudience = false }, new JwtKeySet(key), s_time)
            .Validate(token);

    private static JwtKey CreatePrivateKey(JwtAlgorithm algorithm, string? keyId) => algorithm switch
    {
        JwtAlgorithm.RS256 or JwtAlgorithm.RS384 or JwtAlgorithm.RS512
            or JwtAlgorithm.PS256 or JwtAlgorithm.PS384 or JwtAlgorithm.PS512 => JwtKey.CreateRsa(s_rsa, algorithm, keyId),
        _ => JwtKey.Generate(algorithm, keyId),
    };

    private static ECCurve CurveFor(JwtAlgorithm algorithm) => algorithm switch
    {
        JwtAlgorithm.ES256 => ECCurve.NamedCurves.nistP256,
        JwtAlgorithm.ES384 => ECCurve.NamedCurves.nistP384,
        _ => ECCurve.NamedCurves.nistP521,
    };

    private static byte[] Secret(int length)
    {
        byte[] secret = new byte[length];
        for (int i = 0; i < length; i++)
        {
            secret[i] = (byte)(i + 1);
        }

        return secret;
    }

    private static JsonObject RsaJwk(RSA rsa, bool includePrivate)
    {
        RSAParameters p = rsa.ExportParameters(includePrivate);
        var jwk = new JsonObject
        {
            ["kty"] = "RSA",
            ["n"] = Base64Url.EncodeToString(p.Modulus),
            ["e"] = Base64Url.EncodeToString(p.Exponent),
        };
        if (includePrivate)
        {
            jwk["d"] = Base64Url.EncodeToString(p.D);
            jwk["p"] = Base64Url.EncodeToString(p.P);
            jwk["q"] = Base64Url.EncodeToString(p.Q);
            jwk["dp"] = Base64Url.EncodeToString(p.DP);
            jwk["dq"] = Base64Url.EncodeToString(p.DQ);
            jwk["qi"] = Base64Url.EncodeToString(p.InverseQ);
        }

        return jwk;
    }

    private static JsonObject EcJwk(ECDsa ecdsa, bool includePrivate)
    {
        ECParameters p = ecdsa.ExportParameters(includePrivate);
        string curve = p.Curve.Oid.Value switch
        {
            "1.2.840.10045.3.1.7" => "P-256",
            "1.3.132.0.34" => "P-384",
            _ => "P-521",
        };
        var jwk = new JsonObject
        {
            ["kty"] = "EC",
            ["crv"] = curve,
            ["x"] = Base64Url.EncodeToString(p.Q.X),
            ["y"] = Base64Url.EncodeToString(p.Q.Y),
        };
        if (includePrivate)
        {
            jwk["d"] = Base64Url.EncodeToString(p.D);
        }

        return jwk;
    }

    /// <summary>Base64url of SHA-256 over the UTF-8 of <paramref name="canonicalJson"/> (RFC 7638 §3).</summary>
    private static string ThumbprintOf(string canonicalJson) =>
        Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalJson)));

    /// <summary>Sets a bit that a canonical encoder leaves zero in the last character of a partial quantum.</summary>
    private static string WithNonZeroTrailingBits(string value)
    {
        Assert.NotEqual(0, value.Length % 4); // the value must end in a partial quantum
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        int last = Alphabet.IndexOf(value[^1], StringComparison.Ordinal);
        return value[..^1] + Alphabet[last | 1];
    }
}
