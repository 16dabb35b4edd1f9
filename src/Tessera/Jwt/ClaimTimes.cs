namespace Tessera.Jwt;

/// <summary>
/// The time claims of a validated token in Unix milliseconds, or <see cref="Absent"/>. Fractional
/// NumericDates are rounded toward the safe side: <c>exp</c> down, <c>nbf</c> and <c>iat</c> up.
/// </summary>
internal readonly record struct ClaimTimes(long ExpiresAt, long NotBefore, long IssuedAt)
{
    public const long Absent = long.MinValue;

    /// <summary>Marks a time claim that is present but not a valid NumericDate (only while reading).</summary>
    public const long Invalid = long.MinValue + 1;

    public static ClaimTimes None => new(Absent, Absent, Absent);

    public static DateTimeOffset? ToDateTimeOffset(long milliseconds) =>
        milliseconds == Absent ? null : DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
}
