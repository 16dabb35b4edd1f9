using Tessera.Tokens;

namespace Tessera.AspNetCore.Authentication;

/// <summary>
/// What the Tessera scheme found for the current request, in <c>HttpContext.Features</c> once the request is
/// authenticated by it.
/// </summary>
public interface ITesseraFeature
{
    /// <summary>The token service's verdict: claims and live session.</summary>
    AuthenticationResult Authentication { get; }

    /// <summary>How the token came.</summary>
    TesseraTransport Transport { get; }

    /// <summary>The request's session (also <c>HttpContext.Session</c>).</summary>
    TesseraSession Session { get; }
}

internal sealed class TesseraFeature(AuthenticationResult authentication, TesseraTransport transport, TesseraSession session) : ITesseraFeature
{
    public AuthenticationResult Authentication { get; } = authentication;

    public TesseraTransport Transport { get; } = transport;

    public TesseraSession Session { get; } = session;
}
