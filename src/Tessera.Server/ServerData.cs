using System.Security.Cryptography;
using Tessera.Server.Keys;
using Tessera.Server.Users;

namespace Tessera.Server;

/// <summary>
/// The data folder (<c>Tessera:DataDir</c>, default <c>./data</c>), the user database — in the folder (SQLite, the
/// default) or in PostgreSQL (<c>Tessera:Database</c>, see <see cref="UserDatabaseSetup"/>) — and the signing key store
/// (files in the folder, PostgreSQL or configuration, see <see cref="SigningKeyStoreSetup"/>). Opening it creates what
/// is missing: the folder (mode 700) and the schema; the server then makes the first key
/// (<see cref="SigningKeyRing.OpenAsync"/>) and, when there are no users, the first admin.
/// </summary>
internal sealed class ServerData : IAsyncDisposable
{
    public const string DefaultAdminUser = "admin";

    private ServerData(string folder, IUserDatabase users, ISigningKeyStore keys)
    {
        Folder = folder;
        Users = users;
        Keys = keys;
    }

    public string Folder { get; }

    public IUserDatabase Users { get; }

    public ISigningKeyStore Keys { get; }

    /// <summary>Opens the data folder, the user database and the key store that <paramref name="configuration"/> names.</summary>
    public static async Task<ServerData> OpenAsync(IConfiguration configuration, TimeProvider time, CancellationToken cancellationToken)
    {
        string full = Path.GetFullPath(configuration["Tessera:DataDir"] ?? "./data");
        if (!OperatingSystem.IsWindows())
        {
            const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
            Directory.CreateDirectory(full, OwnerOnly);
            // The mode above applies only to a folder created now. One made beforehand (`mkdir data`) would leave the
            // password hashes readable by other accounts: it is made owner-only here, or the server does not start.
            if ((File.GetUnixFileMode(full) & ~OwnerOnly) != 0)
            {
                try
                {
                    File.SetUnixFileMode(full, OwnerOnly);
                }
                catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
                {
                    throw new InvalidOperationException(
                        $"The data folder {full} is open to other accounts and its mode can't be changed by this user: make it owner-only (chmod 700).", ex);
                }
            }
        }
        else
        {
            Directory.CreateDirectory(full);
        }

        IUserDatabase users = await UserDatabaseSetup.OpenAsync(configuration, full, time, cancellationToken).ConfigureAwait(false);
        try
        {
            ISigningKeyStore keys = await SigningKeyStoreSetup.OpenAsync(configuration, full, cancellationToken).ConfigureAwait(false);
            return new ServerData(full, users, keys);
        }
        catch
        {
            await users.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Closes the user database's and the key store's connections.</summary>
    public async ValueTask DisposeAsync()
    {
        await Keys.DisposeAsync().ConfigureAwait(false);
        await Users.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Creates the first admin when there are no users: <c>TESSERA_ADMIN_USER</c> (default <c>admin</c>) with
    /// <c>TESSERA_ADMIN_PASSWORD</c>, or a generated password, which is returned so the caller prints it once.
    /// </summary>
    public async Task<(string UserName, string? GeneratedPassword)?> EnsureAdminAsync(Credentials.IPasswordHasher hasher, CancellationToken cancellationToken)
    {
        if (await Users.CountAsync(cancellationToken).ConfigureAwait(false) > 0)
        {
            return null;
        }

        string name = Environment.GetEnvironmentVariable("TESSERA_ADMIN_USER") is { Length: > 0 } configured ? configured : DefaultAdminUser;
        string? given = Environment.GetEnvironmentVariable("TESSERA_ADMIN_PASSWORD");
        if (!string.IsNullOrEmpty(given) && given.Length is < 8 or > 1024)
        {
            // The same rule as the admin API and the CLI: a start-up must not create an admin they would refuse.
            throw new InvalidOperationException("TESSERA_ADMIN_PASSWORD must be 8 to 1024 characters.");
        }

        string password = string.IsNullOrEmpty(given) ? System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(18)) : given;
        // Null when another node starting at the same time created the user first: then this node made nobody, and
        // must not print a password that does not work.
        return await Users.AddAsync(name, hasher.Hash(password), ["admin"], cancellationToken).ConfigureAwait(false) is null
            ? null
            : (name, string.IsNullOrEmpty(given) ? password : null);
    }
}
