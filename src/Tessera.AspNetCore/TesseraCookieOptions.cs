using Microsoft.AspNetCore.Http;

namespace Tessera.AspNetCore;

/// <summary>How cookie mode (<c>POST /auth/login?mode=cookie</c>) stores tokens in the browser. Binds from <c>Tessera:Cookies</c>.</summary>
/// <remarks>Both cookies are always <c>HttpOnly</c> and <c>Secure</c> (their name prefixes demand it), so scripts
/// never read the tokens; browsers keep <c>Secure</c> cookies on <c>http://localhost</c> too.</remarks>
public sealed class TesseraCookieOptions
{
    /// <summary>Whether cookie mode is offered at all. Default: true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The <c>SameSite</c> attribute of both cookies. Default: <see cref="SameSiteMode.Lax"/>; use
    /// <see cref="SameSiteMode.Strict"/> for admin surfaces. <see cref="SameSiteMode.None"/> is refused.</summary>
    public SameSiteMode SameSite { get; set; } = SameSiteMode.Lax;

    /// <summary>The name of the access-token cookie. Default: <see cref="TesseraDefaults.AccessCookieName"/>.</summary>
    public string AccessCookieName { get; set; } = TesseraDefaults.AccessCookieName;

    /// <summary>The name of the refresh-token cookie. Default: <see cref="TesseraDefaults.RefreshCookieName"/>.</summary>
    public string RefreshCookieName { get; set; } = TesseraDefaults.RefreshCookieName;

    /// <summary>The CSRF request header, named in the cookie-mode login response. Default: <see cref="TesseraDefaults.CsrfHeaderName"/>.</summary>
    public string CsrfHeaderName { get; set; } = TesseraDefaults.CsrfHeaderName;

    /// <summary>
    /// Origins besides the request's own (<c>scheme://host[:port]</c>) that may send cookie-authenticated unsafe
    /// requests, e.g. a front end on another port during development. Default: none.
    /// </summary>
    public IList<string> TrustedOrigins { get; } = [];
}
