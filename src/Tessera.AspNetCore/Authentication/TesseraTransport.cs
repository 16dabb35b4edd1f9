namespace Tessera.AspNetCore.Authentication;

/// <summary>How a request carried its access token. Values are stable.</summary>
public enum TesseraTransport
{
    /// <summary><c>Authorization: Bearer</c>.</summary>
    Bearer = 0,

    /// <summary>The HttpOnly access-token cookie of cookie mode (unsafe methods need CSRF proof).</summary>
    Cookie = 1,
}
