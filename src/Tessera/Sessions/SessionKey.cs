using System.Buffers.Binary;
using System.Buffers.Text;
using System.Runtime.CompilerServices;
using Tessera.Jwt;

namespace Tessera.Sessions;

/// <summary>
/// A session id in binary: 24 bytes, the 6-byte routing tag then 18 random bytes, held as three words so that
/// lookups compare and hash without allocating. Its text form is the 32-character base64url encoding.
/// </summary>
internal readonly struct SessionKey : IEquatable<SessionKey>
{
    public const int ByteLength = 24;
    public const int TagByteLength = 6;
    public const int TextLength = 32;
    public const int TagTextLength = 8;
    private const ulong TagMask = (1UL << (TagByteLength * 8)) - 1;

    private readonly ulong _k0; // tag (low 6 bytes) + 2 random bytes
    private readonly ulong _k1; // random
    private readonly ulong _k2; // random: the hash code

    public SessionKey(ReadOnlySpan<byte> bytes)
    {
        _k0 = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        _k1 = BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]);
        _k2 = BinaryPrimitives.ReadUInt64LittleEndian(bytes[16..]);
    }

    /// <summary>The routing tag: the same for every session of one user.</summary>
    public long Tag => (long)(_k0 & TagMask);

    /// <summary>Uniformly distributed: the random part, which no client chooses.</summary>
    public int Hash => (int)_k2 ^ (int)(_k2 >> 32);

    [SkipLocalsInit] // decoded into before it is read
    public static bool TryParse(ReadOnlySpan<char> text, out SessionKey key)
    {
        Span<byte> bytes = stackalloc byte[ByteLength];
        // 32 characters decode to exactly 24 bytes, so canonical text has no spare bits to check.
        if (text.Length != TextLength || !Base64UrlStrict.IsCanonical(text)
            || Base64UrlStrict.DecodeCanonical(text, bytes) != ByteLength)
        {
            key = default;
            return false;
        }

        key = new SessionKey(bytes);
        return true;
    }

    public void CopyTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, _k0);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], _k1);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], _k2);
    }

    public void Format(Span<char> destination)
    {
        Span<byte> bytes = stackalloc byte[ByteLength];
        CopyTo(bytes);
        Base64Url.EncodeToChars(bytes, destination);
    }

    public override string ToString() => string.Create(TextLength, this, static (chars, key) => key.Format(chars));

    /// <summary>Orders keys as their text forms order ordinally, the order every store lists sessions in.</summary>
    public int CompareText(in SessionKey other)
    {
        Span<char> mine = stackalloc char[TextLength];
        Span<char> theirs = stackalloc char[TextLength];
        Format(mine);
        other.Format(theirs);
        return mine.SequenceCompareTo(theirs);
    }

    public bool Equals(SessionKey other) => ((_k0 ^ other._k0) | (_k1 ^ other._k1) | (_k2 ^ other._k2)) == 0;

    public override bool Equals(object? obj) => obj is SessionKey other && Equals(other);

    public override int GetHashCode() => Hash;
}
