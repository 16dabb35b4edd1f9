using Tessera.AspNetCore;
using Tessera.AspNetCore.Authentication;

namespace Microsoft.AspNetCore.Http;

/// <summary>Access to the Tessera session of a request.</summary>
public static class TesseraHttpContextExtensions
{
    /// <summary>The token-bound session of a request authenticated by the Tessera scheme, or null.</summary>
    public static TesseraSession? GetTesseraSession(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Features.Get<ITesseraFeature>()?.Session;
    }

    /// <summary>What the Tessera scheme found for the request (claims, session, transport), or null.</summary>
    public static ITesseraFeature? GetTesseraFeature(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Features.Get<ITesseraFeature>();
    }
}
