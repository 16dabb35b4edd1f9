using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;
using Tessera.Jwt;

namespace Tessera.Benchmarks;

/// <summary>
/// The claims every benchmark uses, and the checks that make sure every library is really validating
/// (or producing) an equivalent token before any number is measured.
/// </summary>
internal static class BenchToken
{
    public const string Issuer = "https://auth.tessera.example";
    public const string Audience = "orders-api";
    public const string Subject = "user-1234";
    public const string SessionId = "sess-8c1f2b7e";
    public const string TokenId = "0f8fad5b-d9cb-469f-a165-70867728950e";
    public const string Role = "admin";
    public const string Tenant = "t-42";

    /// <summary>Clock skew granted by every validator (Tessera's default; Microsoft's default is 5 minutes).</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    /// <summary>The placeholder key JWT.Net 7.3.1 requires (non-null, non-empty) but ignores for an asymmetric algorithm.</summary>
    public static readonly byte[] JwtNetUnusedKey = [0];

    /// <summary>Times shared by one benchmark class: iat = nbf = a minute ago, exp ten years ahead.</summary>
    public static (DateTimeOffset IssuedAt, DateTimeOffset NotBefore, DateTimeOffset ExpiresAt) Times()
    {
        DateTimeOffset now = TimeProvider.System.GetUtcNow();
        DateTimeOffset issued = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds() - 60);
        return (issued, issued, issued.AddYears(10));
    }

    /// <summary>The Tessera builder with the shared claims; every token in the validate benchmarks comes from here.</summary>
    public static JwtBuilder Claims(DateTimeOffset issuedAt, DateTimeOffset notBefore, DateTimeOffset expiresAt, string audience = Audience) =>
        new JwtBuilder()
            .Issuer(Issuer)
            .Audience(audience)
            .Subject(Subject)
            .Id(TokenId)
            .IssuedAt(issuedAt)
            .NotBefore(notBefore)
            .ExpiresAt(expiresAt)
            .Claim("sid", SessionId)
            .Claim("role", Role)
            .Claim("tenant", Tenant);

    /// <summary>The shared claims as a dictionary, for the peers that sign from one (jose-jwt, JWT.Net).</summary>
    public static Dictionary<string, object> ClaimsDictionary(long issuedAt, long notBefore, long expiresAt) => new(10, StringComparer.Ordinal)
    {
        ["iss"] = Issuer,
        ["aud"] = Audience,
        ["sub"] = Subject,
        ["jti"] = TokenId,
        ["iat"] = issuedAt,
        ["nbf"] = notBefore,
        ["exp"] = expiresAt,
        ["sid"] = SessionId,
        ["role"] = Role,
        ["tenant"] = Tenant,
    };

    /// <summary>Tessera's validator with the settings every peer is given too.</summary>
    public static JwtValidator TesseraValidator(JwtKey key) => new(
        new JwtValidationOptions { ValidIssuer = Issuer, ValidAudience = Audience, ClockSkew = ClockSkew },
        new JwtKeySet(key));

    /// <summary>The shared claims as Microsoft's token descriptor, for its signing benchmarks.</summary>
    public static SecurityTokenDescriptor MicrosoftDescriptor(
        SigningCredentials credentials, DateTimeOffset issuedAt, DateTimeOffset notBefore, DateTimeOffset expiresAt) => new()
    {
        Issuer = Issuer,
        Audience = Audience,
        IssuedAt = issuedAt.UtcDateTime,
        NotBefore = notBefore.UtcDateTime,
        Expires = expiresAt.UtcDateTime,
        SigningCredentials = credentials,
        Claims = new Dictionary<string, object>(5, StringComparer.Ordinal)
        {
            ["sub"] = Subject,
            ["sid"] = SessionId,
            ["jti"] = TokenId,
            ["role"] = Role,
            ["tenant"] = Tenant,
        },
    };

    /// <summary>Microsoft's parameters equivalent to <see cref="TesseraValidator"/>: signature with one key and one algorithm, iss, aud, exp (required), nbf.</summary>
    public static TokenValidationParameters MicrosoftParameters(SecurityKey key, string algorithm) => new()
    {
        ValidIssuer = Issuer,
        ValidAudience = Audience,
        IssuerSigningKey = key,
        ValidAlgorithms = [algorithm],
        ValidateIssuer = true,
        ValidateAudience = true,
        ValidateLifetime = true,
        RequireExpirationTime = true,
        RequireSignedTokens = true,
        ClockSkew = ClockSkew,
    };

    /// <summary>The signing input (<c>header.payload</c> as ASCII) and the decoded signature, for the raw-crypto floor.</summary>
    public static (byte[] SigningInput, byte[] Signature) Split(string token)
    {
        int lastDot = token.LastIndexOf('.');
        return (Encoding.ASCII.GetBytes(token[..lastDot]), Base64UrlEncoder.DecodeBytes(token[(lastDot + 1)..]));
    }

    /// <summary>
    /// The claim checks done by hand for peers that only verify the signature (jose-jwt) or only check
    /// exp/nbf (JWT.Net): exp required and not past, nbf not ahead, iss exact, aud a string or array naming
    /// <see cref="Audience"/> — each with <see cref="ClockSkew"/>, as the other validators do.
    /// </summary>
    public static bool ClaimsAcceptable(JsonElement payload)
    {
        long now = TimeProvider.System.GetUtcNow().ToUnixTimeSeconds();
        long skew = (long)ClockSkew.TotalSeconds;
        if (payload.ValueKind != JsonValueKind.Object
            || !payload.TryGetProperty("exp", out JsonElement exp) || exp.ValueKind != JsonValueKind.Number
            || exp.GetDouble() <= now - skew)
        {
            return false;
        }

        if (payload.TryGetProperty("nbf", out JsonElement nbf) && (nbf.ValueKind != JsonValueKind.Number || nbf.GetDouble() > now + skew))
        {
            return false;
        }

        if (!payload.TryGetProperty("iss", out JsonElement iss) || iss.ValueKind != JsonValueKind.String || !iss.ValueEquals(Issuer))
        {
            return false;
        }

        if (!payload.TryGetProperty("aud", out JsonElement aud))
        {
            return false;
        }

        if (aud.ValueKind == JsonValueKind.String)
        {
            return aud.ValueEquals(Audience);
        }

        if (aud.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement item in aud.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.String && item.ValueEquals(Audience))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// JWT.Net's decoder with <paramref name="algorithm"/> fixed (whatever the header <c>alg</c> says) and its
    /// validator for exp and nbf with <see cref="ClockSkew"/>; created once per class and reused.
    /// </summary>
    public static JWT.JwtDecoder JwtNetDecoder(JWT.Algorithms.IJwtAlgorithm algorithm)
    {
        var serializer = new JWT.Serializers.JsonNetSerializer();
        return new JWT.JwtDecoder(
            serializer,
            new JWT.JwtValidator(serializer, new JWT.UtcDateTimeProvider(), (int)ClockSkew.TotalSeconds),
            new JWT.JwtBase64UrlEncoder(),
            algorithm);
    }

    /// <summary>
    /// A whole JWT.Net validation: <c>DecodeToObject</c> with <c>verify: true</c> (signature, exp and nbf when
    /// present), then <see cref="RemainingClaimsAcceptable"/> over the dictionary it deserialized. With an
    /// asymmetric algorithm JWT.Net verifies with the algorithm's key and ignores <paramref name="key"/>, but
    /// 7.3.1 still throws for a null or empty one: pass <see cref="JwtNetUnusedKey"/>.
    /// </summary>
    public static bool JwtNetValidate(JWT.JwtDecoder decoder, string token, byte[] key) =>
        RemainingClaimsAcceptable(JWT.JwtDecoderExtensions.DecodeToObject<IDictionary<string, object>>(decoder, token, key, verify: true));

    /// <summary>
    /// What JWT.Net leaves unchecked, over its (Newtonsoft) dictionary: exp present (JWT.Net checks its value
    /// only when present), iss exact, aud a string or array naming <see cref="Audience"/>.
    /// </summary>
    public static bool RemainingClaimsAcceptable(IDictionary<string, object> payload) =>
        payload.ContainsKey("exp")
        && payload.TryGetValue("iss", out object? iss) && iss is string issuer && string.Equals(issuer, Issuer, StringComparison.Ordinal)
        && payload.TryGetValue("aud", out object? aud)
        && (aud is string audience ? string.Equals(audience, Audience, StringComparison.Ordinal)
            : aud is System.Collections.IEnumerable many && many.Cast<object>().Any(a => a is not null && string.Equals(a.ToString(), Audience, StringComparison.Ordinal)));

    /// <summary>
    /// Guards a comparison: every validator must accept the good token and reject a tampered signature, an
    /// expired token and a wrong audience. Throws, so that BenchmarkDotNet reports the benchmark as failed.
    /// </summary>
    public static void RequireAgreement(IReadOnlyDictionary<string, Func<string, bool>> validators, string good, string expired, string wrongAudience)
    {
        string tampered = TamperSignature(good);
        var problems = new List<string>();
        foreach ((string name, Func<string, bool> validate) in validators)
        {
            if (!Accepts(validate, good, out string? error))
            {
                problems.Add($"{name} rejects the shared token ({error}).");
            }

            foreach ((string what, string token) in new[] { ("a tampered signature", tampered), ("an expired token", expired), ("a wrong audience", wrongAudience) })
            {
                if (Accepts(validate, token, out _))
                {
                    problems.Add($"{name} accepts {what}.");
                }
            }
        }

        if (problems.Count > 0)
        {
            throw new InvalidOperationException("The comparison is broken: " + string.Join(" ", problems));
        }
    }

    /// <summary>Throws unless <paramref name="token"/> (made by a peer's signer) validates with Tessera and carries the shared claims.</summary>
    public static void RequireTesseraAccepts(string signer, string token, JwtValidator validator)
    {
        JwtValidationResult result = validator.Validate(token);
        JwtClaims? claims = result.Claims;
        if (!result.IsValid || claims is null
            || claims.Subject != Subject || claims.Id != TokenId
            || claims.GetString("sid") != SessionId || claims.GetString("role") != Role || claims.GetString("tenant") != Tenant
            || claims.ExpiresAt is null || claims.NotBefore is null || claims.IssuedAt is null)
        {
            throw new InvalidOperationException(
                $"The comparison is broken: the token {signer} signs does not validate with the shared claims ({result.Error}).");
        }
    }

    /// <summary>Changes a character in the middle of the signature (not the last one, whose spare bits a lenient decoder may drop).</summary>
    private static string TamperSignature(string token)
    {
        int lastDot = token.LastIndexOf('.');
        int index = lastDot + ((token.Length - lastDot) / 2);
        char replacement = token[index] == 'A' ? 'B' : 'A';
        return string.Concat(token.AsSpan(0, index), new ReadOnlySpan<char>(in replacement), token.AsSpan(index + 1));
    }

    private static bool Accepts(Func<string, bool> validate, string token, out string? error)
    {
        try
        {
            bool accepted = validate(token);
            error = accepted ? null : "it returned false";
            return accepted;
        }
#pragma warning disable CA1031 // Any exception from a peer means "rejected"; the message is reported.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            error = ex.GetType().Name + ": " + ex.Message;
            return false;
        }
    }

    /// <summary>Microsoft's verdict, with its reason when it rejects.</summary>
    public static bool Accepted(TokenValidationResult result) =>
        result.IsValid ? true : throw result.Exception ?? new SecurityTokenValidationException("IsValid is false.");

    /// <summary>Tessera's verdict, with its error code when it rejects.</summary>
    public static bool Accepted(JwtValidationResult result) =>
        result.IsValid ? true : throw new InvalidOperationException($"{result.Error}: {result.Message}");

    /// <summary>Throws unless a raw-crypto reference verified the signature it was given.</summary>
    public static void RequireRaw(string name, bool verified)
    {
        if (!verified)
        {
            throw new InvalidOperationException($"The comparison is broken: the {name} reference does not verify the shared signature.");
        }
    }

    /// <summary>A public-only copy of an RSA key, as a validating server holds it.</summary>
    public static RSA PublicOnly(RSA rsa)
    {
        var copy = RSA.Create();
        copy.ImportParameters(rsa.ExportParameters(includePrivateParameters: false));
        return copy;
    }

    /// <summary>A public-only copy of an EC key, as a validating server holds it.</summary>
    public static ECDsa PublicOnly(ECDsa ecdsa)
    {
        var copy = ECDsa.Create();
        copy.ImportParameters(ecdsa.ExportParameters(includePrivateParameters: false));
        return copy;
    }
}
