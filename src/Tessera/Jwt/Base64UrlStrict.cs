using System.Buffers;
using System.Buffers.Text;

namespace Tessera.Jwt;

/// <summary>
/// Strict base64url (RFC 4648 §5, unpadded, RFC 7515 §2): only the 64 alphabet characters, no padding,
/// no whitespace, and canonical trailing bits, so that each byte string has exactly one encoding.
/// </summary>
/// <remarks>
/// <see cref="Base64Url"/> alone is lenient (it skips whitespace and accepts padding), so every decode
/// here first checks the text is canonical.
/// </remarks>
internal static class Base64UrlStrict
{
    private static readonly SearchValues<char> s_alphabet =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    /// <summary>True when <paramref name="text"/> is canonical unpadded base64url.</summary>
    public static bool IsCanonical(ReadOnlySpan<char> text)
    {
        int remainder = text.Length & 3;
        if (remainder == 1 || text.ContainsAnyExcept(s_alphabet))
        {
            return false;
        }

        // The last character of a partial quantum carries bits past the end of the data; they must be zero.
        return remainder switch
        {
            2 => (ValueOf(text[^1]) & 0x0F) == 0,
            3 => (ValueOf(text[^1]) & 0x03) == 0,
            _ => true,
        };
    }

    /// <summary>The number of bytes that <paramref name="encodedLength"/> canonical characters decode to.</summary>
    public static int DecodedLength(int encodedLength) => (int)((long)encodedLength * 3 / 4);

    /// <summary>Decodes text already checked with <see cref="IsCanonical"/>; returns the number of bytes written.</summary>
    public static int DecodeCanonical(ReadOnlySpan<char> text, Span<byte> destination)
    {
        OperationStatus status = Base64Url.DecodeFromChars(text, destination, out _, out int written);
        return status == OperationStatus.Done ? written : -1;
    }

    /// <summary>Checks and decodes in one step; null when <paramref name="text"/> is not canonical.</summary>
    public static byte[]? DecodeToArray(ReadOnlySpan<char> text)
    {
        if (!IsCanonical(text))
        {
            return null;
        }

        byte[] bytes = new byte[DecodedLength(text.Length)];
        return DecodeCanonical(text, bytes) == bytes.Length ? bytes : null;
    }

    private static int ValueOf(char c) => c switch
    {
        >= 'A' and <= 'Z' => c - 'A',
        >= 'a' and <= 'z' => c - 'a' + 26,
        >= '0' and <= '9' => c - '0' + 52,
        '-' => 62,
        _ => 63,
    };
}
