using System.Buffers.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Tessera.AspNetCore.Hosting;

/// <summary>Checks <see cref="TesseraOptions"/> once, at start-up, and reports every problem together.</summary>
internal sealed class TesseraOptionsValidation : IValidateOptions<TesseraOptions>
{
    public ValidateOptionsResult Validate(string? name, TesseraOptions options)
    {
        var problems = new List<string>(options.Tokens.GetProblems());
        if (options.SigningKey is null && options.HmacSecret is not null && DecodeSecret(options.HmacSecret) is not { Length: >= 32 })
        {
            problems.Add($"{nameof(TesseraOptions.HmacSecret)} must be base64url of at least 32 random bytes.");
        }

        if (options.CsrfSecret is not null && DecodeSecret(options.CsrfSecret) is not { Length: >= 32 })
        {
            problems.Add($"{nameof(TesseraOptions.CsrfSecret)} must be base64url of at least 32 random bytes.");
        }

        if (options.Cookies.SameSite == SameSiteMode.None)
        {
            problems.Add("Cookies:SameSite must be Lax or Strict (None would send the session cookies with cross-site requests).");
        }

        if (string.IsNullOrWhiteSpace(options.Cookies.AccessCookieName) || string.IsNullOrWhiteSpace(options.Cookies.RefreshCookieName) || string.IsNullOrWhiteSpace(options.Cookies.CsrfHeaderName))
        {
            problems.Add("Cookie names and the CSRF header name must not be empty.");
        }

        if (options.LoginLimits.PerClient < 0 || options.LoginLimits.PerUser < 0 || options.LoginLimits.Window <= TimeSpan.Zero)
        {
            problems.Add("LoginLimits: PerClient and PerUser must not be negative, and Window must be positive.");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail("Invalid Tessera options: " + string.Join(" ", problems));
    }

    /// <summary>Decodes a configured secret; null when it is not base64url.</summary>
    public static byte[]? DecodeSecret(string text)
    {
        try
        {
            return Base64Url.DecodeFromChars(text.Trim());
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
