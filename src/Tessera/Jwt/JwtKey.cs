using System.Security.Cryptography;

namespace Tessera.Jwt;

/// <summary>
/// Key material bound to exactly one <see cref="JwtAlgorithm"/> and an optional key id (<c>kid</c>).
/// </summary>
/// <remarks>
/// <para>
/// Binding the algorithm to the key is what makes algorithm confusion impossible: a token verifies only
/// when its header <c>alg</c> equals <see cref="Algorithm"/>, so an RSA public key can never be used as an
/// HMAC secret and <c>none</c> never verifies.
/// </para>
/// <para>
/// Keys are checked when they are created, not when tokens arrive: HMAC secrets shorter than the hash
/// output, RSA moduli under 2048 bits and EC keys on the wrong curve throw <see cref="ArgumentException"/>.
/// Instances are immutable and safe for concurrent use; factories copy the material they are given.
/// </para>
/// </remarks>
public abstract partial class JwtKey : IDisposable
{
    private protected JwtKey(JwtAlgorithm algorithm, string? keyId)
    {
        Info = JwtAlgorithmInfo.Get(algorithm);
        if (keyId is not null && keyId.Length == 0)
        {
            throw new ArgumentException("A key id must be null or non-empty.", nameof(keyId));
        }

        KeyId = keyId;
    }

    /// <summary>The only algorithm this key signs and verifies with.</summary>
    public JwtAlgorithm Algorithm => Info.Algorithm;

    /// <summary>
    /// The key id (<c>kid</c>) written into headers and JWKS. For asymmetric keys created without one it
    /// is the RFC 7638 JWK thumbprint; for HMAC keys it may be null.
    /// </summary>
    public string? KeyId { get; private protected set; }

    /// <summary>True when this key can sign: an HMAC secret, or an asymmetric key with its private part.</summary>
    public abstract bool CanSign { get; }

    /// <summary>True for HMAC secrets, which are never exported in a JWKS.</summary>
    public bool IsSymmetric => Info.Family == JwtKeyFamily.Hmac;

    internal JwtAlgorithmInfo Info { get; }

    /// <summary>The exact length of this key's signatures in bytes.</summary>
    internal abstract int SignatureSize { get; }

    /// <summary>
    /// Creates an HMAC key. The secret is copied; it must be at least as long as the hash output
    /// (32, 48 or 64 bytes) and must not be public-key material.
    /// </summary>
    /// <param name="secret">Random secret bytes. Never a password: use a CSPRNG.</param>
    /// <param name="algorithm">HS256, HS384 or HS512. Default HS256.</param>
    /// <param name="keyId">Optional <c>kid</c>.</param>
    /// <exception cref="ArgumentException">The algorithm is not HMAC, the secret is too short, or it is a PEM, DER or JWK public key.</exception>
    public static JwtKey CreateHmac(ReadOnlySpan<byte> secret, JwtAlgorithm algorithm = JwtAlgorithm.HS256, string? keyId = null) =>
        new HmacJwtKey(secret, algorithm, keyId);

    /// <summary>Creates an RSA key (RS* or PS*) from a copy of <paramref name="rsa"/>'s parameters, private part included when present.</summary>
    /// <exception cref="ArgumentException">The algorithm is not RSA, or the modulus is under 2048 bits.</exception>
    public static JwtKey CreateRsa(RSA rsa, JwtAlgorithm algorithm, string? keyId = null)
    {
        ArgumentNullException.ThrowIfNull(rsa);
        return new RsaJwtKey(ExportWithPrivatePart(rsa.ExportParameters), algorithm, keyId);
    }

    /// <summary>Creates an ECDSA key (ES*) from a copy of <paramref name="ecdsa"/>'s parameters, private part included when present.</summary>
    /// <exception cref="ArgumentException">The algorithm is not ECDSA, or the key is not on the algorithm's curve.</exception>
    public static JwtKey CreateECDsa(ECDsa ecdsa, JwtAlgorithm algorithm, string? keyId = null)
    {
        ArgumentNullException.ThrowIfNull(ecdsa);
        return new EcJwtKey(ExportWithPrivatePart(ecdsa.ExportParameters), algorithm, keyId);
    }

