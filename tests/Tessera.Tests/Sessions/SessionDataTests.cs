using System.Text;
using Tessera.Sessions;

namespace Tessera.Tests.Sessions;

public sealed class SessionDataTests
{
    [Fact]
    public void Create_Entries_RoundTripInOrderWithExactBytes()
    {
        var entries = new[]
        {
            new KeyValuePair<string, ReadOnlyMemory<byte>>("cart", "{\"n\":1}"u8.ToArray()),
            new KeyValuePair<string, ReadOnlyMemory<byte>>("thème ✓", "\"dark\""u8.ToArray()),
            new KeyValuePair<string, ReadOnlyMemory<byte>>("big", Encoding.UTF8.GetBytes("\"" + new string('x', 300) + "\"")), // 2-byte varint
        };

        SessionData data = SessionData.Create(entries.Select(e => e)); // a lazy sequence, enumerated once

        Assert.Equal(3, data.Count);
        Assert.Equal(["cart", "thème ✓", "big"], data.Keys);
        foreach ((string key, ReadOnlyMemory<byte> value) in entries)
        {
            Assert.True(data.TryGetValue(key, out ReadOnlyMemory<byte> read));
            Assert.Equal(value.ToArray(), read.ToArray());
        }

        Assert.Equal(entries.Sum(e => Encoding.UTF8.GetByteCount(e.Key) + e.Value.Length), data.SizeBytes);
        Assert.False(data.ContainsKey("Cart")); // ordinal
        Assert.Equal(entries.Select(e => e.Key), data.Select(e => e.Key));
    }

    [Fact]
    public void Create_DuplicateOrEmpty_Throws()
    {
        Assert.Throws<ArgumentException>(() => SessionData.Create([new("a", "1"u8.ToArray()), new("b", "2"u8.ToArray()), new("a", "3"u8.ToArray())]));
        Assert.Throws<ArgumentException>(() => SessionData.Create([new("", "1"u8.ToArray())]));
        Assert.Throws<ArgumentException>(() => SessionData.Create([new("a", ReadOnlyMemory<byte>.Empty)]));
    }

    [Fact]
    public void Empty_HasNothing()
    {
        SessionData data = SessionData.Create([]);

        Assert.True(data.IsEmpty);
        Assert.Equal(0, data.Count);
        Assert.Empty(data.Keys);
        Assert.False(data.TryGetValue("a", out _));
        Assert.True(SessionData.Empty.IsEmpty);
    }

    [Fact]
    public void Create_FromListArrayAndSequence_SameSnapshot()
    {
        KeyValuePair<string, ReadOnlyMemory<byte>>[] entries = [new("a", "1"u8.ToArray()), new("é", "\"x\""u8.ToArray())];
        byte[] expected = SessionData.Create(entries.AsSpan()).Encoded!;

        Assert.Equal(expected, SessionData.Create(entries.ToList()).Encoded);
        Assert.Equal(expected, SessionData.Create(entries.Select(e => e)).Encoded);
        Assert.Throws<ArgumentException>(() => SessionData.Create(new List<KeyValuePair<string, ReadOnlyMemory<byte>>> { new("a", "1"u8.ToArray()), new("a", "2"u8.ToArray()) }));
    }

    [Fact]
    public void PlainJsonFastPath_NeverSaysYesWhereUtf8JsonReaderSaysNo()
    {
        // Every string of up to 5 bytes over an alphabet of the characters that matter: the fast path may answer
        // "not sure" (false) for valid JSON, but its "yes" must always be Utf8JsonReader's verdict too.
        byte[] alphabet = [(byte)'"', (byte)'\\', (byte)'a', (byte)' ', 0x01, 0x7F, 0xC3, (byte)'t', (byte)'r', (byte)'u', (byte)'e', (byte)'n', (byte)'l'];
        int yes = 0;
        var buffer = new byte[5];
        for (int length = 0; length <= 5; length++)
        {
            int combinations = (int)Math.Pow(alphabet.Length, length);
            for (int n = 0; n < combinations; n++)
            {
                int rest = n;
                for (int i = 0; i < length; i++)
                {
                    buffer[i] = alphabet[rest % alphabet.Length];
                    rest /= alphabet.Length;
                }

                ReadOnlySpan<byte> candidate = buffer.AsSpan(0, length);
                if (SessionDataRules.IsPlainJsonValue(candidate))
                {
                    yes++;
                    Assert.True(IsOneJsonValue(candidate), Encoding.Latin1.GetString(candidate));
                }
            }
        }

        Assert.True(yes > 100, $"only {yes} candidates took the fast path");
        Assert.True(SessionDataRules.IsPlainJsonValue("\"dark\""u8));
        Assert.True(SessionDataRules.IsPlainJsonValue("null"u8));
        Assert.False(SessionDataRules.IsPlainJsonValue("\"a\\\"b\""u8)); // escapes go to the reader
    }

    private static bool IsOneJsonValue(ReadOnlySpan<byte> json)
    {
        if (!System.Text.Unicode.Utf8.IsValid(json))
        {
            return false;
        }

        try
        {
            var reader = new System.Text.Json.Utf8JsonReader(json);
            if (!reader.Read())
            {
                return false;
            }

            reader.Skip();
            return !reader.Read();
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }
}
