using Microsoft.AspNetCore.Authentication;

namespace Tessera.AspNetCore.Authentication;

/// <summary>Options of the Tessera authentication scheme. The token settings live in <see cref="TesseraOptions"/>.</summary>
public sealed class TesseraAuthenticationOptions : AuthenticationSchemeOptions
{
    /// <summary>Whether the access-token cookie of cookie mode authenticates requests (when cookie mode is enabled). Default: true.</summary>
    public bool AcceptCookies { get; set; } = true;
}
