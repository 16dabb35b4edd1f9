using Microsoft.AspNetCore.Identity;
using Tessera.Credentials;

namespace Tessera.Server.Users;

/// <summary>Passwords hashed with ASP.NET Core Identity's <see cref="PasswordHasher{TUser}"/> (its V3 format), with
/// rehashing when Identity asks for it.</summary>
internal sealed class IdentityPasswordHasher : IPasswordHasher
{
    private const string User = ""; // Identity's hasher ignores the user object.
    private readonly PasswordHasher<string> _inner = new();

    public string Hash(string password) => _inner.HashPassword(User, password);

    public PasswordVerification Verify(string passwordHash, string password)
    {
        try
        {
            return _inner.VerifyHashedPassword(User, passwordHash, password) switch
            {
                PasswordVerificationResult.Success => PasswordVerification.Success,
                PasswordVerificationResult.SuccessRehashNeeded => PasswordVerification.SuccessRehashNeeded,
                _ => PasswordVerification.Failed,
            };
        }
        catch (FormatException)
        {
            return PasswordVerification.Failed; // not an Identity hash
        }
    }
}
