using Tessera.Jwt;
using Tessera.Tokens;

namespace Tessera.AspNetCore;

/// <summary>
/// Everything <c>services.AddTessera(...)</c> configures: the token service's lifetimes and names
/// (<see cref="Tokens"/>), the signing key, cookie mode and login throttling.
/// </summary>
/// <remarks>
/// <para>Binds from the configuration section <c>Tessera</c>; the token settings sit directly in it
/// (<c>Tessera:IdleTimeout</c>, <c>Tessera__AccessTokenLifetime</c>), the rest in sub-sections
/// (<c>Tessera:Cookies:SameSite</c>, <c>Tessera:LoginLimits:PerUser</c>). Checked once at start-up: the first
/// resolution throws one <see cref="Microsoft.Extensions.Options.OptionsValidationException"/> listing every problem.</para>
/// <para>Keys: set <see cref="SigningKey"/> in code, or <see cref="HmacSecret"/> in configuration for a single
/// service that both issues and checks tokens. With neither, a new ES256 key is generated at start-up: tokens then
/// die with the process and are not shared between nodes (a warning is logged).</para>
/// </remarks>
public sealed class TesseraOptions
{
    /// <summary>Lifetimes, issuer, audience and the authenticate-path settings (see <see cref="SessionTokenOptions"/>).</summary>
    public SessionTokenOptions Tokens { get; } = new();

    /// <summary>The key that signs access tokens (with a <c>kid</c>). Default: null (see remarks).</summary>
    public JwtKey? SigningKey { get; set; }

    /// <summary>Further keys that verify tokens (the previous key during a rotation). Default: none.</summary>
    public IList<JwtKey> ValidationKeys { get; } = [];

    /// <summary>An HS256 secret as base64url, at least 32 bytes, used when <see cref="SigningKey"/> is null. Default: null.
    /// Keep it in a secret store, never in a committed file.</summary>
    public string? HmacSecret { get; set; }

    /// <summary>
    /// The secret that binds CSRF tokens to sessions, as base64url (at least 32 bytes). Default: null, meaning a
    /// random one per process; set it when several nodes serve one cookie session.
    /// </summary>
    public string? CsrfSecret { get; set; }

    /// <summary>Cookie mode and CSRF.</summary>
    public TesseraCookieOptions Cookies { get; } = new();

    /// <summary>Login throttling.</summary>
    public TesseraLoginLimitOptions LoginLimits { get; } = new();
}
