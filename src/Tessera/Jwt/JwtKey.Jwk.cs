using System.Security.Cryptography;
using System.Text.Json;

namespace Tessera.Jwt;

/// <content>JWK (RFC 7517) import and export.</content>
public abstract partial class JwtKey
{
    private static readonly JsonDocumentOptions s_jwkJsonOptions = new()
    {
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = 16,
        AllowDuplicateProperties = false,
    };

    /// <summary>
    /// Reads a key from a JWK (RFC 7517/7518): <c>kty</c> <c>RSA</c>, <c>EC</c> or <c>oct</c>, public or private.
    /// </summary>
    /// <param name="jwk">The JWK JSON object.</param>
    /// <param name="algorithm">
    /// The algorithm to bind. When the JWK has an <c>alg</c> they must agree. When both are absent an EC key
    /// takes the algorithm of its curve; RSA and oct keys need one of them.
    /// </param>
    /// <exception cref="ArgumentException">The JWK is malformed, not a signing key, or too weak.</exception>
    public static JwtKey FromJwk(string jwk, JwtAlgorithm? algorithm = null)
    {
        ArgumentNullException.ThrowIfNull(jwk);
        try
        {
            using JsonDocument document = JsonDocument.Parse(jwk, s_jwkJsonOptions);
            return FromJwk(document.RootElement, algorithm);
        }
        catch (JsonException ex)
        {
            throw new ArgumentException("The JWK is not valid JSON (or repeats a member name).", nameof(jwk), ex);
        }
    }

    /// <summary>Reads a key from a parsed JWK object; see <see cref="FromJwk(string, JwtAlgorithm?)"/>.</summary>
    internal static JwtKey FromJwk(JsonElement jwk, JwtAlgorithm? algorithm)
    {
        if (jwk.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException("A JWK must be a JSON object.", nameof(jwk));
        }

        string kty = RequiredString(jwk, "kty");
        string? kid = OptionalString(jwk, "kid");
        string? use = OptionalString(jwk, "use");
        if (use is not null && use != "sig")
        {
            throw new ArgumentException($"The JWK is for use \"{use}\", not \"sig\".", nameof(jwk));
        }

        if (jwk.TryGetProperty("key_ops", out JsonElement ops) && !AllowsSignatures(ops))
        {
            throw new ArgumentException("The JWK's key_ops allow neither sign nor verify.", nameof(jwk));
        }

        JwtAlgorithm resolved = ResolveAlgorithm(jwk, kty, algorithm);
        return kty switch
        {
            "RSA" => new RsaJwtKey(ReadRsa(jwk), resolved, kid),
            "EC" => new EcJwtKey(ReadEc(jwk, JwtAlgorithmInfo.Get(resolved)), resolved, kid),
            "oct" => ReadOct(jwk, resolved, kid),
            _ => throw new ArgumentException($"Unsupported JWK key type \"{kty}\".", nameof(jwk)),
        };
    }

