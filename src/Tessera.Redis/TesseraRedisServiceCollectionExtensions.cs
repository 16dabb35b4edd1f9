using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using StackExchange.Redis;
using Tessera.Sessions;

namespace Tessera.Redis;

/// <summary>Registers the Redis session store.</summary>
public static class TesseraRedisServiceCollectionExtensions
{
    /// <summary>
    /// Makes <see cref="RedisSessionStore"/> the <see cref="ISessionStore"/> (a singleton, replacing any store
    /// registered before). It uses an <see cref="IConnectionMultiplexer"/> from the container when there is one, and
    /// otherwise connects to <see cref="RedisSessionStoreOptions.Configuration"/> itself when first resolved.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options; <see cref="RedisSessionStoreOptions.Configuration"/> is required
    /// unless the container has a connection.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="ArgumentException">When resolved: the options are invalid, or there is neither a connection nor a configuration string.</exception>
    public static IServiceCollection AddTesseraRedisStore(this IServiceCollection services, Action<RedisSessionStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.RemoveAll<ISessionStore>();
        services.RemoveAll<RedisSessionStore>();
        services.AddSingleton(sp =>
        {
            var options = new RedisSessionStoreOptions();
            configure(options);
            TimeProvider time = sp.GetService<TimeProvider>() ?? TimeProvider.System;
            if (sp.GetService<IConnectionMultiplexer>() is { } redis)
            {
                return new RedisSessionStore(redis, options, time);
            }

            // The container has no async factories; a connection with abortConnect=false returns at once and
            // keeps retrying, so an unreachable Redis fails requests (closed) instead of start-up.
            if (string.IsNullOrWhiteSpace(options.Configuration))
            {
                throw new ArgumentException($"{nameof(RedisSessionStoreOptions.Configuration)} must name the Redis server(s) when no IConnectionMultiplexer is registered.", nameof(configure));
            }

            ConfigurationOptions configuration = ConfigurationOptions.Parse(options.Configuration);
            configuration.AbortOnConnectFail = false;
            return RedisSessionStore.Own(ConnectionMultiplexer.Connect(configuration), options, time);
        });
        services.AddSingleton<ISessionStore>(sp => sp.GetRequiredService<RedisSessionStore>());
        return services;
    }
}
