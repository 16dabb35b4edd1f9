using Microsoft.AspNetCore.Authentication;
using Tessera.AspNetCore;
using Tessera.AspNetCore.Authentication;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the Tessera scheme to ASP.NET Core authentication.</summary>
public static class TesseraAuthenticationBuilderExtensions
{
    /// <summary>Adds the Tessera authentication scheme (<see cref="TesseraDefaults.AuthenticationScheme"/>).</summary>
    public static AuthenticationBuilder AddTessera(this AuthenticationBuilder builder, Action<TesseraAuthenticationOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddScheme<TesseraAuthenticationOptions, TesseraAuthenticationHandler>(TesseraDefaults.AuthenticationScheme, configure);
    }
}
