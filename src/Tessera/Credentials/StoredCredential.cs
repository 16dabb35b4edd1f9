using Tessera.Tokens;

namespace Tessera.Credentials;

/// <summary>A user as <see cref="ICredentialStore"/> returns them: who they are, their password hash, and whether they may sign in.</summary>
/// <param name="User">The user as signed in: id, name, roles and claims for the tokens.</param>
/// <param name="PasswordHash">The stored hash, in the format of the <see cref="IPasswordHasher"/> in use.</param>
/// <param name="IsDisabled">True when the account may not sign in; the answer is then the same as for a wrong password.</param>
public sealed record StoredCredential(SessionUser User, string PasswordHash, bool IsDisabled = false)
{
    /// <summary>Leaves the hash out, so logging a credential never writes it.</summary>
    public override string ToString() => $"StoredCredential {{ User = {User.Id}, IsDisabled = {IsDisabled} }}";
}
