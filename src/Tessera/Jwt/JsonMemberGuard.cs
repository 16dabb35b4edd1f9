using System.Buffers;
using System.Text.Json;

namespace Tessera.Jwt;

/// <summary>
/// Rejects what RFC 7515 §5.2 and RFC 7519 §4 ask a validator to reject and a JSON reader alone lets
/// through: duplicate member names at any depth (compared after unescaping, so <c>"a"</c> and
/// <c>"\u0061"</c> collide) and escapes that decode to invalid UTF-16. Shared by both readers of the
/// validator: the header's <see cref="Utf8JsonReader"/> (through <see cref="AddName"/> and
/// <see cref="SkipValue"/>) and the claims set's <see cref="StrictJsonScanner"/> (through <see cref="Scratch"/>
/// and <see cref="CommitName"/>).
/// </summary>
/// <remarks>
/// Allocation-free: the caller passes buffers sized by <see cref="EntryCapacity"/> and
/// <see cref="NameCapacity"/>. Objects with up to <see cref="LinearLimit"/> members are checked as each name
/// arrives; larger ones are checked once, by sorting name hashes, when the object closes — so a huge token
/// costs O(n log n), not O(n²).
/// </remarks>
internal ref struct JsonMemberGuard
{
    /// <summary>Deepest nesting accepted in a header or payload.</summary>
    public const int MaxDepth = 32;

    private const int LinearLimit = 32;

    // (tag << 32) | end of the name in _names. Names are stored back to back, so a name starts where the
    // previous entry's ends; the tag is a cheap fingerprint that spares most byte comparisons.
    private readonly Span<long> _entries;
    private readonly Span<byte> _names;     // unescaped member names of the open objects
    private readonly Span<int> _scopes;     // for each open object, the index of its first entry
    private int _entryCount;
    private int _namesUsed;
    private int _depth;

    public JsonMemberGuard(Span<long> entries, Span<byte> names, Span<int> scopes)
    {
        _entries = entries;
        _names = names;
        _scopes = scopes;
    }

    /// <summary>Entries needed for a document of <paramref name="length"/> bytes: a member takes at least 4 bytes (<c>"":0</c>).</summary>
    public static int EntryCapacity(int length) => (length / 4) + 1;

    /// <summary>Name bytes needed for a document of <paramref name="length"/> bytes: unescaping never grows text.</summary>
    public static int NameCapacity(int length) => length;

    /// <summary>Reader options for header and payload: strict RFC 8259 JSON only.</summary>
    public static JsonReaderOptions ReaderOptions => new()
    {
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = MaxDepth,
    };

    /// <summary>Call when an object starts. Depth is bounded by the reader's (or scanner's) limit of <see cref="MaxDepth"/>.</summary>
    public void EnterObject() => _scopes[_depth++] = _entryCount;

    /// <summary>Call at a <see cref="JsonTokenType.PropertyName"/>; false when the name repeats in its object or is invalid.</summary>
    public bool AddName(ref Utf8JsonReader reader) =>
        TryUnescape(ref reader, _names[_namesUsed..], out int length) && CommitName(length);

    /// <summary>
    /// Free space after the names of the open objects: write an unescaped name here and pass its length to
    /// <see cref="CommitName"/>, or use it as scratch for unescaping a value (it is then simply not committed).
    /// </summary>
    public readonly Span<byte> Scratch => _names[_namesUsed..];

    /// <summary>Adds the name just written at the start of <see cref="Scratch"/>; false when it repeats in its object.</summary>
    public bool CommitName(int length)
    {
        ReadOnlySpan<byte> name = _names.Slice(_namesUsed, length);
        int tag = Tag(name);
        int scopeStart = _scopes[_depth - 1];
        if (_entryCount - scopeStart < LinearLimit)
        {
            for (int i = scopeStart; i < _entryCount; i++)
            {
                if ((int)(_entries[i] >> 32) == tag && NameAt(i).SequenceEqual(name))
                {
                    return false;
                }
            }
        }

        _namesUsed += length;
        _entries[_entryCount++] = ((long)tag << 32) | (uint)_namesUsed;
        return true;
    }

    /// <summary>The most recently committed name (valid until its object closes).</summary>
    public readonly ReadOnlySpan<byte> LastName => NameAt(_entryCount - 1);

    /// <summary>Call after the reader returned <see cref="JsonTokenType.EndObject"/>; false when a large object held a duplicate.</summary>
    public bool ExitObject()
    {
        int scopeStart = _scopes[--_depth];
        int count = _entryCount - scopeStart;
        bool unique = count <= LinearLimit || AllNamesUnique(scopeStart, count);
        _namesUsed = NameStart(scopeStart);
        _entryCount = scopeStart;
        return unique;
    }

    /// <summary>
    /// Reads past the value the reader is positioned on (a scalar, or a whole object or array), checking
    /// every nested object and escaped string. False when the value is malformed.
    /// </summary>
    public bool SkipValue(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return CheckString(ref reader);
            case JsonTokenType.StartObject:
            case JsonTokenType.StartArray:
                break;
            default:
                return true;
        }

        int depth = reader.CurrentDepth;
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            EnterObject();
        }

        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    EnterObject();
                    break;
                case JsonTokenType.PropertyName:
                    if (!AddName(ref reader))
                    {
                        return false;
                    }

                    break;
                case JsonTokenType.String:
                    if (!CheckString(ref reader))
                    {
                        return false;
                    }

                    break;
                case JsonTokenType.EndObject:
                    if (!ExitObject())
                    {
                        return false;
                    }

                    break;
            }

            if (reader.CurrentDepth == depth && reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Checks that an escaped string value unescapes to valid UTF-16 (no lone surrogates).</summary>
    public readonly bool CheckString(ref Utf8JsonReader reader) =>
        !reader.ValueIsEscaped || TryUnescape(ref reader, Scratch, out _);

    /// <summary>Unescapes the current string or property name into <paramref name="destination"/>.</summary>
    public static bool TryUnescape(ref Utf8JsonReader reader, scoped Span<byte> destination, out int length)
    {
        if (!reader.ValueIsEscaped)
        {
            // Compact JWS input is a single contiguous buffer, so ValueSpan is always the whole value.
            ReadOnlySpan<byte> raw = reader.ValueSpan;
            if (raw.Length > destination.Length)
            {
                length = 0;
                return false;
            }

            raw.CopyTo(destination);
            length = raw.Length;
            return true;
        }

        try
        {
            length = reader.CopyString(destination);
            return true;
        }
        catch (InvalidOperationException)
        {
            // An escape such as "\ud800" that is not a valid surrogate pair.
            length = 0;
            return false;
        }
        catch (ArgumentException)
        {
            length = 0;
            return false;
        }
    }

    private readonly ReadOnlySpan<byte> NameAt(int index)
    {
        int start = NameStart(index);
        return _names[start..(int)(uint)_entries[index]];
    }

    private readonly int NameStart(int index) => index == 0 ? 0 : (int)(uint)_entries[index - 1];

    /// <summary>Length and three sampled bytes: different for every pair of registered claim names.</summary>
    private static int Tag(ReadOnlySpan<byte> name) =>
        name.IsEmpty ? 0 : (name.Length & 0xFF) | (name[0] << 8) | (name[name.Length / 2] << 16) | (name[^1] << 24);

    private readonly bool AllNamesUnique(int scopeStart, int count)
    {
        // (hash << 32) | index, sorted, brings equal names next to each other; equal hashes are then
        // confirmed byte by byte, so a hash collision can never reject a valid object.
        long[] keyed = ArrayPool<long>.Shared.Rent(count);
        try
        {
            for (int i = 0; i < count; i++)
            {
                HashCode hash = default;
                hash.AddBytes(NameAt(scopeStart + i));
                keyed[i] = ((long)hash.ToHashCode() << 32) | (uint)i;
            }

            Span<long> sorted = keyed.AsSpan(0, count);
            sorted.Sort();
            for (int run = 0; run < count;)
            {
                int end = run + 1;
                while (end < count && (sorted[end] >> 32) == (sorted[run] >> 32))
                {
                    end++;
                }

                for (int a = run; a < end; a++)
                {
                    for (int b = a + 1; b < end; b++)
                    {
                        if (NameAt(scopeStart + (int)(uint)sorted[a]).SequenceEqual(NameAt(scopeStart + (int)(uint)sorted[b])))
                        {
                            return false;
                        }
                    }
                }

                run = end;
            }

            return true;
        }
        finally
        {
            ArrayPool<long>.Shared.Return(keyed);
        }
    }
}
