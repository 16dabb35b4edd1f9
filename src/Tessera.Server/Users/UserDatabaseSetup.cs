namespace Tessera.Server.Users;

/// <summary>
/// Chooses where users live from configuration: <c>Tessera:Database</c> = <c>sqlite</c> (default: <c>tessera.db</c> in
/// the data folder) or <c>postgres</c>, with <c>Tessera:Postgres</c> = an Npgsql connection string. The server and the
/// CLI both open their user database here, so they agree on it.
/// </summary>
internal static class UserDatabaseSetup
{
    public const string SqliteFileName = "tessera.db";

    /// <summary>
    /// Opens (and creates or migrates) the configured user database. Throws <see cref="InvalidOperationException"/>
    /// with a message naming the setting for an unknown <c>Tessera:Database</c>, a missing <c>Tessera:Postgres</c>, or
    /// a PostgreSQL server that cannot be reached.
    /// </summary>
    public static async Task<IUserDatabase> OpenAsync(IConfiguration configuration, string dataFolder, TimeProvider time, CancellationToken cancellationToken)
    {
        string database = configuration["Tessera:Database"] is { Length: > 0 } configured ? configured : "sqlite";
        switch (database.ToLowerInvariant())
        {
            case "sqlite":
                return new SqliteUserDatabase(Path.Combine(dataFolder, SqliteFileName), time);
            case "postgres":
                string? connectionString = configuration["Tessera:Postgres"];
                if (string.IsNullOrWhiteSpace(connectionString))
                {
                    throw new InvalidOperationException(
                        "Tessera:Database is 'postgres' but Tessera:Postgres (an Npgsql connection string such as Host=127.0.0.1;Username=tessera;Password=...;Database=tessera) is not set.");
                }

                return await PostgresUserDatabase.OpenAsync(connectionString, time, cancellationToken).ConfigureAwait(false);
            default:
                throw new InvalidOperationException($"Tessera:Database must be 'sqlite' or 'postgres' (was '{database}').");
        }
    }
}
