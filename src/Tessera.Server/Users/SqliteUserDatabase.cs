using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Tessera.Credentials;
using Tessera.Tokens;

namespace Tessera.Server.Users;

/// <summary>
/// The server's users in SQLite (<c>tessera.db</c> in the data folder): the <see cref="ICredentialStore"/> the login
/// endpoint checks against, and what the CLI and admin API manage. Thread-safe (a connection per call).
/// </summary>
/// <remarks>
/// Schema version 1 (<c>PRAGMA user_version</c>): <c>users(id TEXT PRIMARY KEY, username TEXT UNIQUE COLLATE NOCASE,
/// password_hash TEXT, roles TEXT — a JSON array, disabled INTEGER, created_at TEXT — ISO 8601 UTC)</c>. User names
/// compare case-insensitively (ASCII); ids are <c>u-</c> plus 16 random hex characters and never change.
/// </remarks>
internal sealed class UserDatabase : ICredentialStore
{
    private const int SchemaVersion = 1;
    private readonly string _connectionString;
    private readonly TimeProvider _time;

    public UserDatabase(string path, TimeProvider time)
    {
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true }.ToString();
        _time = time;
        using SqliteConnection connection = Open();
        Execute(connection, "PRAGMA journal_mode = WAL;");
        long version = (long)new SqliteCommand("PRAGMA user_version;", connection).ExecuteScalar()!;
        if (version > SchemaVersion)
        {
            throw new InvalidOperationException($"The user database {path} has schema version {version}; this server knows {SchemaVersion}.");
        }

        Execute(connection, """
            CREATE TABLE IF NOT EXISTS users (
                id TEXT PRIMARY KEY,
                username TEXT NOT NULL UNIQUE COLLATE NOCASE,
                password_hash TEXT NOT NULL,
                roles TEXT NOT NULL,
                disabled INTEGER NOT NULL DEFAULT 0,
                created_at TEXT NOT NULL);
            PRAGMA user_version = 1;
            """);
    }

    /// <summary>Creates a user; null when the name is taken.</summary>
    public async Task<UserRecord?> AddAsync(string userName, string passwordHash, IReadOnlyList<string> roles, CancellationToken cancellationToken)
    {
        var user = new UserRecord("u-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), userName, [.. roles], false, _time.GetUtcNow());
        await using SqliteConnection connection = Open();
        await using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "INSERT INTO users (id, username, password_hash, roles, disabled, created_at) VALUES ($id, $name, $hash, $roles, 0, $created) ON CONFLICT DO NOTHING;";
        command.Parameters.AddWithValue("$id", user.Id);
        command.Parameters.AddWithValue("$name", userName);
        command.Parameters.AddWithValue("$hash", passwordHash);
        command.Parameters.AddWithValue("$roles", JsonSerializer.Serialize(user.Roles, ServerJson.Default.StringArray));
        command.Parameters.AddWithValue("$created", user.CreatedAt.ToString("O"));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1 ? user : null;
    }

    /// <summary>Every user, by name.</summary>
    public async Task<IReadOnlyList<UserRecord>> ListAsync(CancellationToken cancellationToken)
    {
        await using SqliteConnection connection = Open();
        await using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "SELECT id, username, roles, disabled, created_at FROM users ORDER BY username;";
        var users = new List<UserRecord>();
        await using SqliteDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            users.Add(Read(reader));
        }

        return users;
    }

    /// <summary>A user's stored password hash by id, or null.</summary>
    public async Task<string?> PasswordHashAsync(string userId, CancellationToken cancellationToken)
    {
        await using SqliteConnection connection = Open();
        await using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "SELECT password_hash FROM users WHERE id = $id;";
        command.Parameters.AddWithValue("$id", userId);
        return (string?)await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The names of the given user ids (ids without a user are left out): one query for a page of sessions.</summary>
    public async Task<IReadOnlyDictionary<string, string>> NamesAsync(IReadOnlyList<string> userIds, CancellationToken cancellationToken)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        if (userIds.Count == 0)
        {
            return names;
        }

        await using SqliteConnection connection = Open();
        await using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "SELECT id, username FROM users WHERE id IN (" + string.Join(", ", userIds.Select((_, i) => "$id" + i.ToString(System.Globalization.CultureInfo.InvariantCulture))) + ");";
        for (int i = 0; i < userIds.Count; i++)
        {
            command.Parameters.AddWithValue("$id" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), userIds[i]);
        }

        await using SqliteDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            names[reader.GetString(0)] = reader.GetString(1);
        }

        return names;
    }

    /// <summary>A user by name, or null.</summary>
    public async Task<UserRecord?> FindAsync(string userName, CancellationToken cancellationToken)
    {
        await using SqliteConnection connection = Open();
        await using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "SELECT id, username, roles, disabled, created_at FROM users WHERE username = $name;";
        command.Parameters.AddWithValue("$name", userName);
        await using SqliteDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
    }

    /// <summary>Disables or enables a user; false when there is no such user.</summary>
    public Task<bool> SetDisabledAsync(string userName, bool disabled, CancellationToken cancellationToken) =>
        UpdateAsync("UPDATE users SET disabled = $value WHERE username = $name;", userName, disabled ? 1 : 0, cancellationToken);

    /// <summary>Sets a user's password hash by name; false when there is no such user.</summary>
    public Task<bool> SetPasswordHashAsync(string userName, string passwordHash, CancellationToken cancellationToken) =>
        UpdateAsync("UPDATE users SET password_hash = $value WHERE username = $name;", userName, passwordHash, cancellationToken);

    /// <summary>The number of users.</summary>
    public async Task<long> CountAsync(CancellationToken cancellationToken)
    {
        await using SqliteConnection connection = Open();
        await using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM users;";
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <inheritdoc/>
    public async ValueTask<StoredCredential?> FindByNameAsync(string userName, CancellationToken cancellationToken)
    {
        await using SqliteConnection connection = Open();
        await using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "SELECT id, username, roles, disabled, created_at, password_hash FROM users WHERE username = $name;";
        command.Parameters.AddWithValue("$name", userName);
        await using SqliteDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        UserRecord user = Read(reader);
        return new StoredCredential(new SessionUser(user.Id, user.UserName, user.Roles), reader.GetString(5), user.Disabled);
    }

    /// <inheritdoc/>
    public async ValueTask UpdatePasswordHashAsync(string userId, string passwordHash, CancellationToken cancellationToken)
    {
        await using SqliteConnection connection = Open();
        await using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "UPDATE users SET password_hash = $hash WHERE id = $id;";
        command.Parameters.AddWithValue("$hash", passwordHash);
        command.Parameters.AddWithValue("$id", userId);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> UpdateAsync(string sql, string userName, object value, CancellationToken cancellationToken)
    {
        await using SqliteConnection connection = Open();
        await using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$name", userName);
        command.Parameters.AddWithValue("$value", value);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    private static UserRecord Read(SqliteDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        JsonSerializer.Deserialize(reader.GetString(2), ServerJson.Default.StringArray) ?? [],
        reader.GetInt64(3) != 0,
        DateTimeOffset.Parse(reader.GetString(4), System.Globalization.CultureInfo.InvariantCulture));

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}

/// <summary>A user as the server keeps them (the hash stays in the database).</summary>
internal sealed record UserRecord(string Id, string UserName, string[] Roles, bool Disabled, DateTimeOffset CreatedAt);
