using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

using Tessera.Cryptography;

namespace Tessera.Jwt;

/// <summary>An HMAC secret bound to HS256, HS384 or HS512.</summary>
/// <remarks>MACs come from an <see cref="HmacPool"/>: keying an HMAC per token would cost as much as the hash.</remarks>
internal sealed class HmacJwtKey : JwtKey
{
    private readonly byte[] _secret;
    private readonly HmacPool _pool;
    private bool _disposed;

    public HmacJwtKey(ReadOnlySpan<byte> secret, JwtAlgorithm algorithm, string? keyId)
        : base(algorithm, keyId)
    {
        RequireFamily(Info, JwtKeyFamily.Hmac, JwtKeyFamily.Hmac, "an HMAC secret");
        if (secret.Length < Info.HashSize)
        {
            throw new ArgumentException(
                $"{Info.Name} needs a secret of at least {Info.HashSize} bytes (RFC 7518 §3.2); got {secret.Length}.", nameof(secret));
        }

        if (LooksLikePublicKey(secret))
        {
            throw new ArgumentException(
                "The HMAC secret is public-key material (PEM, DER or JWK). Public keys are not secrets; use an RSA or EC key.", nameof(secret));
        }

        _secret = secret.ToArray();
        _pool = new HmacPool(Info.Hash, secret);
    }

    public override bool CanSign => true;

    internal override int SignatureSize => Info.HashSize;

    internal ReadOnlySpan<byte> Secret => _secret;

    public override JwtKey ToPublicKey() =>
        throw new InvalidOperationException("An HMAC secret has no public part.");

    public override string ExportPublicKeyPem() =>
        throw new InvalidOperationException("An HMAC secret has no public form.");

    internal override bool Verify(ReadOnlySpan<byte> signingInput, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != Info.HashSize)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[64];
        expected = expected[..Compute(signingInput, expected)];
        return CryptographicOperations.FixedTimeEquals(expected, signature);
    }

    internal override int Sign(ReadOnlySpan<byte> signingInput, Span<byte> destination) => Compute(signingInput, destination);

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            Volatile.Write(ref _disposed, true);
            _pool.Dispose();
            CryptographicOperations.ZeroMemory(_secret);
        }

        base.Dispose(disposing);
    }

    private int Compute(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            return _pool.Compute(data, destination);
        }
        catch (ObjectDisposedException)
        {
            throw new ObjectDisposedException(nameof(HmacJwtKey));
        }
    }

    /// <summary>
    /// Refuses public keys offered as HMAC secrets: the classic algorithm-confusion setup
    /// (CVE-2015-9235 and kin) HMACs tokens with the verifier's public key. Catches PEM anywhere in the text
    /// (RFC 7468 allows explanatory text before it), any JSON object (a JWK, however it is spelled), DER
    /// public keys and certificates, and the base64 body of those without its armour. A random secret matches
    /// none of these.
    /// </summary>
    private static bool LooksLikePublicKey(ReadOnlySpan<byte> secret)
    {
        ReadOnlySpan<byte> text = secret.StartsWith("\uFEFF"u8) ? secret[3..] : secret;
        text = text.Trim(" \t\r\n"u8);
        if (text.IndexOf("-----BEGIN"u8) >= 0 || IsJsonObject(text) || IsDerKeyOrCertificate(secret))
        {
            return true;
        }

        // The base64 body of a DER key, pasted without its PEM lines.
        if (text.Length >= 64 && !text.ContainsAnyExcept(s_base64Text))
        {
            string base64 = Encoding.ASCII.GetString(text).Replace("\r", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal)
                .Replace('-', '+').Replace('_', '/').TrimEnd('=');
            base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
            byte[] decoded = new byte[base64.Length];
            return Convert.TryFromBase64String(base64, decoded, out int written) && IsDerKeyOrCertificate(decoded.AsSpan(0, written));
        }

        return false;
    }

    private static readonly SearchValues<byte> s_base64Text =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_=\r\n"u8);

    private static bool IsJsonObject(ReadOnlySpan<byte> text)
    {
        if (text.IsEmpty || text[0] != (byte)'{')
        {
            return false;
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(text.ToArray());
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool IsDerKeyOrCertificate(ReadOnlySpan<byte> bytes)
    {
        // DER SubjectPublicKeyInfo, PKCS#1 RSAPublicKey and X.509 certificates all start with a SEQUENCE tag.
        if (bytes.IsEmpty || bytes[0] != 0x30)
        {
            return false;
        }

        byte[] der = bytes.ToArray();
        using RSA rsa = RSA.Create();
        using ECDsa ecdsa = ECDsa.Create();
        return TryImport(() => rsa.ImportSubjectPublicKeyInfo(der, out _))
            || TryImport(() => rsa.ImportRSAPublicKey(der, out _))
            || TryImport(() => ecdsa.ImportSubjectPublicKeyInfo(der, out _))
            || TryImport(() => X509CertificateLoader.LoadCertificate(der).Dispose());
    }

    private static bool TryImport(Action import)
    {
        try
        {
            import();
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>Used by the JWK writer: the base64url secret for a private (symmetric) JWK.</summary>
    internal string SecretBase64Url() => Base64Url.EncodeToString(_secret);
}
