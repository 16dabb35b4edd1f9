using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Tessera.Credentials;
using Tessera.Sessions;

namespace Tessera.AspNetCore;

/// <summary>What <c>services.AddTessera(...)</c> returns: choose the session store and the user database.</summary>
public sealed class TesseraBuilder
{
    internal TesseraBuilder(IServiceCollection services) => Services = services;

    /// <summary>The service collection.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Uses the in-memory session store (the default, also without this call) with these options.</summary>
    public TesseraBuilder AddInMemoryStore(Action<InMemorySessionStoreOptions>? configure = null)
    {
        Services.RemoveAll<ISessionStore>();
        Services.AddSingleton<ISessionStore>(sp =>
        {
            var options = new InMemorySessionStoreOptions();
            configure?.Invoke(options);
            return new InMemorySessionStore(options, sp.GetService<TimeProvider>() ?? TimeProvider.System);
        });
        return this;
    }

    /// <summary>Registers the user database the login endpoint checks passwords against (a singleton).</summary>
    public TesseraBuilder AddCredentialStore<TStore>()
        where TStore : class, ICredentialStore
    {
        Services.RemoveAll<ICredentialStore>();
        Services.AddSingleton<ICredentialStore, TStore>();
        return this;
    }

    /// <summary>Registers a user database instance.</summary>
    public TesseraBuilder AddCredentialStore(ICredentialStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        Services.RemoveAll<ICredentialStore>();
        Services.AddSingleton(store);
        return this;
    }

    /// <summary>Replaces the password hasher (default: <see cref="Pbkdf2PasswordHasher"/> with 600,000 iterations).</summary>
    public TesseraBuilder AddPasswordHasher(IPasswordHasher hasher)
    {
        ArgumentNullException.ThrowIfNull(hasher);
        Services.RemoveAll<IPasswordHasher>();
        Services.AddSingleton(hasher);
        return this;
    }
}
