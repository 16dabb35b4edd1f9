using System.Security.Cryptography;
using Tessera.Jwt;
using Tessera.Server.Keys;
using Tessera.Server.Users;

namespace Tessera.Server;

/// <summary>
/// The data folder (<c>Tessera:DataDir</c>, default <c>./data</c>) with the signing keys, and the user database: in
/// the folder (SQLite, the default) or in PostgreSQL (<c>Tessera:Database</c>, see <see cref="UserDatabaseSetup"/>).
/// Opening it creates what is missing: the folder (mode 700), the schema, the first key, and — when there are no
/// users — the first admin.
/// </summary>
internal sealed class ServerData : IAsyncDisposable
{
    public const string DefaultAdminUser = "admin";

    private ServerData(string folder, IUserDatabase users, KeyRing keys)
    {
        Folder = folder;
        Users = users;
        Keys = keys;
    }

    public string Folder { get; }

    public IUserDatabase Users { get; }

    public KeyRing Keys { get; }

    /// <summary>Opens the data folder and the user database that <paramref name="configuration"/> names.</summary>
    public static async Task<ServerData> OpenAsync(IConfiguration configuration, TimeProvider time, CancellationToken cancellationToken)
    {
        string full = Path.GetFullPath(configuration["Tessera:DataDir"] ?? "./data");
        if (!OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(full, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        else
        {
            Directory.CreateDirectory(full);
        }

        var keys = new KeyRing(full, time);
        IUserDatabase users = await UserDatabaseSetup.OpenAsync(configuration, full, time, cancellationToken).ConfigureAwait(false);
        return new ServerData(full, users, keys);
    }

    /// <summary>Closes the user database's connections.</summary>
    public ValueTask DisposeAsync() => Users.DisposeAsync();

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
        string password = string.IsNullOrEmpty(given) ? System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(18)) : given;
        await Users.AddAsync(name, hasher.Hash(password), ["admin"], cancellationToken).ConfigureAwait(false);
        return (name, string.IsNullOrEmpty(given) ? password : null);
    }

    /// <summary>The signing key (the newest) and every key that verifies.</summary>
    public (JwtKey Signing, IReadOnlyList<JwtKey> All) LoadKeys()
    {
        IReadOnlyList<JwtKey> all = Keys.LoadOrCreate();
        return (all[^1], all);
    }
}
