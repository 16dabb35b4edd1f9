using Tessera.Server.Users;

namespace Tessera.Server.Data.Tests;

/// <summary>The user database contract on SQLite: a new temporary folder per test, with the server's file name.</summary>
public sealed class SqliteUserDatabaseTests : UserDatabaseContractTests
{
    private readonly string _folder = Directory.CreateTempSubdirectory("tessera-users-").FullName;

    private protected override Task<IUserDatabase> OpenStorageAsync(TimeProvider time) =>
        Task.FromResult<IUserDatabase>(new SqliteUserDatabase(Path.Combine(_folder, UserDatabaseSetup.SqliteFileName), time));

    protected override Task DeleteStorageAsync()
    {
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }
}
