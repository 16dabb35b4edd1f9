namespace Tessera.Server;

/// <summary>The server's own log messages, with stable event ids. Never passwords, tokens or keys.</summary>
internal static partial class ServerLog
{
    [LoggerMessage(100, LogLevel.Information, "Created the first admin user '{User}'.")]
    public static partial void FirstAdminCreated(ILogger logger, string user);

    [LoggerMessage(101, LogLevel.Information, "Signing keys changed: '{SigningKeyId}' signs; {Count} keys verify ({KeyIds}).")]
    public static partial void SigningKeysChanged(ILogger logger, string signingKeyId, int count, string keyIds);

    [LoggerMessage(102, LogLevel.Warning, "Could not read the signing keys from {Store}; the current ones stay in use until the next try.")]
    public static partial void SigningKeysRefreshFailed(ILogger logger, Exception exception, string store);
}
