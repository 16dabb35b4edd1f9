namespace Tessera.Tokens;

/// <summary>The outcome of <see cref="SessionTokenService.RefreshAsync"/>: new tokens, or why not.</summary>
public readonly struct RefreshResult
{
    internal RefreshResult(RefreshError error, IssuedTokens? tokens, bool isGraceRepeat)
    {
        Error = error;
        Tokens = tokens;
        IsGraceRepeat = isGraceRepeat;
    }

    /// <summary>Why the refresh token was refused; <see cref="RefreshError.None"/> on success.</summary>
    public RefreshError Error { get; }

    /// <summary>True when new tokens were issued.</summary>
    public bool Succeeded => Error == RefreshError.None;

    /// <summary>A new access token and the current refresh token; null on failure.</summary>
    public IssuedTokens? Tokens { get; }

    /// <summary>
    /// True when the presented token had just been rotated by another call and this one received the successor that
    /// rotation issued (within <see cref="SessionTokenOptions.RefreshReuseGracePeriod"/>); false for the rotation itself.
    /// </summary>
    public bool IsGraceRepeat { get; }

    /// <summary>The OAuth error code: <c>invalid_grant</c> for every failure (RFC 6749 §5.2); null on success.</summary>
    public string? ErrorCode => Succeeded ? null : "invalid_grant";

    internal static RefreshResult Fail(RefreshError error) => new(error, null, false);
}
