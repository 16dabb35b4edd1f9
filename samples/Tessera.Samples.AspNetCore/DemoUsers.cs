using System.Collections.Concurrent;
using Tessera.Credentials;
using Tessera.Tokens;

namespace Tessera.Samples.AspNetCore;

/// <summary>
/// Two demo users kept in memory, their passwords hashed at start-up with the registered hasher: <c>alice</c>
/// (role <c>reader</c>) and <c>admin</c> (roles <c>reader</c>, <c>admin</c>). Passwords come from configuration
/// (<c>Demo:AlicePassword</c>, <c>Demo:AdminPassword</c>). A real app implements <see cref="ICredentialStore"/> over
/// its user database.
/// </summary>
internal sealed class DemoUsers : ICredentialStore
{
    private readonly ConcurrentDictionary<string, StoredCredential> _users;

    public DemoUsers(IPasswordHasher hasher, IConfiguration configuration)
    {
        _users = new(StringComparer.OrdinalIgnoreCase);
        _users["alice"] = new(new SessionUser("u-alice", "alice", ["reader"]), hasher.Hash(configuration["Demo:AlicePassword"] ?? "alice-password"));
        _users["admin"] = new(new SessionUser("u-admin", "admin", ["reader", "admin"]), hasher.Hash(configuration["Demo:AdminPassword"] ?? "admin-password"));
    }

    public ValueTask<StoredCredential?> FindByNameAsync(string userName, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_users.GetValueOrDefault(userName));

    public ValueTask UpdatePasswordHashAsync(string userId, string passwordHash, CancellationToken cancellationToken)
    {
        foreach ((string name, StoredCredential credential) in _users.ToArray())
        {
            if (credential.User.Id == userId)
            {
                _users[name] = credential with { PasswordHash = passwordHash };
            }
        }

        return ValueTask.CompletedTask;
    }
}
