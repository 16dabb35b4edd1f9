using System.IdentityModel.Tokens.Jwt;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using JWT;
using JWT.Algorithms;
using JWT.Serializers;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Tessera.Jwt;
using TesseraValidator = Tessera.Jwt.JwtValidator;

namespace Tessera.Benchmarks;

/// <summary>
/// Signing the shared claims (iss, aud, sub, sid, jti, iat, nbf, exp, role, tenant) as an HS256 token. Each
/// call builds the library's claims container (descriptor, dictionary or builder) and signs it; keys,
/// credentials, handlers and encoders are created once.
/// </summary>
/// <remarks>
/// Every library's output is checked once in setup: Tessera must validate it and find all the claims.
/// Microsoft and System.IdentityModel write <c>typ: JWT</c> and a <c>kid</c>; jose-jwt and JWT.Net write
/// <c>typ: JWT</c> without <c>kid</c>; Tessera writes <c>kid</c> and <c>typ: JWT</c>.
/// </remarks>
public class Hs256SignBenchmarks
{
    private const string KeyId = "hs-2026";

    private byte[] _secret = [];
    private DateTimeOffset _issuedAt;
    private DateTimeOffset _notBefore;
    private DateTimeOffset _expiresAt;
    private JsonWebTokenHandler _microsoft = null!;
    private JwtSecurityTokenHandler _systemIdentityModel = null!;
    private SigningCredentials _credentials = null!;
    private JwtEncoder _jwtNet = null!;
    private JwtSigner _tessera = null!;

    /// <summary>Creates the keys and signers, and checks each one's output.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _secret = RandomNumberGenerator.GetBytes(32);
        (_issuedAt, _notBefore, _expiresAt) = BenchToken.Times();
        JwtKey key = JwtKey.CreateHmac(_secret, JwtAlgorithm.HS256, KeyId);
        _tessera = new JwtSigner(key, JwtTypes.Jwt);

        _credentials = new SigningCredentials(new SymmetricSecurityKey(_secret) { KeyId = KeyId }, SecurityAlgorithms.HmacSha256);
        _microsoft = new JsonWebTokenHandler();
        _systemIdentityModel = new JwtSecurityTokenHandler();
        _jwtNet = new JwtEncoder(new HMACSHA256Algorithm(), new JsonNetSerializer(), new JwtBase64UrlEncoder());

        TesseraValidator validator = BenchToken.TesseraValidator(key);
        BenchToken.RequireTesseraAccepts("Microsoft", Microsoft(), validator);
        BenchToken.RequireTesseraAccepts("System.IdentityModel", SystemIdentityModel(), validator);
        BenchToken.RequireTesseraAccepts("jose-jwt", JoseJwt(), validator);
        BenchToken.RequireTesseraAccepts("JWT.Net", JwtNet(), validator);
        BenchToken.RequireTesseraAccepts("Tessera", Tessera(), validator);
    }

    /// <summary>Microsoft.IdentityModel.JsonWebTokens: JsonWebTokenHandler.CreateToken(SecurityTokenDescriptor).</summary>
    [Benchmark(Baseline = true)]
    public string Microsoft() => _microsoft.CreateToken(Descriptor());

    /// <summary>System.IdentityModel.Tokens.Jwt: JwtSecurityTokenHandler.CreateEncodedJwt(SecurityTokenDescriptor).</summary>
    [Benchmark]
    public string SystemIdentityModel() => _systemIdentityModel.CreateEncodedJwt(Descriptor());

    /// <summary>jose-jwt: JWT.Encode of a claims dictionary.</summary>
    [Benchmark]
    public string JoseJwt() => Jose.JWT.Encode(Dictionary(), _secret, Jose.JwsAlgorithm.HS256);

    /// <summary>JWT.Net: JwtEncoder.Encode of a claims dictionary.</summary>
    [Benchmark]
    public string JwtNet() => _jwtNet.Encode(Dictionary(), _secret);

    /// <summary>Tessera: a new JwtBuilder, then JwtSigner.Sign.</summary>
    [Benchmark]
    public string Tessera() => _tessera.Sign(BenchToken.Claims(_issuedAt, _notBefore, _expiresAt));

    private SecurityTokenDescriptor Descriptor() => BenchToken.MicrosoftDescriptor(_credentials, _issuedAt, _notBefore, _expiresAt);

    private Dictionary<string, object> Dictionary() =>
        BenchToken.ClaimsDictionary(_issuedAt.ToUnixTimeSeconds(), _notBefore.ToUnixTimeSeconds(), _expiresAt.ToUnixTimeSeconds());
}
