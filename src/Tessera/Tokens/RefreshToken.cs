using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Tessera.Cryptography;
using Tessera.Jwt;
using Tessera.Sessions;

namespace Tessera.Tokens;

/// <summary>
/// The opaque refresh token <c>&lt;session id&gt;.&lt;secret&gt;</c> and the recovery envelope that lets a repeat
/// within the grace period get the successor.
/// </summary>
/// <remarks>
/// <para>Token layout: the 32-character session id, a dot, and 43 characters of canonical base64url: 256 random bits.
/// The store keeps only <see cref="RefreshHash.FromSecret"/> of those 43 characters.</para>
/// <para>Envelope layout (version 1, 61 bytes): <c>0x01 ‖ nonce (12) ‖ AES-256-GCM ciphertext of the successor's 32
/// secret bytes (32) ‖ tag (16)</c>, with the session id as associated data. The key is HKDF-SHA256 of the old secret's
/// 32 bytes (info <c>"tessera refresh recovery v1"</c>): the store holds only SHA-256 of the old secret's text, which
/// yields neither the key nor the secret, so a copy of the store cannot open envelopes; the client that presents the
/// old token can.</para>
/// </remarks>
internal readonly ref struct RefreshToken
{
    public const int SecretBytes = 32;
    public const int SecretLength = 43; // base64url of 32 bytes, unpadded
    public const int Length = SessionIdFactory.IdLength + 1 + SecretLength;
    public const int EnvelopeLength = 1 + NonceBytes + SecretBytes + TagBytes;

    private const byte EnvelopeVersion = 1;
    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    private static readonly byte[] s_keyInfo = "tessera refresh recovery v1"u8.ToArray();

    private RefreshToken(ReadOnlySpan<char> sessionId, ReadOnlySpan<char> secret)
    {
        SessionId = sessionId;
        Secret = secret;
    }

    /// <summary>The session id part.</summary>
    public ReadOnlySpan<char> SessionId { get; }

    /// <summary>The secret part, as text.</summary>
    public ReadOnlySpan<char> Secret { get; }

    /// <summary>Splits and checks a presented token; false for anything not exactly of the issued shape.</summary>
    public static bool TryParse(string? text, out RefreshToken token)
    {
        token = default;
        if (text is null || text.Length != Length || text[SessionIdFactory.IdLength] != '.')
        {
            return false;
        }

        ReadOnlySpan<char> sessionId = text.AsSpan(0, SessionIdFactory.IdLength);
        ReadOnlySpan<char> secret = text.AsSpan(SessionIdFactory.IdLength + 1);
        if (!SessionIdFactory.IsWellFormed(sessionId) || !Base64UrlStrict.IsCanonical(secret))
        {
            return false;
        }

        token = new RefreshToken(sessionId, secret);
        return true;
    }

    /// <summary>Draws a new secret.</summary>
    public static void NewSecret(Span<byte> secret) => SecureRandom.Fill(secret);

    /// <summary>The secret text for raw secret bytes.</summary>
    public static string SecretText(ReadOnlySpan<byte> secret) => Base64Url.EncodeToString(secret);

    /// <summary>The token text for a session and a raw secret.</summary>
    public static string Format(string sessionId, ReadOnlySpan<byte> secret) => string.Concat(sessionId, ".", SecretText(secret));

    /// <summary>Decodes the secret part into its 32 bytes.</summary>
    public void DecodeSecret(Span<byte> destination)
    {
        if (Base64UrlStrict.DecodeCanonical(Secret, destination) != SecretBytes)
        {
            throw new InvalidOperationException("A parsed refresh secret always decodes to 32 bytes.");
        }
    }

    /// <summary>Encrypts <paramref name="successor"/> under a key only the holder of <paramref name="oldSecret"/> can derive.</summary>
    public static byte[] Seal(ReadOnlySpan<byte> oldSecret, string sessionId, ReadOnlySpan<byte> successor)
    {
        byte[] envelope = new byte[EnvelopeLength];
        envelope[0] = EnvelopeVersion;
        Span<byte> nonce = envelope.AsSpan(1, NonceBytes);
        SecureRandom.Fill(nonce);
        Span<byte> key = stackalloc byte[32];
        try
        {
            DeriveKey(oldSecret, key);
            using var aes = new AesGcm(key, TagBytes);
            aes.Encrypt(nonce, successor, envelope.AsSpan(1 + NonceBytes, SecretBytes), envelope.AsSpan(1 + NonceBytes + SecretBytes, TagBytes), Encoding.ASCII.GetBytes(sessionId));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }

        return envelope;
    }

    /// <summary>Opens an envelope made by <see cref="Seal"/>; false when it is not one, or not for this secret and session.</summary>
    public static bool TryOpen(ReadOnlySpan<byte> envelope, ReadOnlySpan<byte> oldSecret, string sessionId, Span<byte> successor)
    {
        if (envelope.Length != EnvelopeLength || envelope[0] != EnvelopeVersion)
        {
            return false;
        }

        Span<byte> key = stackalloc byte[32];
        try
        {
            DeriveKey(oldSecret, key);
            using var aes = new AesGcm(key, TagBytes);
            aes.Decrypt(envelope.Slice(1, NonceBytes), envelope.Slice(1 + NonceBytes, SecretBytes), envelope.Slice(1 + NonceBytes + SecretBytes, TagBytes), successor, Encoding.ASCII.GetBytes(sessionId));
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            CryptographicOperations.ZeroMemory(successor);
            return false;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private static void DeriveKey(ReadOnlySpan<byte> oldSecret, Span<byte> key) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, oldSecret, key, salt: default, info: s_keyInfo);
}
