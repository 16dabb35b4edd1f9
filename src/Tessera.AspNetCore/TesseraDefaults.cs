namespace Tessera.AspNetCore;

/// <summary>The names and constants the ASP.NET Core integration uses, in one place.</summary>
public static class TesseraDefaults
{
    /// <summary>The authentication scheme name: <c>Tessera</c>.</summary>
    public const string AuthenticationScheme = "Tessera";

    /// <summary>The configuration section the options bind from: <c>Tessera</c> (environment variables <c>Tessera__…</c>).</summary>
    public const string ConfigurationSection = "Tessera";

    /// <summary>The cookie that carries the access token in cookie mode. The <c>__Host-</c> prefix makes browsers
    /// insist on <c>Secure</c>, <c>Path=/</c> and no <c>Domain</c>.</summary>
    public const string AccessCookieName = "__Host-tessera-access";

    /// <summary>The cookie that carries the refresh token in cookie mode, sent only to the refresh path. The
    /// <c>__Secure-</c> prefix makes browsers insist on <c>Secure</c>.</summary>
    public const string RefreshCookieName = "__Secure-tessera-refresh";

    /// <summary>The request header that carries the CSRF token of a cookie session.</summary>
    public const string CsrfHeaderName = "X-CSRF-Token";

    /// <summary>The name of the rate-limiting partition family for logins (per client IP and per user name).</summary>
    public const string LoginRateLimiterName = "tessera-login";
}
