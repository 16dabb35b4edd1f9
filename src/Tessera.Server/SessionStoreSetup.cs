using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using StackExchange.Redis;
using Tessera.AspNetCore;
using Tessera.Redis;

namespace Tessera.Server;

/// <summary>
/// Chooses the session store from configuration: <c>Tessera:Store</c> = <c>memory</c> (default) or <c>redis</c>, with
/// <c>Tessera:Redis</c> = a StackExchange.Redis configuration string and <c>Tessera:NearCache</c> = how long a node may
/// answer from its near cache (a TimeSpan, default 00:00:05; 00:00:00 turns it off).
/// </summary>
internal static class SessionStoreSetup
{
    public static void AddSessionStore(this TesseraBuilder tessera, IConfiguration configuration)
    {
        string store = configuration["Tessera:Store"] ?? "memory";
        switch (store.ToLowerInvariant())
        {
            case "memory":
                tessera.AddInMemoryStore();
                break;
            case "redis":
                (string redis, TimeSpan nearCache) = RedisSettings(configuration);
                tessera.Services.AddTesseraRedisStore(o =>
                {
                    o.Configuration = redis;
                    o.NearCacheDuration = nearCache;
                });
                break;
            default:
                throw new InvalidOperationException($"Tessera:Store must be 'memory' or 'redis' (was '{store}').");
        }
    }

    /// <summary>
    /// The session store a command-line run shares with the running servers: the Redis store when
    /// <c>Tessera:Store</c> is <c>redis</c> (no near cache, no collector: one short job), else null — the in-memory
    /// store lives inside each server process, out of the CLI's reach. Throws when Redis cannot be reached.
    /// </summary>
    public static async Task<RedisSessionStore?> ConnectSharedStoreAsync(IConfiguration configuration)
    {
        if (!string.Equals(configuration["Tessera:Store"] ?? "memory", "redis", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        (string redis, _) = RedisSettings(configuration);
        return await RedisSessionStore.ConnectAsync(new RedisSessionStoreOptions
        {
            Configuration = redis,
            NearCacheDuration = TimeSpan.Zero,
            CollectionInterval = TimeSpan.Zero,
        }).ConfigureAwait(false);
    }

    private static (string Configuration, TimeSpan NearCache) RedisSettings(IConfiguration configuration)
    {
        string? redis = configuration["Tessera:Redis"];
        if (string.IsNullOrWhiteSpace(redis))
        {
            throw new InvalidOperationException("Tessera:Store is 'redis' but Tessera:Redis (a configuration string such as 127.0.0.1:6379) is not set.");
        }

        TimeSpan nearCache = TimeSpan.FromSeconds(5);
        if (configuration["Tessera:NearCache"] is { } text && !TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out nearCache))
        {
            throw new InvalidOperationException($"Tessera:NearCache must be a duration such as 00:00:05 (was '{text}').");
        }

        return (redis, nearCache);
    }

    /// <summary>
    /// Answers 503 <c>temporarily_unavailable</c> (with <c>Retry-After</c>) when a request fails because the session
    /// store or the user database is unreachable: the request is refused, never let through, and the client learns to retry rather than
    /// to sign in again.
    /// </summary>
    public static void UseStoreUnavailableAnswer(this WebApplication app) =>
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = e => IsStoreUnavailable(e) ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status500InternalServerError,
            ExceptionHandler = context =>
            {
                Exception? error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
                if (error is not null && IsStoreUnavailable(error))
                {
                    context.Response.Headers.RetryAfter = "1";
                    return TesseraProblems.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "temporarily_unavailable", "A backing store is unreachable; try again shortly.");
                }

                return TesseraProblems.WriteAsync(context, StatusCodes.Status500InternalServerError, "server_error", "The server failed to answer this request.");
            },
        });

    /// <summary>True for a failure to reach a backing store: Redis (sessions) or PostgreSQL (users).</summary>
    public static bool IsStoreUnavailable(Exception e) => e is RedisException or TimeoutException or Npgsql.NpgsqlException;
}
