using Tessera.Server.Keys;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Tessera.Server.Data.Tests.Fixtures;
using Tessera.Server.Users;

namespace Tessera.Server.Data.Tests;

/// <summary>Tessera:Database chooses the user database; every wrong setting is a start-up error that names it.</summary>
public sealed class UserDatabaseSetupTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("tessera-setup-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("sqlite")]
    [InlineData("SQLite")]
    public async Task Sqlite_IsTheDefault_InTheDataFolder(string? database)
    {
        await using IUserDatabase users = await UserDatabaseSetup.OpenAsync(Configuration(("Tessera:Database", database)), _folder, TimeProvider.System, default);

        Assert.IsType<SqliteUserDatabase>(users);
        Assert.True(File.Exists(Path.Combine(_folder, "tessera.db")));
    }

    [Fact]
    public async Task AnUnknownDatabase_IsAStartUpError()
    {
        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => UserDatabaseSetup.OpenAsync(Configuration(("Tessera:Database", "mysql")), _folder, TimeProvider.System, default));

        Assert.Equal("Tessera:Database must be 'sqlite' or 'postgres' (was 'mysql').", error.Message);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(" ")]
    public async Task Postgres_WithoutAConnectionString_IsAStartUpError(string? connectionString)
    {
        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => UserDatabaseSetup.OpenAsync(Configuration(("Tessera:Database", "postgres"), ("Tessera:Postgres", connectionString)), _folder, TimeProvider.System, default));

        Assert.StartsWith("Tessera:Database is 'postgres' but Tessera:Postgres (an Npgsql connection string", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Postgres_AnInvalidConnectionString_IsAStartUpError()
    {
        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => UserDatabaseSetup.OpenAsync(Configuration(("Tessera:Database", "postgres"), ("Tessera:Postgres", "Hots=x;Password=secret-123")), _folder, TimeProvider.System, default));

        Assert.StartsWith("Tessera:Postgres is not a valid Npgsql connection string", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-123", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Postgres_AnUnreachableServer_IsAStartUpErrorNamingTheServerButNotThePassword()
    {
        int port = NobodyListens();
        string connectionString = $"Host=127.0.0.1;Port={port};Username=tessera;Password=secret-123;Database=users;Timeout=5";

        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => UserDatabaseSetup.OpenAsync(Configuration(("Tessera:Database", "postgres"), ("Tessera:Postgres", connectionString)), _folder, TimeProvider.System, default));

        Assert.Contains($"The user database in PostgreSQL (Host=127.0.0.1; Port={port}; Database=users; Username=tessera) could not be opened", error.Message, StringComparison.Ordinal);
        Assert.Contains("running and reachable", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-123", error.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<Npgsql.NpgsqlException>(error.InnerException);
    }

    private static IConfiguration Configuration(params (string Key, string? Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    /// <summary>A loopback port that was free a moment ago: connecting to it is refused.</summary>
    private static int NobodyListens()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Tessera:Database = postgres opens the PostgreSQL user database, through ServerData as the server and the CLI do.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresSetupTests(PostgresServerFixture postgres) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("tessera-setup-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task ServerData_WithPostgres_KeepsUsersAndKeysInPostgres_NothingInTheDataFolder()
    {
        string connectionString = await postgres.Server.CreateDatabaseAsync();
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Tessera:DataDir"] = _folder,
            ["Tessera:Database"] = "Postgres",
            ["Tessera:Postgres"] = connectionString,
        }).Build();

        await using (ServerData data = await ServerData.OpenAsync(configuration, TimeProvider.System, default))
        {
            Assert.IsType<PostgresUserDatabase>(data.Users);
            Assert.NotNull(await data.EnsureAdminAsync(new IdentityPasswordHasher(), default));
            Assert.Null(await data.EnsureAdminAsync(new IdentityPasswordHasher(), default)); // only when there are no users
            Assert.IsType<PostgresSigningKeyStore>(data.Keys);
            using SigningKeyRing ring = await SigningKeyRing.OpenAsync(data.Keys, SigningKeyRingOptions.Default, TimeProvider.System, default);
            Assert.Single(ring.Records);
        }

        Assert.False(File.Exists(Path.Combine(_folder, "tessera.db")));
        Assert.False(Directory.Exists(Path.Combine(_folder, "keys")));
        await using (PostgresSigningKeyStore keys = await PostgresSigningKeyStore.OpenAsync(connectionString, default))
        {
            Assert.Single(await keys.ListAsync(default));
        }

        await using PostgresUserDatabase users = await PostgresUserDatabase.OpenAsync(connectionString, TimeProvider.System, default);
        Assert.Equal(["admin"], (await users.FindAsync(ServerData.DefaultAdminUser, default))!.Roles);
    }
}
