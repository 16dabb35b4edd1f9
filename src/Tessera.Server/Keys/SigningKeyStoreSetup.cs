using System.Globalization;

namespace Tessera.Server.Keys;

/// <summary>
/// Chooses where signing keys live from configuration: <c>Tessera:KeyStore</c> = <c>files</c> (the default with SQLite:
/// <c>Tessera:KeysDir</c>, default <c>&lt;data&gt;/keys</c>), <c>postgres</c> (the default with
/// <c>Tessera:Database=postgres</c>: the same database as the users) or <c>configuration</c> (read-only keys in
/// <c>Tessera:SigningKeys</c>); and how the ring follows it (<c>Tessera:KeyRefreshInterval</c>,
/// <c>Tessera:KeyActivationDelay</c>). The server and the CLI both open their keys here, so they agree.
/// </summary>
internal static class SigningKeyStoreSetup
{
    /// <summary>
    /// Opens the configured key store. Throws <see cref="InvalidOperationException"/> with a message naming the setting
    /// for an unknown <c>Tessera:KeyStore</c>, a missing <c>Tessera:Postgres</c>, or a PostgreSQL server that cannot be
    /// reached.
    /// </summary>
    public static async Task<ISigningKeyStore> OpenAsync(IConfiguration configuration, string dataFolder, CancellationToken cancellationToken)
    {
        bool postgresUsers = string.Equals(configuration["Tessera:Database"], "postgres", StringComparison.OrdinalIgnoreCase);
        string source = configuration["Tessera:KeyStore"] is { Length: > 0 } configured ? configured : postgresUsers ? "postgres" : "files";
        switch (source.ToLowerInvariant())
        {
            case "files":
                return new FileSigningKeyStore(configuration["Tessera:KeysDir"] is { Length: > 0 } folder ? folder : Path.Combine(dataFolder, "keys"));
            case "postgres":
                string? connectionString = configuration["Tessera:Postgres"];
                if (string.IsNullOrWhiteSpace(connectionString))
                {
                    throw new InvalidOperationException(
                        "Tessera:KeyStore is 'postgres' but Tessera:Postgres (an Npgsql connection string such as Host=127.0.0.1;Username=tessera;Password=...;Database=tessera) is not set.");
                }

                return await PostgresSigningKeyStore.OpenAsync(connectionString, cancellationToken).ConfigureAwait(false);
            case "configuration":
                return new ConfiguredSigningKeyStore(configuration);
            default:
                throw new InvalidOperationException($"Tessera:KeyStore must be 'files', 'postgres' or 'configuration' (was '{source}').");
        }
    }

    /// <summary>
    /// Reads <c>Tessera:KeyRefreshInterval</c> and <c>Tessera:KeyActivationDelay</c> (TimeSpan strings), with the
    /// defaults of <see cref="SigningKeyRingOptions.Default"/>. Throws <see cref="InvalidOperationException"/> listing
    /// every problem: an unreadable value, an interval under 100 ms, a delay shorter than the interval.
    /// </summary>
    public static SigningKeyRingOptions RingOptions(IConfiguration configuration)
    {
        var problems = new List<string>();
        TimeSpan interval = Read(configuration, "Tessera:KeyRefreshInterval", SigningKeyRingOptions.Default.RefreshInterval, problems);
        TimeSpan delay = Read(configuration, "Tessera:KeyActivationDelay", SigningKeyRingOptions.Default.ActivationDelay, problems);
        if (problems.Count == 0 && interval < TimeSpan.FromMilliseconds(100))
        {
            problems.Add($"Tessera:KeyRefreshInterval must be at least 00:00:00.1 (was {interval}).");
        }

        if (problems.Count == 0 && delay < interval)
        {
            problems.Add($"Tessera:KeyActivationDelay ({delay}) must be at least Tessera:KeyRefreshInterval ({interval}), so every node verifies a new key before any signs with it.");
        }

        return problems.Count == 0 ? new SigningKeyRingOptions(interval, delay) : throw new InvalidOperationException(string.Join(" ", problems));
    }

    private static TimeSpan Read(IConfiguration configuration, string name, TimeSpan fallback, List<string> problems)
    {
        string? text = configuration[name];
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        if (!TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out TimeSpan value) || value < TimeSpan.Zero)
        {
            problems.Add($"{name} must be a TimeSpan such as 00:00:30 (was '{text}').");
        }

        return value;
    }
}
