using System.Security.Cryptography;
using Npgsql;
using Tessera.Credentials;
using Tessera.Tokens;

namespace Tessera.Server.Users;

/// <summary>
/// The server's users in PostgreSQL (<c>Tessera:Database</c> = <c>postgres</c>), for several server nodes on one
/// database; the behaviour is <see cref="IUserDatabase"/>'s, the same as <see cref="SqliteUserDatabase"/>'s.
/// Thread-safe (one <see cref="NpgsqlDataSource"/>: a pooled connection per call).
/// </summary>
/// <remarks>
/// <para>
/// <see cref="OpenAsync"/> creates or migrates the schema before anything else. Its version is the one row of
/// <c>tessera_schema</c>; migrations run in one transaction that first takes <c>pg_advisory_xact_lock</c>
/// (<see cref="SchemaLockKey"/>), so nodes starting at once on an empty database wait for each other and exactly one
/// creates the tables; on a schema that is current nothing is written. A schema newer than this server knows is refused.
/// </para>
/// <para>
/// Schema version 1: <c>tessera_users(id text PRIMARY KEY, user_name text, password_hash text, roles text[],
/// disabled boolean, created_at timestamptz)</c> with the unique index <c>tessera_users_user_name_key</c> on
/// <c>lower(user_name COLLATE "C")</c>: under the C collation <c>lower</c> folds ASCII letters only, whatever the
/// database's locale, which is SQLite's <c>NOCASE</c>. Every name lookup uses that same expression (and so the index).
/// Table names are unqualified: they live in the first schema of the connection's search path (Npgsql's
/// <c>Search Path</c> keyword chooses another).
/// </para>
/// </remarks>
internal sealed class PostgresUserDatabase : IUserDatabase
{
    /// <summary>The schema version this server creates and reads.</summary>
    public const int SchemaVersion = 1;

    /// <summary>The advisory lock that serializes schema migrations across nodes: "tessera\0" as a big-endian int64.</summary>
    public const long SchemaLockKey = 0x7465737365726100;

    private const string UserColumns = "id, user_name, roles, disabled, created_at";
    private const string ByName = "lower(user_name COLLATE \"C\") = lower(@name COLLATE \"C\")";

    /// <summary>Migration <c>i</c> takes the schema from version <c>i</c> to <c>i + 1</c>.</summary>
    private static readonly string[] s_migrations =
    [
        """
        CREATE TABLE tessera_users (
            id text PRIMARY KEY,
            user_name text NOT NULL,
            password_hash text NOT NULL,
            roles text[] NOT NULL,
            disabled boolean NOT NULL DEFAULT false,
            created_at timestamptz NOT NULL);
        CREATE UNIQUE INDEX tessera_users_user_name_key ON tessera_users (lower(user_name COLLATE "C"));
        """,
    ];

    private readonly NpgsqlDataSource _source;
    private readonly TimeProvider _time;

    private PostgresUserDatabase(NpgsqlDataSource source, TimeProvider time)
    {
        _source = source;
        _time = time;
    }

    /// <summary>
    /// Connects, creates or migrates the schema, and returns the database. Throws <see cref="InvalidOperationException"/>
    /// with a message that names the server (never the password) when the connection string is invalid, the server is
    /// unreachable or refuses the login, or the schema is newer than <see cref="SchemaVersion"/>.
    /// </summary>
    public static async Task<PostgresUserDatabase> OpenAsync(string connectionString, TimeProvider time, CancellationToken cancellationToken)
    {
        NpgsqlConnectionStringBuilder settings;
        try
        {
            settings = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            // The message of Npgsql's exception names the keyword, never the value.
            throw new InvalidOperationException($"Tessera:Postgres is not a valid Npgsql connection string: {e.Message}", e);
        }

        if (string.IsNullOrEmpty(settings.ApplicationName))
        {
            settings.ApplicationName = "tessera";
        }

        NpgsqlDataSource source = NpgsqlDataSource.Create(settings);
        try
        {
            await MigrateAsync(source, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            await source.DisposeAsync().ConfigureAwait(false);
            // A PostgresException is the server's own answer (no such database, login refused, no privilege); anything
            // else means it was never reached.
            string hint = e is PostgresException
                ? "Check the database, user and password in Tessera:Postgres, and that the user may create tables on the first start."
                : "Check Tessera:Postgres and that the server is running and reachable.";
            throw new InvalidOperationException($"The user database in PostgreSQL ({Describe(settings)}) could not be opened: {e.Message}. {hint}", e);
        }
        catch
        {
            await source.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new PostgresUserDatabase(source, time);
    }

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

    /// <summary>
    /// Brings the schema to <see cref="SchemaVersion"/> in one transaction under the advisory lock: the first node
    /// creates it, the others wait on the lock and then find it current. Reads before it writes, so a current schema
    /// needs no CREATE privilege.
    /// </summary>
    private static async Task MigrateAsync(NpgsqlDataSource source, CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction, "SELECT pg_advisory_xact_lock(@key);", cancellationToken, ("key", SchemaLockKey)).ConfigureAwait(false);

        int version;
        if (await ScalarAsync(connection, transaction, "SELECT to_regclass('tessera_schema') IS NULL;", cancellationToken).ConfigureAwait(false) is true)
        {
            await ExecuteAsync(connection, transaction, """
                CREATE TABLE tessera_schema (
                    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
                    version integer NOT NULL);
                INSERT INTO tessera_schema (version) VALUES (0);
                """, cancellationToken).ConfigureAwait(false);
            version = 0;
        }
        else
        {
            version = await ScalarAsync(connection, transaction, "SELECT version FROM tessera_schema;", cancellationToken).ConfigureAwait(false) as int?
                ?? throw new InvalidOperationException("The table tessera_schema has no row: the schema version is unknown.");
        }

        if (version > SchemaVersion)
        {
            throw new InvalidOperationException($"The PostgreSQL user database has schema version {version}; this server knows {SchemaVersion}. Run a newer server.");
        }

        if (version == SchemaVersion)
        {
            return; // nothing written: disposing the transaction rolls back the (read-only) work and releases the lock
        }

        for (int next = version; next < SchemaVersion; next++)
        {
            await ExecuteAsync(connection, transaction, s_migrations[next], cancellationToken).ConfigureAwait(false);
        }

        await ExecuteAsync(connection, transaction, "UPDATE tessera_schema SET version = @version;", cancellationToken, ("version", SchemaVersion)).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach ((string name, object value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

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

    /// <summary>Where the connection string points, without the password.</summary>
    private static string Describe(NpgsqlConnectionStringBuilder settings) =>
        $"Host={settings.Host}; Port={settings.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)}; Database={settings.Database ?? "(the user's)"}; Username={settings.Username ?? "(the OS user's)"}";
}
