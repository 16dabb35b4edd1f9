using System.IdentityModel.Tokens.Jwt;
using System.Security.Cryptography;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using JWT;
using JWT.Algorithms;
using JWT.Serializers;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Tessera.Jwt;
using TesseraValidator = Tessera.Jwt.JwtValidator;

namespace Tessera.Benchmarks;

/// <summary>
/// RS256 with a 2048-bit key: validating one token signed by Tessera, and signing the shared claims. The
/// raw <see cref="RSA"/> calls over the same signing input are the crypto floor; the target is Tessera at
/// most 1.03× the raw verify.
/// </summary>
/// <remarks>
/// <para>Validators hold a public-only key, as a resource server does. The checks made by each validator are
/// those listed on <see cref="Hs256ValidateBenchmarks"/>, with RS256 in place of HS256: jose-jwt's claims are
/// checked by hand after it; JWT.Net (<c>RS256Algorithm(publicKey)</c>) verifies the signature, exp and nbf
/// when present, and exp presence, iss and aud are checked by hand after it (<see cref="BenchToken.JwtNetValidate"/>).
/// JWT.Net verifies with the algorithm it is given whatever the header <c>alg</c> says (tried by hand: the RS256
/// signature over a header saying <c>HS512</c>, <c>RS512</c> or <c>none</c> is accepted); 7.3.1 also needs a
/// non-empty key argument it then ignores (<see cref="BenchToken.JwtNetUnusedKey"/>).</para>
/// <para>Signers hold the private key and build their claims container on every call, as in
/// <see cref="Hs256SignBenchmarks"/>: Microsoft and System.IdentityModel from a SecurityTokenDescriptor, jose-jwt
/// and JWT.Net (<c>RS256Algorithm(publicKey, privateKey)</c>) from a dictionary, Tessera from a JwtBuilder.
/// Each one's output must validate with Tessera and carry all the claims.</para>
/// <para>Baselines: Microsoft in each category (Validate, Sign).</para>
/// </remarks>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class Rs256Benchmarks
{
    private RSA _privateRsa = null!;
    private RSA _publicRsa = null!;
    private string _token = "";
    private DateTimeOffset _issuedAt;
    private DateTimeOffset _notBefore;
    private DateTimeOffset _expiresAt;
    private JsonWebTokenHandler _microsoft = null!;
    private TokenValidationParameters _microsoftParameters = null!;
    private SigningCredentials _microsoftCredentials = null!;
    private JwtSecurityTokenHandler _systemIdentityModel = null!;
    private TokenValidationParameters _systemIdentityModelParameters = null!;
    private JwtDecoder _jwtNetDecoder = null!;
    private JwtEncoder _jwtNetEncoder = null!;
    private TesseraValidator _tessera = null!;
    private JwtSigner _tesseraSigner = null!;
    private byte[] _signingInput = [];
    private byte[] _signature = [];

    /// <summary>Creates the key, signs the shared token, and proves every validator and signer agrees.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _privateRsa = RSA.Create(2048);
        _publicRsa = BenchToken.PublicOnly(_privateRsa);
        JwtKey signingKey = JwtKey.CreateRsa(_privateRsa, JwtAlgorithm.RS256);
        JwtKey verificationKey = JwtKey.CreateRsa(_publicRsa, JwtAlgorithm.RS256);
        string keyId = verificationKey.KeyId!;
        _tesseraSigner = new JwtSigner(signingKey, JwtTypes.Jwt);
        (_issuedAt, _notBefore, _expiresAt) = BenchToken.Times();
        _token = _tesseraSigner.Sign(BenchToken.Claims(_issuedAt, _notBefore, _expiresAt));
        string expired = _tesseraSigner.Sign(BenchToken.Claims(_issuedAt.AddYears(-1), _notBefore.AddYears(-1), _issuedAt.AddHours(-1)));
        string wrongAudience = _tesseraSigner.Sign(BenchToken.Claims(_issuedAt, _notBefore, _expiresAt, audience: "billing-api"));

        _microsoft = new JsonWebTokenHandler();
        _microsoftParameters = BenchToken.MicrosoftParameters(new RsaSecurityKey(_publicRsa) { KeyId = keyId }, SecurityAlgorithms.RsaSha256);
        _microsoftCredentials = new SigningCredentials(new RsaSecurityKey(_privateRsa) { KeyId = keyId }, SecurityAlgorithms.RsaSha256);
        _systemIdentityModel = new JwtSecurityTokenHandler();
        _systemIdentityModelParameters = BenchToken.MicrosoftParameters(new RsaSecurityKey(_publicRsa) { KeyId = keyId }, SecurityAlgorithms.RsaSha256);
        _jwtNetDecoder = BenchToken.JwtNetDecoder(new RS256Algorithm(_publicRsa));
        _jwtNetEncoder = new JwtEncoder(new RS256Algorithm(_publicRsa, _privateRsa), new JsonNetSerializer(), new JwtBase64UrlEncoder());
        _tessera = BenchToken.TesseraValidator(verificationKey);
        (_signingInput, _signature) = BenchToken.Split(_token);

        BenchToken.RequireAgreement(
            new Dictionary<string, Func<string, bool>>
            {
                ["Microsoft"] = t => BenchToken.Accepted(_microsoft.ValidateTokenAsync(t, _microsoftParameters).GetAwaiter().GetResult()),
                ["System.IdentityModel"] = t => _systemIdentityModel.ValidateToken(t, _systemIdentityModelParameters, out _).Identity?.IsAuthenticated == true,
                ["jose-jwt"] = JoseValidate,
                ["JWT.Net"] = JwtNetValidate,
                ["Tessera"] = t => BenchToken.Accepted(_tessera.Validate(t)),
            },
            _token,
            expired,
            wrongAudience);
        BenchToken.RequireRaw("RSA.VerifyData", Validate_Raw_RSA_VerifyData());
        BenchToken.RequireTesseraAccepts("Microsoft", Sign_Microsoft(), _tessera);
        BenchToken.RequireTesseraAccepts("Tessera", Sign_Tessera(), _tessera);
        BenchToken.RequireTesseraAccepts("jose-jwt", Sign_JoseJwt(), _tessera);
        BenchToken.RequireTesseraAccepts("System.IdentityModel", Sign_SystemIdentityModel(), _tessera);
        BenchToken.RequireTesseraAccepts("JWT.Net", Sign_JwtNet(), _tessera);
        BenchToken.RequireRaw("RSA.SignData", _publicRsa.VerifyData(_signingInput, Sign_Raw_RSA_SignData(), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    /// <summary>Releases the keys.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _privateRsa.Dispose();
        _publicRsa.Dispose();
    }

    /// <summary>Microsoft.IdentityModel.JsonWebTokens: JsonWebTokenHandler.ValidateTokenAsync.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Validate")]
    public Task<TokenValidationResult> Validate_Microsoft() => _microsoft.ValidateTokenAsync(_token, _microsoftParameters);

    /// <summary>Tessera: JwtValidator.Validate.</summary>
    [Benchmark]
    [BenchmarkCategory("Validate")]
    public JwtValidationResult Validate_Tessera() => _tessera.Validate(_token);

    /// <summary>jose-jwt: JWT.Decode (signature), then the claim checks by hand.</summary>
    [Benchmark]
    [BenchmarkCategory("Validate")]
    public bool Validate_JoseJwt() => JoseValidate(_token);

    /// <summary>System.IdentityModel.Tokens.Jwt: JwtSecurityTokenHandler.ValidateToken.</summary>
    [Benchmark]
    [BenchmarkCategory("Validate")]
    public System.Security.Claims.ClaimsPrincipal Validate_SystemIdentityModel() =>
        _systemIdentityModel.ValidateToken(_token, _systemIdentityModelParameters, out _);

    /// <summary>JWT.Net: JwtDecoder (signature, exp, nbf), then exp presence, iss and aud by hand.</summary>
    [Benchmark]
    [BenchmarkCategory("Validate")]
    public bool Validate_JwtNet() => JwtNetValidate(_token);

    /// <summary>The floor: RSA.VerifyData (PKCS#1 v1.5, SHA-256) over the precomputed signing input and signature.</summary>
    [Benchmark]
    [BenchmarkCategory("Validate")]
    public bool Validate_Raw_RSA_VerifyData() =>
        _publicRsa.VerifyData(_signingInput, _signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

    /// <summary>Microsoft.IdentityModel.JsonWebTokens: JsonWebTokenHandler.CreateToken(SecurityTokenDescriptor).</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Sign")]
    public string Sign_Microsoft() => _microsoft.CreateToken(BenchToken.MicrosoftDescriptor(_microsoftCredentials, _issuedAt, _notBefore, _expiresAt));

    /// <summary>Tessera: a new JwtBuilder, then JwtSigner.Sign.</summary>
    [Benchmark]
    [BenchmarkCategory("Sign")]
    public string Sign_Tessera() => _tesseraSigner.Sign(BenchToken.Claims(_issuedAt, _notBefore, _expiresAt));

    /// <summary>jose-jwt: JWT.Encode of a claims dictionary.</summary>
    [Benchmark]
    [BenchmarkCategory("Sign")]
    public string Sign_JoseJwt() => Jose.JWT.Encode(Dictionary(), _privateRsa, Jose.JwsAlgorithm.RS256);

    /// <summary>System.IdentityModel.Tokens.Jwt: JwtSecurityTokenHandler.CreateEncodedJwt(SecurityTokenDescriptor).</summary>
    [Benchmark]
    [BenchmarkCategory("Sign")]
    public string Sign_SystemIdentityModel() =>
        _systemIdentityModel.CreateEncodedJwt(BenchToken.MicrosoftDescriptor(_microsoftCredentials, _issuedAt, _notBefore, _expiresAt));

    /// <summary>JWT.Net: JwtEncoder.Encode of a claims dictionary (the key argument is unused with RS256; the encoder's algorithm holds the private key).</summary>
    [Benchmark]
    [BenchmarkCategory("Sign")]
    public string Sign_JwtNet() => _jwtNetEncoder.Encode(Dictionary(), (byte[]?)null);

    /// <summary>The floor: RSA.SignData (PKCS#1 v1.5, SHA-256) over the precomputed signing input.</summary>
    [Benchmark]
    [BenchmarkCategory("Sign")]
    public byte[] Sign_Raw_RSA_SignData() =>
        _privateRsa.SignData(_signingInput, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

    private bool JoseValidate(string token)
    {
        string payload = Jose.JWT.Decode(token, _publicRsa, Jose.JwsAlgorithm.RS256);
        using var document = JsonDocument.Parse(payload);
        return BenchToken.ClaimsAcceptable(document.RootElement);
    }

    private bool JwtNetValidate(string token) => BenchToken.JwtNetValidate(_jwtNetDecoder, token, BenchToken.JwtNetUnusedKey);

    private Dictionary<string, object> Dictionary() =>
        BenchToken.ClaimsDictionary(_issuedAt.ToUnixTimeSeconds(), _notBefore.ToUnixTimeSeconds(), _expiresAt.ToUnixTimeSeconds());
}
