using Npgsql;
using Tessera.Jwt;
using Tessera.Server.Postgres;

namespace Tessera.Server.Keys;

/// <summary>
/// Signing keys in PostgreSQL (the table <c>tessera_signing_keys</c>, <see cref="PostgresSchema"/> version 2), so every
/// node signs and verifies with the same key ring; the behaviour is <see cref="ISigningKeyStore"/>'s, the same as
/// <see cref="FileSigningKeyStore"/>'s. Thread-safe (one <see cref="NpgsqlDataSource"/>: a pooled connection per call).
/// </summary>
/// <remarks>
/// The table holds private keys: whoever can read it can sign tokens, so grant it to the server's role only (or keep
/// keys in a secret store with <c>Tessera:KeyStore=configuration</c>). <see cref="AddIfEmptyAsync"/> inserts under
/// <c>pg_advisory_xact_lock</c> (<see cref="FirstKeyLockKey"/>), so of nodes starting at once exactly one makes the
/// first key.
/// </remarks>
internal sealed class PostgresSigningKeyStore : ISigningKeyStore
{
    /// <summary>The advisory lock taken to add the first key: "tessera\u0001" as a big-endian int64.</summary>
    public const long FirstKeyLockKey = 0x7465737365726101;

    private const string Columns = "kid, alg, created_at, activates_at, private_jwk";
    private readonly NpgsqlDataSource _source;
    private readonly string _description;

    private PostgresSigningKeyStore(NpgsqlDataSource source)
    {
        _source = source;
        var settings = new NpgsqlConnectionStringBuilder(source.ConnectionString);
        _description = $"PostgreSQL table tessera_signing_keys (Host={settings.Host}; Database={settings.Database})";
    }

    /// <inheritdoc/>
    public string Description => _description;

    /// <inheritdoc/>
    public bool IsReadOnly => false;

    /// <summary>
    /// Connects, creates or migrates the schema (<see cref="PostgresSchema.OpenAsync"/>, whose errors it throws), and
    /// returns the store, which owns its connection pool.
    /// </summary>
    public static async Task<PostgresSigningKeyStore> OpenAsync(string connectionString, CancellationToken cancellationToken) =>
        new(await PostgresSchema.OpenAsync(connectionString, "key store", cancellationToken).ConfigureAwait(false));

    /// <inheritdoc/>
    public async Task<IReadOnlyList<SigningKeyRecord>> ListAsync(CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = _source.CreateCommand($"SELECT {Columns} FROM tessera_signing_keys ORDER BY created_at, kid COLLATE \"C\";");
        var keys = new List<SigningKeyRecord>();
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            string kid = reader.GetString(0);
            if (!Enum.TryParse(reader.GetString(1), ignoreCase: false, out JwtAlgorithm algorithm) || !Enum.IsDefined(algorithm))
            {
                throw new InvalidDataException($"The signing key '{kid}' in tessera_signing_keys names an unknown algorithm '{reader.GetString(1)}'.");
            }

            keys.Add(new SigningKeyRecord(kid, algorithm, reader.GetFieldValue<DateTimeOffset>(2), reader.GetFieldValue<DateTimeOffset>(3), reader.GetString(4)));
        }

        return keys;
    }

    /// <inheritdoc/>
    public async Task<bool> AddAsync(SigningKeyRecord key, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = _source.CreateCommand($"INSERT INTO tessera_signing_keys ({Columns}) VALUES (@kid, @alg, @created, @activates, @jwk) ON CONFLICT DO NOTHING;");
        AddParameters(command, key);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc/>
    public async Task<bool> AddIfEmptyAsync(SigningKeyRecord key, CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key);", connection, transaction))
        {
            lockCommand.Parameters.AddWithValue("key", FirstKeyLockKey);
            await lockCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // Under the lock, read-committed sees every key committed before it was granted.
        await using var command = new NpgsqlCommand(
            $"INSERT INTO tessera_signing_keys ({Columns}) SELECT @kid, @alg, @created, @activates, @jwk WHERE NOT EXISTS (SELECT 1 FROM tessera_signing_keys);",
            connection,
            transaction);
        AddParameters(command, key);
        bool added = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return added;
    }

    /// <inheritdoc/>
    public async Task<bool> RemoveAsync(string keyId, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = _source.CreateCommand("DELETE FROM tessera_signing_keys WHERE kid = @kid;");
        command.Parameters.AddWithValue("kid", keyId);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>Closes the pool's connections.</summary>
    public ValueTask DisposeAsync() => _source.DisposeAsync();

    private static void AddParameters(NpgsqlCommand command, SigningKeyRecord key)
    {
        command.Parameters.AddWithValue("kid", key.KeyId);
        command.Parameters.AddWithValue("alg", key.Algorithm.ToString());
        command.Parameters.AddWithValue("created", key.CreatedAt.ToUniversalTime());
        command.Parameters.AddWithValue("activates", key.ActivatesAt.ToUniversalTime());
        command.Parameters.AddWithValue("jwk", key.PrivateJwk);
    }
}
