using Microsoft.Extensions.Logging;

namespace Tessera.AspNetCore;

/// <summary>Every log message of the integration, with stable event ids. Session ids only; never tokens or secrets.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Warning, "No signing key configured: generated an ephemeral ES256 key '{KeyId}'. Tokens will not survive a restart and are not shared between nodes; set Tessera:HmacSecret or TesseraOptions.SigningKey.")]
    public static partial void EphemeralSigningKey(ILogger logger, string? keyId);

    [LoggerMessage(2, LogLevel.Information, "Refused a cookie-authenticated {Method} request to {Path}: {Reason}.")]
    public static partial void CsrfRefused(ILogger logger, string method, string path, string reason);

    [LoggerMessage(3, LogLevel.Information, "Access token refused: {Error}.")]
    public static partial void TokenRefused(ILogger logger, string error);

    [LoggerMessage(4, LogLevel.Information, "Login throttled ({Partition}).")]
    public static partial void LoginThrottled(ILogger logger, string partition);

    [LoggerMessage(5, LogLevel.Information, "Sign-in failed: {Error}.")]
    public static partial void SignInFailed(ILogger logger, string error);

    [LoggerMessage(6, LogLevel.Information, "Signed in: session {SessionId}.")]
    public static partial void SignedIn(ILogger logger, string sessionId);

    [LoggerMessage(7, LogLevel.Information, "Refresh refused: {Error}.")]
    public static partial void RefreshRefused(ILogger logger, string error);
}
