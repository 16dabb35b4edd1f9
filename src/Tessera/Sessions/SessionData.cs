using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Tessera.Sessions;

/// <summary>
/// A read-only snapshot of a session's data: keys mapped to UTF-8 JSON values. It never changes once obtained
/// (a write to the session produces a new snapshot), so it is safe to read from any thread.
/// </summary>
/// <remarks>
/// Lookups allocate nothing: <see cref="TryGetValue"/> returns a slice of the snapshot. Keys compare ordinally.
/// Write through <see cref="ISessionStore.SetValueAsync"/>, <see cref="ISessionStore.RemoveValueAsync"/> and
/// <see cref="ISessionStore.ClearValuesAsync"/>, or the typed helpers in <see cref="SessionStoreExtensions"/>.
/// </remarks>
public readonly struct SessionData : IEnumerable<KeyValuePair<string, ReadOnlyMemory<byte>>>
{
    // Keys up to this many characters are encoded on the stack for a lookup.
    private const int StackKeyChars = 128;

    private readonly byte[]? _encoded;

    internal SessionData(byte[]? encoded) => _encoded = encoded is { Length: > 0 } ? encoded : null;

    /// <summary>No data.</summary>
    public static SessionData Empty => default;

    /// <summary>The number of keys.</summary>
    public int Count => SessionDataCodec.Measure(_encoded).Count;

    /// <summary>True when there are no keys.</summary>
    public bool IsEmpty => _encoded is null;

    /// <summary>The data size as limits count it: the sum over keys of UTF-8 key bytes and value bytes.</summary>
    public int SizeBytes => SessionDataCodec.Measure(_encoded).Size;

    /// <summary>The keys, in the order they were first set. Allocates the list and its strings.</summary>
    public IReadOnlyList<string> Keys
    {
        get
        {
            var keys = new List<string>();
            var reader = new SessionDataCodec.Reader(_encoded);
            while (reader.MoveNext())
            {
                keys.Add(Encoding.UTF8.GetString(reader.Key));
            }

            return keys;
        }
    }

    internal byte[]? Encoded => _encoded;

    /// <summary>Builds a snapshot from key/value pairs, e.g. when a store reads a session back from its backend.</summary>
    /// <param name="entries">Keys (non-empty, unique) with their UTF-8 JSON values (non-empty; not re-validated).</param>
    /// <exception cref="ArgumentException">A key is null, empty or repeated, or a value is empty.</exception>
    public static SessionData Create(IEnumerable<KeyValuePair<string, ReadOnlyMemory<byte>>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        return entries switch
        {
            KeyValuePair<string, ReadOnlyMemory<byte>>[] array => Create(array.AsSpan()),
            List<KeyValuePair<string, ReadOnlyMemory<byte>>> list => Create(CollectionsMarshal.AsSpan(list)),
            _ => Create([.. entries]),
        };
    }

    /// <summary>
    /// Builds a snapshot from key/value pairs without an enumerator (a collection expression binds here:
    /// <c>SessionData.Create([new("theme", json)])</c>).
    /// </summary>
    /// <inheritdoc cref="Create(IEnumerable{KeyValuePair{string, ReadOnlyMemory{byte}}})"/>
    public static SessionData Create(ReadOnlySpan<KeyValuePair<string, ReadOnlyMemory<byte>>> entries)
    {
        // Size first, then encode once into the final array.
        int length = 0;
        foreach ((string key, ReadOnlyMemory<byte> value) in entries)
        {
            if (string.IsNullOrEmpty(key) || value.IsEmpty)
            {
                throw new ArgumentException("Session data keys and values must not be empty.", nameof(entries));
            }

            length += SessionDataCodec.EntryLength(Encoding.UTF8.GetByteCount(key), value.Length);
        }

        byte[] encoded = new byte[length];
        int position = 0;
        foreach ((string key, ReadOnlyMemory<byte> value) in entries)
        {
            int entryStart = position;
            Range keyBytes = SessionDataCodec.WriteEntry(encoded, ref position, key, value.Span);
            if (SessionDataCodec.TryFind(encoded.AsSpan(0, entryStart), encoded.AsSpan(keyBytes), out _))
            {
                throw new ArgumentException("Session data keys must be unique.", nameof(entries));
            }
        }

        return new SessionData(encoded);
    }

    /// <summary>True when <paramref name="key"/> is present.</summary>
    public bool ContainsKey(string key) => TryGetValue(key, out _);

    /// <summary>Looks up a value without allocating.</summary>
    /// <param name="key">The key (ordinal).</param>
    /// <param name="utf8Json">The value's UTF-8 JSON, a slice of this snapshot; empty when absent.</param>
    /// <returns>True when the key is present.</returns>
    [SkipLocalsInit] // the key buffer is written before it is read
    public bool TryGetValue(string key, out ReadOnlyMemory<byte> utf8Json)
    {
        ArgumentNullException.ThrowIfNull(key);
        utf8Json = default;
        if (_encoded is null)
        {
            return false;
        }

        Span<byte> buffer = key.Length <= StackKeyChars
            ? stackalloc byte[StackKeyChars * SessionDataCodec.MaxUtf8BytesPerChar]
            : new byte[key.Length * SessionDataCodec.MaxUtf8BytesPerChar];
        if (!SessionDataCodec.TryFind(_encoded, SessionDataCodec.EncodeKey(key, buffer), out var entry))
        {
            return false;
        }

        utf8Json = _encoded.AsMemory(entry.ValueStart, entry.ValueLength);
        return true;
    }

    /// <summary>Reads a typed value (trimming- and AOT-safe).</summary>
    /// <param name="key">The key (ordinal).</param>
    /// <param name="typeInfo">How to deserialize <typeparamref name="T"/>, e.g. from a <c>JsonSerializerContext</c>.</param>
    /// <param name="value">The value; default when absent.</param>
    /// <returns>True when the key is present.</returns>
    /// <exception cref="JsonException">The stored JSON does not deserialize to <typeparamref name="T"/>.</exception>
    public bool TryGet<T>(string key, JsonTypeInfo<T> typeInfo, out T? value)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        if (!TryGetValue(key, out ReadOnlyMemory<byte> json))
        {
            value = default;
            return false;
        }

        value = JsonSerializer.Deserialize(json.Span, typeInfo);
        return true;
    }

    /// <summary>Reads a typed value with reflection-based System.Text.Json (web defaults).</summary>
    /// <param name="key">The key (ordinal).</param>
    /// <param name="value">The value; default when absent.</param>
    /// <returns>True when the key is present.</returns>
    /// <exception cref="JsonException">The stored JSON does not deserialize to <typeparamref name="T"/>.</exception>
    [RequiresUnreferencedCode("Uses reflection-based JSON; pass a JsonTypeInfo<T> for trimmed or AOT apps.")]
    [RequiresDynamicCode("Uses reflection-based JSON; pass a JsonTypeInfo<T> for trimmed or AOT apps.")]
    public bool TryGet<T>(string key, out T? value)
    {
        if (!TryGetValue(key, out ReadOnlyMemory<byte> json))
        {
            value = default;
            return false;
        }

        value = JsonSerializer.Deserialize<T>(json.Span, JsonSerializerOptions.Web);
        return true;
    }

    /// <summary>Enumerates the entries in insertion order; each key is a new string.</summary>
    public Enumerator GetEnumerator() => new(_encoded);

    IEnumerator<KeyValuePair<string, ReadOnlyMemory<byte>>> IEnumerable<KeyValuePair<string, ReadOnlyMemory<byte>>>.GetEnumerator() =>
        GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Enumerates the entries of a <see cref="SessionData"/>.</summary>
    public struct Enumerator : IEnumerator<KeyValuePair<string, ReadOnlyMemory<byte>>>
    {
        private readonly byte[]? _encoded;
        private int _position;

        internal Enumerator(byte[]? encoded) => _encoded = encoded;

        /// <summary>The current entry.</summary>
        public KeyValuePair<string, ReadOnlyMemory<byte>> Current { get; private set; }

        readonly object IEnumerator.Current => Current;

        /// <summary>Moves to the next entry.</summary>
        public bool MoveNext()
        {
            if (_encoded is null || _position >= _encoded.Length)
            {
                return false;
            }

            var reader = new SessionDataCodec.Reader(_encoded.AsSpan(_position));
            reader.MoveNext();
            Current = new(Encoding.UTF8.GetString(reader.Key), _encoded.AsMemory(_position + reader.ValueStart, reader.ValueLength));
            _position += reader.EntryEnd;
            return true;
        }

        /// <summary>Starts over.</summary>
        public void Reset() => _position = 0;

        /// <inheritdoc/>
        public readonly void Dispose()
        {
        }
    }
}
