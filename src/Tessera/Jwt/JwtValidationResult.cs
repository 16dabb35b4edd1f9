namespace Tessera.Jwt;

/// <summary>
/// The outcome of <see cref="JwtValidator.Validate(string)"/>: either valid with its <see cref="Claims"/>,
/// or a failure with a stable <see cref="Error"/> code.
/// </summary>
/// <param name="Error">Why validation failed, or <see cref="JwtError.None"/>.</param>
/// <param name="Claims">The verified claims when <see cref="IsValid"/>; otherwise null.</param>
public readonly record struct JwtValidationResult(JwtError Error, JwtClaims? Claims)
{
    /// <summary>True when the token verified and every configured check passed.</summary>
    public bool IsValid => Error == JwtError.None;

    /// <summary>
    /// A fixed, human-readable description of <see cref="Error"/>. It never contains token text,
    /// claim values or key material, so it is safe to log and to return to clients.
    /// </summary>
    public string Message => JwtErrorMessages.For(Error);

    internal static JwtValidationResult Fail(JwtError error) => new(error, null);
}
