namespace Tessera.Jwt;

/// <summary>
/// The JWS signature algorithms Tessera signs and verifies (RFC 7518 §3).
/// </summary>
/// <remarks>
/// <c>none</c> is deliberately absent: an unsigned token cannot be expressed, so it can never verify.
/// Every <see cref="JwtKey"/> is bound to exactly one of these values, and a token verifies only
/// when its header <c>alg</c> equals the algorithm of the key that checks it.
/// </remarks>
public enum JwtAlgorithm
{
    /// <summary>HMAC with SHA-256. The key must be at least 32 bytes.</summary>
    HS256 = 1,
    /// <summary>HMAC with SHA-384. The key must be at least 48 bytes.</summary>
    HS384,
    /// <summary>HMAC with SHA-512. The key must be at least 64 bytes.</summary>
    HS512,
    /// <summary>RSASSA-PKCS1-v1_5 with SHA-256. The key must be at least 2048 bits.</summary>
    RS256,
    /// <summary>RSASSA-PKCS1-v1_5 with SHA-384. The key must be at least 2048 bits.</summary>
    RS384,
    /// <summary>RSASSA-PKCS1-v1_5 with SHA-512. The key must be at least 2048 bits.</summary>
    RS512,
    /// <summary>RSASSA-PSS with SHA-256 and MGF1 with SHA-256. The key must be at least 2048 bits.</summary>
    PS256,
    /// <summary>RSASSA-PSS with SHA-384 and MGF1 with SHA-384. The key must be at least 2048 bits.</summary>
    PS384,
    /// <summary>RSASSA-PSS with SHA-512 and MGF1 with SHA-512. The key must be at least 2048 bits.</summary>
    PS512,
    /// <summary>ECDSA on P-256 with SHA-256; signatures are the 64-byte JOSE form R||S.</summary>
    ES256,
    /// <summary>ECDSA on P-384 with SHA-384; signatures are the 96-byte JOSE form R||S.</summary>
    ES384,
    /// <summary>ECDSA on P-521 with SHA-512; signatures are the 132-byte JOSE form R||S.</summary>
    ES512,
}
