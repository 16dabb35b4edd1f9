using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Tessera.Sessions;

/// <summary>
/// The SHA-256 hash of a refresh-token secret: what a store keeps instead of the secret itself, so a copy of the
/// store cannot be replayed as refresh tokens.
/// </summary>
/// <remarks>
/// <see cref="Equals(RefreshHash)"/> compares in constant time. The default value (all zero bytes) means
/// "no refresh token": <see cref="IsEmpty"/> is true and stores never let it match in a rotation.
/// </remarks>
public readonly struct RefreshHash : IEquatable<RefreshHash>
{
    /// <summary>The size of the hash in bytes (32, SHA-256).</summary>
    public const int Size = 32;

    // Longest secret hashed from the stack; longer ones are hashed from a pooled buffer.
    private const int StackSecretChars = 128;

    private readonly ulong _a;
    private readonly ulong _b;
    private readonly ulong _c;
    private readonly ulong _d;

    private RefreshHash(ReadOnlySpan<byte> hash)
    {
        _a = BinaryPrimitives.ReadUInt64LittleEndian(hash);
        _b = BinaryPrimitives.ReadUInt64LittleEndian(hash[8..]);
        _c = BinaryPrimitives.ReadUInt64LittleEndian(hash[16..]);
        _d = BinaryPrimitives.ReadUInt64LittleEndian(hash[24..]);
    }

    /// <summary>True for the default value, which stands for "no refresh token".</summary>
    public bool IsEmpty => (_a | _b | _c | _d) == 0;

    /// <summary>Hashes a refresh-token secret (its UTF-8 bytes) with SHA-256.</summary>
    /// <param name="secret">The secret as the client presents it; must not be empty.</param>
    /// <exception cref="ArgumentException">The secret is empty.</exception>
    public static RefreshHash FromSecret(ReadOnlySpan<char> secret)
    {
        if (secret.IsEmpty)
        {
            throw new ArgumentException("A refresh secret must not be empty.", nameof(secret));
        }

        Span<byte> hash = stackalloc byte[Size];
        if (secret.Length <= StackSecretChars)
        {
            Span<byte> utf8 = stackalloc byte[StackSecretChars * 3];
            int length = Encoding.UTF8.GetBytes(secret, utf8);
            SHA256.HashData(utf8[..length], hash);
        }
        else
        {
            SHA256.HashData(Encoding.UTF8.GetBytes(secret.ToString()), hash);
        }

        return new RefreshHash(hash);
    }

    /// <summary>Wraps a hash computed elsewhere, e.g. read back from a persistent store.</summary>
    /// <param name="hash">Exactly <see cref="Size"/> bytes.</param>
    /// <exception cref="ArgumentException"><paramref name="hash"/> is not 32 bytes long.</exception>
    public static RefreshHash FromBytes(ReadOnlySpan<byte> hash)
    {
        if (hash.Length != Size)
        {
            throw new ArgumentException($"A refresh hash is {Size} bytes long.", nameof(hash));
        }

        return new RefreshHash(hash);
    }

    /// <summary>Writes the 32 hash bytes to <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 32 bytes.</exception>
    public void CopyTo(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"The destination must hold {Size} bytes.", nameof(destination));
        }

        BinaryPrimitives.WriteUInt64LittleEndian(destination, _a);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], _b);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], _c);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[24..], _d);
    }

    /// <summary>Compares in constant time: the running time does not depend on where the hashes differ.</summary>
    public bool Equals(RefreshHash other) =>
        ((_a ^ other._a) | (_b ^ other._b) | (_c ^ other._c) | (_d ^ other._d)) == 0;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is RefreshHash other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => (int)_a;

    /// <summary>Constant-time equality.</summary>
    public static bool operator ==(RefreshHash left, RefreshHash right) => left.Equals(right);

    /// <summary>Constant-time inequality.</summary>
    public static bool operator !=(RefreshHash left, RefreshHash right) => !left.Equals(right);
}
