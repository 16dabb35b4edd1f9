using Tessera.Server.Data.Tests.Fixtures;
using Tessera.Server.Keys;

namespace Tessera.Server.Data.Tests.Keys;

/// <summary>The key store contract on PostgreSQL: a new database per test in the collection's server.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresSigningKeyStoreTests(PostgresServerFixture postgres) : SigningKeyStoreContractTests
{
    private string? _connectionString;

    private protected override async Task<ISigningKeyStore> OpenStorageAsync()
    {
        _connectionString ??= await postgres.Server.CreateDatabaseAsync();
        return await PostgresSigningKeyStore.OpenAsync(_connectionString, default);
    }

    // The whole cluster is deleted with the fixture.
    protected override Task DeleteStorageAsync() => Task.CompletedTask;

    [Fact]
    public async Task ANodeStartingOnAFreshDatabaseAtTheSameTimeAsOthers_AllGetTheOneFirstKey()
    {
        string connectionString = await postgres.Server.CreateDatabaseAsync();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<(SigningKeyRing Ring, PostgresSigningKeyStore Store)>[] nodes = [.. Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            await start.Task;
            PostgresSigningKeyStore store = await PostgresSigningKeyStore.OpenAsync(connectionString, default);
            return (await SigningKeyRing.OpenAsync(store, SigningKeyRingOptions.Default, TimeProvider.System, default), store);
        }))];
        start.SetResult();

        var opened = await Task.WhenAll(nodes);
        try
        {
            Assert.Single(opened.Select(n => n.Ring.SigningKey.KeyId).Distinct());
            Assert.Single(opened.Select(n => n.Ring.Keys.ToJwks()).Distinct()); // JWKS is the same on every node
            Assert.Single(opened[0].Ring.Records);
        }
        finally
        {
            foreach (var (ring, store) in opened)
            {
                ring.Dispose();
                await store.DisposeAsync();
            }
        }
    }
}
