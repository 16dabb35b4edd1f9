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
}
