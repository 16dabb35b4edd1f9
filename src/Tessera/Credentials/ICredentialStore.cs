namespace Tessera.Credentials;

/// <summary>
/// Where a host keeps its users' password hashes: the one thing <see cref="PasswordSignInService"/> needs from a user
/// database. Implementations must be safe for concurrent use and throw only when the database fails (I/O).
/// </summary>
public interface ICredentialStore
{
    /// <summary>Finds a user by login name.</summary>
    /// <param name="userName">The name as the client typed it; match it the way the host defines (e.g. case-insensitively).</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>The user and their stored hash, or null when no such user exists. Do the same work either way where you can
    /// (one query), so the lookup time says nothing about whether the name exists.</returns>
    ValueTask<StoredCredential?> FindByNameAsync(string userName, CancellationToken cancellationToken);

    /// <summary>Replaces a user's password hash after a successful sign-in whose hash the hasher wants renewed
    /// (<see cref="PasswordVerification.SuccessRehashNeeded"/>: older parameters or algorithm).</summary>
    ValueTask UpdatePasswordHashAsync(string userId, string passwordHash, CancellationToken cancellationToken);
}
