using System.Text;

namespace Tessera.Sessions;

/// <summary>
/// The compact encoding of a session's data map, held by <see cref="SessionData"/>. In-memory only (never
/// persisted), so it has no version byte; the Redis store keeps one hash field per key instead.
/// </summary>
/// <remarks>
/// Layout: zero or more entries, each <c>varint keyLength | key (UTF-8) | varint valueLength | value (UTF-8 JSON)</c>,
/// with lengths as unsigned LEB128. Keys are unique and keep their insertion order. An encoded map is never
/// mutated: every write builds a new array, so readers may hold slices of it without locks.
/// </remarks>
internal static class SessionDataCodec
{
    /// <summary>A key's UTF-8 bytes are at most this many per character.</summary>
    public const int MaxUtf8BytesPerChar = 3;

    /// <summary>Walks the entries of an encoded map.</summary>
    public ref struct Reader(ReadOnlySpan<byte> encoded)
    {
        private readonly ReadOnlySpan<byte> _encoded = encoded;
        private int _position;

        public int EntryStart { get; private set; }
        public ReadOnlySpan<byte> Key { get; private set; }
        public int ValueStart { get; private set; }
        public int ValueLength { get; private set; }
        public readonly int EntryEnd => _position;

        public bool MoveNext()
        {
            if (_position >= _encoded.Length)
            {
                return false;
            }

            EntryStart = _position;
            int keyLength = ReadVarint(_encoded, ref _position);
            Key = _encoded.Slice(_position, keyLength);
            _position += keyLength;
            ValueLength = ReadVarint(_encoded, ref _position);
            ValueStart = _position;
            _position += ValueLength;
            return true;
        }
    }

    /// <summary>Finds <paramref name="key"/>; on success the reader is positioned on its entry.</summary>
    public static bool TryFind(ReadOnlySpan<byte> encoded, ReadOnlySpan<byte> key, out Reader entry)
    {
        entry = new Reader(encoded);
        while (entry.MoveNext())
        {
            if (entry.Key.SequenceEqual(key))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The number of entries and the data size (sum of key and value bytes).</summary>
    public static (int Count, int Size) Measure(ReadOnlySpan<byte> encoded)
    {
        int count = 0, size = 0;
        var reader = new Reader(encoded);
        while (reader.MoveNext())
        {
            count++;
            size += reader.Key.Length + reader.ValueLength;
        }

        return (count, size);
    }

    /// <summary>A new encoding with <paramref name="key"/> set to <paramref name="value"/> (replaced in place or appended).</summary>
    public static byte[] With(ReadOnlySpan<byte> encoded, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        int entryLength = VarintLength(key.Length) + key.Length + VarintLength(value.Length) + value.Length;
        bool found = TryFind(encoded, key, out Reader old);
        int before = found ? old.EntryStart : encoded.Length;
        int after = found ? old.EntryEnd : encoded.Length;

        byte[] result = new byte[before + entryLength + (encoded.Length - after)];
        encoded[..before].CopyTo(result);
        int position = before;
        WriteVarint(result, ref position, key.Length);
        key.CopyTo(result.AsSpan(position));
        position += key.Length;
        WriteVarint(result, ref position, value.Length);
        value.CopyTo(result.AsSpan(position));
        position += value.Length;
        encoded[after..].CopyTo(result.AsSpan(position));
        return result;
    }

    /// <summary>A new encoding without <paramref name="key"/>; null when nothing is left; the input when the key is absent.</summary>
    public static byte[]? Without(byte[] encoded, ReadOnlySpan<byte> key)
    {
        if (!TryFind(encoded, key, out Reader old))
        {
            return encoded;
        }

        int removed = old.EntryEnd - old.EntryStart;
        if (removed == encoded.Length)
        {
            return null;
        }

        byte[] result = new byte[encoded.Length - removed];
        encoded.AsSpan(0, old.EntryStart).CopyTo(result);
        encoded.AsSpan(old.EntryEnd).CopyTo(result.AsSpan(old.EntryStart));
        return result;
    }

    /// <summary>The encoded length of one entry.</summary>
    public static int EntryLength(int keyBytes, int valueBytes) =>
        VarintLength(keyBytes) + keyBytes + VarintLength(valueBytes) + valueBytes;

    /// <summary>Writes one entry at <paramref name="position"/> (which must have room) and moves past it; returns
    /// the key's encoded bytes within <paramref name="destination"/>.</summary>
    public static Range WriteEntry(Span<byte> destination, ref int position, string key, ReadOnlySpan<byte> value)
    {
        int keyBytes = Encoding.UTF8.GetByteCount(key);
        WriteVarint(destination, ref position, keyBytes);
        int keyStart = position;
        position += Encoding.UTF8.GetBytes(key, destination[position..]);
        WriteVarint(destination, ref position, value.Length);
        value.CopyTo(destination[position..]);
        position += value.Length;
        return keyStart..(keyStart + keyBytes);
    }

    /// <summary>Encodes a key as UTF-8 into <paramref name="buffer"/> (which holds 3 bytes per character).</summary>
    public static ReadOnlySpan<byte> EncodeKey(string key, Span<byte> buffer) =>
        buffer[..Encoding.UTF8.GetBytes(key, buffer)];

    private static int VarintLength(int value)
    {
        int length = 1;
        while ((uint)value >= 0x80)
        {
            value = (int)((uint)value >> 7);
            length++;
        }

        return length;
    }

    private static void WriteVarint(Span<byte> destination, ref int position, int value)
    {
        uint v = (uint)value;
        while (v >= 0x80)
        {
            destination[position++] = (byte)(v | 0x80);
            v >>= 7;
        }

        destination[position++] = (byte)v;
    }

    private static int ReadVarint(ReadOnlySpan<byte> source, ref int position)
    {
        int value = 0, shift = 0;
        byte b;
        do
        {
            b = source[position++];
            value |= (b & 0x7F) << shift;
            shift += 7;
        }
        while ((b & 0x80) != 0);

        return value;
    }
}
