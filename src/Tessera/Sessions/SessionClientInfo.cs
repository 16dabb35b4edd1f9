namespace Tessera.Sessions;

/// <summary>
/// What the server saw of the client when the session was created: shown in session lists so a user can tell
/// their devices apart. Immutable and safe to share between threads.
/// </summary>
/// <remarks>
/// These are client-supplied, unauthenticated strings: display them escaped, never trust them for decisions.
/// Values longer than their limit are cut to it rather than refused, so an unusual browser never fails a sign-in.
/// </remarks>
public sealed class SessionClientInfo
{
    /// <summary>The longest <see cref="IpAddress"/> kept, in characters (an IPv6 address with zone fits).</summary>
    public const int MaxIpAddressLength = 64;

    /// <summary>The longest <see cref="UserAgent"/> kept, in characters.</summary>
    public const int MaxUserAgentLength = 512;

    /// <summary>The longest <see cref="DeviceLabel"/> kept, in characters.</summary>
    public const int MaxDeviceLabelLength = 64;

    /// <summary>Creates client information; each value may be null and is cut to its maximum length.</summary>
    /// <param name="ipAddress">The client's address as the server saw it.</param>
    /// <param name="userAgent">The <c>User-Agent</c> header.</param>
    /// <param name="deviceLabel">An optional label the user chose ("work laptop").</param>
    public SessionClientInfo(string? ipAddress, string? userAgent, string? deviceLabel = null)
    {
        IpAddress = Cut(ipAddress, MaxIpAddressLength);
        UserAgent = Cut(userAgent, MaxUserAgentLength);
        DeviceLabel = Cut(deviceLabel, MaxDeviceLabelLength);
    }

    /// <summary>The client's IP address, or null when unknown.</summary>
    public string? IpAddress { get; }

    /// <summary>The client's user agent, or null when unknown.</summary>
    public string? UserAgent { get; }

    /// <summary>A label the user gave the device, or null.</summary>
    public string? DeviceLabel { get; }

    /// <summary>The number of UTF-16 characters held, used by stores to account memory.</summary>
    internal int CharCount => (IpAddress?.Length ?? 0) + (UserAgent?.Length ?? 0) + (DeviceLabel?.Length ?? 0);

    private static string? Cut(string? value, int max) =>
        value is null || value.Length <= max ? value
        // Never cut a surrogate pair in half: that would leave text that cannot be encoded as UTF-8.
        : char.IsHighSurrogate(value[max - 1]) ? value[..(max - 1)] : value[..max];
}
