namespace Tessera.Jwt;

/// <summary>
/// Why a token failed validation. The values are stable: callers, logs and metrics may depend on them.
/// </summary>
/// <remarks>
/// Checks run in a fixed order — size, structure, header, key, signature, then claims — so a token
/// that is wrong in several ways reports the first failing stage. Claims are never examined for a token
/// whose signature did not verify.
/// </remarks>
public enum JwtError
{
    /// <summary>The token is valid.</summary>
    None = 0,

    /// <summary>The token is longer than <see cref="JwtValidationOptions.MaxTokenLength"/>; nothing was decoded.</summary>
    TokenTooLarge,

    /// <summary>
    /// The token is not a well-formed compact JWS: wrong number of segments, invalid or non-canonical
    /// base64url, a header or payload that is not a JSON object, duplicate member names, or invalid UTF-8.
    /// </summary>
    Malformed,

    /// <summary>
    /// The header <c>alg</c> is missing, not a supported algorithm (<c>none</c> never is), or differs from
    /// the algorithm of the key selected to verify the token.
    /// </summary>
    AlgorithmNotAllowed,

    /// <summary>
    /// The header asks for something this validator will not do: a <c>crit</c> extension,
    /// <c>b64: false</c> (RFC 7797), compression, or a nested JWT.
    /// </summary>
    UnsupportedHeader,

    /// <summary>The header <c>typ</c> is missing or is not one of <see cref="JwtValidationOptions.ValidTypes"/>.</summary>
    TypeInvalid,

    /// <summary>No key of the key set matches the header <c>kid</c> (or, without <c>kid</c>, the header <c>alg</c>).</summary>
    KeyNotFound,

    /// <summary>The signature does not verify with the selected key.</summary>
    SignatureInvalid,

    /// <summary>
    /// A registered claim has the wrong JSON type or is out of range: a time claim that is not a finite
    /// NumericDate, an <c>aud</c> that is not a string or an array of strings, a non-string <c>iss</c>.
    /// </summary>
    InvalidClaim,

    /// <summary>A claim named in <see cref="JwtValidationOptions.RequiredClaims"/>, or a required <c>exp</c>, is absent.</summary>
    ClaimMissing,

    /// <summary>The token has expired: the current time is at or after <c>exp</c> plus the clock skew.</summary>
    Expired,

    /// <summary>The token is not valid yet: <c>nbf</c> or <c>iat</c> lies beyond the current time plus the clock skew.</summary>
    NotYetValid,

    /// <summary>The <c>iss</c> claim is missing or not one of the accepted issuers.</summary>
    IssuerInvalid,

    /// <summary>The <c>aud</c> claim is missing or names none of the accepted audiences.</summary>
    AudienceInvalid,
}
