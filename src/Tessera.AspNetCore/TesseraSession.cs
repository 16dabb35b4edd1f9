using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http;
using Tessera.Sessions;

namespace Tessera.AspNetCore;

/// <summary>
/// The token-bound session of the current request: ASP.NET Core's <see cref="ISession"/> (so <c>HttpContext.Session</c>
/// code keeps working) plus typed, asynchronous JSON access. Get it with <c>HttpContext.Session</c> or
/// <c>HttpContext.GetTesseraSession()</c>.
/// </summary>
/// <remarks>
/// <para>Writes go to the store at once and per key: two requests writing different keys never lose each other's
/// write (ASP.NET Core's own session rewrites the whole blob at commit). Reads see the session as it was when the
/// request was authenticated plus this request's own writes. <see cref="LoadAsync"/> and <see cref="CommitAsync"/> do
/// nothing.</para>
/// <para>Values are JSON. <see cref="ISession.Set"/> stores UTF-8 bytes as a JSON string (so <c>SetString</c> values read
/// naturally through the HTTP API) and other bytes as <c>{"$bytes":"&lt;base64url&gt;"}</c>; <see cref="TryGetValue"/>
/// returns a JSON string's text as UTF-8 and any other JSON value as its text. The synchronous <see cref="ISession"/>
/// members wait for the store: with a remote store prefer the <c>…Async</c> members. A write the store refuses (size
/// limits, an ended session) throws <see cref="InvalidOperationException"/> from <see cref="ISession"/> members and is a
/// <see cref="SessionWriteStatus"/> from the others. One instance per request; not for concurrent use.</para>
/// </remarks>
public sealed class TesseraSession : ISession
{
    private const string BytesMember = "$bytes";
    private readonly ISessionStore _store;
    private readonly SessionData _loaded;
    private readonly Dictionary<string, byte[]?> _changes = new(StringComparer.Ordinal);
    private bool _cleared;

    internal TesseraSession(ISessionStore store, string sessionId, string userId, SessionData data)
    {
        _store = store;
        Id = sessionId;
        UserId = userId;
        _loaded = data;
    }

    /// <summary>The session id (the access token's <c>sid</c>).</summary>
    public string Id { get; }

    /// <summary>The user the session belongs to.</summary>
    public string UserId { get; }

    /// <summary>Always true: an authenticated request always has its session.</summary>
    public bool IsAvailable => true;

    /// <summary>The keys, in the order they were first set.</summary>
    public IEnumerable<string> Keys =>
        (_cleared ? [] : _loaded.Keys.Where(k => !_changes.TryGetValue(k, out byte[]? v) || v is not null))
        .Concat(_changes.Where(c => c.Value is not null && (_cleared || !_loaded.ContainsKey(c.Key))).Select(c => c.Key));

    /// <summary>Reads a key's JSON value.</summary>
    public bool TryGetJson(string key, out ReadOnlyMemory<byte> utf8Json)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (_changes.TryGetValue(key, out byte[]? changed))
        {
            utf8Json = changed;
            return changed is not null;
        }

        if (_cleared)
        {
            utf8Json = default;
            return false;
        }

        return _loaded.TryGetValue(key, out utf8Json);
    }

    /// <summary>Reads a typed value (trimming- and AOT-safe).</summary>
    /// <exception cref="JsonException">The stored JSON does not deserialize to <typeparamref name="T"/>.</exception>
    public bool TryGet<T>(string key, JsonTypeInfo<T> typeInfo, out T? value)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        if (TryGetJson(key, out ReadOnlyMemory<byte> json))
        {
            value = JsonSerializer.Deserialize(json.Span, typeInfo);
            return true;
        }

        value = default;
        return false;
    }

    /// <summary>Sets a key to a JSON value (exactly one, UTF-8), per key, in the store now.</summary>
    /// <exception cref="ArgumentException">Not one valid JSON value.</exception>
    public async ValueTask<SessionWriteStatus> SetJsonAsync(string key, ReadOnlyMemory<byte> utf8Json, CancellationToken cancellationToken = default)
    {
        byte[] copy = utf8Json.ToArray();
        SessionWriteStatus status = await _store.SetValueAsync(Id, key, copy, cancellationToken).ConfigureAwait(false);
        if (status == SessionWriteStatus.Ok)
        {
            _changes[key] = copy;
        }

        return status;
    }

    /// <summary>Serializes and sets a typed value (trimming- and AOT-safe).</summary>
    public ValueTask<SessionWriteStatus> SetAsync<T>(string key, T value, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        return SetJsonAsync(key, JsonSerializer.SerializeToUtf8Bytes(value, typeInfo), cancellationToken);
    }

    /// <summary>Removes a key; removing an absent key succeeds.</summary>
    public async ValueTask<SessionWriteStatus> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        SessionWriteStatus status = await _store.RemoveValueAsync(Id, key, cancellationToken).ConfigureAwait(false);
        if (status == SessionWriteStatus.Ok)
        {
            _changes[key] = null;
        }

        return status;
    }

    /// <summary>Removes every key.</summary>
    public async ValueTask<SessionWriteStatus> ClearAsync(CancellationToken cancellationToken = default)
    {
        SessionWriteStatus status = await _store.ClearValuesAsync(Id, cancellationToken).ConfigureAwait(false);
        if (status == SessionWriteStatus.Ok)
        {
            _changes.Clear();
            _cleared = true;
        }

        return status;
    }

    /// <summary>Nothing to load: the session was read when the request was authenticated.</summary>
    public Task LoadAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <summary>Nothing to commit: every write already went to the store.</summary>
    public Task CommitAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <inheritdoc/>
    public bool TryGetValue(string key, out byte[] value)
    {
        if (!TryGetJson(key, out ReadOnlyMemory<byte> json))
        {
            value = null!;
            return false;
        }

        using JsonDocument document = JsonDocument.Parse(json);
        JsonElement root = document.RootElement;
        if (root.ValueKind == JsonValueKind.String)
        {
            value = Encoding.UTF8.GetBytes(root.GetString()!);
        }
        else if (root.ValueKind == JsonValueKind.Object && root.EnumerateObject().Count() == 1
            && root.TryGetProperty(BytesMember, out JsonElement bytes) && bytes.ValueKind == JsonValueKind.String)
        {
            value = Base64Url.DecodeFromChars(bytes.GetString());
        }
        else
        {
            value = json.ToArray();
        }

        return true;
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The store refused the write (a size limit, or the session ended).</exception>
    public void Set(string key, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(value);
        byte[] json = Utf8.IsValid(value)
            ? JsonSerializer.SerializeToUtf8Bytes(Encoding.UTF8.GetString(value), TesseraJsonContext.Default.String)
            : Encoding.UTF8.GetBytes("{\"" + BytesMember + "\":\"" + Base64Url.EncodeToString(value) + "\"}");
        ThrowIfRefused(Wait(SetJsonAsync(key, json)), key);
    }

    /// <inheritdoc/>
    public void Remove(string key) => ThrowIfRefused(Wait(DeleteAsync(key)), key);

    /// <inheritdoc/>
    public void Clear() => ThrowIfRefused(Wait(ClearAsync()), "*");

    private static SessionWriteStatus Wait(ValueTask<SessionWriteStatus> pending) =>
        pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();

    private static void ThrowIfRefused(SessionWriteStatus status, string key)
    {
        if (status != SessionWriteStatus.Ok)
        {
            throw new InvalidOperationException($"The session refused the write of '{key}': {status}.");
        }
    }
}