    /// <summary>
    /// Writes this key as a JWK with <c>kty</c>, <c>use: sig</c>, <c>alg</c>, <c>kid</c> and the key members.
    /// </summary>
    /// <param name="includePrivateParameters">
    /// False (the default) writes only the public part, which is safe to publish. True adds the private
    /// members (<c>d</c>, the CRT values, or an HMAC <c>k</c>): treat that output as a secret.
    /// </param>
    /// <exception cref="InvalidOperationException">An HMAC key was asked for its public part, which it does not have.</exception>
    public string ToJwk(bool includePrivateParameters = false)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(2048);
        using (var writer = new Utf8JsonWriter(buffer, JwtJson.WriterOptions))
        {
            WriteJwk(writer, includePrivateParameters);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    internal void WriteJwk(Utf8JsonWriter writer, bool includePrivateParameters)
    {
        if (IsSymmetric && !includePrivateParameters)
        {
            throw new InvalidOperationException("An HMAC secret has no public form; it is never published.");
        }

        writer.WriteStartObject();
        switch (this)
        {
            case RsaJwtKey rsa:
                RSAParameters p = rsa.ExportParameters(includePrivateParameters && CanSign);
                writer.WriteString("kty", "RSA");
                WriteCommon(writer);
                writer.WriteBase64UrlString("n", p.Modulus);
                writer.WriteBase64UrlString("e", p.Exponent);
                if (includePrivateParameters && CanSign)
                {
                    writer.WriteBase64UrlString("d", p.D);
                    writer.WriteBase64UrlString("p", p.P);
                    writer.WriteBase64UrlString("q", p.Q);
                    writer.WriteBase64UrlString("dp", p.DP);
                    writer.WriteBase64UrlString("dq", p.DQ);
                    writer.WriteBase64UrlString("qi", p.InverseQ);
                }

                break;
            case EcJwtKey ec:
                ECParameters q = ec.ExportParameters(includePrivateParameters && CanSign);
                writer.WriteString("kty", "EC");
                WriteCommon(writer);
                writer.WriteString("crv", Info.CurveName);
                writer.WriteBase64UrlString("x", q.Q.X);
                writer.WriteBase64UrlString("y", q.Q.Y);
                if (includePrivateParameters && CanSign)
                {
                    writer.WriteBase64UrlString("d", q.D);
                }

                break;
            case HmacJwtKey hmac:
                writer.WriteString("kty", "oct");
                WriteCommon(writer);
                writer.WriteString("k", hmac.SecretBase64Url());
                break;
        }

        writer.WriteEndObject();
    }

    private void WriteCommon(Utf8JsonWriter writer)
    {
        writer.WriteString("use", "sig");
        writer.WriteString("alg", Info.Name);
        if (KeyId is not null)
        {
            writer.WriteString("kid", KeyId);
        }
    }

    private static JwtAlgorithm ResolveAlgorithm(JsonElement jwk, string kty, JwtAlgorithm? requested)
    {
        string? alg = OptionalString(jwk, "alg");
        JwtAlgorithm? declared = null;
        if (alg is not null)
        {
            if (!JwtAlgorithmInfo.TryGet(alg, out JwtAlgorithmInfo info))
            {
                throw new ArgumentException($"The JWK's alg \"{alg}\" is not a supported signature algorithm.", nameof(jwk));
            }

            declared = info.Algorithm;
        }

        if (declared is not null && requested is not null && declared != requested)
        {
            throw new ArgumentException($"The JWK is for {declared}, not {requested}.", nameof(jwk));
        }

        JwtAlgorithm? chosen = declared ?? requested;
        if (chosen is null && kty == "EC")
        {
            chosen = OptionalString(jwk, "crv") switch
            {
                "P-256" => JwtAlgorithm.ES256,
                "P-384" => JwtAlgorithm.ES384,
                "P-521" => JwtAlgorithm.ES512,
                _ => null,
            };
        }

        return chosen ?? throw new ArgumentException(
            $"The {kty} JWK has no \"alg\" and none was given; an algorithm must be bound to every key.", nameof(jwk));
    }

    private static RSAParameters ReadRsa(JsonElement jwk)
    {
        var parameters = new RSAParameters
        {
            Modulus = RequiredBytes(jwk, "n"),
            Exponent = RequiredBytes(jwk, "e"),
        };
        if (jwk.TryGetProperty("d", out _))
        {
            // .NET needs the CRT members with d; keys with only d are rare and unsupported.
            parameters.D = RequiredBytes(jwk, "d");
            parameters.P = RequiredBytes(jwk, "p");
            parameters.Q = RequiredBytes(jwk, "q");
            parameters.DP = RequiredBytes(jwk, "dp");
            parameters.DQ = RequiredBytes(jwk, "dq");
            parameters.InverseQ = RequiredBytes(jwk, "qi");
        }

        return parameters;
    }

    private static ECParameters ReadEc(JsonElement jwk, JwtAlgorithmInfo info)
    {
        string crv = RequiredString(jwk, "crv");
        if (crv != info.CurveName)
        {
            throw new ArgumentException($"{info.Name} needs curve {info.CurveName}, but the JWK is on \"{crv}\".", nameof(jwk));
        }

        var parameters = new ECParameters
        {
            Curve = EcJwtKey.CurveFor(info),
            Q = new ECPoint { X = RequiredCoordinate(jwk, "x", info), Y = RequiredCoordinate(jwk, "y", info) },
        };
        if (jwk.TryGetProperty("d", out _))
        {
            parameters.D = RequiredCoordinate(jwk, "d", info);
        }

        return parameters;
    }

    private static HmacJwtKey ReadOct(JsonElement jwk, JwtAlgorithm algorithm, string? kid)
    {
        byte[] secret = RequiredBytes(jwk, "k");
        try
        {
            return new HmacJwtKey(secret, algorithm, kid);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    private static byte[] RequiredCoordinate(JsonElement jwk, string name, JwtAlgorithmInfo info)
    {
        // RFC 7518 §6.2.1.2: coordinates are full-length, left-padded with zeros.
        byte[] value = RequiredBytes(jwk, name);
        return value.Length == info.EcFieldSize
            ? value
            : throw new ArgumentException($"The JWK member \"{name}\" must be {info.EcFieldSize} bytes for {info.CurveName}.", nameof(jwk));
    }

    private static byte[] RequiredBytes(JsonElement jwk, string name) =>
        Base64UrlStrict.DecodeToArray(RequiredString(jwk, name)) is { Length: > 0 } bytes
            ? bytes
            : throw new ArgumentException($"The JWK member \"{name}\" is not non-empty canonical base64url.", nameof(jwk));

    private static string RequiredString(JsonElement jwk, string name) =>
        OptionalString(jwk, name) ?? throw new ArgumentException($"The JWK has no \"{name}\" member.", nameof(jwk));

    private static string? OptionalString(JsonElement jwk, string name)
    {
        if (!jwk.TryGetProperty(name, out JsonElement value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new ArgumentException($"The JWK member \"{name}\" must be a string.", nameof(jwk));
    }

    private static bool AllowsSignatures(JsonElement ops)
    {
        if (ops.ValueKind != JsonValueKind.Array)
        {
            throw new ArgumentException("The JWK member \"key_ops\" must be an array.", nameof(ops));
        }

        foreach (JsonElement op in ops.EnumerateArray())
        {
            if (op.ValueKind == JsonValueKind.String && (op.ValueEquals("sign") || op.ValueEquals("verify")))
            {
                return true;
            }
        }

        return false;
    }
}
