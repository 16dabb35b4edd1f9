using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Tessera.Cryptography;

namespace Tessera.Sessions;

/// <summary>
/// Makes session ids: a routing tag derived from the user id followed by 144 random bits from the operating
/// system's CSPRNG (drawn in blocks), as 32 URL-safe characters (base64url, no padding).
/// </summary>
/// <remarks>
/// <para>
/// The tag is 48 bits of SipHash-2-4 of the UTF-8 user id, keyed with the first 128 bits of SHA-256(routing key),
/// as 8 characters. Every session of one
/// user shares it, so a store can keep all of a user's keys together (one Redis Cluster hash slot) and make per-user
/// operations atomic; because the hash is keyed, the tag says nothing about the user to anyone without the key.
/// Tags of different users may collide; stores always compare the user id too.
/// </para>
/// <para>
/// Nodes that share a store must share the routing key. The random part alone (144 bits) makes ids unguessable.
/// Thread-safe.
/// </para>
/// </remarks>
public sealed class SessionIdFactory
{
    /// <summary>The length of a session id in characters.</summary>
    public const int IdLength = SessionKey.TextLength;

    /// <summary>The length of the routing tag at the start of a session id, in characters.</summary>
    public const int RoutingTagLength = SessionKey.TagTextLength;

    /// <summary>The shortest routing key accepted, in bytes.</summary>
    public const int MinRoutingKeyBytes = 16;

    // User ids up to this many characters are encoded on the stack (NewSession caps them at 256).
    private const int StackUserIdChars = NewSession.MaxUserIdLength;

    private readonly SipHash _routingHash;

    /// <summary>Creates a factory with a routing key shared by every node that uses the same store.</summary>
    /// <param name="routingKey">At least 16 secret bytes.</param>
    /// <exception cref="ArgumentException">The key is shorter than 16 bytes.</exception>
    public SessionIdFactory(ReadOnlySpan<byte> routingKey)
    {
        if (routingKey.Length < MinRoutingKeyBytes)
        {
            throw new ArgumentException($"A routing key has at least {MinRoutingKeyBytes} bytes.", nameof(routingKey));
        }

        // SipHash takes exactly 128 bits; a longer routing key is condensed into them once.
        _routingHash = new SipHash(SHA256.HashData(routingKey).AsSpan(0, 16));
    }

    /// <summary>A factory with a fresh random routing key, for a store used by one process only.</summary>
    public static SessionIdFactory CreateRandom() => new(RandomNumberGenerator.GetBytes(32));

    /// <summary>Makes a new session id for <paramref name="userId"/>.</summary>
    public string CreateId(string userId) => NewKey(ComputeTag(userId)).ToString();

    /// <summary>The routing tag that starts every session id of <paramref name="userId"/> (8 characters).</summary>
    public string GetRoutingTag(string userId) => NewKey(ComputeTag(userId)).ToString()[..RoutingTagLength];

    /// <summary>True when <paramref name="sessionId"/> has the shape of a session id (32 base64url characters).
    /// Says nothing about whether such a session exists.</summary>
    public static bool IsWellFormed(ReadOnlySpan<char> sessionId) => SessionKey.TryParse(sessionId, out _);

    [SkipLocalsInit] // the UTF-8 buffer is written before it is read
    internal long ComputeTag(string userId)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ulong hash = userId.Length <= StackUserIdChars
            ? _routingHash.Compute(EncodeOnStack(userId, stackalloc byte[StackUserIdChars * 3]))
            : _routingHash.Compute(Encoding.UTF8.GetBytes(userId));
        return (long)(hash & ((1UL << (SessionKey.TagByteLength * 8)) - 1));
    }

    private static ReadOnlySpan<byte> EncodeOnStack(string text, Span<byte> buffer) => buffer[..Encoding.UTF8.GetBytes(text, buffer)];

    internal static SessionKey NewKey(long tag)
    {
        Span<byte> bytes = stackalloc byte[SessionKey.ByteLength];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, tag);
        SecureRandom.Fill(bytes[SessionKey.TagByteLength..]);
        return new SessionKey(bytes);
    }
}
