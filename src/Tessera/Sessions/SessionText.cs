namespace Tessera.Sessions;

/// <summary>Checks on the strings sessions keep: the one place that decides what a valid user id or data key is.</summary>
internal static class SessionText
{
    /// <summary>True when <paramref name="text"/> has no unpaired surrogates, so it round-trips through UTF-8.</summary>
    public static bool IsValidUtf16(ReadOnlySpan<char> text) => !HasLoneSurrogate(text);

    /// <summary>True when <paramref name="key"/> is a usable data key under <paramref name="limits"/>.</summary>
    public static bool IsValidKey(ReadOnlySpan<char> key, SessionDataLimits limits)
    {
        if (key.IsEmpty || key.Length > limits.MaxKeyLength)
        {
            return false;
        }

        foreach (char c in key)
        {
            if (char.IsControl(c))
            {
                return false;
            }
        }

        return !HasLoneSurrogate(key);
    }

    private static bool HasLoneSurrogate(ReadOnlySpan<char> text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return true;
            }
        }

        return false;
    }
}
