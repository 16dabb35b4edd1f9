using Tessera.Server.Data.Tests.Fixtures;
using Tessera.Server.Users;

namespace Tessera.Server.Data.Tests;

/// <summary>The user database contract on PostgreSQL: a new database per test in the collection's server.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresUserDatabaseTests(PostgresServerFixture postgres) : UserDatabaseContractTests
{
    private string? _connectionString;

    private protected override async Task<IUserDatabase> OpenStorageAsync(TimeProvider time)
    {
        _connectionString ??= await postgres.Server.CreateDatabaseAsync();
        return await PostgresUserDatabase.OpenAsync(_connectionString, time, default);
    }

    // The whole cluster is deleted with the fixture; a database per test costs a few megabytes until then.
    protected override Task DeleteStorageAsync() => Task.CompletedTask;
}
