using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Tessera.AspNetCore.Hosting;

namespace Tessera.AspNetCore.Authentication;

/// <summary>
/// CSRF defence for cookie mode: unsafe methods need a same-origin source (<c>Sec-Fetch-Site</c>, else
/// <c>Origin</c>) and a token bound to the session — HMAC-SHA256 of the session id under a server secret — in the
/// configured header, compared in constant time. Bearer requests need none: a browser never adds that header by
/// itself. Thread-safe.
/// </summary>
internal sealed class CsrfProtection
{
    private const int TokenBytes = 32;
    private readonly byte[] _secret;
    private readonly TesseraCookieOptions _cookies;
    private readonly HashSet<string> _trustedOrigins;

    public CsrfProtection(IOptions<TesseraOptions> options)
    {
        TesseraOptions value = options.Value;
        _secret = value.CsrfSecret is { } configured ? TesseraOptionsValidation.DecodeSecret(configured)! : RandomNumberGenerator.GetBytes(32);
        _cookies = value.Cookies;
        _trustedOrigins = new HashSet<string>(value.Cookies.TrustedOrigins.Select(o => o.TrimEnd('/')), StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The header the client sends the token in.</summary>
    public string HeaderName => _cookies.CsrfHeaderName;

    /// <summary>The CSRF token of a session.</summary>
    public string TokenFor(string sessionId)
    {
        Span<byte> mac = stackalloc byte[TokenBytes];
        Compute(sessionId, mac);
        return Base64Url.EncodeToString(mac);
    }

    /// <summary>Judges a cookie-authenticated request of session <paramref name="sessionId"/>.</summary>
    public CsrfResult Check(HttpRequest request, string sessionId)
    {
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method) || HttpMethods.IsTrace(request.Method))
        {
            return CsrfResult.Passed;
        }

        if (!IsSameOrigin(request))
        {
            return CsrfResult.CrossOrigin;
        }

        string? presented = request.Headers[_cookies.CsrfHeaderName];
        if (string.IsNullOrEmpty(presented))
        {
            return CsrfResult.TokenMissing;
        }

        Span<byte> expected = stackalloc byte[TokenBytes];
        Compute(sessionId, expected);
        Span<byte> given = stackalloc byte[TokenBytes];
        bool decoded = presented.Length == 43 && Base64Url.TryDecodeFromChars(presented, given, out int written) && written == TokenBytes;
        return decoded && CryptographicOperations.FixedTimeEquals(expected, given) ? CsrfResult.Passed : CsrfResult.TokenInvalid;
    }

    /// <summary>True when the request comes from the app's own origin (or a trusted one), by fetch metadata or Origin.</summary>
    public bool IsSameOrigin(HttpRequest request)
    {
        // Fetch metadata first (every current browser sends it); Origin for the rest. Neither: refuse (fail closed).
        string? site = request.Headers["Sec-Fetch-Site"];
        if (!string.IsNullOrEmpty(site))
        {
            return string.Equals(site, "same-origin", StringComparison.OrdinalIgnoreCase)
                ? OriginAllowedOrAbsent(request)
                : request.Headers.Origin is { Count: > 0 } other && _trustedOrigins.Contains(other.ToString().TrimEnd('/'));
        }

        string? origin = request.Headers.Origin;
        return !string.IsNullOrEmpty(origin) && IsAllowedOrigin(request, origin);
    }

    private bool OriginAllowedOrAbsent(HttpRequest request)
    {
        string? origin = request.Headers.Origin;
        return string.IsNullOrEmpty(origin) || IsAllowedOrigin(request, origin);
    }

    private bool IsAllowedOrigin(HttpRequest request, string origin)
    {
        string own = request.Scheme + "://" + request.Host.Value;
        return string.Equals(origin.TrimEnd('/'), own, StringComparison.OrdinalIgnoreCase) || _trustedOrigins.Contains(origin.TrimEnd('/'));
    }

    private void Compute(string sessionId, Span<byte> destination)
    {
        byte[] input = Encoding.UTF8.GetBytes("tessera csrf v1\n" + sessionId);
        HMACSHA256.HashData(_secret, input, destination);
    }
}
