using System.Security.Cryptography;
using System.Text.Json;
using Jose;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Tessera.Jwt;

namespace Tessera.Tests.Jwt;

/// <summary>
/// Round trips with two independent JOSE implementations, both directions, every algorithm:
/// Microsoft.IdentityModel.JsonWebTokens (<see cref="JsonWebTokenHandler"/>) and jose-jwt (<see cref="JWT"/>).
/// </summary>
/// <remarks>
/// <para>
/// Coverage. Both peers sign and verify all twelve algorithms Tessera supports (HS256/384/512,
/// RS256/384/512, PS256/384/512, ES256/384/512), so every pair is tested; no pair is left out. The peers
/// are given keys in the form each takes: IdentityModel a <see cref="JsonWebKey"/> parsed from our
/// <see cref="JwtKey.ToJwk"/> output (which also checks our JWK export), jose-jwt native keys
/// (<c>byte[]</c> for HS*, <see cref="RSA"/> for RS* and PS* — jose-jwt 5 on .NET does PSS only with an
/// <see cref="RSA"/> or an RSA JWK — and <see cref="ECDsa"/> for ES*). jose-jwt's own keys are generated
/// natively (2048-bit RSA, the algorithm's curve, a hash-sized random secret) and imported into Tessera
/// with <see cref="JwtKey.CreateRsa"/>, <see cref="JwtKey.CreateECDsa"/> and <see cref="JwtKey.CreateHmac"/>.
/// </para>
/// <para>
/// What "validates" means per peer. IdentityModel checks signature, algorithm, <c>typ</c>, issuer,
/// audience and lifetime; its clock cannot be injected (8.x keeps its time provider internal), so tokens
/// for it are issued around the real current time. jose-jwt verifies only the signature and the expected
/// algorithm — it has no claim validation — so its decoded payload is compared claim by claim here.
/// </para>
/// <para>
/// Every peer check is also run on a token with one signature character changed, so that a peer which
/// accepted anything would fail the test.
/// </para>
/// </remarks>
public sealed class PeerInteropTests
{
    private const string Issuer = "https://auth.example";
    private const string Audience = "api";
    private const string OtherAudience = "billing";
    private const string Subject = "user-42";
    private const string TokenId = "3f1c9a52-jti";

    private static readonly DateTimeOffset s_issuedAt = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
    private static readonly DateTimeOffset s_expiresAt = s_issuedAt.AddMinutes(5);
    private static readonly DateTimeOffset s_validationTime = s_issuedAt.AddMinutes(1);

    public static TheoryData<JwtAlgorithm> AllAlgorithms => new(Enum.GetValues<JwtAlgorithm>());

    // ---- Tessera signs, IdentityModel validates ----------------------------------------------------

    [Theory]
    [MemberData(nameof(AllAlgorithms))]
    public async Task JwtSigner_TokenValidatedByIdentityModel_ClaimsMatch(JwtAlgorithm algorithm)
    {
        // IdentityModel 8.x reads its clock itself (its TokenValidationParameters.TimeProvider is not public),
        // so this token's lifetime is set around the real current time, whole seconds, as NumericDate has.
        DateTimeOffset issuedAt = DateTimeOffset.FromUnixTimeSeconds(TimeProvider.System.GetUtcNow().ToUnixTimeSeconds());
        using JwtKey key = JwtKey.Generate(algorithm, "tessera-" + algorithm);
        var signer = new JwtSigner(key, JwtTypes.AccessToken);
        string token = signer.Sign(ClaimsForTessera(issuedAt));

        // The peer gets the public JWK; HMAC secrets have no public form, so for HS* it gets the secret itself.
        var peerKey = new JsonWebKey(key.ToJwk(includePrivateParameters: key.IsSymmetric));
        Assert.True(key.IsSymmetric || peerKey.D is null);
        var handler = new JsonWebTokenHandler();
        TokenValidationParameters parameters = IdentityModelParameters(peerKey, algorithm);

        TokenValidationResult result = await handler.ValidateTokenAsync(token, parameters);

        Assert.True(result.IsValid, result.Exception?.ToString());
        JsonWebToken jwt = Assert.IsType<JsonWebToken>(result.SecurityToken);
        Assert.Equal(algorithm.ToString(), jwt.Alg);
        Assert.Equal(JwtTypes.AccessToken, jwt.Typ);
        Assert.Equal(key.KeyId, jwt.Kid);
        Assert.Equal(Issuer, jwt.Issuer);
        Assert.Equal(Subject, jwt.Subject);
        Assert.Equal(TokenId, jwt.Id);
        Assert.Equal([Audience, OtherAudience], jwt.Audiences);
        Assert.Equal(issuedAt.AddMinutes(5).UtcDateTime, jwt.ValidTo);
        Assert.Equal(issuedAt.UtcDateTime, jwt.ValidFrom);
        Assert.Equal(issuedAt.UtcDateTime, jwt.IssuedAt);
        Assert.Equal("s-1", jwt.GetPayloadValue<string>("sid"));
        Assert.True(jwt.GetPayloadValue<bool>("admin"));
        Assert.Equal(42L, jwt.GetPayloadValue<long>("level"));
        Assert.Equal(0.25, jwt.GetPayloadValue<double>("ratio"));
        Assert.Equal(["reader", "writer"], jwt.GetPayloadValue<string[]>("roles"));

        TokenValidationResult tampered = await handler.ValidateTokenAsync(TamperSignature(token), parameters);
        Assert.False(tampered.IsValid);
        Assert.IsAssignableFrom<SecurityTokenInvalidSignatureException>(tampered.Exception);

        // IdentityModel's lifetime check is live too: the same claims, ten minutes in the past, are refused.
        string expired = signer.Sign(ClaimsForTessera(issuedAt.AddMinutes(-10)));
        TokenValidationResult late = await handler.ValidateTokenAsync(expired, parameters);
        Assert.False(late.IsValid);
        Assert.IsType<SecurityTokenExpiredException>(late.Exception);
    }

