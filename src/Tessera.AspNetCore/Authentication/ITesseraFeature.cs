using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Tessera.Sessions;
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

/// <summary>
/// The one per-request object of the scheme: the feature itself and ASP.NET Core's <see cref="ISessionFeature"/>. The
/// session object is made on first use, so requests that never touch <c>HttpContext.Session</c> do not pay for it.
/// </summary>
internal sealed class TesseraFeature(ISessionStore store, AuthenticationResult authentication, TesseraTransport transport) : ITesseraFeature, ISessionFeature
{
    private TesseraSession? _session;
    private ISession? _replaced;

    public AuthenticationResult Authentication { get; } = authentication;

    public TesseraTransport Transport { get; } = transport;

    public TesseraSession Session => _session ??= new TesseraSession(store, Authentication.SessionId!, Authentication.UserId!, Authentication.Session!.Data);

    // Another middleware (UseSession) may set its own; then HttpContext.Session is that one, and ITesseraFeature.Session still ours.
    ISession ISessionFeature.Session
    {
        get => _replaced ?? Session;
        set => _replaced = value;
    }
}
