namespace Tessera.AspNetCore.Authentication;

/// <summary>The verdict on a cookie-authenticated request. Values are stable.</summary>
public enum CsrfResult
{
    /// <summary>A safe method (GET, HEAD, OPTIONS, TRACE), or an unsafe one with a same-origin source and the session's CSRF token.</summary>
    Passed = 0,

    /// <summary>Neither <c>Sec-Fetch-Site: same-origin</c> nor an <c>Origin</c> of this site or a trusted one.</summary>
    CrossOrigin = 1,

    /// <summary>The CSRF header is missing.</summary>
    TokenMissing = 2,

    /// <summary>The CSRF header does not carry this session's token (e.g. one stolen from another session).</summary>
    TokenInvalid = 3,
}
