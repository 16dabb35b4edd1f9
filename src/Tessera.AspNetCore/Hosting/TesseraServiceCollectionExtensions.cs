using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Tessera.AspNetCore;
using Tessera.AspNetCore.Authentication;
using Tessera.AspNetCore.Hosting;
using Tessera.Credentials;
using Tessera.Jwt;
using Tessera.Sessions;
using Tessera.Tokens;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Tessera: the token service, a session store, login, CSRF and throttling.</summary>
public static class TesseraServiceCollectionExtensions
{
    /// <summary>
    /// Adds the token service with options bound from configuration section <c>Tessera</c> and then
    /// <paramref name="configure"/>, checked at start-up (one error listing every problem). The in-memory store is
    /// the default session store. Add the scheme with <c>AddAuthentication(...).AddTessera()</c>.
    /// </summary>
    public static TesseraBuilder AddTessera(this IServiceCollection services, Action<TesseraOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<TesseraOptions>()
            .Configure<IServiceProvider>((options, provider) =>
            {
                if (provider.GetService<IConfiguration>()?.GetSection(TesseraDefaults.ConfigurationSection) is { } section)
                {
                    section.Bind(options);
                    section.Bind(options.Tokens); // the token settings sit directly in the section
                }
            })
            .ValidateOnStart();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TesseraOptions>, TesseraOptionsValidation>());
        services.TryAddSingleton<ISessionStore>(sp => new InMemorySessionStore(new InMemorySessionStoreOptions(), sp.GetService<TimeProvider>() ?? TimeProvider.System));
        services.TryAddSingleton(sp =>
        {
            TesseraOptions options = sp.GetRequiredService<IOptions<TesseraOptions>>().Value;
            ILogger logger = sp.GetService<ILoggerFactory>()?.CreateLogger("Tessera.AspNetCore") ?? NullLogger.Instance;
            (JwtKey signing, JwtKeySet validation) = TesseraKeys.Resolve(options, logger);
            return new SessionTokenService(options.Tokens, sp.GetRequiredService<ISessionStore>(), signing, validation,
                sp.GetService<TimeProvider>(), sp.GetService<System.Diagnostics.Metrics.IMeterFactory>());
        });
        services.TryAddSingleton<IPasswordHasher>(new Pbkdf2PasswordHasher());
        services.TryAddSingleton(sp => new PasswordSignInService(
            sp.GetRequiredService<SessionTokenService>(), sp.GetRequiredService<ICredentialStore>(), sp.GetRequiredService<IPasswordHasher>()));
        services.TryAddSingleton<CsrfProtection>();
        services.TryAddSingleton<LoginThrottle>();
        return new TesseraBuilder(services);
    }
}
