using System.Security.Cryptography;
using System.Text;

namespace Tessera.Jwt;

/// <summary>
/// The one table that maps each <see cref="JwtAlgorithm"/> to its JOSE name, hash, key family and sizes.
/// Everything else asks this table; nothing re-derives these facts.
/// </summary>
internal sealed class JwtAlgorithmInfo
{
    private static readonly JwtAlgorithmInfo[] s_byAlgorithm =
    [
        null!, // JwtAlgorithm starts at 1 so that default(JwtAlgorithm) is never a valid algorithm.
        new(JwtAlgorithm.HS256, "HS256", HashAlgorithmName.SHA256, JwtKeyFamily.Hmac, hashSize: 32, curve: null, ecFieldSize: 0),
        new(JwtAlgorithm.HS384, "HS384", HashAlgorithmName.SHA384, JwtKeyFamily.Hmac, hashSize: 48, curve: null, ecFieldSize: 0),
        new(JwtAlgorithm.HS512, "HS512", HashAlgorithmName.SHA512, JwtKeyFamily.Hmac, hashSize: 64, curve: null, ecFieldSize: 0),
        new(JwtAlgorithm.RS256, "RS256", HashAlgorithmName.SHA256, JwtKeyFamily.Rsa, hashSize: 32, curve: null, ecFieldSize: 0),
        new(JwtAlgorithm.RS384, "RS384", HashAlgorithmName.SHA384, JwtKeyFamily.Rsa, hashSize: 48, curve: null, ecFieldSize: 0),
        new(JwtAlgorithm.RS512, "RS512", HashAlgorithmName.SHA512, JwtKeyFamily.Rsa, hashSize: 64, curve: null, ecFieldSize: 0),
        new(JwtAlgorithm.PS256, "PS256", HashAlgorithmName.SHA256, JwtKeyFamily.RsaPss, hashSize: 32, curve: null, ecFieldSize: 0),
        new(JwtAlgorithm.PS384, "PS384", HashAlgorithmName.SHA384, JwtKeyFamily.RsaPss, hashSize: 48, curve: null, ecFieldSize: 0),
        new(JwtAlgorithm.PS512, "PS512", HashAlgorithmName.SHA512, JwtKeyFamily.RsaPss, hashSize: 64, curve: null, ecFieldSize: 0),
        new(JwtAlgorithm.ES256, "ES256", HashAlgorithmName.SHA256, JwtKeyFamily.Ecdsa, hashSize: 32, curve: "P-256", ecFieldSize: 32),
        new(JwtAlgorithm.ES384, "ES384", HashAlgorithmName.SHA384, JwtKeyFamily.Ecdsa, hashSize: 48, curve: "P-384", ecFieldSize: 48),
        new(JwtAlgorithm.ES512, "ES512", HashAlgorithmName.SHA512, JwtKeyFamily.Ecdsa, hashSize: 64, curve: "P-521", ecFieldSize: 66),
    ];

    /// <summary>The minimum RSA modulus size accepted for signing and verifying (RFC 7518 §3.3, §3.5).</summary>
    public const int MinimumRsaKeySizeBits = 2048;

    private JwtAlgorithmInfo(JwtAlgorithm algorithm, string name, HashAlgorithmName hash, JwtKeyFamily family, int hashSize, string? curve, int ecFieldSize)
    {
        Algorithm = algorithm;
        Name = name;
        NameUtf8 = Encoding.ASCII.GetBytes(name);
        Hash = hash;
        Family = family;
        HashSize = hashSize;
        CurveName = curve;
        EcFieldSize = ecFieldSize;
    }

    public JwtAlgorithm Algorithm { get; }

    /// <summary>The JOSE <c>alg</c> value, case-sensitive (RFC 7515 §4.1.1).</summary>
    public string Name { get; }

    public byte[] NameUtf8 { get; }

    public HashAlgorithmName Hash { get; }

    public JwtKeyFamily Family { get; }

    /// <summary>Hash output size in bytes; for HMAC also the minimum key size (RFC 7518 §3.2).</summary>
    public int HashSize { get; }

    /// <summary>The JWK <c>crv</c> name for ECDSA, otherwise null.</summary>
    public string? CurveName { get; }

    /// <summary>Bytes in one ECDSA coordinate (R and S each have this length in the JOSE form).</summary>
    public int EcFieldSize { get; }

    public static JwtAlgorithmInfo Get(JwtAlgorithm algorithm)
    {
        int index = (int)algorithm;
        if (index <= 0 || index >= s_byAlgorithm.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Unknown JWS algorithm.");
        }

        return s_byAlgorithm[index];
    }

    /// <summary>Finds an algorithm by its exact, case-sensitive JOSE name in UTF-8.</summary>
    public static bool TryGet(ReadOnlySpan<byte> name, out JwtAlgorithmInfo info)
    {
        // Every supported name is 5 ASCII bytes; anything else (including "none" in any case) is unknown.
        if (name.Length == 5)
        {
            for (int i = 1; i < s_byAlgorithm.Length; i++)
            {
                if (name.SequenceEqual(s_byAlgorithm[i].NameUtf8))
                {
                    info = s_byAlgorithm[i];
                    return true;
                }
            }
        }

        info = null!;
        return false;
    }

    /// <summary>Finds an algorithm by its exact, case-sensitive JOSE name.</summary>
    public static bool TryGet(string name, out JwtAlgorithmInfo info)
    {
        for (int i = 1; i < s_byAlgorithm.Length; i++)
        {
            if (string.Equals(name, s_byAlgorithm[i].Name, StringComparison.Ordinal))
            {
                info = s_byAlgorithm[i];
                return true;
            }
        }

        info = null!;
        return false;
    }
}
