using System.Text.Encodings.Web;
using System.Text.Json;

namespace Tessera.Jwt;

/// <summary>JSON writing settings shared by every JOSE object Tessera emits (headers, claims, JWKs).</summary>
internal static class JwtJson
{
    /// <summary>
    /// Compact output that escapes only what JSON requires. The default encoder escapes HTML-sensitive and
    /// non-ASCII characters (<c>at+jwt</c> would become <c>at\u002Bjwt</c>), which is valid but longer and
    /// surprises peers that compare header text. Tokens are never embedded raw in HTML.
    /// </summary>
    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
        SkipValidation = false,
    };
}
