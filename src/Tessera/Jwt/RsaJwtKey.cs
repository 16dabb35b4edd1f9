using System.Security.Cryptography;

namespace Tessera.Jwt;

/// <summary>An RSA key bound to one of RS256/384/512 (PKCS#1 v1.5) or PS256/384/512 (PSS).</summary>
/// <remarks>
/// The <see cref="RSA"/> instance is created here from copied parameters and never mutated afterwards,
/// so concurrent sign and verify calls on it are safe.
/// </remarks>
internal sealed class RsaJwtKey : JwtKey
{
    private readonly RSA _rsa;
    private readonly RSASignaturePadding _padding;

    public RsaJwtKey(RSAParameters parameters, JwtAlgorithm algorithm, string? keyId)
        : base(algorithm, keyId)
    {
        RequireFamily(Info, JwtKeyFamily.Rsa, JwtKeyFamily.RsaPss, "an RSA key");
        if (parameters.Modulus is null || parameters.Exponent is null)
        {
            throw new ArgumentException("The RSA key has no modulus or exponent.", nameof(parameters));
        }

        int bits = BitLength(parameters.Modulus);
        if (bits < JwtAlgorithmInfo.MinimumRsaKeySizeBits)
        {
            throw new ArgumentException(
                $"RSA keys must be at least {JwtAlgorithmInfo.MinimumRsaKeySizeBits} bits (RFC 7518 §3.3); got {bits}.", nameof(parameters));
        }

        // An exponent of 1 makes "verifying" read the signature back unchanged, so anyone could forge one; an even one
        // is no RSA key at all. Neither is refused by every platform's import, so it is checked here.
        if (!IsOddAndAtLeastThree(parameters.Exponent))
        {
            throw new ArgumentException("The RSA public exponent must be odd and at least 3 (usually 65537).", nameof(parameters));
        }

        try
        {
            _rsa = RSA.Create(parameters);
        }
        catch (CryptographicException ex)
        {
            throw new ArgumentException("The RSA key parameters are inconsistent.", nameof(parameters), ex);
        }

        CanSign = parameters.D is not null;
        SignatureSize = (bits + 7) / 8;
        _padding = Info.Family == JwtKeyFamily.RsaPss ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1;
        KeyId ??= JwkThumbprint.Compute(this);
    }

    public override bool CanSign { get; }

    internal override int SignatureSize { get; }

    internal RSAParameters ExportParameters(bool includePrivate) => _rsa.ExportParameters(includePrivate);

    public override JwtKey ToPublicKey() => new RsaJwtKey(_rsa.ExportParameters(includePrivateParameters: false), Algorithm, KeyId);

    public override string ExportPublicKeyPem() => _rsa.ExportSubjectPublicKeyInfoPem();

    internal override bool Verify(ReadOnlySpan<byte> signingInput, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != SignatureSize)
        {
            return false;
        }

        try
        {
            return _rsa.VerifyData(signingInput, signature, Info.Hash, _padding);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    internal override int Sign(ReadOnlySpan<byte> signingInput, Span<byte> destination)
    {
        if (!CanSign)
        {
            throw new InvalidOperationException("This RSA key has no private part and cannot sign.");
        }

        return _rsa.TrySignData(signingInput, destination, Info.Hash, _padding, out int written)
            ? written
            : throw new ArgumentException("Destination is too small for the signature.", nameof(destination));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _rsa.Dispose();
        }

        base.Dispose(disposing);
    }

    private static bool IsOddAndAtLeastThree(ReadOnlySpan<byte> bigEndian)
    {
        bigEndian = bigEndian.TrimStart((byte)0);
        return !bigEndian.IsEmpty && (bigEndian[^1] & 1) == 1 && (bigEndian.Length > 1 || bigEndian[0] >= 3);
    }

    private static int BitLength(ReadOnlySpan<byte> bigEndian)
    {
        bigEndian = bigEndian.TrimStart((byte)0);
        return bigEndian.IsEmpty ? 0 : ((bigEndian.Length - 1) * 8) + (32 - System.Numerics.BitOperations.LeadingZeroCount(bigEndian[0]));
    }
}
