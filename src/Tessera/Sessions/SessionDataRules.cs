using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Tessera.Sessions;

/// <summary>The checks every store applies to a data write, in one place so every store refuses the same writes.</summary>
internal static class SessionDataRules
{
    /// <summary>The largest recovery envelope a rotation may store.</summary>
    public const int MaxRecoveryEnvelopeBytes = 1024;

    /// <summary>Throws unless <paramref name="utf8Json"/> is exactly one RFC 8259 JSON value.</summary>
    public static void ThrowIfNotJsonValue(ReadOnlySpan<byte> utf8Json)
    {
        if (IsPlainJsonValue(utf8Json))
        {
            return;
        }

        // Utf8JsonReader does not check the UTF-8 inside string values; a store must never hold text it cannot decode.
        if (!Utf8.IsValid(utf8Json))
        {
            throw new ArgumentException("A session value must be valid UTF-8.", nameof(utf8Json));
        }

        try
        {
            var reader = new Utf8JsonReader(utf8Json);
            if (reader.Read())
            {
                reader.Skip();
                if (!reader.Read())
                {
                    return;
                }
            }
        }
        catch (JsonException)
        {
        }

        throw new ArgumentException("A session value must be exactly one valid JSON value (UTF-8).", nameof(utf8Json));
    }

    /// <summary>
    /// A quick yes for the commonest small values, which spares them the reader: a string of printable ASCII with no
    /// quote or backslash inside, or a literal. False says nothing (the full check decides); a test holds it to
    /// Utf8JsonReader's verdict.
    /// </summary>
    internal static bool IsPlainJsonValue(ReadOnlySpan<byte> json)
    {
        if (json.Length >= 2 && json[0] == (byte)'"' && json[^1] == (byte)'"')
        {
            ReadOnlySpan<byte> inner = json[1..^1];
            return inner.IndexOfAnyExceptInRange((byte)0x20, (byte)0x7E) < 0 && inner.IndexOfAny((byte)'"', (byte)'\\') < 0;
        }

        return json.SequenceEqual("true"u8) || json.SequenceEqual("false"u8) || json.SequenceEqual("null"u8);
    }

    /// <summary>Throws unless <paramref name="utf8Json"/> is exactly one JSON object (<see cref="NewSession.TokenClaims"/>).</summary>
    public static void ThrowIfNotJsonObject(ReadOnlySpan<byte> utf8Json)
    {
        ThrowIfNotJsonValue(utf8Json);
        int start = utf8Json.IndexOfAnyExcept(" \t\r\n"u8);
        if (start < 0 || utf8Json[start] != (byte)'{')
        {
            throw new ArgumentException("Token claims must be one JSON object.", nameof(utf8Json));
        }
    }

    /// <summary>Throws unless every entry of a new session's initial data is a write the store would accept.</summary>
    [SkipLocalsInit] // the key buffer is written before it is read
    public static void ThrowIfRefused(SessionData data, SessionDataLimits limits)
    {
        int count = 0, size = 0;
        Span<char> key = stackalloc char[limits.MaxKeyLength];
        var reader = new SessionDataCodec.Reader(data.Encoded);
        while (reader.MoveNext())
        {
            SessionWriteStatus status = !IsValidKey(reader.Key, key, limits) ? SessionWriteStatus.KeyInvalid
                : reader.ValueLength > limits.MaxValueBytes ? SessionWriteStatus.ValueTooLarge
                : SessionWriteStatus.Ok;
            if (status != SessionWriteStatus.Ok)
            {
                throw new ArgumentException($"Initial session data refused: {status}.", nameof(data));
            }

            ThrowIfNotJsonValue(data.Encoded.AsSpan(reader.ValueStart, reader.ValueLength));
            count++;
            size += reader.Key.Length + reader.ValueLength;
        }

        if (count > limits.MaxKeys || size > limits.MaxDataBytes)
        {
            throw new ArgumentException($"Initial session data refused: {SessionWriteStatus.DataTooLarge}.", nameof(data));
        }
    }

    /// <summary><see cref="SessionText.IsValidKey"/> on a UTF-8 key, decoding it into <paramref name="chars"/> unless it is ASCII.</summary>
    private static bool IsValidKey(ReadOnlySpan<byte> utf8Key, Span<char> chars, SessionDataLimits limits)
    {
        if (Ascii.IsValid(utf8Key))
        {
            // ASCII: one char per byte, and the control characters are 0x00-0x1F and 0x7F.
            return utf8Key.Length >= 1 && utf8Key.Length <= limits.MaxKeyLength
                && utf8Key.IndexOfAnyInRange((byte)0x00, (byte)0x1F) < 0 && !utf8Key.Contains((byte)0x7F);
        }

        // A key longer than the limit in UTF-16 is refused before decoding.
        return Encoding.UTF8.GetCharCount(utf8Key) <= chars.Length
            && SessionText.IsValidKey(chars[..Encoding.UTF8.GetChars(utf8Key, chars)], limits);
    }

    /// <summary>Checks key and value against the limits, before the session is looked at.</summary>
    public static SessionWriteStatus CheckEntry(string key, int valueBytes, SessionDataLimits limits) =>
        !SessionText.IsValidKey(key, limits) ? SessionWriteStatus.KeyInvalid
        : valueBytes > limits.MaxValueBytes ? SessionWriteStatus.ValueTooLarge
        : SessionWriteStatus.Ok;

    /// <summary>Checks the session's data after setting a key to a value of <paramref name="valueBytes"/>.</summary>
    public static SessionWriteStatus CheckSession(ReadOnlySpan<byte> encoded, ReadOnlySpan<byte> utf8Key, int valueBytes, SessionDataLimits limits)
    {
        (int count, int size) = SessionDataCodec.Measure(encoded);
        if (SessionDataCodec.TryFind(encoded, utf8Key, out var existing))
        {
            count--;
            size -= existing.Key.Length + existing.ValueLength;
        }

        return count + 1 > limits.MaxKeys || size + utf8Key.Length + valueBytes > limits.MaxDataBytes
            ? SessionWriteStatus.DataTooLarge
            : SessionWriteStatus.Ok;
    }
}