    // ---- Tessera signs, jose-jwt verifies ----------------------------------------------------------

    [Theory]
    [MemberData(nameof(AllAlgorithms))]
    public void JwtSigner_TokenVerifiedByJoseJwt_ClaimsMatch(JwtAlgorithm algorithm)
    {
        using JwtKey key = JwtKey.Generate(algorithm, "tessera-" + algorithm);
        string token = new JwtSigner(key, JwtTypes.AccessToken).Sign(ClaimsForTessera(s_issuedAt));
        object peerKey = NativeKey(key, includePrivate: false);
        try
        {
            string payload = JWT.Decode(token, peerKey, JoseAlgorithm(algorithm));

            IDictionary<string, object> header = JWT.Headers(token);
            Assert.Equal(algorithm.ToString(), header["alg"].ToString());
            Assert.Equal(JwtTypes.AccessToken, header["typ"].ToString());
            Assert.Equal(key.KeyId, header["kid"].ToString());
            using JsonDocument document = JsonDocument.Parse(payload);
            JsonElement claims = document.RootElement;
            Assert.Equal(Issuer, claims.GetProperty("iss").GetString());
            Assert.Equal(Subject, claims.GetProperty("sub").GetString());
            Assert.Equal(TokenId, claims.GetProperty("jti").GetString());
            Assert.Equal([Audience, OtherAudience], claims.GetProperty("aud").EnumerateArray().Select(a => a.GetString()));
            Assert.Equal(s_expiresAt.ToUnixTimeSeconds(), claims.GetProperty("exp").GetInt64());
            Assert.Equal(s_issuedAt.ToUnixTimeSeconds(), claims.GetProperty("nbf").GetInt64());
            Assert.Equal(s_issuedAt.ToUnixTimeSeconds(), claims.GetProperty("iat").GetInt64());
            Assert.Equal("s-1", claims.GetProperty("sid").GetString());
            Assert.True(claims.GetProperty("admin").GetBoolean());
            Assert.Equal(42L, claims.GetProperty("level").GetInt64());
            Assert.Equal(0.25, claims.GetProperty("ratio").GetDouble());
            Assert.Equal(["reader", "writer"], claims.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));

            Assert.Throws<IntegrityException>(() => JWT.Decode(TamperSignature(token), peerKey, JoseAlgorithm(algorithm)));
        }
        finally
        {
            (peerKey as IDisposable)?.Dispose();
        }
    }

    // ---- IdentityModel signs, Tessera validates ----------------------------------------------------

    [Theory]
    [MemberData(nameof(AllAlgorithms))]
    public void Validate_TokenSignedByIdentityModel_ClaimsReadBackEqual(JwtAlgorithm algorithm)
    {
        using JwtKey key = JwtKey.Generate(algorithm, "identitymodel-" + algorithm);
        var peerKey = new JsonWebKey(key.ToJwk(includePrivateParameters: true));
        var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        var descriptor = new SecurityTokenDescriptor
        {
            TokenType = JwtTypes.AccessToken,
            Issuer = Issuer,
            Audiences = { Audience, OtherAudience },
            Expires = s_expiresAt.UtcDateTime,
            NotBefore = s_issuedAt.UtcDateTime,
            IssuedAt = s_issuedAt.UtcDateTime,
            Claims = PrivateAndStringClaims(),
            SigningCredentials = new SigningCredentials(peerKey, algorithm.ToString()),
        };

        string token = handler.CreateToken(descriptor);

        // Verify with the public half only, re-imported from our own JWK export (HMAC: the secret itself).
        using JwtKey verifier = key.IsSymmetric ? JwtKey.FromJwk(key.ToJwk(includePrivateParameters: true)) : JwtKey.FromJwk(key.ToJwk(), algorithm);
        Assert.Equal(key.IsSymmetric, verifier.CanSign);
        AssertValidatedByTessera(token, verifier, algorithm);
    }

    // ---- jose-jwt signs, Tessera validates ---------------------------------------------------------

    [Theory]
    [MemberData(nameof(AllAlgorithms))]
    public void Validate_TokenSignedByJoseJwt_ClaimsReadBackEqual(JwtAlgorithm algorithm)
    {
        string keyId = "jose-" + algorithm;
        var payload = new Dictionary<string, object>(PrivateAndStringClaims())
        {
            ["iss"] = Issuer,
            ["aud"] = new[] { Audience, OtherAudience },
            ["exp"] = s_expiresAt.ToUnixTimeSeconds(),
            ["nbf"] = s_issuedAt.ToUnixTimeSeconds(),
            ["iat"] = s_issuedAt.ToUnixTimeSeconds(),
        };
        var headers = new Dictionary<string, object> { ["typ"] = JwtTypes.AccessToken, ["kid"] = keyId };

        string token;
        JwtKey verifier;
        switch (algorithm.ToString()[..2])
        {
            case "HS":
                byte[] secret = RandomNumberGenerator.GetBytes(HashSize(algorithm));
                token = JWT.Encode(payload, secret, JoseAlgorithm(algorithm), headers);
                verifier = JwtKey.CreateHmac(secret, algorithm, keyId);
                break;

            case "RS" or "PS":
                using (RSA rsa = RSA.Create(2048))
                using (RSA publicRsa = RSA.Create(rsa.ExportParameters(includePrivateParameters: false)))
                {
                    token = JWT.Encode(payload, rsa, JoseAlgorithm(algorithm), headers);
                    verifier = JwtKey.CreateRsa(publicRsa, algorithm, keyId);
                }

                break;

            default:
                using (ECDsa ecdsa = ECDsa.Create(Curve(algorithm)))
                using (ECDsa publicEcdsa = ECDsa.Create(ecdsa.ExportParameters(includePrivateParameters: false)))
                {
                    token = JWT.Encode(payload, ecdsa, JoseAlgorithm(algorithm), headers);
                    verifier = JwtKey.CreateECDsa(publicEcdsa, algorithm, keyId);
                }

                break;
        }

        using (verifier)
        {
            Assert.Equal(verifier.IsSymmetric, verifier.CanSign);
            AssertValidatedByTessera(token, verifier, algorithm);
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------

    /// <summary>iss, sub, two audiences, exp, nbf, iat, jti, and private claims of five JSON types.</summary>
    private static JwtBuilder ClaimsForTessera(DateTimeOffset issuedAt) => new JwtBuilder()
        .Issuer(Issuer)
        .Subject(Subject)
        .Audience(Audience)
        .Audience(OtherAudience)
        .ExpiresAt(issuedAt.AddMinutes(5))
        .NotBefore(issuedAt)
        .IssuedAt(issuedAt)
        .Id(TokenId)
        .Claim("sid", "s-1")
        .Claim("admin", true)
        .Claim("level", 42L)
        .Claim("ratio", 0.25)
        .Claim("roles", ["reader", "writer"]);

    /// <summary>The same claims in the shape peers take (sub and jti included; the rest is added per peer).</summary>
    private static Dictionary<string, object> PrivateAndStringClaims() => new(StringComparer.Ordinal)
    {
        ["sub"] = Subject,
        ["jti"] = TokenId,
        ["sid"] = "s-1",
        ["admin"] = true,
        ["level"] = 42L,
        ["ratio"] = 0.25,
        ["roles"] = new[] { "reader", "writer" },
    };

    private static TokenValidationParameters IdentityModelParameters(SecurityKey key, JwtAlgorithm algorithm) => new()
    {
        ValidIssuer = Issuer,
        ValidAudience = Audience,
        ValidTypes = [JwtTypes.AccessToken],
        ValidAlgorithms = [algorithm.ToString()],
        IssuerSigningKey = key,
        RequireSignedTokens = true,
        RequireExpirationTime = true,
        ValidateIssuerSigningKey = true,
        ClockSkew = TimeSpan.Zero,
    };

    private static void AssertValidatedByTessera(string token, JwtKey verifier, JwtAlgorithm algorithm)
    {
        var time = new FakeTimeProvider(s_validationTime);
        var options = new JwtValidationOptions
        {
            ValidIssuer = Issuer,
            ValidAudience = Audience,
            ValidTypes = { JwtTypes.AccessToken },
            RequiredClaims = { "sub", "jti" },
            ClockSkew = TimeSpan.Zero,
        };
        var validator = new JwtValidator(options, new JwtKeySet(verifier), time);

        JwtValidationResult result = validator.Validate(token);

        Assert.Equal(JwtError.None, result.Error);
        JwtClaims claims = result.Claims!;
        Assert.Equal(algorithm, claims.Algorithm);
        Assert.Equal(JwtTypes.AccessToken, claims.Type);
        Assert.Equal(verifier.KeyId, claims.KeyId);
        Assert.Equal(Issuer, claims.Issuer);
        Assert.Equal(Subject, claims.Subject);
        Assert.Equal(TokenId, claims.Id);
        Assert.Equal([Audience, OtherAudience], claims.Audiences);
        Assert.Equal(s_expiresAt, claims.ExpiresAt);
        Assert.Equal(s_issuedAt, claims.NotBefore);
        Assert.Equal(s_issuedAt, claims.IssuedAt);
        Assert.Equal("s-1", claims.GetString("sid"));
        Assert.True(claims.TryGetBoolean("admin", out bool admin));
        Assert.True(admin);
        Assert.True(claims.TryGetInt64("level", out long level));
        Assert.Equal(42L, level);
        Assert.True(claims.TryGetDouble("ratio", out double ratio));
        Assert.Equal(0.25, ratio);
        Assert.True(claims.TryGetStringArray("roles", out string[]? roles));
        Assert.Equal(["reader", "writer"], roles);

        // The peer's token is really checked: a changed signature fails, and so does the clock at exp.
        Assert.Equal(JwtError.SignatureInvalid, validator.Validate(TamperSignature(token)).Error);
        time.SetUtcNow(s_expiresAt);
        Assert.Equal(JwtError.Expired, validator.Validate(token).Error);
    }

    /// <summary>A key object jose-jwt accepts: the HMAC secret, or an <see cref="RSA"/> / <see cref="ECDsa"/> copy.</summary>
    private static object NativeKey(JwtKey key, bool includePrivate) => key switch
    {
        HmacJwtKey hmac => hmac.Secret.ToArray(),
        RsaJwtKey rsa => RSA.Create(rsa.ExportParameters(includePrivate)),
        EcJwtKey ec => ECDsa.Create(ec.ExportParameters(includePrivate)),
        _ => throw new ArgumentException("Unknown key type.", nameof(key)),
    };

    private static JwsAlgorithm JoseAlgorithm(JwtAlgorithm algorithm) => Enum.Parse<JwsAlgorithm>(algorithm.ToString());

    private static int HashSize(JwtAlgorithm algorithm) => algorithm switch
    {
        JwtAlgorithm.HS256 => 32,
        JwtAlgorithm.HS384 => 48,
        _ => 64,
    };

    private static ECCurve Curve(JwtAlgorithm algorithm) => algorithm switch
    {
        JwtAlgorithm.ES256 => ECCurve.NamedCurves.nistP256,
        JwtAlgorithm.ES384 => ECCurve.NamedCurves.nistP384,
        _ => ECCurve.NamedCurves.nistP521,
    };

    /// <summary>
    /// Changes the third character of the signature segment to another base64url character. That character
    /// lies in the first full 4-character group, so the text stays canonical and the decoded bytes change.
    /// </summary>
    private static string TamperSignature(string token)
    {
        int index = token.LastIndexOf('.') + 3;
        char replacement = token[index] == 'A' ? 'B' : 'A';
        return string.Concat(token.AsSpan(0, index), [replacement], token.AsSpan(index + 1));
    }
}