    /// <summary>
    /// Generates a new random signing key: a 256/384/512-bit HMAC secret, a 3072-bit RSA key, or an EC key
    /// on the algorithm's curve.
    /// </summary>
    public static JwtKey Generate(JwtAlgorithm algorithm, string? keyId = null)
    {
        JwtAlgorithmInfo info = JwtAlgorithmInfo.Get(algorithm);
        switch (info.Family)
        {
            case JwtKeyFamily.Hmac:
                Span<byte> secret = stackalloc byte[info.HashSize];
                RandomNumberGenerator.Fill(secret);
                try
                {
                    return new HmacJwtKey(secret, algorithm, keyId);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(secret);
                }

            case JwtKeyFamily.Rsa:
            case JwtKeyFamily.RsaPss:
                using (RSA rsa = RSA.Create(3072))
                {
                    return CreateRsa(rsa, algorithm, keyId);
                }

            default:
                using (ECDsa ecdsa = ECDsa.Create(EcJwtKey.CurveFor(info)))
                {
                    return CreateECDsa(ecdsa, algorithm, keyId);
                }
        }
    }

    /// <summary>
    /// Reads an RSA or EC key from PEM text: <c>PUBLIC KEY</c> (SPKI), <c>RSA PUBLIC KEY</c>,
    /// <c>PRIVATE KEY</c> (PKCS#8), <c>RSA PRIVATE KEY</c> or <c>EC PRIVATE KEY</c>. Encrypted PEM is not read.
    /// </summary>
    /// <exception cref="ArgumentException">The PEM does not hold a key of the algorithm's family, or the key is too weak.</exception>
    public static JwtKey FromPem(ReadOnlySpan<char> pem, JwtAlgorithm algorithm, string? keyId = null)
    {
        JwtAlgorithmInfo info = JwtAlgorithmInfo.Get(algorithm);
        try
        {
            if (info.Family == JwtKeyFamily.Ecdsa)
            {
                using ECDsa ecdsa = ECDsa.Create();
                ecdsa.ImportFromPem(pem);
                return CreateECDsa(ecdsa, algorithm, keyId);
            }

            if (info.Family is JwtKeyFamily.Rsa or JwtKeyFamily.RsaPss)
            {
                using RSA rsa = RSA.Create();
                rsa.ImportFromPem(pem);
                return CreateRsa(rsa, algorithm, keyId);
            }
        }
        catch (CryptographicException ex)
        {
            throw new ArgumentException($"The PEM text does not hold a usable {info.Name} key.", nameof(pem), ex);
        }

        throw new ArgumentException($"{info.Name} keys are secrets, not PEM keys: use {nameof(CreateHmac)}.", nameof(algorithm));
    }

    /// <summary>
    /// Returns a new key with only the public part of this one (same algorithm and <c>kid</c>), for
    /// handing to verifiers. The caller owns and disposes the result.
    /// </summary>
    /// <exception cref="InvalidOperationException">The key is an HMAC secret, which has no public part.</exception>
    public abstract JwtKey ToPublicKey();

    /// <summary>Exports the public key as SPKI PEM (<c>PUBLIC KEY</c>).</summary>
    /// <exception cref="InvalidOperationException">The key is an HMAC secret, which has no public form.</exception>
    public abstract string ExportPublicKeyPem();

    /// <summary>Verifies <paramref name="signature"/> over <paramref name="signingInput"/>. Never throws for bad input.</summary>
    internal abstract bool Verify(ReadOnlySpan<byte> signingInput, ReadOnlySpan<byte> signature);

    /// <summary>Signs into <paramref name="destination"/> (at least <see cref="SignatureSize"/> bytes); returns the bytes written.</summary>
    internal abstract int Sign(ReadOnlySpan<byte> signingInput, Span<byte> destination);

    /// <summary>Releases the key material.</summary>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the key material.</summary>
    /// <param name="disposing">True when called from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
    }

    /// <summary>Exports a key's parameters with the private part when it has one (and it is exportable), else without.</summary>
    private static TParameters ExportWithPrivatePart<TParameters>(Func<bool, TParameters> export)
    {
        try
        {
            return export(true);
        }
        catch (CryptographicException)
        {
            return export(false);
        }
    }

    private protected static void RequireFamily(JwtAlgorithmInfo info, JwtKeyFamily family, JwtKeyFamily alternative, string what)
    {
        if (info.Family != family && info.Family != alternative)
        {
            throw new ArgumentException($"{info.Name} cannot be used with {what}.");
        }
    }
}
