using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;

namespace Tessera.Jwt;

/// <summary>RFC 7638 JWK thumbprints: SHA-256 of the required public members in lexicographic order, base64url.</summary>
internal static class JwkThumbprint
{
    public static string Compute(JwtKey key)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, JwtJson.WriterOptions))
        {
            // RFC 7638 §3.2: required members only, sorted, no whitespace.
            writer.WriteStartObject();
            switch (key)
            {
                case RsaJwtKey rsa:
                    RSAParameters p = rsa.ExportParameters(includePrivate: false);
                    writer.WriteBase64UrlString("e", p.Exponent!);
                    writer.WriteString("kty", "RSA");
                    writer.WriteBase64UrlString("n", p.Modulus!);
                    break;
                case EcJwtKey ec:
                    ECParameters q = ec.ExportParameters(includePrivate: false);
                    writer.WriteString("crv", key.Info.CurveName);
                    writer.WriteString("kty", "EC");
                    writer.WriteBase64UrlString("x", q.Q.X!);
                    writer.WriteBase64UrlString("y", q.Q.Y!);
                    break;
                default:
                    throw new ArgumentException("Only asymmetric keys get a thumbprint.", nameof(key));
            }

            writer.WriteEndObject();
        }

        return Base64Url.EncodeToString(SHA256.HashData(buffer.WrittenSpan));
    }

    /// <summary>Writes a base64url (unpadded) string member.</summary>
    public static void WriteBase64UrlString(this Utf8JsonWriter writer, string name, ReadOnlySpan<byte> value) =>
        writer.WriteString(name, Base64Url.EncodeToString(value));
}
