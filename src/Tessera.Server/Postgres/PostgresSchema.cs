using Npgsql;

namespace Tessera.Server.Postgres;

/// <summary>
/// The server's tables in PostgreSQL (<c>Tessera:Database</c> = <c>postgres</c>): users
/// (<see cref="Users.PostgresUserDatabase"/>) and signing keys (<see cref="Keys.PostgresSigningKeyStore"/>), one
/// versioned schema that <see cref="OpenAsync"/> creates or migrates before anything else uses it.
/// </summary>
/// <remarks>
/// <para>
/// The version is the one row of <c>tessera_schema</c>; migrations run in one transaction that first takes
/// <c>pg_advisory_xact_lock</c> (<see cref="SchemaLockKey"/>), so nodes starting at once on an empty database wait for
/// each other and exactly one creates the tables; on a schema that is current nothing is written (and no CREATE
/// privilege is needed). A schema newer than this server knows is refused. Table names are unqualified: they live in
/// the first schema of the connection's search path (Npgsql's <c>Search Path</c> keyword chooses another).
/// </para>
/// <para>
/// Version 1: <c>tessera_users(id text PRIMARY KEY, user_name text, password_hash text, roles text[], disabled
/// boolean, created_at timestamptz)</c> with the unique index <c>tessera_users_user_name_key</c> on
/// <c>lower(user_name COLLATE "C")</c>: under the C collation <c>lower</c> folds ASCII letters only, whatever the
/// database's locale, which is SQLite's <c>NOCASE</c>. Every name lookup uses that same expression (and so the index).
/// </para>
/// <para>
/// Version 2: <c>tessera_signing_keys(kid text PRIMARY KEY, alg text, created_at timestamptz, activates_at timestamptz,
/// private_jwk text)</c>.
/// </para>
/// </remarks>
internal static class PostgresSchema
{
    /// <summary>The schema version this server creates and reads.</summary>
    public const int SchemaVersion = 2;

    /// <summary>The advisory lock that serializes schema migrations across nodes: "tessera\0" as a big-endian int64.</summary>
    public const long SchemaLockKey = 0x7465737365726100;

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
        """
        CREATE TABLE tessera_signing_keys (
            kid text PRIMARY KEY,
            alg text NOT NULL,
            created_at timestamptz NOT NULL,
            activates_at timestamptz NOT NULL,
            private_jwk text NOT NULL);
        """,
    ];

    /// <summary>
    /// Connects, creates or migrates the schema, and returns the pool. <paramref name="what"/> names the caller in
    /// errors ("user database", "key store"). Throws <see cref="InvalidOperationException"/> with a message that names
    /// the server (never the password) when the connection string is invalid, the server is unreachable or refuses the
    /// login, or the schema is newer than <see cref="SchemaVersion"/>.
    /// </summary>
    public static async Task<NpgsqlDataSource> OpenAsync(string connectionString, string what, CancellationToken cancellationToken)
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
            throw new InvalidOperationException($"The {what} in PostgreSQL ({Describe(settings)}) could not be opened: {e.Message}. {hint}", e);
        }
        catch
        {
            await source.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return source;
    }

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
            throw new InvalidOperationException($"The PostgreSQL database has schema version {version}; this server knows {SchemaVersion}. Run a newer server.");
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

    /// <summary>Where the connection string points, without the password.</summary>
    private static string Describe(NpgsqlConnectionStringBuilder settings) =>
        $"Host={settings.Host}; Port={settings.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)}; Database={settings.Database ?? "(the user's)"}; Username={settings.Username ?? "(the OS user's)"}";
}
