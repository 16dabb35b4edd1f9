using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Tessera.Jwt;

/// <summary>
/// A forward-only scanner for strict RFC 8259 JSON, used for the claims set on the validation hot path,
/// where a general-purpose reader's state machine costs more than the signature check of a small token.
/// </summary>
/// <remarks>
/// <para>
/// It accepts exactly: objects, arrays, strings without raw control characters, numbers in the RFC 8259
/// grammar, <c>true</c>, <c>false</c>, <c>null</c>, and the four whitespace characters — no comments,
/// no trailing commas, at most <see cref="JsonMemberGuard.MaxDepth"/> nested containers. Strings with
/// escapes are handed to <see cref="Utf8JsonReader"/>, which checks and decodes them (so escape handling,
/// surrogates included, has one implementation). UTF-8 validity is checked for the whole document by the
/// caller. Member names go through a <see cref="JsonMemberGuard"/>, which rejects duplicates.
/// </para>
/// <para>
/// Anything it accepts, <see cref="Utf8JsonReader"/> with <see cref="JsonMemberGuard.ReaderOptions"/> accepts
/// too; the tests check the two agree on random and mutated documents.
/// </para>
/// </remarks>
internal ref struct StrictJsonScanner
{
    // Bytes that end the plain run of a string: the closing quote, an escape, or a raw control character.
    private static readonly SearchValues<byte> s_stringStops = SearchValues.Create(
        "\"\\\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000A\u000B\u000C\u000D\u000E\u000F\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F"u8);

    private readonly ReadOnlySpan<byte> _json;
    private int _position;

    public StrictJsonScanner(ReadOnlySpan<byte> json) => _json = json;

    /// <summary>The next significant byte after whitespace, or -1 at the end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Peek()
    {
        while (_position < _json.Length && _json[_position] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r')
        {
            _position++;
        }

        return _position < _json.Length ? _json[_position] : -1;
    }

    /// <summary>Consumes <paramref name="expected"/> if it is the next significant byte.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryConsume(byte expected)
    {
        if (Peek() != expected)
        {
            return false;
        }

        _position++;
        return true;
    }

    /// <summary>True when only whitespace remains.</summary>
    public bool AtEnd() => Peek() < 0;

    /// <summary>
    /// Reads a string. <paramref name="raw"/> is the text between the quotes; when <paramref name="quoted"/>
    /// is not empty the string has escapes (already validated) and <paramref name="quoted"/> is the whole
    /// literal, for <see cref="Unescape"/>.
    /// </summary>
    public bool TryReadString(out ReadOnlySpan<byte> raw, out ReadOnlySpan<byte> quoted)
    {
        raw = quoted = default;
        if (Peek() != '"')
        {
            return false;
        }

        int open = _position++;
        bool escaped = false;
        while (true)
        {
            int stop = _json[_position..].IndexOfAny(s_stringStops);
            if (stop < 0)
            {
                return false;
            }

            _position += stop;
            byte b = _json[_position];
            if (b == '"')
            {
                raw = _json[(open + 1).._position];
                _position++;
                if (escaped)
                {
                    quoted = _json[open.._position];
                    return Unescape(quoted, default) >= 0;
                }

                return true;
            }

            if (b != '\\' || _position + 1 >= _json.Length)
            {
                return false; // a raw control character, or a backslash at the very end
            }

            // Skip the escaped byte so an escaped quote does not end the string; the escape itself is
            // validated by Utf8JsonReader once the string is complete.
            escaped = true;
            _position += 2;
        }
    }

    /// <summary>
    /// Checks and decodes an escaped string literal (with its quotes) into <paramref name="destination"/>.
    /// Returns the decoded length, or -1 when an escape is invalid (including unpaired surrogates). With an
    /// empty destination it only checks.
    /// </summary>
    public static int Unescape(ReadOnlySpan<byte> quoted, Span<byte> destination)
    {
        var reader = new Utf8JsonReader(quoted, JsonMemberGuard.ReaderOptions);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.String)
            {
                return -1;
            }

            if (destination.IsEmpty)
            {
                Span<byte> probe = quoted.Length <= 256 ? stackalloc byte[quoted.Length] : new byte[quoted.Length];
                return reader.CopyString(probe);
            }

            return reader.CopyString(destination);
        }
        catch (JsonException)
        {
            return -1;
        }
        catch (InvalidOperationException)
        {
            return -1;
        }
    }

    /// <summary>Reads a number in the RFC 8259 grammar: <c>-? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?</c>.</summary>
    public bool TryReadNumber(out ReadOnlySpan<byte> number)
    {
        number = default;
        Peek();
        int start = _position;
        int p = start;
        if (p < _json.Length && _json[p] == '-')
        {
            p++;
        }

        if (p < _json.Length && _json[p] == '0')
        {
            p++;
        }
        else if (p < _json.Length && _json[p] is >= (byte)'1' and <= (byte)'9')
        {
            p = SkipDigits(p + 1);
        }
        else
        {
            return false;
        }

        if (p < _json.Length && _json[p] == '.')
        {
            int digits = p + 1;
            p = SkipDigits(digits);
            if (p == digits)
            {
                return false;
            }
        }

        if (p < _json.Length && _json[p] is (byte)'e' or (byte)'E')
        {
            p++;
            if (p < _json.Length && _json[p] is (byte)'+' or (byte)'-')
            {
                p++;
            }

            int digits = p;
            p = SkipDigits(digits);
            if (p == digits)
            {
                return false;
            }
        }

        number = _json[start..p];
        _position = p;
        return true;
    }

    /// <summary>
    /// Reads a member name into the guard (unescaped) and commits it; false when it is not a string, is
    /// malformed, or repeats a name of the same object.
    /// </summary>
    public bool TryReadName(ref JsonMemberGuard guard, out int length)
    {
        length = 0;
        if (!TryReadString(out ReadOnlySpan<byte> raw, out ReadOnlySpan<byte> quoted))
        {
            return false;
        }

        Span<byte> scratch = guard.Scratch;
        if (raw.Length > scratch.Length)
        {
            return false; // cannot happen with a guard sized by NameCapacity; fail closed if it does
        }

        if (quoted.IsEmpty)
        {
            raw.CopyTo(scratch);
            length = raw.Length;
        }
        else if ((length = Unescape(quoted, scratch)) < 0)
        {
            return false;
        }

        return guard.CommitName(length) && TryConsume((byte)':');
    }

    /// <summary>
    /// Reads past one value of any kind, checking its shape. <paramref name="depth"/> is the number of
    /// containers already open around it.
    /// </summary>
    /// <remarks>
    /// Kept small on purpose: it runs once per value, and containers (the rare, recursive case) live in their
    /// own methods so that their larger frames are set up only when a container is actually read.
    /// </remarks>
    public bool TrySkipValue(ref JsonMemberGuard guard, int depth) => Peek() switch
    {
        '"' => TryReadString(out _, out _),
        '{' => TrySkipObject(ref guard, depth),
        '[' => TrySkipArray(ref guard, depth),
        't' => TryLiteral("true"u8),
        'f' => TryLiteral("false"u8),
        'n' => TryLiteral("null"u8),
        _ => TryReadNumber(out _),
    };

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool TrySkipObject(ref JsonMemberGuard guard, int depth)
    {
        if (depth >= JsonMemberGuard.MaxDepth)
        {
            return false;
        }

        _position++;
        guard.EnterObject();
        if (!TryConsume((byte)'}'))
        {
            do
            {
                if (!TryReadName(ref guard, out _) || !TrySkipValue(ref guard, depth + 1))
                {
                    return false;
                }
            }
            while (TryConsume((byte)','));

            if (!TryConsume((byte)'}'))
            {
                return false;
            }
        }

        return guard.ExitObject();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool TrySkipArray(ref JsonMemberGuard guard, int depth)
    {
        if (depth >= JsonMemberGuard.MaxDepth)
        {
            return false;
        }

        _position++;
        if (TryConsume((byte)']'))
        {
            return true;
        }

        do
        {
            if (!TrySkipValue(ref guard, depth + 1))
            {
                return false;
            }
        }
        while (TryConsume((byte)','));

        return TryConsume((byte)']');
    }

    private bool TryLiteral(ReadOnlySpan<byte> literal)
    {
        if (!_json[_position..].StartsWith(literal))
        {
            return false;
        }

        _position += literal.Length;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly int SkipDigits(int p)
    {
        while (p < _json.Length && _json[p] is >= (byte)'0' and <= (byte)'9')
        {
            p++;
        }

        return p;
    }
}
