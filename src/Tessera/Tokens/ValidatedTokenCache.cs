using System.Numerics;
using Tessera.Jwt;

namespace Tessera.Tokens;

/// <summary>
/// Remembers access tokens that passed validation, keyed by their exact text, so a repeat request skips the signature
/// check. Bounded (a fixed array of entries), lock-free, and conservative: an entry answers only for the very same
/// token text, before its <c>exp</c>, and while the key set that verified it is still the one in force.
/// </summary>
/// <remarks>
/// <para>Two-way set associative: a token maps to a pair of slots; a new entry takes an empty, expired or stale slot of
/// the pair, else the one that expires sooner. Entries are immutable and published with one reference write, so a
/// reader sees a whole entry or none; concurrent writers to one slot just leave one of them.</para>
/// <para>The slot is chosen by a randomized hash (Marvin, seeded per process) of the token's last characters, which
/// are signature bytes: unpredictable for tokens the caller did not sign. Only tokens that verified get in, so a
/// client without a key cannot fill or churn the cache; a hit still compares the whole text.</para>
/// <para>This cache never decides about sessions: the caller checks the session on every request, hit or miss.</para>
/// </remarks>
internal sealed class ValidatedTokenCache
{
    private const int HashedChars = 32;

    private readonly Entry?[] _slots;
    private readonly int _pairMask;

    /// <summary>Creates a cache of at least <paramref name="capacity"/> entries (rounded up to a power of two, at least 2).</summary>
    public ValidatedTokenCache(int capacity)
    {
        int size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(capacity, 2));
        _slots = new Entry?[size];
        _pairMask = size - 2;
    }

    /// <summary>The number of slots.</summary>
    public int Capacity => _slots.Length;

    /// <summary>The claims validated earlier for exactly <paramref name="token"/>, or null.</summary>
    public JwtClaims? TryGet(ReadOnlySpan<char> token, JwtKeySet keys, long nowMilliseconds)
    {
        int index = IndexOf(token);
        Entry? entry = Volatile.Read(ref _slots[index]);
        if (entry is null || !entry.Matches(token))
        {
            entry = Volatile.Read(ref _slots[index + 1]);
            if (entry is null || !entry.Matches(token))
            {
                return null;
            }
        }

        return entry.ExpiresAtMilliseconds > nowMilliseconds && ReferenceEquals(entry.Keys, keys) ? entry.Claims : null;
    }

    /// <summary>Remembers a validated token until <paramref name="expiresAtMilliseconds"/> (its <c>exp</c>).</summary>
    public void Add(JwtClaims claims, JwtKeySet keys, long expiresAtMilliseconds, long nowMilliseconds)
    {
        if (expiresAtMilliseconds <= nowMilliseconds)
        {
            return;
        }

        var entry = new Entry(claims, keys, expiresAtMilliseconds);
        int index = IndexOf(claims.Token.AsSpan());
        Entry? first = Volatile.Read(ref _slots[index]);
        Entry? second = Volatile.Read(ref _slots[index + 1]);
        int target = IsFree(first, keys, nowMilliseconds) ? index
            : IsFree(second, keys, nowMilliseconds) ? index + 1
            : first!.ExpiresAtMilliseconds <= second!.ExpiresAtMilliseconds ? index : index + 1;
        Volatile.Write(ref _slots[target], entry);
    }

    private static bool IsFree(Entry? entry, JwtKeySet keys, long nowMilliseconds) =>
        entry is null || entry.ExpiresAtMilliseconds <= nowMilliseconds || !ReferenceEquals(entry.Keys, keys);

    private int IndexOf(ReadOnlySpan<char> token) => string.GetHashCode(token[Math.Max(0, token.Length - HashedChars)..]) & _pairMask;

    private sealed class Entry(JwtClaims claims, JwtKeySet keys, long expiresAtMilliseconds)
    {
        public JwtClaims Claims { get; } = claims;

        public JwtKeySet Keys { get; } = keys;

        public long ExpiresAtMilliseconds { get; } = expiresAtMilliseconds;

        public bool Matches(ReadOnlySpan<char> token) => token.SequenceEqual(Claims.Token);
    }
}
