using System.Buffers.Text;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Tessera.Jwt;

namespace Tessera.Tests.Jwt;

/// <summary>
/// The validator is strict by construction: each test here feeds it one class of hostile or sloppy token and
/// asserts the exact <see cref="JwtError"/>, and that <see cref="JwtValidator.Validate(string)"/> does not throw.
/// Header and payload JSON is written by hand and signed with the internal <c>JwtKey.Sign</c>, so that the
/// payload checks (which run only after the signature verifies) are really reached.
/// </summary>
public sealed class StrictValidationTests
{
    private const string Issuer = "https://issuer.example";
    private const string Audience = "api";
    private const string HmacHeader = """{"alg":"HS256","kid":"hmac-1","typ":"JWT"}""";
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    // A 2047-bit RSA public key (openssl genrsa 2047): one bit short of the minimum.
    private const string Rsa2047PublicPem = """
        -----BEGIN PUBLIC KEY-----
        MIIBITANBgkqhkiG9w0BAQEFAAOCAQ4AMIIBCQKCAQBZ2syH4B62C8h7L7n+YaTY
        GpiMuLjTrdSE0VpChQTX1iBZDLna+UjINr/RQzuIIEUKA8CzIA8Xb5ZIapLCvjAF
        zv3j9ezAmRa3kVflfqgq62LJDKdt2Ku8K51pC+OiDiDgI5Cf9cVlxQGCs7spHwDR
        jeegOk5xbtm1WV9/WGyfZ9YMUodW7zllYQbGf1e5wgncoEzAPQkGx1Fqjmchaf8P
        Vstqp/Xjv5rNAem32obFR6uBdrX1K0djUg65Lg7yYf+OBAYoTvTJ9pt4ff2Hhgoi
        i/xeW8HkZu1I79OtsMJ0+maY0Jk4UyRInWM1LeCe4orBjfWgHpI4Lo4mL2CmqRl3
        AgMBAAE=
        -----END PUBLIC KEY-----
        """;

    private static readonly DateTimeOffset s_now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
    private static readonly byte[] s_secret = [.. Enumerable.Range(1, 64).Select(i => (byte)(i * 7))];
    private static readonly JwtKey s_hmac = JwtKey.CreateHmac(s_secret, JwtAlgorithm.HS256, "hmac-1");
    private static readonly JwtKey s_hmac512 = JwtKey.CreateHmac([.. s_secret.Reverse()], JwtAlgorithm.HS512, "hmac-512");
    private static readonly RSA s_rsa = RSA.Create(2048);
    private static readonly JwtKey s_rsaKey = JwtKey.CreateRsa(s_rsa, JwtAlgorithm.RS256, "rsa-1");
    private static readonly ECDsa s_ecdsa256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private static readonly ECDsa s_ecdsa384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
    private static readonly ECDsa s_ecdsa521 = ECDsa.Create(ECCurve.NamedCurves.nistP521);
    private static readonly JwtKey s_es256 = JwtKey.CreateECDsa(s_ecdsa256, JwtAlgorithm.ES256, "ec-256");
    private static readonly JwtKey s_es384 = JwtKey.CreateECDsa(s_ecdsa384, JwtAlgorithm.ES384, "ec-384");
    private static readonly JwtKey s_es512 = JwtKey.CreateECDsa(s_ecdsa521, JwtAlgorithm.ES512, "ec-521");
    private static readonly JwtKeySet s_keys = new(s_hmac, s_hmac512, s_rsaKey, s_es256, s_es384, s_es512);

    // ---------------------------------------------------------------------------------------------------------
    // alg "none"
    // ---------------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("none", "", JwtError.Malformed)]
    [InlineData("None", "", JwtError.Malformed)]
    [InlineData("NONE", "", JwtError.Malformed)]
    [InlineData("nOnE", "", JwtError.Malformed)]
    [InlineData("none", "c2lnbmF0dXJl", JwtError.AlgorithmNotAllowed)]
    [InlineData("None", "c2lnbmF0dXJl", JwtError.AlgorithmNotAllowed)]
    [InlineData("NONE", "c2lnbmF0dXJl", JwtError.AlgorithmNotAllowed)]
    [InlineData("nOnE", "c2lnbmF0dXJl", JwtError.AlgorithmNotAllowed)]
    [InlineData("none", "AA", JwtError.AlgorithmNotAllowed)]
    public void Validate_AlgNoneAnyCase_IsNeverValid(string alg, string signature, JwtError expected)
    {
        string header = $$"""{"alg":"{{alg}}","typ":"JWT"}""";
        string token = B64(header) + "." + B64(Payload()) + "." + signature;

        JwtError error = Check(CreateValidator(), token).Error;

        Assert.Equal(expected, error);
        Assert.NotEqual(JwtError.None, error);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("None")]
    [InlineData("NONE")]
    [InlineData("nOnE")]
    [InlineData("\\u006eone")]
    public void Validate_AlgNoneWithRealMacAndKnownKid_IsAlgorithmNotAllowed(string alg)
    {
        // Even a correct HMAC over the input and the kid of a real key does not make "none" acceptable.
        string token = Sign(s_hmac, $$"""{"alg":"{{alg}}","kid":"hmac-1"}""", Payload());

        Assert.Equal(JwtError.AlgorithmNotAllowed, Check(CreateValidator(), token).Error);
    }

    [Theory]
    [InlineData("""{"kid":"hmac-1"}""")]
    [InlineData("""{"alg":"","kid":"hmac-1"}""")]
    [InlineData("""{"alg":"hs256","kid":"hmac-1"}""")]
    [InlineData("""{"alg":"HS256 ","kid":"hmac-1"}""")]
    [InlineData("""{"alg":"HS2560","kid":"hmac-1"}""")]
    [InlineData("""{"alg":"RSA-OAEP","kid":"hmac-1"}""")]
    [InlineData("""{"alg":256,"kid":"hmac-1"}""")]
    [InlineData("""{"alg":null,"kid":"hmac-1"}""")]
    [InlineData("""{"alg":["HS256"],"kid":"hmac-1"}""")]
    [InlineData("""{"alg":{"name":"HS256"},"kid":"hmac-1"}""")]
    public void Validate_AlgMissingOrUnsupported_IsAlgorithmNotAllowed(string header)
    {
        string token = Sign(s_hmac, header, Payload());

        Assert.Equal(JwtError.AlgorithmNotAllowed, Check(CreateValidator(), token).Error);
    }

