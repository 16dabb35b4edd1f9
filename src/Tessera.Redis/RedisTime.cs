using System.Globalization;

namespace Tessera.Redis;

/// <summary>How times are written to Redis: exact ticks as 19 digits in hash fields, milliseconds as scores.</summary>
internal static class RedisTime
{
    private const long UnixEpochTicks = 621_355_968_000_000_000;

    /// <summary>UTC ticks as 19 decimal digits, the form the scripts split exactly (see <see cref="RedisScripts"/>).</summary>
    public static string Ticks(long ticks) => ticks.ToString("D19", CultureInfo.InvariantCulture);

    /// <summary>Milliseconds since the Unix epoch, rounded down: a sorted-set score, exact in a double.</summary>
    public static long Score(long ticks)
    {
        long offset = ticks - UnixEpochTicks;
        long score = offset / TimeSpan.TicksPerMillisecond;
        return offset % TimeSpan.TicksPerMillisecond < 0 ? score - 1 : score;
    }

    /// <summary>Parses a 19-digit tick field.</summary>
    public static long ParseTicks(ReadOnlySpan<byte> digits)
    {
        long value = 0;
        foreach (byte b in digits)
        {
            uint digit = (uint)(b - '0');
            if (digit > 9)
            {
                throw new FormatException("A stored time is not a decimal number.");
            }

            value = checked((value * 10) + digit);
        }

        return value;
    }
}
