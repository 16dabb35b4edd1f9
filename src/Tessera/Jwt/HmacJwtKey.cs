using System.Buffers.Text;
using System.Security.Cryptography;

namespace Tessera.Jwt;

/// <summary>An HMAC secret bound to HS256, HS384 or HS512.</summary>
/// <remarks>
/// Keying an HMAC costs about as much as hashing a small token, so keyed <see cref="IncrementalHash"/>
/// instances are reused: a small lock-free pool hands one to each concurrent caller and takes it back.
/// An instance is used by one thread at a time; <see cref="IncrementalHash.TryGetHashAndReset(Span{byte}, out int)"/>
/// leaves it keyed and ready for the next message.
/// </remarks>
internal sealed class HmacJwtKey : JwtKey
{
    private readonly byte[] _secret;
    private readonly IncrementalHash?[] _pool = new IncrementalHash?[Math.Max(4, Environment.ProcessorCount * 2)];
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
    }

    public override bool CanSign => true;

    internal override int SignatureSize => Info.HashSize;

    internal ReadOnlySpan<byte> Secret => _secret;

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
            _disposed = true;
            for (int i = 0; i < _pool.Length; i++)
            {
                Interlocked.Exchange(ref _pool[i], null)?.Dispose();
            }

            CryptographicOperations.ZeroMemory(_secret);
        }

        base.Dispose(disposing);
    }

    private int Compute(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        IncrementalHash hmac = Rent(out int slot);
        hmac.AppendData(data);
        if (!hmac.TryGetHashAndReset(destination, out int written))
        {
            throw new ArgumentException("Destination is too small for the MAC.", nameof(destination));
        }

        Return(hmac, slot);
        return written;
    }

    private IncrementalHash Rent(out int slot)
    {
        // Start at a per-thread slot so two cores rarely touch the same one.
        int start = Environment.CurrentManagedThreadId % _pool.Length;
        for (int i = 0; i < _pool.Length; i++)
        {
            slot = (start + i) % _pool.Length;
            IncrementalHash? pooled = Interlocked.Exchange(ref _pool[slot], null);
            if (pooled is not null)
            {
                return pooled;
            }
        }

        slot = start;
        return IncrementalHash.CreateHMAC(Info.Hash, _secret);
    }

    private void Return(IncrementalHash hmac, int slot)
    {
        for (int i = 0; i < _pool.Length; i++)
        {
            int index = (slot + i) % _pool.Length;
            if (Interlocked.CompareExchange(ref _pool[index], hmac, null) is null)
            {
                return;
            }
        }

        hmac.Dispose();
    }

    /// <summary>
    /// Refuses public keys offered as HMAC secrets: the classic algorithm-confusion setup
    /// (CVE-2015-9235 and kin) HMACs tokens with the verifier's public RSA key.
    /// </summary>
    private static bool LooksLikePublicKey(ReadOnlySpan<byte> secret)
    {
        ReadOnlySpan<byte> trimmed = secret.TrimStart(" \t\r\n"u8);
        if (trimmed.StartsWith("-----BEGIN"u8))
        {
            return true;
        }

        if (trimmed.StartsWith("{"u8) && trimmed.IndexOf("\"kty\""u8) >= 0)
        {
            return true;
        }

        // DER: SubjectPublicKeyInfo or PKCS#1 RSAPublicKey start with a SEQUENCE tag.
        if (secret.Length > 0 && secret[0] == 0x30)
        {
            byte[] der = secret.ToArray();
            using RSA rsa = RSA.Create();
            using ECDsa ecdsa = ECDsa.Create();
            return TryImport(() => rsa.ImportSubjectPublicKeyInfo(der, out _))
                || TryImport(() => rsa.ImportRSAPublicKey(der, out _))
                || TryImport(() => ecdsa.ImportSubjectPublicKeyInfo(der, out _));
        }

        return false;
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
