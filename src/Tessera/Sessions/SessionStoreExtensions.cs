using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Tessera.Sessions;

/// <summary>Typed session data on any <see cref="ISessionStore"/>, with System.Text.Json.</summary>
public static class SessionStoreExtensions
{
    /// <summary>Serializes <paramref name="value"/> and sets it under <paramref name="key"/> (trimming- and AOT-safe).</summary>
    /// <returns>See <see cref="ISessionStore.SetValueAsync"/>.</returns>
    public static ValueTask<SessionWriteStatus> SetAsync<T>(this ISessionStore store, string sessionId, string key, T value, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(typeInfo);
        return store.SetValueAsync(sessionId, key, JsonSerializer.SerializeToUtf8Bytes(value, typeInfo), cancellationToken);
    }

    /// <summary>Serializes <paramref name="value"/> with reflection-based System.Text.Json (web defaults) and sets it.</summary>
    /// <returns>See <see cref="ISessionStore.SetValueAsync"/>.</returns>
    [RequiresUnreferencedCode("Uses reflection-based JSON; pass a JsonTypeInfo<T> for trimmed or AOT apps.")]
    [RequiresDynamicCode("Uses reflection-based JSON; pass a JsonTypeInfo<T> for trimmed or AOT apps.")]
    public static ValueTask<SessionWriteStatus> SetAsync<T>(this ISessionStore store, string sessionId, string key, T value, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        return store.SetValueAsync(sessionId, key, JsonSerializer.SerializeToUtf8Bytes(value, JsonSerializerOptions.Web), cancellationToken);
    }

    /// <summary>Reads a typed value of a live session without touching it (trimming- and AOT-safe).</summary>
    /// <returns>Whether the session is alive and has the key, and the value.</returns>
    /// <exception cref="JsonException">The stored JSON does not deserialize to <typeparamref name="T"/>.</exception>
    public static async ValueTask<(bool Found, T? Value)> GetAsync<T>(this ISessionStore store, string sessionId, string key, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        SessionRecord? session = await store.GetAsync(sessionId, cancellationToken).ConfigureAwait(false);
        if (session is not null && session.Data.TryGet(key, typeInfo, out T? value))
        {
            return (true, value);
        }

        return (false, default);
    }
}
