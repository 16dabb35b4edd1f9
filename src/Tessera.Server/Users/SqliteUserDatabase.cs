using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Tessera.Credentials;
using Tessera.Tokens;

namespace Tessera.Server.Users;

/// <summary>
/// The server's users in SQLite (<c>tessera.db</c> in the data folder), the embedded default; the behaviour is
/// <see cref="IUserDatabase"/>'s. Thread-safe (a pooled connection per call); the CLI and a running server share the
/// file (WAL mode).
/// </summary>
/// <remarks>
/// Schema version 1 (<c>PRAGMA user_version</c>): <c>users(id TEXT PRIMARY KEY, username TEXT UNIQUE COLLATE NOCASE,
/// password_hash TEXT, roles TEXT — a JSON array, disabled INTEGER, created_at TEXT — ISO 8601 UTC)</c>. <c>NOCASE</c>
/// folds ASCII letters only, which is what <see cref="IUserDatabase"/> promises.
/// </remarks>
internal sealed class SqliteUserDatabase : IUserDatabase
{
    private const int SchemaVersion = 1;
    private readonly string _connectionString;
    private readonly TimeProvider _time;

    public SqliteUserDatabase(string path, TimeProvider time)
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

    /// <inheritdoc/>
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

    /// <inheritdoc/>
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

    /// <inheritdoc/>
    public async Task<string?> PasswordHashAsync(string userId, CancellationToken cancellationToken)
    {
        await using SqliteConnection connection = Open();
        await using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "SELECT password_hash FROM users WHERE id = $id;";
        command.Parameters.AddWithValue("$id", userId);
        return (string?)await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
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

    /// <inheritdoc/>
    public async Task<UserRecord?> FindAsync(string userName, CancellationToken cancellationToken)
    {
        await using SqliteConnection connection = Open();
        await using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "SELECT id, username, roles, disabled, created_at FROM users WHERE username = $name;";
        command.Parameters.AddWithValue("$name", userName);
        await using SqliteDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
    }

    /// <inheritdoc/>
    public Task<bool> SetDisabledAsync(string userName, bool disabled, CancellationToken cancellationToken) =>
        UpdateAsync("UPDATE users SET disabled = $value WHERE username = $name;", userName, disabled ? 1 : 0, cancellationToken);

    /// <inheritdoc/>
    public Task<bool> SetPasswordHashAsync(string userName, string passwordHash, CancellationToken cancellationToken) =>
        UpdateAsync("UPDATE users SET password_hash = $value WHERE username = $name;", userName, passwordHash, cancellationToken);

    /// <inheritdoc/>
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

    /// <summary>Returns this database's pooled connections to SQLite (closing the file handles).</summary>
    public ValueTask DisposeAsync()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
        return ValueTask.CompletedTask;
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
