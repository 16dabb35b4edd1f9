namespace Tessera.Jwt;

/// <content>
/// A tiny cache of headers that have verified. A deployment signs with a handful of keys, so nearly every
/// token repeats one of a few header texts; remembering the verdict for the exact text skips decoding and
/// parsing the header and looking up its key. Only headers of tokens whose signature verified are
/// remembered, so a caller without a signing key cannot fill or churn the cache.
/// </content>
public sealed partial class JwtValidator
{
    private const int HeaderCacheSize = 4;

    private readonly VerifiedHeader?[] _verifiedHeaders = new VerifiedHeader?[HeaderCacheSize];
    private int _nextHeaderSlot;

    private VerifiedHeader? FindVerifiedHeader(ReadOnlySpan<char> headerText, JwtKeySet keys)
    {
        foreach (VerifiedHeader? entry in _verifiedHeaders)
        {
            // The verdict holds only for the key set it was reached with: a key rotation starts afresh.
            if (entry is not null && ReferenceEquals(entry.Keys, keys) && headerText.SequenceEqual(entry.Text))
            {
                return entry;
            }
        }

        return null;
    }

    private void RememberVerifiedHeader(VerifiedHeader entry) =>
        Volatile.Write(ref _verifiedHeaders[(uint)Interlocked.Increment(ref _nextHeaderSlot) % HeaderCacheSize], entry);

    /// <summary>
    /// The verdict on one exact header text: it is well-formed and acceptable, names <see cref="Algorithm"/>,
    /// and — when it has a <c>kid</c> — selects <see cref="Key"/> (null: try each key of the algorithm).
    /// Immutable, so a reference read is a consistent snapshot.
    /// </summary>
    private sealed record VerifiedHeader(string Text, JwtKeySet Keys, JwtAlgorithmInfo Algorithm, JwtKey? Key);
}
