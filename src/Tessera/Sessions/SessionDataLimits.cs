namespace Tessera.Sessions;

/// <summary>
/// Size limits on session data, enforced by every store on every write with a
/// <see cref="SessionWriteStatus"/> (never by truncating). Sizes count UTF-8 bytes of keys and values as given,
/// not any store's encoding, so the same data fits in every store.
/// </summary>
public sealed class SessionDataLimits
{
    /// <summary>The longest key, in UTF-16 code units (<see cref="string.Length"/>). Default: 128.</summary>
    public int MaxKeyLength { get; set; } = 128;

    /// <summary>The largest value, in UTF-8 bytes of JSON. Default: 16 KiB.</summary>
    public int MaxValueBytes { get; set; } = 16 * 1024;

    /// <summary>The most data one session may hold: the sum over its keys of key and value bytes. Default: 64 KiB.</summary>
    public int MaxDataBytes { get; set; } = 64 * 1024;

    /// <summary>The most keys one session may hold. Default: 64.</summary>
    public int MaxKeys { get; set; } = 64;

    /// <summary>A copy a store keeps, so later changes to the options object do not change a running store.</summary>
    internal SessionDataLimits Snapshot() => new()
    {
        MaxKeyLength = MaxKeyLength,
        MaxValueBytes = MaxValueBytes,
        MaxDataBytes = MaxDataBytes,
        MaxKeys = MaxKeys,
    };

    /// <summary>Lists every problem with these limits (empty when they are usable).</summary>
    /// <param name="prefix">Prepended to each property name, e.g. <c>"DataLimits."</c>.</param>
    public IReadOnlyList<string> Validate(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var problems = new List<string>();
        if (MaxKeyLength is < 1 or > 1024)
        {
            problems.Add($"{prefix}{nameof(MaxKeyLength)} must be between 1 and 1024 (was {MaxKeyLength}).");
        }

        if (MaxValueBytes < 1)
        {
            problems.Add($"{prefix}{nameof(MaxValueBytes)} must be positive (was {MaxValueBytes}).");
        }

        if (MaxDataBytes < MaxValueBytes)
        {
            problems.Add($"{prefix}{nameof(MaxDataBytes)} must be at least {nameof(MaxValueBytes)} (was {MaxDataBytes}).");
        }

        if (MaxKeys < 1)
        {
            problems.Add($"{prefix}{nameof(MaxKeys)} must be positive (was {MaxKeys}).");
        }

        return problems;
    }
}
