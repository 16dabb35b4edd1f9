namespace Tessera.Server;

/// <summary>The server's own log messages, with stable event ids. Never passwords, tokens or keys.</summary>
internal static partial class ServerLog
{
    [LoggerMessage(100, LogLevel.Information, "Created the first admin user '{User}'.")]
    public static partial void FirstAdminCreated(ILogger logger, string user);
}
