namespace Tessera.Jwt;

/// <summary>Log-safe messages for <see cref="JwtError"/>: constants, so they can carry no token data.</summary>
internal static class JwtErrorMessages
{
    public static string For(JwtError error) => error switch
    {
        JwtError.None => "The token is valid.",
        JwtError.TokenTooLarge => "The token exceeds the maximum accepted length.",
        JwtError.Malformed => "The token is not a well-formed compact JWS.",
        JwtError.AlgorithmNotAllowed => "The token's algorithm is not allowed for the selected key.",
        JwtError.UnsupportedHeader => "The token's header requires a feature that is not supported.",
        JwtError.TypeInvalid => "The token's type is not accepted.",
        JwtError.KeyNotFound => "No key matches the token.",
        JwtError.SignatureInvalid => "The token's signature is invalid.",
        JwtError.InvalidClaim => "A registered claim has an invalid type or value.",
        JwtError.ClaimMissing => "A required claim is missing.",
        JwtError.Expired => "The token has expired.",
        JwtError.NotYetValid => "The token is not valid yet.",
        JwtError.IssuerInvalid => "The token's issuer is not accepted.",
        JwtError.AudienceInvalid => "The token's audience is not accepted.",
        _ => "The token is invalid.",
    };
}
