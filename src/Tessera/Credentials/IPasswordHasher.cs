namespace Tessera.Credentials;

/// <summary>
/// Hashes and verifies passwords. <see cref="Pbkdf2PasswordHasher"/> is the built-in one; a host with its own format
/// (ASP.NET Core Identity's <c>PasswordHasher</c>, say) adapts it here. Implementations are safe for concurrent use.
/// </summary>
public interface IPasswordHasher
{
    /// <summary>Hashes a password with a new random salt, in a self-describing text format.</summary>
    string Hash(string password);

    /// <summary>
    /// Checks a password against a stored hash. The time must not depend on how much of the password matches, and
    /// <see cref="PasswordSignInService"/> relies on a hash made by <see cref="Hash"/> costing the same to verify as any
    /// current one: that is how an unknown user costs as much as a wrong password.
    /// </summary>
    PasswordVerification Verify(string passwordHash, string password);
}
