namespace Tessera.AspNetCore;

/// <summary>Login throttling (fixed windows, per client IP and per user name). Binds from <c>Tessera:LoginLimits</c>.</summary>
public sealed class TesseraLoginLimitOptions
{
    /// <summary>Login attempts one client IP may make per <see cref="Window"/>. Default: 20; 0 turns the limit off.</summary>
    public int PerClient { get; set; } = 20;

    /// <summary>Login attempts for one user name per <see cref="Window"/>, from anywhere. Default: 5; 0 turns the limit off.</summary>
    public int PerUser { get; set; } = 5;

    /// <summary>The window. Default: 1 minute.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}
