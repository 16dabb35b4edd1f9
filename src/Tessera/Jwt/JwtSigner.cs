using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Tessera.Jwt;

/// <summary>
/// Signs claims into compact JWS tokens with one key. The header — <c>alg</c> from the key, its <c>kid</c>,
/// and <c>typ</c> — is encoded once, when the signer is created.
/// </summary>
/// <remarks>Safe for concurrent use. Create one signer per key and token type, and keep it.</remarks>
public sealed class JwtSigner
{
    private const int MaxPooledWriterBytes = 64 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    private readonly byte[] _encodedHeader;

    /// <summary>Creates a signer.</summary>
    /// <param name="key">A key that can sign (<see cref="JwtKey.CanSign"/>).</param>
    /// <param name="type">
    /// The header <c>typ</c>: <see cref="JwtTypes.Jwt"/> by default, <see cref="JwtTypes.AccessToken"/> for
    /// access tokens, or null to omit it.
    /// </param>
    /// <exception cref="ArgumentException">The key cannot sign, or <paramref name="type"/> is empty.</exception>
    public JwtSigner(JwtKey key, string? type = JwtTypes.Jwt)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!key.CanSign)
        {
            throw new ArgumentException("The key has no private part and cannot sign.", nameof(key));
        }

        if (type is not null && string.IsNullOrWhiteSpace(type))
        {
            throw new ArgumentException("The token type must be null or non-empty.", nameof(type));
        }

        Key = key;
        Type = type;
        var header = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(header, JwtJson.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("alg", key.Info.Name);
            if (key.KeyId is not null)
            {
                writer.WriteString("kid", key.KeyId);
            }

            if (type is not null)
            {
                writer.WriteString("typ", type);
            }

            writer.WriteEndObject();
        }

        _encodedHeader = Encoding.ASCII.GetBytes(Base64Url.EncodeToString(header.WrittenSpan));
    }

    /// <summary>The signing key.</summary>
    public JwtKey Key { get; }

    /// <summary>The header <c>typ</c>, or null.</summary>
    public string? Type { get; }

    /// <summary>Signs the claims and returns the compact token <c>header.payload.signature</c>.</summary>
    public string Sign(JwtBuilder claims)
    {
        ArgumentNullException.ThrowIfNull(claims);
        ArrayBufferWriter<byte> json = t_buffer ??= new ArrayBufferWriter<byte>(512);
        Utf8JsonWriter writer = t_writer ??= new Utf8JsonWriter(json, JwtJson.WriterOptions);
        json.ResetWrittenCount();
        writer.Reset(json);
        try
        {
            claims.WriteTo(writer);
            writer.Flush();
            return Sign(json.WrittenSpan);
        }
        finally
        {
            if (json.Capacity > MaxPooledWriterBytes)
            {
                // Do not keep a one-off huge buffer alive on this thread.
                t_buffer = null;
                t_writer = null;
            }
        }
    }

    private string Sign(ReadOnlySpan<byte> payloadJson)
    {
        int payloadLength = Base64Url.GetEncodedLength(payloadJson.Length);
        int signatureSize = Key.SignatureSize;
        int signingInputLength = _encodedHeader.Length + 1 + payloadLength;
        int total = signingInputLength + 1 + Base64Url.GetEncodedLength(signatureSize);
        byte[] rented = ArrayPool<byte>.Shared.Rent(total + signatureSize);
        try
        {
            Span<byte> token = rented.AsSpan(0, total);
            Span<byte> signature = rented.AsSpan(total, signatureSize);
            _encodedHeader.CopyTo(token);
            token[_encodedHeader.Length] = (byte)'.';
            Base64Url.EncodeToUtf8(payloadJson, token[(_encodedHeader.Length + 1)..]);
            if (Key.Sign(token[..signingInputLength], signature) != signatureSize)
            {
                throw new CryptographicException("The signature has an unexpected length.");
            }

            token[signingInputLength] = (byte)'.';
            Base64Url.EncodeToUtf8(signature, token[(signingInputLength + 1)..]);
            return Encoding.Latin1.GetString(token);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
