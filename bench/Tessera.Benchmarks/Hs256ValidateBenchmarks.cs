using System.IdentityModel.Tokens.Jwt;
using System.Security.Cryptography;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using JWT;
using JWT.Algorithms;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Tessera.Jwt;
using TesseraValidator = Tessera.Jwt.JwtValidator;

namespace Tessera.Benchmarks;

/// <summary>
/// Validating one HS256 token, signed once by Tessera, with each library — plus the cost of the HMAC alone.
/// </summary>
/// <remarks>
/// <para>What each validator checks on every call (all with 30 s clock skew):</para>
/// <list type="bullet">
/// <item><b>Microsoft</b> (JsonWebTokenHandler) and <b>System.IdentityModel</b> (JwtSecurityTokenHandler):
/// signature with the configured key (selected by <c>kid</c>), <c>alg</c> in an allow-list of HS256, <c>iss</c>,
/// <c>aud</c>, <c>exp</c> (required) and <c>nbf</c>; not <c>typ</c> (not configured). JsonWebTokenHandler accepts
/// duplicate JSON members (the last wins). JwtSecurityTokenHandler also maps claim types (its default) and builds
/// a ClaimsPrincipal.</item>
/// <item><b>jose-jwt</b>: <c>JWT.Decode</c> checks only the signature and that the header <c>alg</c> is the
/// expected HS256. The claims are checked here by hand after it (parse the payload with System.Text.Json,
/// then exp required and not past, nbf, iss, aud).</item>
/// <item><b>JWT.Net</b>: signature (with the algorithm it is given, whatever the header says), <c>exp</c> and
/// <c>nbf</c> when present. Here, after it: exp present, iss, aud — over the dictionary it deserialized.</item>
/// <item><b>Tessera</b>: canonical base64url, strict JSON (no duplicate members, valid UTF-8), header
/// <c>alg</c> bound to the key found by <c>kid</c>, no <c>crit</c>/<c>zip</c>, signature, then <c>iss</c>,
/// <c>aud</c>, <c>exp</c> (required), <c>nbf</c>, and <c>iat</c> not in the future.</item>
/// <item><b>Raw</b>: just HMAC-SHA256 over the precomputed signing input and a constant-time compare: the floor.</item>
/// </list>
/// <para>All validators are created once and reused, as a server does.</para>
/// </remarks>
public class Hs256ValidateBenchmarks
{
    private const string KeyId = "hs-2026";

    private byte[] _secret = [];
    private string _token = "";
    private JsonWebTokenHandler _microsoft = null!;
    private TokenValidationParameters _microsoftParameters = null!;
    private JwtSecurityTokenHandler _systemIdentityModel = null!;
    private TokenValidationParameters _systemIdentityModelParameters = null!;
    private JwtDecoder _jwtNet = null!;
    private TesseraValidator _tessera = null!;
    private byte[] _signingInput = [];
    private byte[] _signature = [];
    private IncrementalHash _incremental = null!;

    /// <summary>Signs the shared token and proves every validator accepts it and rejects bad ones.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _secret = RandomNumberGenerator.GetBytes(32);
        JwtKey key = JwtKey.CreateHmac(_secret, JwtAlgorithm.HS256, KeyId);
        var signer = new JwtSigner(key, JwtTypes.Jwt);
        (DateTimeOffset iat, DateTimeOffset nbf, DateTimeOffset exp) = BenchToken.Times();
        _token = signer.Sign(BenchToken.Claims(iat, nbf, exp));
        string expired = signer.Sign(BenchToken.Claims(iat.AddYears(-1), nbf.AddYears(-1), iat.AddHours(-1)));
        string wrongAudience = signer.Sign(BenchToken.Claims(iat, nbf, exp, audience: "billing-api"));

        var microsoftKey = new SymmetricSecurityKey(_secret) { KeyId = KeyId };
        _microsoft = new JsonWebTokenHandler();
        _microsoftParameters = BenchToken.MicrosoftParameters(microsoftKey, SecurityAlgorithms.HmacSha256);
        _systemIdentityModel = new JwtSecurityTokenHandler();
        _systemIdentityModelParameters = BenchToken.MicrosoftParameters(microsoftKey, SecurityAlgorithms.HmacSha256);

        _jwtNet = BenchToken.JwtNetDecoder(new HMACSHA256Algorithm());

        _tessera = BenchToken.TesseraValidator(key);

        (_signingInput, _signature) = BenchToken.Split(_token);
        _incremental = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _secret);

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
        BenchToken.RequireRaw("HMACSHA256.HashData", Raw_HMACSHA256_HashData());
        BenchToken.RequireRaw("IncrementalHash", Raw_IncrementalHash_Reused());
    }

    /// <summary>Releases the reused HMAC.</summary>
    [GlobalCleanup]
    public void Cleanup() => _incremental.Dispose();

    /// <summary>Microsoft.IdentityModel.JsonWebTokens: JsonWebTokenHandler.ValidateTokenAsync.</summary>
    [Benchmark(Baseline = true)]
    public Task<TokenValidationResult> Microsoft() => _microsoft.ValidateTokenAsync(_token, _microsoftParameters);

    /// <summary>System.IdentityModel.Tokens.Jwt: JwtSecurityTokenHandler.ValidateToken.</summary>
    [Benchmark]
    public System.Security.Claims.ClaimsPrincipal SystemIdentityModel() =>
        _systemIdentityModel.ValidateToken(_token, _systemIdentityModelParameters, out _);

    /// <summary>jose-jwt: JWT.Decode (signature), then the claim checks by hand.</summary>
    [Benchmark]
    public bool JoseJwt() => JoseValidate(_token);

    /// <summary>JWT.Net: JwtDecoder (signature, exp, nbf), then exp presence, iss and aud by hand.</summary>
    [Benchmark]
    public bool JwtNet() => JwtNetValidate(_token);

    /// <summary>Tessera: JwtValidator.Validate.</summary>
    [Benchmark]
    public JwtValidationResult Tessera() => _tessera.Validate(_token);

    /// <summary>The floor: one-shot HMACSHA256.HashData over the signing input, and a constant-time compare.</summary>
    [Benchmark]
    public bool Raw_HMACSHA256_HashData()
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_secret, _signingInput, mac);
        return CryptographicOperations.FixedTimeEquals(mac, _signature);
    }

    /// <summary>The floor with the keying cost removed: a keyed IncrementalHash reused across calls.</summary>
    [Benchmark]
    public bool Raw_IncrementalHash_Reused()
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        _incremental.AppendData(_signingInput);
        _incremental.TryGetHashAndReset(mac, out _);
        return CryptographicOperations.FixedTimeEquals(mac, _signature);
    }

    private bool JoseValidate(string token)
    {
        string payload = Jose.JWT.Decode(token, _secret, Jose.JwsAlgorithm.HS256);
        using var document = JsonDocument.Parse(payload);
        return BenchToken.ClaimsAcceptable(document.RootElement);
    }

    private bool JwtNetValidate(string token) => BenchToken.JwtNetValidate(_jwtNet, token, _secret);
}
