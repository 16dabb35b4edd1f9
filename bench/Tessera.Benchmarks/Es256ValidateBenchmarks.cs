using System.IdentityModel.Tokens.Jwt;
using System.Security.Cryptography;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Tessera.Jwt;
using TesseraValidator = Tessera.Jwt.JwtValidator;

namespace Tessera.Benchmarks;

/// <summary>
/// Validating one ES256 (P-256) token, signed once by Tessera, with each library; raw
/// <see cref="ECDsa.VerifyData(byte[], byte[], HashAlgorithmName, DSASignatureFormat)"/> in the JOSE (IEEE P1363)
/// signature format is the crypto floor.
/// </summary>
/// <remarks>
/// <para>Validators hold a public-only key. The checks made by each are those listed on
/// <see cref="Hs256ValidateBenchmarks"/>, with ES256 in place of HS256 (jose-jwt's claims are checked by hand
/// after it; System.IdentityModel's JwtSecurityTokenHandler gets its own, identical parameters and also maps
/// claim types and builds a ClaimsPrincipal).</para>
/// <para>JWT.Net is absent: JWT 7.3.1 has no ECDSA algorithm at all (its <c>JWT.Algorithms</c> are
/// HMACSHA256/384/512Algorithm and RS256Algorithm; there is no <c>ES256Algorithm</c>, which later major
/// versions add). Wrapping ECDsa in our own <c>IJwtAlgorithm</c> would measure this project's code, not
/// JWT.Net's, so it is not done.</para>
/// </remarks>
public class Es256ValidateBenchmarks
{
    private ECDsa _privateEcdsa = null!;
    private ECDsa _publicEcdsa = null!;
    private string _token = "";
    private JsonWebTokenHandler _microsoft = null!;
    private TokenValidationParameters _microsoftParameters = null!;
    private JwtSecurityTokenHandler _systemIdentityModel = null!;
    private TokenValidationParameters _systemIdentityModelParameters = null!;
    private TesseraValidator _tessera = null!;
    private byte[] _signingInput = [];
    private byte[] _signature = [];

    /// <summary>Creates the key, signs the shared token, and proves every validator accepts it and rejects bad ones.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _privateEcdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        _publicEcdsa = BenchToken.PublicOnly(_privateEcdsa);
        JwtKey signingKey = JwtKey.CreateECDsa(_privateEcdsa, JwtAlgorithm.ES256);
        JwtKey verificationKey = JwtKey.CreateECDsa(_publicEcdsa, JwtAlgorithm.ES256);
        var signer = new JwtSigner(signingKey, JwtTypes.Jwt);
        (DateTimeOffset iat, DateTimeOffset nbf, DateTimeOffset exp) = BenchToken.Times();
        _token = signer.Sign(BenchToken.Claims(iat, nbf, exp));
        string expired = signer.Sign(BenchToken.Claims(iat.AddYears(-1), nbf.AddYears(-1), iat.AddHours(-1)));
        string wrongAudience = signer.Sign(BenchToken.Claims(iat, nbf, exp, audience: "billing-api"));

        _microsoft = new JsonWebTokenHandler();
        _microsoftParameters = BenchToken.MicrosoftParameters(
            new ECDsaSecurityKey(_publicEcdsa) { KeyId = verificationKey.KeyId }, SecurityAlgorithms.EcdsaSha256);
        _systemIdentityModel = new JwtSecurityTokenHandler();
        _systemIdentityModelParameters = BenchToken.MicrosoftParameters(
            new ECDsaSecurityKey(_publicEcdsa) { KeyId = verificationKey.KeyId }, SecurityAlgorithms.EcdsaSha256);
        _tessera = BenchToken.TesseraValidator(verificationKey);
        (_signingInput, _signature) = BenchToken.Split(_token);

        BenchToken.RequireAgreement(
            new Dictionary<string, Func<string, bool>>
            {
                ["Microsoft"] = t => BenchToken.Accepted(_microsoft.ValidateTokenAsync(t, _microsoftParameters).GetAwaiter().GetResult()),
                ["System.IdentityModel"] = t => _systemIdentityModel.ValidateToken(t, _systemIdentityModelParameters, out _).Identity?.IsAuthenticated == true,
                ["jose-jwt"] = JoseValidate,
                ["Tessera"] = t => BenchToken.Accepted(_tessera.Validate(t)),
            },
            _token,
            expired,
            wrongAudience);
        BenchToken.RequireRaw("ECDsa.VerifyData", Raw_ECDsa_VerifyData());
    }

    /// <summary>Releases the keys.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _privateEcdsa.Dispose();
        _publicEcdsa.Dispose();
    }

    /// <summary>Microsoft.IdentityModel.JsonWebTokens: JsonWebTokenHandler.ValidateTokenAsync.</summary>
    [Benchmark(Baseline = true)]
    public Task<TokenValidationResult> Microsoft() => _microsoft.ValidateTokenAsync(_token, _microsoftParameters);

    /// <summary>Tessera: JwtValidator.Validate.</summary>
    [Benchmark]
    public JwtValidationResult Tessera() => _tessera.Validate(_token);

    /// <summary>jose-jwt: JWT.Decode (signature), then the claim checks by hand.</summary>
    [Benchmark]
    public bool JoseJwt() => JoseValidate(_token);

    /// <summary>System.IdentityModel.Tokens.Jwt: JwtSecurityTokenHandler.ValidateToken.</summary>
    [Benchmark]
    public System.Security.Claims.ClaimsPrincipal SystemIdentityModel() =>
        _systemIdentityModel.ValidateToken(_token, _systemIdentityModelParameters, out _);

    /// <summary>The floor: ECDsa.VerifyData (SHA-256, IEEE P1363 r||s) over the precomputed signing input and signature.</summary>
    [Benchmark]
    public bool Raw_ECDsa_VerifyData() =>
        _publicEcdsa.VerifyData(_signingInput, _signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    private bool JoseValidate(string token)
    {
        string payload = Jose.JWT.Decode(token, _publicEcdsa, Jose.JwsAlgorithm.ES256);
        using var document = JsonDocument.Parse(payload);
        return BenchToken.ClaimsAcceptable(document.RootElement);
    }
}
