using System.Security.Cryptography;

namespace Tessera.Jwt;

/// <summary>An ECDSA key bound to ES256 (P-256), ES384 (P-384) or ES512 (P-521).</summary>
/// <remarks>
/// Signatures use the JOSE form (RFC 7518 §3.4): R and S as fixed-length big-endian integers, concatenated.
/// A signature of any other length, or with R or S zero, is refused before the curve arithmetic runs.
/// </remarks>
internal sealed class EcJwtKey : JwtKey
{
    private readonly ECDsa _ecdsa;

    public EcJwtKey(ECParameters parameters, JwtAlgorithm algorithm, string? keyId)
        : base(algorithm, keyId)
    {
        RequireFamily(Info, JwtKeyFamily.Ecdsa, JwtKeyFamily.Ecdsa, "an EC key");
        ECCurve expected = CurveFor(Info);
        if (!parameters.Curve.IsNamed || parameters.Curve.Oid.Value != expected.Oid.Value)
        {
            throw new ArgumentException($"{Info.Name} needs a key on curve {Info.CurveName}.", nameof(parameters));
        }

        try
        {
            parameters.Validate();
            _ecdsa = CreateECDsa(parameters);
        }
        catch (CryptographicException ex)
        {
            throw new ArgumentException($"The EC key is not a valid {Info.CurveName} key.", nameof(parameters), ex);
        }

        CanSign = parameters.D is not null;
        KeyId ??= JwkThumbprint.Compute(this);
    }

    public override bool CanSign { get; }

    internal override int SignatureSize => 2 * Info.EcFieldSize;

    /// <summary>
    /// On Linux, the OpenSSL class itself: <see cref="ECDsa.Create(ECParameters)"/> returns a wrapper whose span
    /// overloads copy to arrays (about 1.3 KB per verification), while <see cref="ECDsaOpenSsl"/> verifies a
    /// DER signature from spans without allocating.
    /// </summary>
    private static ECDsa CreateECDsa(ECParameters parameters)
    {
        if (OperatingSystem.IsLinux())
        {
            var openSsl = new ECDsaOpenSsl();
            try
            {
                openSsl.ImportParameters(parameters);
                return openSsl;
            }
            catch
            {
                openSsl.Dispose();
                throw;
            }
        }

        return ECDsa.Create(parameters);
    }

    internal static ECCurve CurveFor(JwtAlgorithmInfo info) => info.Algorithm switch
    {
        JwtAlgorithm.ES256 => ECCurve.NamedCurves.nistP256,
        JwtAlgorithm.ES384 => ECCurve.NamedCurves.nistP384,
        JwtAlgorithm.ES512 => ECCurve.NamedCurves.nistP521,
        _ => throw new ArgumentException($"{info.Name} is not an ECDSA algorithm.", nameof(info)),
    };

    internal ECParameters ExportParameters(bool includePrivate) => _ecdsa.ExportParameters(includePrivate);

    public override JwtKey ToPublicKey() => new EcJwtKey(_ecdsa.ExportParameters(includePrivateParameters: false), Algorithm, KeyId);

    public override string ExportPublicKeyPem() => _ecdsa.ExportSubjectPublicKeyInfoPem();

    internal override bool Verify(ReadOnlySpan<byte> signingInput, ReadOnlySpan<byte> signature)
    {
        int half = Info.EcFieldSize;
        if (signature.Length != 2 * half
            || !signature[..half].ContainsAnyExcept((byte)0)
            || !signature[half..].ContainsAnyExcept((byte)0))
        {
            return false;
        }

        Span<byte> der = stackalloc byte[EcdsaSignatureFormat.MaxDerLength];
        int derLength = EcdsaSignatureFormat.ToDer(signature, der);
        try
        {
            return _ecdsa.VerifyData(signingInput, der[..derLength], Info.Hash, DSASignatureFormat.Rfc3279DerSequence);
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
            throw new InvalidOperationException("This EC key has no private part and cannot sign.");
        }

        return _ecdsa.TrySignData(signingInput, destination, Info.Hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation, out int written)
            ? written
            : throw new ArgumentException("Destination is too small for the signature.", nameof(destination));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _ecdsa.Dispose();
        }

        base.Dispose(disposing);
    }
}