    [Fact]
    public void Validate_AlgWrittenWithEscapes_IsTheSameAlgorithm()
    {
        // "HS\u0032\u00356" is the JSON string "HS256": escapes do not change what the header says.
        string token = Sign(s_hmac, """{"alg":"HS\u0032\u00356","kid":"hmac-1"}""", Payload());

        Assert.Equal(JwtError.None, Check(CreateValidator(), token).Error);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Algorithm confusion: HS256 keyed with the RSA public key
    // ---------------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("PemSpki", true, false, JwtError.AlgorithmNotAllowed)]
    [InlineData("PemSpki", false, false, JwtError.KeyNotFound)]
    [InlineData("PemSpki", false, true, JwtError.SignatureInvalid)]
    [InlineData("PemSpkiTrailingNewline", true, false, JwtError.AlgorithmNotAllowed)]
    [InlineData("PemSpkiTrailingNewline", false, false, JwtError.KeyNotFound)]
    [InlineData("PemPkcs1", true, false, JwtError.AlgorithmNotAllowed)]
    [InlineData("PemPkcs1", false, false, JwtError.KeyNotFound)]
    [InlineData("PemPkcs1", false, true, JwtError.SignatureInvalid)]
    [InlineData("DerSpki", true, false, JwtError.AlgorithmNotAllowed)]
    [InlineData("DerSpki", false, false, JwtError.KeyNotFound)]
    [InlineData("DerSpki", false, true, JwtError.SignatureInvalid)]
    [InlineData("DerPkcs1", true, false, JwtError.AlgorithmNotAllowed)]
    [InlineData("DerPkcs1", false, false, JwtError.KeyNotFound)]
    [InlineData("DerPkcs1", false, true, JwtError.SignatureInvalid)]
    [InlineData("Jwk", true, false, JwtError.AlgorithmNotAllowed)]
    [InlineData("Jwk", false, false, JwtError.KeyNotFound)]
    [InlineData("Jwk", false, true, JwtError.SignatureInvalid)]
    [InlineData("Jwks", true, false, JwtError.AlgorithmNotAllowed)]
    [InlineData("Jwks", false, false, JwtError.KeyNotFound)]
    public void Validate_Hs256MacKeyedWithRsaPublicKey_Fails(string form, bool withRsaKid, bool alsoTrustHmacKey, JwtError expected)
    {
        byte[] publicKey = RsaPublicKeyBytes(form);
        string header = withRsaKid ? """{"alg":"HS256","kid":"rsa-1","typ":"JWT"}""" : """{"alg":"HS256","typ":"JWT"}""";
        string signingInput = B64(header) + "." + B64(Payload());
        string token = signingInput + "." + Base64Url.EncodeToString(HMACSHA256.HashData(publicKey, Encoding.ASCII.GetBytes(signingInput)));
        JwtKeySet keys = alsoTrustHmacKey ? new JwtKeySet(s_rsaKey, s_hmac) : new JwtKeySet(s_rsaKey);

        JwtError error = Check(CreateValidator(keys: keys), token).Error;

        Assert.Equal(expected, error);
    }

    [Theory]
    [InlineData("PemSpki")]
    [InlineData("PemSpkiTrailingNewline")]
    [InlineData("PemSpkiLeadingWhitespace")]
    [InlineData("PemSpkiCrLf")]
    [InlineData("PemSpkiUtf8Bom")]
    [InlineData("PemSpkiAfterExplanatoryText")]
    [InlineData("PemPkcs1")]
    [InlineData("DerSpki")]
    [InlineData("DerPkcs1")]
    [InlineData("Jwk")]
    [InlineData("JwkIndented")]
    [InlineData("JwkUtf8Bom")]
    [InlineData("Jwks")]
    [InlineData("EcPemSpki")]
    [InlineData("EcDerSpki")]
    [InlineData("EcJwk")]
    public void CreateHmac_PublicKeyMaterialAsSecret_Throws(string form)
    {
        byte[] material = form.StartsWith("Ec", StringComparison.Ordinal) ? EcPublicKeyBytes(form) : RsaPublicKeyBytes(form);

        // Long enough for every HMAC algorithm, so the refusal cannot be the length rule.
        Assert.True(material.Length >= 64, $"{form} is only {material.Length} bytes");
        foreach (JwtAlgorithm algorithm in new[] { JwtAlgorithm.HS256, JwtAlgorithm.HS384, JwtAlgorithm.HS512 })
        {
            Assert.Throws<ArgumentException>(() => JwtKey.CreateHmac(material, algorithm));
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // The header alg must equal the algorithm of the key it selects
    // ---------------------------------------------------------------------------------------------------------

    public static TheoryData<string, Func<string>, JwtError> AlgorithmMismatchCases() => new()
    {
        { "RS256 key, PS256 header, same kid, PSS signature by the same RSA key", () => SignWith(JwtKey.CreateRsa(s_rsa, JwtAlgorithm.PS256), """{"alg":"PS256","kid":"rsa-1"}"""), JwtError.AlgorithmNotAllowed },
        { "RS256 key, RS512 header, same kid", () => SignWith(JwtKey.CreateRsa(s_rsa, JwtAlgorithm.RS512), """{"alg":"RS512","kid":"rsa-1"}"""), JwtError.AlgorithmNotAllowed },
        { "RS256 key, ES256 header, same kid", () => SignWith(s_es256, """{"alg":"ES256","kid":"rsa-1"}"""), JwtError.AlgorithmNotAllowed },
        { "RS256 key, HS256 header, same kid", () => SignWith(s_hmac, """{"alg":"HS256","kid":"rsa-1"}"""), JwtError.AlgorithmNotAllowed },
        { "HS256 key, HS512 header, same kid and secret", () => SignWith(JwtKey.CreateHmac(s_secret, JwtAlgorithm.HS512), """{"alg":"HS512","kid":"hmac-1"}"""), JwtError.AlgorithmNotAllowed },
        { "HS256 key, HS384 header, same kid and secret", () => SignWith(JwtKey.CreateHmac(s_secret, JwtAlgorithm.HS384), """{"alg":"HS384","kid":"hmac-1"}"""), JwtError.AlgorithmNotAllowed },
        { "HS512 key, HS256 header, same kid", () => SignWith(s_hmac, """{"alg":"HS256","kid":"hmac-512"}"""), JwtError.AlgorithmNotAllowed },
        { "ES256 key, ES384 header, same kid", () => SignWith(s_es384, """{"alg":"ES384","kid":"ec-256"}"""), JwtError.AlgorithmNotAllowed },
        { "ES512 key, ES256 header, same kid", () => SignWith(s_es256, """{"alg":"ES256","kid":"ec-521"}"""), JwtError.AlgorithmNotAllowed },
        { "PS256 header without kid, no PS256 key", () => SignWith(JwtKey.CreateRsa(s_rsa, JwtAlgorithm.PS256), """{"alg":"PS256"}"""), JwtError.KeyNotFound },
        { "HS384 header without kid, no HS384 key", () => SignWith(JwtKey.CreateHmac(s_secret, JwtAlgorithm.HS384), """{"alg":"HS384"}"""), JwtError.KeyNotFound },
        { "control: RS256 header, RS256 key", () => SignWith(s_rsaKey, """{"alg":"RS256","kid":"rsa-1"}"""), JwtError.None },
        { "control: HS256 header without kid", () => SignWith(s_hmac, """{"alg":"HS256"}"""), JwtError.None },
        { "control: ES512 header, ES512 key", () => SignWith(s_es512, """{"alg":"ES512","kid":"ec-521"}"""), JwtError.None },
    };

    [Theory]
    [MemberData(nameof(AlgorithmMismatchCases))]
    public void Validate_HeaderAlgDiffersFromResolvedKey_IsAlgorithmNotAllowed(string name, Func<string> token, JwtError expected)
    {
        Assert.False(string.IsNullOrEmpty(name));

        Assert.Equal(expected, Check(CreateValidator(), token()).Error);
    }

    // ---------------------------------------------------------------------------------------------------------
    // crit, b64, zip, enc, cty
    // ---------------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("""{"alg":"HS256","kid":"hmac-1","crit":["exp"],"exp":1700000300}""", JwtError.UnsupportedHeader)]
    [InlineData("""{"alg":"HS256","kid":"hmac-1","crit":["b64"],"b64":false}""", JwtError.UnsupportedHeader)]
    [InlineData("""{"alg":"HS256","kid":"hmac-1","crit":["b64"],"b64":true}""", JwtError.UnsupportedHeader)]
    [InlineData("""{"alg":"HS256","kid":"hmac-1","crit":["foo"],"foo":1}""", JwtError.UnsupportedHeader)]
    [InlineData("""{"alg":"HS256","kid":"hmac-1","crit":["foo"]}""", JwtError.UnsupportedHeader)]
    [InlineData("""{"alg":"HS256","kid":"hmac-1","crit":[]}""", JwtError.UnsupportedHeader)]
    [InlineData("""{"alg":"HS256","kid":"hmac-1","crit":"foo"}""", JwtError.UnsupportedHeader)]
    [InlineData("""{"crit":["exp"],"alg":"HS256","kid":"hmac-1"}""", JwtError.UnsupportedHeader)]
    [InlineData("""{"alg":"HS256","kid":"hmac-1","b64":false}""", JwtError.UnsupportedHeader)]
    [InlineData("""{"alg":"HS256","kid":"hmac-1","b64":"false"}""", JwtError.Malformed)]
    [InlineData("""{"alg":"HS256","kid":"hmac-1","b64":0}""", JwtError.Malformed)]
    [InlineData("""{"alg":"HS256","kid":"hmac-1","b64":null}""", JwtError.Malformed)]
    [InlineData("""{"alg":"HS256","kid":"hmac-1","b64":[false]}""", JwtError.Malformed)]
    [InlineData("""{"alg":"HS256","kid":"hmac-1","zip":"DEF"}""", JwtError.UnsupportedHeader)]
    [InlineData("""{"alg":"HS256","kid":"hmac-1","zip":null}""", JwtError.UnsupportedHeader)]
    [InlineData("""{"alg":"HS256","kid":"hmac-1","enc":"A256GCM"}""", JwtError.UnsupportedHeader)]
    [InlineData("""{"alg":"HS256","kid":"hmac-1","cty":"JWT"}""", JwtError.UnsupportedHeader)]
    [InlineData("""{"alg":"HS256","kid":"hmac-1","cty":"jwt"}""", JwtError.UnsupportedHeader)]
    [InlineData("""{"alg":"HS256","kid":"hmac-1","cty":"jWt"}""", JwtError.UnsupportedHeader)]
    [InlineData("""{"alg":"HS256","kid":"hmac-1","cty":"\u004aWT"}""", JwtError.UnsupportedHeader)]
    [InlineData("""{"alg":"HS256","kid":"hmac-1","cty":1}""", JwtError.Malformed)]
    [InlineData("""{"alg":"HS256","kid":"hmac-1","b64":true}""", JwtError.None)]
    [InlineData("""{"alg":"HS256","kid":"hmac-1","cty":"json"}""", JwtError.None)]
    public void Validate_HeaderRequiresUnsupportedFeature_IsRefused(string header, JwtError expected)
    {
        string token = Sign(s_hmac, header, Payload());

        Assert.Equal(expected, Check(CreateValidator(), token).Error);
    }

    [Theory]
    [InlineData("application/jwt")]
    [InlineData("application/JWT")]
    [InlineData("APPLICATION/Jwt")]
    public void Validate_CtyNestedJwtWithApplicationPrefix_IsUnsupportedHeader(string cty)
    {
        // RFC 7515 §4.1.10: "application/" is optional in cty exactly as in typ, so "application/jwt" marks
        // a nested JWT just like "JWT" does (and the validator already treats typ that way).
        string token = Sign(s_hmac, $$"""{"alg":"HS256","kid":"hmac-1","cty":"{{cty}}"}""", Payload());

        Assert.Equal(JwtError.UnsupportedHeader, Check(CreateValidator(), token).Error);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Keys embedded in the header are never used
    // ---------------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("ES256", "none", false, JwtError.SignatureInvalid)]
    [InlineData("ES256", "attacker", false, JwtError.KeyNotFound)]
    [InlineData("ES256", "legit", false, JwtError.SignatureInvalid)]
    [InlineData("ES256", "none", true, JwtError.KeyNotFound)]
    [InlineData("HS256", "none", false, JwtError.SignatureInvalid)]
    [InlineData("HS256", "attacker", false, JwtError.KeyNotFound)]
    [InlineData("HS256", "legit", false, JwtError.SignatureInvalid)]
    public void Validate_KeyEmbeddedInHeader_IsIgnored(string alg, string kidMode, bool onlyRsaTrusted, JwtError expected)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            using ECDsa attackerEcdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            using JwtKey attacker = alg == "ES256"
                ? JwtKey.CreateECDsa(attackerEcdsa, JwtAlgorithm.ES256, "attacker-key")
                : JwtKey.CreateHmac(RandomNumberGenerator.GetBytes(32), JwtAlgorithm.HS256, "attacker-key");
            var request = new CertificateRequest("CN=attacker", attackerEcdsa, HashAlgorithmName.SHA256);
            using X509Certificate2 certificate = request.CreateSelfSigned(s_now.AddDays(-1), s_now.AddDays(1));

            string kidMember = kidMode switch
            {
                "attacker" => ",\"kid\":\"attacker-key\"",
                "legit" => alg == "ES256" ? ",\"kid\":\"ec-256\"" : ",\"kid\":\"hmac-1\"",
                _ => "",
            };
            string jwk = attacker.ToJwk(includePrivateParameters: attacker.IsSymmetric);
            string header =
                $$"""{"alg":"{{alg}}"{{kidMember}},"jwk":{{jwk}},"jku":"http://127.0.0.1:{{port}}/jwks.json","x5u":"http://127.0.0.1:{{port}}/cert.pem","x5c":["{{Convert.ToBase64String(certificate.RawData)}}"],"x5t#S256":"{{Base64Url.EncodeToString(SHA256.HashData(certificate.RawData))}}"}""";
            string token = Sign(attacker, header, Payload());
            JwtKeySet keys = onlyRsaTrusted ? new JwtKeySet(s_rsaKey) : s_keys;

            JwtError error = Check(CreateValidator(keys: keys), token).Error;

            Assert.Equal(expected, error);
            Assert.False(listener.Pending(), "the validator connected to a URL from the token header");
        }
        finally
        {
            listener.Stop();
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Canonical base64url in every segment
    // ---------------------------------------------------------------------------------------------------------

    public static TheoryData<int, string> Base64UrlCases()
    {
        string[] mutations =
        [
            "PaddingOne", "PaddingCanonical", "PaddingTwoExtra", "Plus", "Slash", "StandardAlphabetTail",
            "SpaceInside", "TabInside", "NewlineInside", "CrLfAtEnd", "LeadingSpace", "TrailingSpace",
            "TrailingBitsLowest", "TrailingBitsHighest", "LengthMod4Is1", "NonAsciiLetter", "FullwidthLetter", "Nul",
            "PercentEncodedPadding", "Empty",
        ];
        var data = new TheoryData<int, string>();
        foreach (int segment in new[] { 0, 1, 2 })
        {
            foreach (string mutation in mutations)
            {
                data.Add(segment, mutation);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Base64UrlCases))]
    public void Validate_SegmentNotCanonicalBase64Url_IsMalformed(int segment, string mutation)
    {
        JwtValidator validator = CreateValidator();
        foreach (string token in new[] { TokenWithRemainders(s_hmac, 2, 3), TokenWithRemainders(s_hmac512, 3, 2) })
        {
            Assert.Equal(JwtError.None, Check(validator, token).Error);
            string[] parts = token.Split('.');
            Assert.InRange(parts[segment].Length % 4, 2, 3);
            parts[segment] = MutateSegment(parts[segment], mutation);

            Assert.Equal(JwtError.Malformed, Check(validator, string.Join('.', parts)).Error);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Exactly three segments
    // ---------------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("...")]
    [InlineData("....")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.")]
    [InlineData(".eyJhbGciOiJIUzI1NiJ9")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9..")]
    [InlineData("..eyJhbGciOiJIUzI1NiJ9")]
    [InlineData(".eyJhbGciOiJIUzI1NiJ9.")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.e30")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.e30.")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9..c2ln")]
    [InlineData(".e30.c2ln")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.e30.c2ln.c2ln")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.e30.c2ln.c2ln.c2ln")]
    public void Validate_WrongNumberOfSegments_IsMalformed(string? token)
    {
        Assert.Equal(JwtError.Malformed, Check(CreateValidator(), token).Error);
    }

    [Theory]
    [InlineData("TrailingDot")]
    [InlineData("LeadingDot")]
    [InlineData("FourSegments")]
    [InlineData("FourSegmentsEmptyLast")]
    [InlineData("FiveSegmentsJwe")]
    [InlineData("MissingSignature")]
    [InlineData("MissingPayload")]
    [InlineData("DetachedPayload")]
    public void Validate_ValidTokenWithSegmentsAddedOrRemoved_IsMalformed(string shape)
    {
        string token = Sign(s_hmac, HmacHeader, Payload());
        string[] p = token.Split('.');
        string jweHeader = B64("""{"alg":"RSA-OAEP","enc":"A256GCM","kid":"rsa-1"}""");
        string mutated = shape switch
        {
            "TrailingDot" => token + ".",
            "LeadingDot" => "." + token,
            "FourSegments" => token + "." + p[2],
            "FourSegmentsEmptyLast" => p[0] + "." + p[1] + ".." + p[2],
            "FiveSegmentsJwe" => jweHeader + "." + p[2] + "." + "AAAAAAAAAAAAAAAA" + "." + p[1] + "." + p[2],
            "MissingSignature" => p[0] + "." + p[1],
            "MissingPayload" => p[0] + "." + p[2],
            "DetachedPayload" => p[0] + ".." + p[2],
            _ => throw new ArgumentOutOfRangeException(nameof(shape)),
        };

        Assert.Equal(JwtError.Malformed, Check(CreateValidator(), mutated).Error);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Header and payload must be one strict JSON object
    // ---------------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("not JSON", "alg=HS256")]
    [InlineData("empty", "")]
    [InlineData("whitespace only", "   ")]
    [InlineData("array", """[{"alg":"HS256","kid":"hmac-1"}]""")]
    [InlineData("empty array", "[]")]
    [InlineData("string", "\"HS256\"")]
    [InlineData("number", "256")]
    [InlineData("true", "true")]
    [InlineData("null", "null")]
    [InlineData("trailing garbage", """{"alg":"HS256","kid":"hmac-1"}x""")]
    [InlineData("second object", """{"alg":"HS256","kid":"hmac-1"}{}""")]
    [InlineData("trailing bracket", """{"alg":"HS256","kid":"hmac-1"}]""")]
    [InlineData("trailing comma after object", """{"alg":"HS256","kid":"hmac-1"},""")]
    [InlineData("truncated", """{"alg":"HS256","kid":"hmac-1" """)]
    [InlineData("block comment", """{"alg":"HS256",/* c */"kid":"hmac-1"}""")]
    [InlineData("line comment after", """{"alg":"HS256","kid":"hmac-1"}// c""")]
    [InlineData("trailing comma", """{"alg":"HS256","kid":"hmac-1",}""")]
    [InlineData("trailing comma in array", """{"alg":"HS256","kid":"hmac-1","x":[1,]}""")]
    [InlineData("single quotes", "{'alg':'HS256','kid':'hmac-1'}")]
    [InlineData("unquoted name", """{alg:"HS256","kid":"hmac-1"}""")]
    [InlineData("NaN", """{"alg":"HS256","kid":"hmac-1","x":NaN}""")]
    [InlineData("leading zero", """{"alg":"HS256","kid":"hmac-1","x":01}""")]
    [InlineData("raw control character", "{\"alg\":\"HS256\",\"kid\":\"hmac-1\",\"x\":\"a\u0001b\"}")]
    [InlineData("invalid escape", """{"alg":"HS256","kid":"hmac-1","x":"\x41"}""")]
    [InlineData("duplicate alg", """{"alg":"HS256","alg":"HS256","kid":"hmac-1"}""")]
    [InlineData("duplicate alg, second none", """{"alg":"HS256","kid":"hmac-1","alg":"none"}""")]
    [InlineData("duplicate kid", """{"alg":"HS256","kid":"hmac-1","kid":"rsa-1"}""")]
    [InlineData("duplicate by escape", """{"alg":"HS256","kid":"hmac-1","\u0061lg":"HS256"}""")]
    [InlineData("duplicate by escape, both escaped", """{"\u0061lg":"HS256","kid":"hmac-1","\u0061\u006cg":"HS256"}""")]
    [InlineData("duplicate in nested object", """{"alg":"HS256","kid":"hmac-1","jwk":{"kty":"EC","kty":"RSA"}}""")]
    [InlineData("duplicate in object in array", """{"alg":"HS256","kid":"hmac-1","x":[{"a":1},{"a":1,"\u0061":2}]}""")]
    [InlineData("lone high surrogate value", """{"alg":"HS256","kid":"hmac-1","x":"\ud800"}""")]
    [InlineData("lone low surrogate value", """{"alg":"HS256","kid":"hmac-1","x":"\udc00"}""")]
    [InlineData("reversed surrogate pair", """{"alg":"HS256","kid":"hmac-1","x":"\udc00\ud800"}""")]
    [InlineData("high surrogate then letter", """{"alg":"HS256","kid":"hmac-1","x":"\ud800\u0041"}""")]
    [InlineData("lone surrogate in name", """{"alg":"HS256","kid":"hmac-1","\ud800":1}""")]
    [InlineData("lone surrogate in nested name", """{"alg":"HS256","kid":"hmac-1","x":{"\udfff":1}}""")]
    [InlineData("lone surrogate in array", """{"alg":"HS256","kid":"hmac-1","x5c":["\ud800"]}""")]
    [InlineData("lone surrogate in alg", """{"alg":"\ud800","kid":"hmac-1"}""")]
    [InlineData("lone surrogate in kid", """{"alg":"HS256","kid":"\ud800"}""")]
    [InlineData("lone surrogate in typ", """{"alg":"HS256","kid":"hmac-1","typ":"\ud800"}""")]
    [InlineData("lone surrogate in cty", """{"alg":"HS256","kid":"hmac-1","cty":"\ud800"}""")]
    [InlineData("kid not a string", """{"alg":"HS256","kid":1}""")]
    [InlineData("typ not a string", """{"alg":"HS256","kid":"hmac-1","typ":["JWT"]}""")]
    public void Validate_HeaderNotStrictJsonObject_IsMalformed(string name, string header)
    {
        Assert.False(string.IsNullOrEmpty(name));
        string token = Sign(s_hmac, header, Payload());

        Assert.Equal(JwtError.Malformed, Check(CreateValidator(), token).Error);
    }

    [Theory]
    [InlineData("not JSON", "sub=user-1")]
    [InlineData("empty", "")]
    [InlineData("array", """[{"iss":"https://issuer.example","aud":"api","exp":1700000300}]""")]
    [InlineData("empty array", "[]")]
    [InlineData("string", "\"user-1\"")]
    [InlineData("number", "1700000300")]
    [InlineData("false", "false")]
    [InlineData("null", "null")]
    [InlineData("trailing garbage", """{"iss":"https://issuer.example","aud":"api","exp":1700000300}x""")]
    [InlineData("second object", """{"iss":"https://issuer.example","aud":"api","exp":1700000300}{"sub":"admin"}""")]
    [InlineData("truncated", """{"iss":"https://issuer.example","aud":"api","exp":1700000300""")]
    [InlineData("block comment", """{"iss":"https://issuer.example",/* c */"aud":"api","exp":1700000300}""")]
    [InlineData("line comment", "{\"iss\":\"https://issuer.example\",// c\n\"aud\":\"api\",\"exp\":1700000300}")]
    [InlineData("trailing comma", """{"iss":"https://issuer.example","aud":"api","exp":1700000300,}""")]
    [InlineData("trailing comma in aud", """{"iss":"https://issuer.example","aud":["api",],"exp":1700000300}""")]
    [InlineData("duplicate sub", """{"iss":"https://issuer.example","aud":"api","exp":1700000300,"sub":"user-1","sub":"admin"}""")]
    [InlineData("duplicate exp", """{"iss":"https://issuer.example","aud":"api","exp":1700000300,"exp":9999999999}""")]
    [InlineData("duplicate aud", """{"iss":"https://issuer.example","aud":"other","exp":1700000300,"aud":"api"}""")]
    [InlineData("duplicate by escape", """{"iss":"https://issuer.example","aud":"api","exp":1700000300,"a":1,"\u0061":2}""")]
    [InlineData("duplicate exp by escape", """{"iss":"https://issuer.example","aud":"api","exp":1700000300,"\u0065xp":9999999999}""")]
    [InlineData("duplicate in nested object", """{"iss":"https://issuer.example","aud":"api","exp":1700000300,"cnf":{"jkt":"a","jkt":"b"}}""")]
    [InlineData("duplicate deep", """{"iss":"https://issuer.example","aud":"api","exp":1700000300,"x":[[{"y":{"z":1,"\u007a":2}}]]}""")]
    [InlineData("lone surrogate in private claim", """{"iss":"https://issuer.example","aud":"api","exp":1700000300,"name":"\ud800"}""")]
    [InlineData("lone surrogate in name", """{"iss":"https://issuer.example","aud":"api","exp":1700000300,"\ud800":"x"}""")]
    [InlineData("lone surrogate in sub", """{"iss":"https://issuer.example","aud":"api","exp":1700000300,"sub":"\ud800"}""")]
    [InlineData("lone surrogate in jti", """{"iss":"https://issuer.example","aud":"api","exp":1700000300,"jti":"\udbff"}""")]
    [InlineData("lone surrogate in string array", """{"iss":"https://issuer.example","aud":"api","exp":1700000300,"roles":["a","\ud800"]}""")]
    [InlineData("lone surrogate in iss", """{"iss":"\ud800","aud":"api","exp":1700000300}""")]
    [InlineData("lone surrogate after accepted iss", """{"iss":"https://issuer.example\ud800","aud":"api","exp":1700000300}""")]
    [InlineData("lone surrogate in aud", """{"iss":"https://issuer.example","aud":"\ud800","exp":1700000300}""")]
    [InlineData("lone surrogate after accepted aud", """{"iss":"https://issuer.example","aud":"api\ud800","exp":1700000300}""")]
    [InlineData("lone surrogate in aud array", """{"iss":"https://issuer.example","aud":["api","\ud800"],"exp":1700000300}""")]
    public void Validate_PayloadNotStrictJsonObject_IsMalformed(string name, string payload)
    {
        Assert.False(string.IsNullOrEmpty(name));
        string token = Sign(s_hmac, HmacHeader, payload);

        Assert.Equal(JwtError.Malformed, Check(CreateValidator(), token).Error);
    }

    [Theory]
    [InlineData("0xFF", new byte[] { 0xFF })]
    [InlineData("0xFE", new byte[] { 0xFE })]
    [InlineData("lone continuation byte", new byte[] { 0x80 })]
    [InlineData("overlong slash", new byte[] { 0xC0, 0xAF })]
    [InlineData("overlong NUL", new byte[] { 0xC0, 0x80 })]
    [InlineData("UTF-8 encoded surrogate", new byte[] { 0xED, 0xA0, 0x80 })]
    [InlineData("beyond U+10FFFF", new byte[] { 0xF4, 0x90, 0x80, 0x80 })]
    [InlineData("truncated sequence", new byte[] { 0xE2, 0x82 })]
    [InlineData("Latin-1 e-acute", new byte[] { 0xE9 })]
    public void Validate_InvalidUtf8InHeaderOrPayload_IsMalformed(string name, byte[] bad)
    {
        Assert.False(string.IsNullOrEmpty(name));
        JwtValidator validator = CreateValidator();
        byte[] header = Encoding.UTF8.GetBytes(HmacHeader);
        byte[] payload = Encoding.UTF8.GetBytes(Payload());

        // Inside a string value, inside a member name, and outside any string.
        foreach ((string prefix, string suffix) in new[] { (",\"x\":\"a", "b\"}"), (",\"a", "b\":1}"), (",\"x\":1", "}") })
        {
            byte[] badHeader = [.. header[..^1], .. Encoding.ASCII.GetBytes(prefix), .. bad, .. Encoding.ASCII.GetBytes(suffix)];
            byte[] badPayload = [.. payload[..^1], .. Encoding.ASCII.GetBytes(prefix), .. bad, .. Encoding.ASCII.GetBytes(suffix)];

            Assert.Equal(JwtError.Malformed, Check(validator, Assemble(s_hmac, badHeader, payload)).Error);
            Assert.Equal(JwtError.Malformed, Check(validator, Assemble(s_hmac, header, badPayload)).Error);
        }
    }

    public static TheoryData<string, string, JwtError> LargeObjectCases()
    {
        static string Members(int count, int from = 0) =>
            string.Join(",", Enumerable.Range(from, count).Select(i => string.Create(CultureInfo.InvariantCulture, $"\"m{i}\":{i}")));

        string claims = "\"iss\":\"https://issuer.example\",\"aud\":\"api\",\"exp\":1700000300";
        return new TheoryData<string, string, JwtError>
        {
            { "41 unique members", "{" + claims + "," + Members(41) + "}", JwtError.None },
            { "1000 unique members", "{" + claims + "," + Members(1000) + "}", JwtError.None },
            { "41 members, duplicate of an early name at the end", "{" + claims + "," + Members(41) + ",\"m3\":0}", JwtError.Malformed },
            { "41 members, duplicate of a late name at the end", "{" + claims + "," + Members(41) + ",\"m40\":0}", JwtError.Malformed },
            { "41 members, escaped duplicate", "{" + claims + "," + Members(41) + ",\"\\u006d\\u0035\":0}", JwtError.Malformed },
            { "41 members, duplicate registered claim at the end", "{" + claims + "," + Members(41) + ",\"exp\":9999999999}", JwtError.Malformed },
            { "1000 members, one duplicate", "{" + claims + "," + Members(1000) + ",\"m500\":0}", JwtError.Malformed },
            { "33rd member repeats the 1st", "{" + Members(32) + ",\"m0\":0," + claims + "}", JwtError.Malformed },
            { "32nd member repeats the 1st", "{" + Members(31) + ",\"m0\":0," + claims + "}", JwtError.Malformed },
            { "nested 41-member object with duplicate", "{" + claims + ",\"x\":{" + Members(41) + ",\"m7\":0}}", JwtError.Malformed },
            { "nested 41-member objects, same names in siblings", "{" + claims + ",\"x\":{" + Members(41) + "},\"y\":{" + Members(41) + "}}", JwtError.None },
            { "41-member objects in an array, duplicate in the second", "{" + claims + ",\"x\":[{" + Members(41) + "},{" + Members(41) + ",\"m1\":1}]}", JwtError.Malformed },
            { "large outer object, duplicate after a nested object", "{" + claims + "," + Members(40) + ",\"x\":{" + Members(40) + "},\"m39\":0}", JwtError.Malformed },
        };
    }

    [Theory]
    [MemberData(nameof(LargeObjectCases))]
    public void Validate_PayloadWithManyMembers_DuplicatesAreMalformed(string name, string payload, JwtError expected)
    {
        Assert.False(string.IsNullOrEmpty(name));
        string token = Sign(s_hmac, HmacHeader, payload);

        Assert.Equal(expected, Check(CreateValidator(o => o.MaxTokenLength = 1_048_576), token).Error);
    }

    [Theory]
    [InlineData(40, JwtError.None)]
    [InlineData(41, JwtError.Malformed)]
    public void Validate_HeaderWithManyMembers_DuplicateIsMalformed(int members, JwtError expected)
    {
        string extra = string.Join(",", Enumerable.Range(0, 40).Select(i => string.Create(CultureInfo.InvariantCulture, $"\"h{i}\":{i}")));
        string duplicate = members > 40 ? ",\"h0\":0" : "";
        string token = Sign(s_hmac, "{\"alg\":\"HS256\",\"kid\":\"hmac-1\"," + extra + duplicate + "}", Payload());

        Assert.Equal(expected, Check(CreateValidator(), token).Error);
    }

    [Theory]
    [InlineData(true, 32, JwtError.None)]
    [InlineData(true, 33, JwtError.Malformed)]
    [InlineData(true, 1000, JwtError.Malformed)]
    [InlineData(false, 32, JwtError.None)]
    [InlineData(false, 33, JwtError.Malformed)]
    [InlineData(false, 1000, JwtError.Malformed)]
    public void Validate_NestingDeeperThan32_IsMalformed(bool useArrays, int depth, JwtError expected)
    {
        // depth counts every container including the top-level object.
        string open = useArrays ? "[" : "{\"a\":";
        string close = useArrays ? "]" : "}";
        string nested = string.Concat(Enumerable.Repeat(open, depth - 1)) + (useArrays ? "" : "1") + string.Concat(Enumerable.Repeat(close, depth - 1));
        JwtValidator validator = CreateValidator(o => o.MaxTokenLength = 1_048_576);

        string inHeader = Sign(s_hmac, "{\"alg\":\"HS256\",\"kid\":\"hmac-1\",\"x\":" + nested + "}", Payload());
        string inPayload = Sign(s_hmac, HmacHeader, Payload(("x", nested)));

        Assert.Equal(expected, Check(validator, inHeader).Error);
        Assert.Equal(expected, Check(validator, inPayload).Error);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Registered claims: types and ranges
    // ---------------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("exp", "\"1700000300\"")]
    [InlineData("exp", "true")]
    [InlineData("exp", "false")]
    [InlineData("exp", "null")]
    [InlineData("exp", "{}")]
    [InlineData("exp", "{\"value\":1700000300}")]
    [InlineData("exp", "[]")]
    [InlineData("exp", "[1700000300]")]
    [InlineData("exp", "-1")]
    [InlineData("exp", "-1700000300")]
    [InlineData("exp", "1e400")]
    [InlineData("exp", "-1e400")]
    [InlineData("exp", "253402300800")]
    [InlineData("exp", "253402300799.5")]
    [InlineData("exp", "1e20")]
    [InlineData("exp", "9223372036854775807")]
    [InlineData("exp", "9223372036854775808")]
    [InlineData("exp", "-0.5")]
    [InlineData("exp", "-1e-300")]
    [InlineData("nbf", "\"1700000000\"")]
    [InlineData("nbf", "null")]
    [InlineData("nbf", "-1")]
    [InlineData("nbf", "1e400")]
    [InlineData("nbf", "253402300800")]
    [InlineData("nbf", "-0.5")]
    [InlineData("iat", "\"1700000000\"")]
    [InlineData("iat", "true")]
    [InlineData("iat", "[]")]
    [InlineData("iat", "-1")]
    [InlineData("iat", "1e400")]
    [InlineData("iat", "253402300800")]
    [InlineData("iat", "-0.5")]
    public void Validate_TimeClaimNotFiniteNumberInRange_IsInvalidClaim(string claim, string value)
    {
        string token = Sign(s_hmac, HmacHeader, Payload((claim, value)));

        Assert.Equal(JwtError.InvalidClaim, Check(CreateValidator(), token).Error);
    }

    [Fact]
    public void Validate_TimeClaimNameWrittenWithEscape_IsStillChecked()
    {
        string token = Sign(s_hmac, HmacHeader, Payload(("exp", null), ("\\u0065xp", "\"soon\"")));

        Assert.Equal(JwtError.InvalidClaim, Check(CreateValidator(), token).Error);
    }

    [Theory]
    [InlineData("1700000000.5", 1_700_000_000_500L)]
    [InlineData("1700000300", 1_700_000_300_000L)]
    [InlineData("1700000300.0", 1_700_000_300_000L)]
    [InlineData("1.7000003e9", 1_700_000_300_000L)]
    [InlineData("17000003E2", 1_700_000_300_000L)]
    [InlineData("253402300799", 253_402_300_799_000L)]
    public void Validate_ExpFiniteNumberInRange_IsAccepted(string exp, long expectedMilliseconds)
    {
        string token = Sign(s_hmac, HmacHeader, Payload(("exp", exp)));

        JwtValidationResult result = Check(CreateValidator(), token);

        Assert.Equal(JwtError.None, result.Error);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(expectedMilliseconds), result.Claims!.ExpiresAt);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-0")]
    [InlineData("0.0")]
    public void Validate_ExpAtEpoch_IsExpiredNotInvalid(string exp)
    {
        string token = Sign(s_hmac, HmacHeader, Payload(("exp", exp)));

        Assert.Equal(JwtError.Expired, Check(CreateValidator(), token).Error);
    }

    [Theory]
    [InlineData("aud", "1")]
    [InlineData("aud", "true")]
    [InlineData("aud", "null")]
    [InlineData("aud", "{}")]
    [InlineData("aud", "{\"aud\":\"api\"}")]
    [InlineData("aud", "[\"api\",1]")]
    [InlineData("aud", "[\"api\",null]")]
    [InlineData("aud", "[\"api\",[\"api\"]]")]
    [InlineData("aud", "[[\"api\"]]")]
    [InlineData("aud", "[\"api\",{}]")]
    [InlineData("aud", "[\"api\",true]")]
    [InlineData("iss", "1")]
    [InlineData("iss", "null")]
    [InlineData("iss", "true")]
    [InlineData("iss", "{}")]
    [InlineData("iss", "[\"https://issuer.example\"]")]
    [InlineData("sub", "1")]
    [InlineData("sub", "null")]
    [InlineData("sub", "false")]
    [InlineData("sub", "[]")]
    [InlineData("sub", "{\"id\":\"user-1\"}")]
    [InlineData("jti", "1")]
    [InlineData("jti", "null")]
    [InlineData("jti", "[\"j\"]")]
    [InlineData("jti", "{}")]
    public void Validate_StringClaimWithWrongType_IsInvalidClaim(string claim, string value)
    {
        string token = Sign(s_hmac, HmacHeader, Payload((claim, value)));

        Assert.Equal(JwtError.InvalidClaim, Check(CreateValidator(), token).Error);
    }

    [Theory]
    [InlineData("iss", "1")]
    [InlineData("aud", "[1]")]
    public void Validate_WrongTypeEvenWhenCheckDisabled_IsInvalidClaim(string claim, string value)
    {
        string token = Sign(s_hmac, HmacHeader, Payload((claim, value)));
        JwtValidator validator = CreateValidator(o => (o.ValidateIssuer, o.ValidateAudience) = (false, false));

        Assert.Equal(JwtError.InvalidClaim, Check(validator, token).Error);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Size cap
    // ---------------------------------------------------------------------------------------------------------

    [Fact]
    public void Validate_LongerThanMaxTokenLength_IsTokenTooLargeEvenIfGarbage()
    {
        JwtValidator validator = CreateValidator();

        Assert.Equal(JwtError.TokenTooLarge, Check(validator, new string('!', JwtValidationOptions.DefaultMaxTokenLength + 1)).Error);
        Assert.Equal(JwtError.Malformed, Check(validator, new string('!', JwtValidationOptions.DefaultMaxTokenLength)).Error);
        Assert.Equal(JwtError.TokenTooLarge, Check(validator, new string('\uD800', 100_000)).Error);
    }

    [Fact]
    public void Validate_ValidTokenOverTheCap_IsTokenTooLarge()
    {
        string token = Sign(s_hmac, HmacHeader, Payload(("pad", "\"" + new string('x', 7000) + "\"")));
        Assert.True(token.Length > JwtValidationOptions.DefaultMaxTokenLength);

        Assert.Equal(JwtError.TokenTooLarge, Check(CreateValidator(), token).Error);
        Assert.Equal(JwtError.None, Check(CreateValidator(o => o.MaxTokenLength = token.Length), token).Error);
        Assert.Equal(JwtError.TokenTooLarge, Check(CreateValidator(o => o.MaxTokenLength = token.Length - 1), token).Error);
    }

    [Fact]
    public void Validate_MillionDots_IsMalformedInConstantMemory()
    {
        string dots = new('.', 1_000_000);
        JwtValidator validator = CreateValidator(o => o.MaxTokenLength = 1_048_576);
        JwtError error = JwtError.None;

        long allocated = MinAllocatedBytes(() => error = validator.Validate(dots).Error);

        Assert.Equal(JwtError.Malformed, error);
        Assert.True(allocated < 16 * 1024, $"validating a million dots allocated {allocated} bytes");
        Assert.Equal(JwtError.TokenTooLarge, Check(CreateValidator(), dots).Error);
    }

    [Fact]
    public void Validate_MegabyteOfBase64UrlWithBadSignature_IsSignatureInvalidInConstantMemory()
    {
        // Three well-formed segments of about 1 MiB: decoding uses pooled buffers, and the payload is never parsed.
        string header = B64(HmacHeader);
        string signature = new('A', 43);
        string token = header + "." + new string('A', 1_048_576 - header.Length - signature.Length - 2) + "." + signature;
        JwtValidator validator = CreateValidator(o => o.MaxTokenLength = 1_048_576);
        JwtError error = JwtError.None;

        long allocated = MinAllocatedBytes(() => error = validator.Validate(token).Error);

        Assert.Equal(1_048_576, token.Length);
        Assert.Equal(JwtError.SignatureInvalid, error);
        Assert.True(allocated < 16 * 1024, $"validating a 1 MiB token allocated {allocated} bytes");
    }

    [Theory]
    [InlineData(false, JwtError.None)]
    [InlineData(true, JwtError.Malformed)]
    public void Validate_SignedPayloadWith50000Members_IsCheckedInBoundedMemory(bool duplicate, JwtError expected)
    {
        var payload = new StringBuilder(Payload()[..^1]);
        for (int i = 0; i < 50_000; i++)
        {
            payload.Append(CultureInfo.InvariantCulture, $",\"m{i}\":0");
        }

        payload.Append(duplicate ? ",\"m25000\":1}" : "}");
        string token = Sign(s_hmac, HmacHeader, payload.ToString());
        JwtValidator validator = CreateValidator(o => o.MaxTokenLength = 1_048_576);
        JwtError error = JwtError.None;

        long allocated = MinAllocatedBytes(() => error = validator.Validate(token).Error);

        Assert.Equal(expected, error);
        Assert.True(allocated < 16 * 1024, $"validating a 50,000-member payload allocated {allocated} bytes");
    }

    // ---------------------------------------------------------------------------------------------------------
    // ECDSA signature encoding
    // ---------------------------------------------------------------------------------------------------------

    public static TheoryData<JwtAlgorithm, string, JwtError> EcdsaSignatureCases()
    {
        var data = new TheoryData<JwtAlgorithm, string, JwtError>();
        foreach (JwtAlgorithm algorithm in new[] { JwtAlgorithm.ES256, JwtAlgorithm.ES384, JwtAlgorithm.ES512 })
        {
            foreach (string variant in new[] { "RZero", "SZero", "AllZero", "OneByteShort", "OneByteLong", "Der", "REqualsOrder", "SEqualsOrder", "SPlusOrder", "Empty2Bytes" })
            {
                data.Add(algorithm, variant, JwtError.SignatureInvalid);
            }
        }

        // 86 characters minus one leaves a length of 1 mod 4, which is not base64url at all.
        data.Add(JwtAlgorithm.ES256, "TextOneCharShort", JwtError.Malformed);
        return data;
    }

    [Theory]
    [MemberData(nameof(EcdsaSignatureCases))]
    public void Validate_EcdsaSignatureNotJoseRAndS_Fails(JwtAlgorithm algorithm, string variant, JwtError expected)
    {
        (JwtKey key, ECDsa ecdsa, HashAlgorithmName hash) = algorithm switch
        {
            JwtAlgorithm.ES256 => (s_es256, s_ecdsa256, HashAlgorithmName.SHA256),
            JwtAlgorithm.ES384 => (s_es384, s_ecdsa384, HashAlgorithmName.SHA384),
            _ => (s_es512, s_ecdsa521, HashAlgorithmName.SHA512),
        };
        string header = $$"""{"alg":"{{algorithm}}","kid":"{{key.KeyId}}"}""";
        string token = Sign(key, header, Payload());
        JwtValidator validator = CreateValidator();
        Assert.Equal(JwtError.None, Check(validator, token).Error);

        int dot = token.LastIndexOf('.');
        string signingInput = token[..dot];
        byte[] signature = Base64Url.DecodeFromChars(token.AsSpan(dot + 1));
        int half = signature.Length / 2;
        byte[] order = PadLeft(ecdsa.ExportExplicitParameters(false).Curve.Order!, half);
        byte[] bad = variant switch
        {
            "RZero" => [.. new byte[half], .. signature[half..]],
            "SZero" => [.. signature[..half], .. new byte[half]],
            "AllZero" => new byte[signature.Length],
            "OneByteShort" => signature[..^1],
            "OneByteLong" => [.. signature, 0],
            "Der" => ecdsa.SignData(Encoding.ASCII.GetBytes(signingInput), hash, DSASignatureFormat.Rfc3279DerSequence),
            "REqualsOrder" => [.. order, .. signature[half..]],
            "SEqualsOrder" => [.. signature[..half], .. order],
            "SPlusOrder" => [.. signature[..half], .. AddBigEndian(signature[half..], order)],
            "Empty2Bytes" => [0, 0],
            "TextOneCharShort" => [],
            _ => throw new ArgumentOutOfRangeException(nameof(variant)),
        };
        string badToken = variant == "TextOneCharShort" ? token[..^1] : signingInput + "." + Base64Url.EncodeToString(bad);

        Assert.Equal(expected, Check(validator, badToken).Error);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Keys that are refused when they are created
    // ---------------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(JwtAlgorithm.HS256, 31)]
    [InlineData(JwtAlgorithm.HS384, 47)]
    [InlineData(JwtAlgorithm.HS512, 63)]
    [InlineData(JwtAlgorithm.HS256, 0)]
    [InlineData(JwtAlgorithm.HS512, 32)]
    public void CreateHmac_SecretShorterThanHash_Throws(JwtAlgorithm algorithm, int length)
    {
        byte[] secret = new byte[length];
        secret.AsSpan().Fill(0x5A);

        Assert.Throws<ArgumentException>(() => JwtKey.CreateHmac(secret, algorithm));
    }

    [Theory]
    [InlineData(JwtAlgorithm.HS256, 32)]
    [InlineData(JwtAlgorithm.HS384, 48)]
    [InlineData(JwtAlgorithm.HS512, 64)]
    public void CreateHmac_SecretAsLongAsHash_IsAccepted(JwtAlgorithm algorithm, int length)
    {
        byte[] secret = new byte[length];
        secret.AsSpan().Fill(0x5A);

        using JwtKey key = JwtKey.CreateHmac(secret, algorithm);

        Assert.Equal(algorithm, key.Algorithm);
    }

    [Theory]
    [InlineData(JwtAlgorithm.RS256)]
    [InlineData(JwtAlgorithm.ES256)]
    public void CreateHmac_NonHmacAlgorithm_Throws(JwtAlgorithm algorithm)
    {
        Assert.Throws<ArgumentException>(() => JwtKey.CreateHmac(s_secret, algorithm));
    }

    [Theory]
    [InlineData(1024, JwtAlgorithm.RS256)]
    [InlineData(1024, JwtAlgorithm.PS256)]
    [InlineData(1024, JwtAlgorithm.RS512)]
    [InlineData(1536, JwtAlgorithm.RS256)]
    public void CreateRsa_ModulusUnder2048Bits_Throws(int bits, JwtAlgorithm algorithm)
    {
        using RSA rsa = RSA.Create(bits);
        string pem = rsa.ExportSubjectPublicKeyInfoPem();
        string jwk = $$"""{"kty":"RSA","alg":"{{algorithm}}","n":"{{Base64Url.EncodeToString(rsa.ExportParameters(false).Modulus)}}","e":"AQAB"}""";

        Assert.Throws<ArgumentException>(() => JwtKey.CreateRsa(rsa, algorithm));
        Assert.Throws<ArgumentException>(() => JwtKey.FromPem(pem, algorithm));
        Assert.Throws<ArgumentException>(() => JwtKey.FromJwk(jwk));
    }

    [Fact]
    public void CreateRsa_2047BitModulus_Throws()
    {
        using RSA rsa = RSA.Create();
        rsa.ImportFromPem(Rsa2047PublicPem);
        Assert.Equal(2047, rsa.KeySize);

        Assert.Throws<ArgumentException>(() => JwtKey.CreateRsa(rsa, JwtAlgorithm.RS256));
        Assert.Throws<ArgumentException>(() => JwtKey.CreateRsa(rsa, JwtAlgorithm.PS256));
        Assert.Throws<ArgumentException>(() => JwtKey.FromPem(Rsa2047PublicPem, JwtAlgorithm.RS256));
    }

    [Fact]
    public void CreateRsa_2048BitModulus_IsAccepted()
    {
        using JwtKey key = JwtKey.FromPem(s_rsa.ExportSubjectPublicKeyInfoPem(), JwtAlgorithm.RS256);

        Assert.Equal(JwtAlgorithm.RS256, key.Algorithm);
        Assert.False(key.CanSign);
    }

    [Theory]
    [InlineData("nistP384", JwtAlgorithm.ES256)]
    [InlineData("nistP521", JwtAlgorithm.ES256)]
    [InlineData("nistP256", JwtAlgorithm.ES384)]
    [InlineData("nistP256", JwtAlgorithm.ES512)]
    [InlineData("nistP521", JwtAlgorithm.ES384)]
    public void CreateECDsa_KeyOnWrongCurve_Throws(string curve, JwtAlgorithm algorithm)
    {
        using ECDsa ecdsa = ECDsa.Create(ECCurve.CreateFromFriendlyName(curve));
        string pem = ecdsa.ExportSubjectPublicKeyInfoPem();

        Assert.Throws<ArgumentException>(() => JwtKey.CreateECDsa(ecdsa, algorithm));
        Assert.Throws<ArgumentException>(() => JwtKey.FromPem(pem, algorithm));
    }

    [Fact]
    public void CreateECDsa_RsaAlgorithm_Throws()
    {
        Assert.Throws<ArgumentException>(() => JwtKey.CreateECDsa(s_ecdsa256, JwtAlgorithm.RS256));
        Assert.Throws<ArgumentException>(() => JwtKey.CreateRsa(s_rsa, JwtAlgorithm.ES256));
    }

    // ---------------------------------------------------------------------------------------------------------
    // typ
    // ---------------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(",\"typ\":\"JWT\"", JwtError.TypeInvalid)]
    [InlineData(",\"typ\":\"jwt\"", JwtError.TypeInvalid)]
    [InlineData("", JwtError.TypeInvalid)]
    [InlineData(",\"typ\":\"\"", JwtError.TypeInvalid)]
    [InlineData(",\"typ\":\"at+jwt \"", JwtError.TypeInvalid)]
    [InlineData(",\"typ\":\" at+jwt\"", JwtError.TypeInvalid)]
    [InlineData(",\"typ\":\"at-jwt\"", JwtError.TypeInvalid)]
    [InlineData(",\"typ\":\"application/\"", JwtError.TypeInvalid)]
    [InlineData(",\"typ\":\"application/application/at+jwt\"", JwtError.TypeInvalid)]
    [InlineData(",\"typ\":\"text/at+jwt\"", JwtError.TypeInvalid)]
    [InlineData(",\"typ\":\"application/jwt\"", JwtError.TypeInvalid)]
    [InlineData(",\"typ\":\"at+jwt\"", JwtError.None)]
    [InlineData(",\"typ\":\"AT+JWT\"", JwtError.None)]
    [InlineData(",\"typ\":\"At+Jwt\"", JwtError.None)]
    [InlineData(",\"typ\":\"application/at+jwt\"", JwtError.None)]
    [InlineData(",\"typ\":\"Application/AT+JWT\"", JwtError.None)]
    [InlineData(",\"typ\":\"at\\u002bjwt\"", JwtError.None)]
    [InlineData(",\"typ\":1", JwtError.Malformed)]
    [InlineData(",\"typ\":null", JwtError.Malformed)]
    public void Validate_TypeWhenAccessTokenRequired_IsChecked(string typMember, JwtError expected)
    {
        string token = Sign(s_hmac, "{\"alg\":\"HS256\",\"kid\":\"hmac-1\"" + typMember + "}", Payload());
        JwtValidator validator = CreateValidator(o => o.ValidTypes.Add(JwtTypes.AccessToken));

        Assert.Equal(expected, Check(validator, token).Error);
    }

    [Fact]
    public void Validate_IdTokenPresentedAsAccessToken_IsTypeInvalid()
    {
        var builder = new JwtBuilder()
            .Issuer(Issuer).Audience(Audience).Subject("user-1")
            .IssuedAt(s_now).ExpiresAt(s_now.AddMinutes(5))
            .Claim("nonce", "n-0S6_WzA2Mj").Claim("auth_time", 1_699_999_990L).Claim("email", "user@example.com");
        string idToken = new JwtSigner(s_hmac, JwtTypes.Jwt).Sign(builder);
        string untyped = new JwtSigner(s_hmac, type: null).Sign(builder);
        string accessToken = new JwtSigner(s_hmac, JwtTypes.AccessToken).Sign(builder);
        JwtValidator accessTokens = CreateValidator(o => o.ValidTypes.Add(JwtTypes.AccessToken));

        Assert.Equal(JwtError.TypeInvalid, Check(accessTokens, idToken).Error);
        Assert.Equal(JwtError.TypeInvalid, Check(accessTokens, untyped).Error);
        Assert.Equal(JwtError.None, Check(accessTokens, accessToken).Error);
        Assert.Equal(JwtError.None, Check(CreateValidator(), idToken).Error);
    }

    [Fact]
    public void Validate_ConfiguredTypeWithApplicationPrefix_MatchesShortForm()
    {
        string token = Sign(s_hmac, """{"alg":"HS256","kid":"hmac-1","typ":"at+jwt"}""", Payload());
        JwtValidator validator = CreateValidator(o => o.ValidTypes.Add("application/at+jwt"));

        Assert.Equal(JwtError.None, Check(validator, token).Error);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Lifetime, required claims, issuer and audience
    // ---------------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("exp", "1699999970", 0L, JwtError.Expired)]
    [InlineData("exp", "1699999970", -1L, JwtError.None)]
    [InlineData("exp", "1699999971", 0L, JwtError.None)]
    [InlineData("exp", "1699999969.999", 0L, JwtError.Expired)]
    [InlineData("exp", "1699999970.5", 0L, JwtError.None)]
    [InlineData("exp", "1699999970.5", 500L, JwtError.Expired)]
    [InlineData("nbf", "1700000030", 0L, JwtError.None)]
    [InlineData("nbf", "1700000031", 0L, JwtError.NotYetValid)]
    [InlineData("nbf", "1700000030.001", 0L, JwtError.NotYetValid)]
    [InlineData("nbf", "1700000031", 1000L, JwtError.None)]
    [InlineData("nbf", "1700000031", 999L, JwtError.NotYetValid)]
    [InlineData("iat", "1700000030", 0L, JwtError.None)]
    [InlineData("iat", "1700000031", 0L, JwtError.NotYetValid)]
    [InlineData("iat", "1700003600", 0L, JwtError.NotYetValid)]
    [InlineData("iat", "1600000000", 0L, JwtError.None)]
    public void Validate_TimeClaimAtSkewBoundary_IsDecidedToTheMillisecond(string claim, string value, long clockOffsetMilliseconds, JwtError expected)
    {
        string token = Sign(s_hmac, HmacHeader, Payload((claim, value)));
        var time = new FakeTimeProvider(s_now.AddMilliseconds(clockOffsetMilliseconds));

        Assert.Equal(expected, Check(CreateValidator(time: time), token).Error);
    }

    [Theory]
    [InlineData("exp", "1700000000", JwtError.Expired)]
    [InlineData("exp", "1700000001", JwtError.None)]
    [InlineData("nbf", "1700000000", JwtError.None)]
    [InlineData("nbf", "1700000001", JwtError.NotYetValid)]
    [InlineData("iat", "1700000001", JwtError.NotYetValid)]
    public void Validate_TimeClaimWithZeroSkew_HasNoTolerance(string claim, string value, JwtError expected)
    {
        string token = Sign(s_hmac, HmacHeader, Payload((claim, value)));

        Assert.Equal(expected, Check(CreateValidator(o => o.ClockSkew = TimeSpan.Zero), token).Error);
    }

    [Fact]
    public void Validate_NoExpWhenRequired_IsClaimMissing()
    {
        string token = Sign(s_hmac, HmacHeader, Payload(("exp", null)));

        Assert.Equal(JwtError.ClaimMissing, Check(CreateValidator(), token).Error);
        Assert.Equal(JwtError.None, Check(CreateValidator(o => o.RequireExpirationTime = false), token).Error);
    }

    [Theory]
    [InlineData("", JwtError.ClaimMissing)]
    [InlineData(",\"org\":\"o-1\"", JwtError.None)]
    [InlineData(",\"org\":null", JwtError.None)]
    [InlineData(",\"\\u006frg\":\"o-1\"", JwtError.None)]
    [InlineData(",\"ORG\":\"o-1\"", JwtError.ClaimMissing)]
    [InlineData(",\"x\":{\"org\":\"o-1\"}", JwtError.ClaimMissing)]
    public void Validate_RequiredClaims_MustBePresentAtTopLevel(string extra, JwtError expected)
    {
        string token = Sign(s_hmac, HmacHeader, Payload()[..^1] + extra + "}");
        JwtValidator validator = CreateValidator(o => { o.RequiredClaims.Add("org"); o.RequiredClaims.Add("sub"); });

        Assert.Equal(expected, Check(validator, token).Error);
    }

    [Theory]
    [InlineData(",\"sid\":\"s-1\"", JwtError.None, "s-1")]
    [InlineData(",\"sid\":\"s\\u002d1\\n\"", JwtError.None, "s-1\n")]
    [InlineData(",\"\\u0073id\":\"s-2\"", JwtError.None, "s-2")]
    [InlineData(",\"sid\":\"\"", JwtError.None, "")]
    [InlineData("", JwtError.None, null)]
    [InlineData(",\"SID\":\"s-1\"", JwtError.None, null)]
    [InlineData(",\"x\":{\"sid\":\"s-1\"}", JwtError.None, null)]
    [InlineData(",\"sid\":null", JwtError.InvalidClaim, null)]
    [InlineData(",\"sid\":1", JwtError.InvalidClaim, null)]
    [InlineData(",\"sid\":[\"s-1\"]", JwtError.InvalidClaim, null)]
    public void Validate_SessionIdClaim_CapturedAsStringAndMustBeOne(string extra, JwtError expected, string? sessionId)
    {
        string token = Sign(s_hmac, HmacHeader, Payload()[..^1] + extra + "}");
        JwtValidator capturing = new(new JwtValidationOptions { ValidIssuer = Issuer, ValidAudience = Audience }, s_keys, new FakeTimeProvider(s_now)) { CaptureSessionId = true };

        // Captured during validation (the token service) or decoded on first read (everyone else): one verdict, one value.
        foreach (JwtValidator validator in new[] { capturing, CreateValidator() })
        {
            JwtValidationResult result = Check(validator, token);

            Assert.Equal(expected, result.Error);
            Assert.Equal(sessionId, result.Claims?.SessionId);
            if (result.IsValid)
            {
                Assert.Equal(result.Claims!.GetString("sid"), result.Claims.SessionId);
            }
        }
    }

    [Fact]
    public void Validate_OneOfSeveralRequiredClaimsMissing_IsClaimMissing()
    {
        string token = Sign(s_hmac, HmacHeader, Payload(("sub", null), ("sid", "\"s-1\"")));
        JwtValidator validator = CreateValidator(o => { o.RequiredClaims.Add("sid"); o.RequiredClaims.Add("sub"); });

        Assert.Equal(JwtError.ClaimMissing, Check(validator, token).Error);
    }

    [Theory]
    [InlineData("\"https://evil.example\"", JwtError.IssuerInvalid)]
    [InlineData("\"HTTPS://issuer.example\"", JwtError.IssuerInvalid)]
    [InlineData("\"https://issuer.example/\"", JwtError.IssuerInvalid)]
    [InlineData("\"https://issuer.exampl\"", JwtError.IssuerInvalid)]
    [InlineData("\"https://issuer.example \"", JwtError.IssuerInvalid)]
    [InlineData("\"\"", JwtError.IssuerInvalid)]
    [InlineData(null, JwtError.IssuerInvalid)]
    [InlineData("\"https://issuer.example\"", JwtError.None)]
    [InlineData("\"https:\\/\\/issuer.example\"", JwtError.None)]
    [InlineData("\"https://second.example\"", JwtError.None)]
    public void Validate_Issuer_MustMatchExactly(string? iss, JwtError expected)
    {
        string token = Sign(s_hmac, HmacHeader, Payload(("iss", iss)));
        JwtValidator validator = CreateValidator(o => o.ValidIssuers.Add("https://second.example"));

        Assert.Equal(expected, Check(validator, token).Error);
    }

    [Theory]
    [InlineData("\"other\"", JwtError.AudienceInvalid)]
    [InlineData("\"API\"", JwtError.AudienceInvalid)]
    [InlineData("\"api \"", JwtError.AudienceInvalid)]
    [InlineData("\"ap\"", JwtError.AudienceInvalid)]
    [InlineData("[]", JwtError.AudienceInvalid)]
    [InlineData("[\"other\",\"API\"]", JwtError.AudienceInvalid)]
    [InlineData(null, JwtError.AudienceInvalid)]
    [InlineData("\"api\"", JwtError.None)]
    [InlineData("[\"api\"]", JwtError.None)]
    [InlineData("[\"other\",\"api\"]", JwtError.None)]
    [InlineData("[\"other\",\"\\u0061pi\"]", JwtError.None)]
    public void Validate_Audience_MustNameAnAcceptedAudience(string? aud, JwtError expected)
    {
        string token = Sign(s_hmac, HmacHeader, Payload(("aud", aud)));

        Assert.Equal(expected, Check(CreateValidator(), token).Error);
    }

    [Fact]
    public void Validate_WrongAudienceAndExpired_ReportsAudienceFirst()
    {
        string token = Sign(s_hmac, HmacHeader, Payload(("aud", "\"other\""), ("exp", "1600000000")));

        Assert.Equal(JwtError.AudienceInvalid, Check(CreateValidator(), token).Error);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Signatures
    // ---------------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("hmac-1", 0)]
    [InlineData("hmac-1", -1)]
    [InlineData("hmac-512", -1)]
    [InlineData("rsa-1", -1)]
    [InlineData("ec-256", -1)]
    [InlineData("ec-521", 0)]
    public void Validate_SignatureDiffersInOneByte_IsSignatureInvalid(string kid, int byteIndex)
    {
        JwtKey key = s_keys.First(k => k.KeyId == kid);
        string token = Sign(key, $$"""{"alg":"{{key.Algorithm}}","kid":"{{kid}}"}""", Payload());
        JwtValidator validator = CreateValidator();
        Assert.Equal(JwtError.None, Check(validator, token).Error);
        int dot = token.LastIndexOf('.');
        byte[] signature = Base64Url.DecodeFromChars(token.AsSpan(dot + 1));

        signature[byteIndex < 0 ? signature.Length + byteIndex : byteIndex] ^= 0x01;

        Assert.Equal(JwtError.SignatureInvalid, Check(validator, token[..(dot + 1)] + Base64Url.EncodeToString(signature)).Error);
    }

    [Fact]
    public void Validate_HmacFromAnotherSecretWithSameKid_IsSignatureInvalid()
    {
        using JwtKey impostor = JwtKey.CreateHmac(RandomNumberGenerator.GetBytes(32), JwtAlgorithm.HS256, "hmac-1");
        string token = Sign(impostor, HmacHeader, Payload());

        Assert.Equal(JwtError.SignatureInvalid, Check(CreateValidator(), token).Error);
    }

    [Theory]
    [InlineData(31)]
    [InlineData(33)]
    [InlineData(1)]
    [InlineData(64)]
    public void Validate_HmacSignatureOfWrongLength_IsSignatureInvalid(int length)
    {
        string token = Sign(s_hmac, HmacHeader, Payload());
        byte[] mac = Base64Url.DecodeFromChars(token.AsSpan(token.LastIndexOf('.') + 1));
        byte[] resized = new byte[length];
        mac.AsSpan(0, Math.Min(length, mac.Length)).CopyTo(resized);

        string bad = token[..(token.LastIndexOf('.') + 1)] + Base64Url.EncodeToString(resized);

        Assert.Equal(JwtError.SignatureInvalid, Check(CreateValidator(), bad).Error);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Messages are safe to log
    // ---------------------------------------------------------------------------------------------------------

    [Fact]
    public void Validate_FailureMessage_NeverContainsTokenText()
    {
        const string Secret = "SECRET-SUBJECT-4242";
        string valid = Sign(s_hmac, HmacHeader, Payload(("sub", $"\"{Secret}\"")));
        string[] p = valid.Split('.');
        string[] failing =
        [
            valid[..^2] + "AA",                                                                   // SignatureInvalid
            p[0] + "." + p[1] + "=." + p[2],                                                      // Malformed
            Sign(s_hmac, """{"alg":"none","kid":"hmac-1"}""", Payload(("sub", $"\"{Secret}\""))), // AlgorithmNotAllowed
            Sign(s_hmac, HmacHeader, Payload(("sub", $"\"{Secret}\""), ("exp", "1600000000"))),   // Expired
            Sign(s_hmac, HmacHeader, Payload(("sub", $"\"{Secret}\""), ("aud", "\"other\""))),    // AudienceInvalid
            Sign(s_hmac, HmacHeader, Payload(("sub", $"\"{Secret}\""), ("iss", "1"))),            // InvalidClaim
            Sign(s_hmac, """{"alg":"HS256","kid":"nope"}""", Payload(("sub", $"\"{Secret}\""))),  // KeyNotFound
            valid + new string('A', 9000),                                                         // TokenTooLarge
        ];
        var seen = new HashSet<JwtError>();

        foreach (string token in failing)
        {
            JwtValidationResult result = Check(CreateValidator(), token);
            Assert.NotEqual(JwtError.None, result.Error);
            seen.Add(result.Error);
            string message = result.Message;
            Assert.False(string.IsNullOrWhiteSpace(message));
            Assert.DoesNotContain(Secret, message, StringComparison.Ordinal);
            foreach (string segment in token.Split('.').Where(s => s.Length >= 8))
            {
                Assert.DoesNotContain(segment, message, StringComparison.Ordinal);
                Assert.DoesNotContain(segment[..8], message, StringComparison.Ordinal);
            }
        }

        Assert.Equal(8, seen.Count);
    }

    [Fact]
    public void Message_EveryError_IsAFixedNonEmptyText()
    {
        foreach (JwtError error in Enum.GetValues<JwtError>())
        {
            string message = JwtValidationResult.Fail(error).Message;
            Assert.False(string.IsNullOrWhiteSpace(message));
            Assert.Same(message, JwtValidationResult.Fail(error).Message);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Helpers
    // ---------------------------------------------------------------------------------------------------------

    private static JwtValidator CreateValidator(Action<JwtValidationOptions>? configure = null, TimeProvider? time = null, JwtKeySet? keys = null)
    {
        var options = new JwtValidationOptions { ValidIssuer = Issuer, ValidAudience = Audience };
        configure?.Invoke(options);
        return new JwtValidator(options, keys ?? s_keys, time ?? new FakeTimeProvider(s_now));
    }

    /// <summary>Validates, failing the test (rather than the assertion after it) if Validate throws.</summary>
    private static JwtValidationResult Check(JwtValidator validator, string? token)
    {
        JwtValidationResult result = default;
        Exception? thrown = Record.Exception(() => result = validator.Validate(token));
        Assert.Null(thrown);
        return result;
    }

    private static long MinAllocatedBytes(Action action)
    {
        action(); // warm up: JIT, pooled buffers, pooled HMAC instances
        long least = long.MaxValue;
        for (int i = 0; i < 3; i++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            action();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return least;
    }

    private static string B64(string text) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(text));

    /// <summary>A claims set: the defaults, with each change replacing, adding (unknown name) or removing (null) one member.</summary>
    private static string Payload(params (string Name, string? Json)[] changes)
    {
        var members = new List<(string Name, string Json)>
        {
            ("iss", "\"" + Issuer + "\""),
            ("aud", "\"" + Audience + "\""),
            ("sub", "\"user-1\""),
            ("exp", "1700000300"),
            ("iat", "1700000000"),
        };
        foreach ((string name, string? json) in changes)
        {
            int index = members.FindIndex(m => m.Name == name);
            if (json is null)
            {
                if (index >= 0)
                {
                    members.RemoveAt(index);
                }
            }
            else if (index >= 0)
            {
                members[index] = (name, json);
            }
            else
            {
                members.Add((name, json));
            }
        }

        return "{" + string.Join(",", members.Select(m => "\"" + m.Name + "\":" + m.Json)) + "}";
    }

    private static string Sign(JwtKey key, string header, string payload) =>
        Assemble(key, Encoding.UTF8.GetBytes(header), Encoding.UTF8.GetBytes(payload));

    private static string SignWith(JwtKey key, string header) => Sign(key, header, Payload());

    /// <summary>header.payload.signature from raw JSON bytes, signed with the internal <c>JwtKey.Sign</c>.</summary>
    private static string Assemble(JwtKey key, byte[] header, byte[] payload)
    {
        string signingInput = Base64Url.EncodeToString(header) + "." + Base64Url.EncodeToString(payload);
        byte[] signature = new byte[key.SignatureSize];
        int written = key.Sign(Encoding.ASCII.GetBytes(signingInput), signature);
        return signingInput + "." + Base64Url.EncodeToString(signature.AsSpan(0, written));
    }

    /// <summary>A valid token whose header and payload segments have the given lengths modulo 4 (2 or 3).</summary>
    private static string TokenWithRemainders(JwtKey key, int headerRemainder, int payloadRemainder)
    {
        string header = PadJson($$"""{"alg":"{{key.Algorithm}}","kid":"{{key.KeyId}}","x":""" + "\"", headerRemainder);
        string payload = PadJson(Payload()[..^1] + ",\"x\":\"", payloadRemainder);
        return Sign(key, header, payload);

        static string PadJson(string open, int remainder)
        {
            for (int pad = 0; ; pad++)
            {
                string json = open + new string('p', pad) + "\"}";
                if (Base64Url.GetEncodedLength(Encoding.UTF8.GetByteCount(json)) % 4 == remainder)
                {
                    return json;
                }
            }
        }
    }

    private static string MutateSegment(string s, string mutation)
    {
        int middle = s.Length / 2;
        int last = Alphabet.IndexOf(s[^1], StringComparison.Ordinal);
        return mutation switch
        {
            "PaddingOne" => s + "=",
            "PaddingCanonical" => s + new string('=', 4 - (s.Length % 4)),
            "PaddingTwoExtra" => s + "==",
            "Plus" => s[..1] + "+" + s[2..],
            "Slash" => s[..1] + "/" + s[2..],
            "StandardAlphabetTail" => s + "+/",
            "SpaceInside" => s.Insert(middle, " "),
            "TabInside" => s.Insert(middle, "\t"),
            "NewlineInside" => s.Insert(middle, "\n"),
            "CrLfAtEnd" => s + "\r\n",
            "LeadingSpace" => " " + s,
            "TrailingSpace" => s + " ",
            // The unused low bits of the last character (4 of them when length % 4 == 2, 2 when 3) must be zero.
            "TrailingBitsLowest" => s[..^1] + Alphabet[last | 1],
            "TrailingBitsHighest" => s[..^1] + Alphabet[last | (s.Length % 4 == 2 ? 0x08 : 0x02)],
            "LengthMod4Is1" => s + new string('A', s.Length % 4 == 2 ? 3 : 2),
            "NonAsciiLetter" => s.Insert(middle, "\u00e9"),
            "FullwidthLetter" => s.Insert(middle, "\uff21"),
            "Nul" => s.Insert(middle, "\0"),
            "PercentEncodedPadding" => s + "%3D",
            "Empty" => "",
            _ => throw new ArgumentOutOfRangeException(nameof(mutation)),
        };
    }

    private static byte[] RsaPublicKeyBytes(string form) => form switch
    {
        "PemSpki" => Encoding.ASCII.GetBytes(s_rsa.ExportSubjectPublicKeyInfoPem()),
        "PemSpkiTrailingNewline" => Encoding.ASCII.GetBytes(s_rsa.ExportSubjectPublicKeyInfoPem() + "\n"),
        "PemSpkiLeadingWhitespace" => Encoding.ASCII.GetBytes(" \r\n\t" + s_rsa.ExportSubjectPublicKeyInfoPem()),
        "PemSpkiCrLf" => Encoding.ASCII.GetBytes(s_rsa.ExportSubjectPublicKeyInfoPem().ReplaceLineEndings("\r\n") + "\r\n"),
        // A PEM file saved by an editor that writes a UTF-8 byte order mark.
        "PemSpkiUtf8Bom" => [0xEF, 0xBB, 0xBF, .. Encoding.ASCII.GetBytes(s_rsa.ExportSubjectPublicKeyInfoPem())],
        // RFC 7468 §2 allows text before the encapsulation boundary (openssl writes "subject=..." or "Bag Attributes").
        "PemSpkiAfterExplanatoryText" => Encoding.ASCII.GetBytes("Bag Attributes\n    friendlyName: api\nsubject=CN=api\n" + s_rsa.ExportSubjectPublicKeyInfoPem()),
        "PemPkcs1" => Encoding.ASCII.GetBytes(s_rsa.ExportRSAPublicKeyPem()),
        "DerSpki" => s_rsa.ExportSubjectPublicKeyInfo(),
        "DerPkcs1" => s_rsa.ExportRSAPublicKey(),
        "Jwk" => Encoding.UTF8.GetBytes(s_rsaKey.ToJwk()),
        "JwkIndented" => Encoding.UTF8.GetBytes(s_rsaKey.ToJwk().Replace("{", "{\n  ", StringComparison.Ordinal).Replace(",", ",\n  ", StringComparison.Ordinal).Replace(":", ": ", StringComparison.Ordinal)),
        "JwkUtf8Bom" => [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(s_rsaKey.ToJwk())],
        "Jwks" => Encoding.UTF8.GetBytes(new JwtKeySet(s_rsaKey).ToJwks()),
        _ => throw new ArgumentOutOfRangeException(nameof(form)),
    };

    private static byte[] EcPublicKeyBytes(string form) => form switch
    {
        "EcPemSpki" => Encoding.ASCII.GetBytes(s_ecdsa256.ExportSubjectPublicKeyInfoPem()),
        "EcDerSpki" => s_ecdsa256.ExportSubjectPublicKeyInfo(),
        "EcJwk" => Encoding.UTF8.GetBytes(s_es256.ToJwk()),
        _ => throw new ArgumentOutOfRangeException(nameof(form)),
    };

    private static byte[] PadLeft(byte[] value, int length)
    {
        byte[] padded = new byte[length];
        value.AsSpan().TrimStart((byte)0).CopyTo(padded.AsSpan(length - value.AsSpan().TrimStart((byte)0).Length));
        return padded;
    }

    /// <summary>(a + b) mod 2^(8·length), big-endian: s + n, which is out of range but congruent to s.</summary>
    private static byte[] AddBigEndian(byte[] a, byte[] b)
    {
        byte[] sum = new byte[a.Length];
        int carry = 0;
        for (int i = a.Length - 1; i >= 0; i--)
        {
            int total = a[i] + b[i] + carry;
            sum[i] = (byte)total;
            carry = total >> 8;
        }

        return sum;
    }
}
