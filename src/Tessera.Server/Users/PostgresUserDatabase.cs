using System.Security.Cryptography;
using Npgsql;
using Tessera.Credentials;
using Tessera.Server.Postgres;
using Tessera.Tokens;

namespace Tessera.Server.Users;

/// <summary>
/// The server's users in PostgreSQL (<c>Tessera:Database</c> = <c>postgres</c>), for several server nodes on one
/// database; the behaviour is <see cref="IUserDatabase"/>'s, the same as <see cref="SqliteUserDatabase"/>'s.
/// Thread-safe (one <see cref="NpgsqlDataSource"/>: a pooled connection per call).
/// </summary>
/// <remarks>
/// The tables are <see cref="PostgresSchema"/>'s (version 1: <c>tessera_users</c>), created or migrated by
/// <see cref="OpenAsync"/>.
/// </remarks>
internal sealed class PostgresUserDatabase : IUserDatabase
{
    private const string UserColumns = "id, user_name, roles, disabled, created_at";
    private const string ByName = "lower(user_name COLLATE \"C\") = lower(@name COLLATE \"C\")";

    private readonly NpgsqlDataSource _source;
    private readonly TimeProvider _time;

    private PostgresUserDatabase(NpgsqlDataSource source, TimeProvider time)
    {
        _source = source;
        _time = time;
    }

    /// <summary>
    /// Connects, creates or migrates the schema (<see cref="PostgresSchema.OpenAsync"/>, whose errors it throws), and
    /// returns the database, which owns its connection pool.
    /// </summary>
    public static async Task<PostgresUserDatabase> OpenAsync(string connectionString, TimeProvider time, CancellationToken cancellationToken) =>
        new(await PostgresSchema.OpenAsync(connectionString, "user database", cancellationToken).ConfigureAwait(false), time);

    /// <inheritdoc/>
    public async Task<UserRecord?> AddAsync(string userName, string passwordHash, IReadOnlyList<string> roles, CancellationToken cancellationToken)
    {
        DateTimeOffset now = _time.GetUtcNow().ToUniversalTime();
        now = now.AddTicks(-(now.Ticks % 10)); // timestamptz keeps microseconds: return what is stored
        var user = new UserRecord("u-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), userName, [.. roles], false, now);
        await using NpgsqlCommand command = _source.CreateCommand(
            "INSERT INTO tessera_users (id, user_name, password_hash, roles, disabled, created_at) VALUES (@id, @name, @hash, @roles, false, @created) ON CONFLICT DO NOTHING;");
        command.Parameters.AddWithValue("id", user.Id);
        command.Parameters.AddWithValue("name", userName);
        command.Parameters.AddWithValue("hash", passwordHash);
        command.Parameters.AddWithValue("roles", user.Roles);
        command.Parameters.AddWithValue("created", now);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1 ? user : null;
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<UserRecord>> ListAsync(CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = _source.CreateCommand($"SELECT {UserColumns} FROM tessera_users ORDER BY lower(user_name COLLATE \"C\");");
        var users = new List<UserRecord>();
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            users.Add(Read(reader));
        }

        return users;
    }

    /// <inheritdoc/>
    public async Task<string?> PasswordHashAsync(string userId, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = _source.CreateCommand("SELECT password_hash FROM tessera_users WHERE id = @id;");
        command.Parameters.AddWithValue("id", userId);
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

        await using NpgsqlCommand command = _source.CreateCommand("SELECT id, user_name FROM tessera_users WHERE id = ANY(@ids);");
        command.Parameters.AddWithValue("ids", userIds.ToArray());
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            names[reader.GetString(0)] = reader.GetString(1);
        }

        return names;
    }

    /// <inheritdoc/>
    public async Task<UserRecord?> FindAsync(string userName, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = _source.CreateCommand($"SELECT {UserColumns} FROM tessera_users WHERE {ByName};");
        command.Parameters.AddWithValue("name", userName);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
    }

    /// <inheritdoc/>
    public Task<bool> SetDisabledAsync(string userName, bool disabled, CancellationToken cancellationToken) =>
        UpdateByNameAsync($"UPDATE tessera_users SET disabled = @value WHERE {ByName};", userName, disabled, cancellationToken);

    /// <inheritdoc/>
    public Task<bool> SetPasswordHashAsync(string userName, string passwordHash, CancellationToken cancellationToken) =>
        UpdateByNameAsync($"UPDATE tessera_users SET password_hash = @value WHERE {ByName};", userName, passwordHash, cancellationToken);

    /// <inheritdoc/>
    public async Task<long> CountAsync(CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = _source.CreateCommand("SELECT count(*) FROM tessera_users;");
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <inheritdoc/>
    public async ValueTask<StoredCredential?> FindByNameAsync(string userName, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = _source.CreateCommand($"SELECT {UserColumns}, password_hash FROM tessera_users WHERE {ByName};");
        command.Parameters.AddWithValue("name", userName);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
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
        await using NpgsqlCommand command = _source.CreateCommand("UPDATE tessera_users SET password_hash = @hash WHERE id = @id;");
        command.Parameters.AddWithValue("hash", passwordHash);
        command.Parameters.AddWithValue("id", userId);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes the pool's connections.</summary>
    public ValueTask DisposeAsync() => _source.DisposeAsync();

    private async Task<bool> UpdateByNameAsync(string sql, string userName, object value, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = _source.CreateCommand(sql);
        command.Parameters.AddWithValue("name", userName);
        command.Parameters.AddWithValue("value", value);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    private static UserRecord Read(NpgsqlDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.GetFieldValue<string[]>(2),
        reader.GetBoolean(3),
        reader.GetFieldValue<DateTimeOffset>(4));
}
