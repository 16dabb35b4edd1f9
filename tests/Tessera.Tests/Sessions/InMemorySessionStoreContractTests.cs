using Tessera.Sessions;

namespace Tessera.Tests.Sessions;

/// <summary>Runs the store contract against <see cref="InMemorySessionStore"/>, with the background collector off.</summary>
public sealed class InMemorySessionStoreContractTests : SessionStoreContractTests
{
    protected override ISessionStore CreateStore(TimeProvider timeProvider) =>
        new InMemorySessionStore(new InMemorySessionStoreOptions { CollectionInterval = TimeSpan.Zero }, timeProvider);
}
