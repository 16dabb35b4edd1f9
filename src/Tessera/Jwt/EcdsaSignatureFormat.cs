namespace Tessera.Jwt;

/// <summary>
/// Converts JOSE ECDSA signatures (R||S, RFC 7518 §3.4) to the DER form OpenSSL verifies
/// (SEQUENCE { INTEGER r, INTEGER s }, RFC 3279 §2.2.3) in a caller's buffer. The BCL does the same
/// conversion on the heap for every <see cref="System.Security.Cryptography.DSASignatureFormat.IeeeP1363FixedFieldConcatenation"/>
/// verification; doing it here keeps ES* validation allocation-free.
/// </summary>
internal static class EcdsaSignatureFormat
{
    /// <summary>Large enough for P-521: 2 × (tag + length + 0x00 pad + 66 bytes) plus the SEQUENCE header.</summary>
    public const int MaxDerLength = 3 + (2 * (2 + 1 + 66));

    /// <summary>Writes the DER form of <paramref name="rs"/> (two equal halves) and returns its length.</summary>
    public static int ToDer(ReadOnlySpan<byte> rs, Span<byte> destination)
    {
        int half = rs.Length / 2;
        ReadOnlySpan<byte> r = rs[..half].TrimStart((byte)0);
        ReadOnlySpan<byte> s = rs[half..].TrimStart((byte)0);
        int content = IntegerLength(r) + IntegerLength(s);
        int offset = 0;
        destination[offset++] = 0x30; // SEQUENCE
        if (content >= 0x80)
        {
            destination[offset++] = 0x81; // long form: one length byte follows (content < 256 for every curve here)
        }

        destination[offset++] = (byte)content;
        offset += WriteInteger(r, destination[offset..]);
        offset += WriteInteger(s, destination[offset..]);
        return offset;
    }

    // An empty value (all zero) is encoded as the single byte 0; callers refuse zero R or S before this.
    private static int IntegerLength(ReadOnlySpan<byte> value) => 2 + Math.Max(value.Length, 1) + (NeedsPad(value) ? 1 : 0);

    // DER INTEGERs are signed: a leading byte with its high bit set needs a 0x00 in front to stay positive.
    private static bool NeedsPad(ReadOnlySpan<byte> value) => !value.IsEmpty && value[0] >= 0x80;

    private static int WriteInteger(ReadOnlySpan<byte> value, Span<byte> destination)
    {
        int length = IntegerLength(value) - 2;
        destination[0] = 0x02; // INTEGER
        destination[1] = (byte)length;
        int offset = 2;
        if (NeedsPad(value) || value.IsEmpty)
        {
            destination[offset++] = 0;
        }

        value.CopyTo(destination[offset..]);
        return offset + value.Length;
    }
}
