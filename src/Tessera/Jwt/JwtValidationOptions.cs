using System.Text;

namespace Tessera.Jwt;

/// <summary>
/// What <see cref="JwtValidator"/> accepts. Read once, when the validator is created: later changes to
/// this object do not affect an existing validator.
/// </summary>
/// <remarks>
/// The defaults fail closed: issuer and audience are checked, and a validator cannot be created until
/// accepted values are configured or the check is switched off explicitly.
/// </remarks>
public sealed class JwtValidationOptions
{
    /// <summary>Default for <see cref="MaxTokenLength"/>: 8192 characters.</summary>
    public const int DefaultMaxTokenLength = 8192;

    /// <summary>An accepted issuer (<c>iss</c>), in addition to <see cref="ValidIssuers"/>. Default: null.</summary>
    public string? ValidIssuer { get; set; }

    /// <summary>Accepted issuers; compared exactly (ordinal, case-sensitive). Default: empty.</summary>
    public IList<string> ValidIssuers { get; } = [];

    /// <summary>
    /// Whether <c>iss</c> must be one of the accepted issuers. Default: true, which requires at least one
    /// accepted issuer. Set false only when the key alone identifies the issuer.
    /// </summary>
    public bool ValidateIssuer { get; set; } = true;

    /// <summary>An accepted audience, in addition to <see cref="ValidAudiences"/>. Default: null.</summary>
    public string? ValidAudience { get; set; }

    /// <summary>
    /// Accepted audiences; the token passes when its <c>aud</c> (a string or an array of strings) holds at
    /// least one of them, compared exactly. Default: empty.
    /// </summary>
    public IList<string> ValidAudiences { get; } = [];

    /// <summary>Whether <c>aud</c> must name an accepted audience. Default: true, which requires at least one.</summary>
    public bool ValidateAudience { get; set; } = true;

    /// <summary>
    /// Accepted header <c>typ</c> values, compared as RFC 7515 §4.1.9 says: ASCII case-insensitively and
    /// with an optional <c>application/</c> prefix. Empty (the default) accepts any <c>typ</c> or none. Set it
    /// to <see cref="JwtTypes.AccessToken"/> so that ID tokens and other JWT kinds cannot pass as access tokens.
    /// </summary>
    public IList<string> ValidTypes { get; } = [];

    /// <summary>
    /// Claims that must be present (any JSON value, including null), such as <c>sub</c> or <c>sid</c>. Default: empty.
    /// </summary>
    public IList<string> RequiredClaims { get; } = [];

    /// <summary>Whether tokens without <c>exp</c> are rejected. Default: true.</summary>
    public bool RequireExpirationTime { get; set; } = true;

    /// <summary>
    /// Tolerance for clock differences between issuer and validator, applied to <c>exp</c>, <c>nbf</c> and
    /// <c>iat</c>. Default: 30 seconds. Must be between zero and five minutes.
    /// </summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Longest token accepted, in characters; longer tokens are refused before any decoding.
    /// Default: <see cref="DefaultMaxTokenLength"/>. Must be between 16 and 1,048,576.
    /// </summary>
    public int MaxTokenLength { get; set; } = DefaultMaxTokenLength;

    /// <summary>Every configuration problem, empty when the options are usable.</summary>
    internal List<string> GetProblems()
    {
        var problems = new List<string>();
        if (ValidateIssuer && AllIssuers().Count == 0)
        {
            problems.Add($"No issuer is accepted: set {nameof(ValidIssuer)} or {nameof(ValidIssuers)}, or set {nameof(ValidateIssuer)} to false.");
        }

        if (ValidateAudience && AllAudiences().Count == 0)
        {
            problems.Add($"No audience is accepted: set {nameof(ValidAudience)} or {nameof(ValidAudiences)}, or set {nameof(ValidateAudience)} to false.");
        }

        if (AllIssuers().Any(string.IsNullOrEmpty) || AllAudiences().Any(string.IsNullOrEmpty))
        {
            problems.Add("Accepted issuers and audiences must not be empty strings.");
        }

        if (ValidTypes.Any(t => t is null || NormalizeType(t) is not { Length: > 0 and <= 64 } type || !Ascii.IsValid(type)))
        {
            problems.Add($"{nameof(ValidTypes)} entries must be ASCII media types of 1 to 64 characters (after an optional \"application/\").");
        }

        if (RequiredClaims.Any(string.IsNullOrEmpty))
        {
            problems.Add($"{nameof(RequiredClaims)} must not contain empty names.");
        }

        if (RequiredClaims.Count > 64)
        {
            problems.Add($"{nameof(RequiredClaims)} is limited to 64 names.");
        }

        if (ClockSkew < TimeSpan.Zero || ClockSkew > TimeSpan.FromMinutes(5))
        {
            problems.Add($"{nameof(ClockSkew)} must be between 00:00:00 and 00:05:00; got {ClockSkew}.");
        }

        if (MaxTokenLength is < 16 or > 1_048_576)
        {
            problems.Add($"{nameof(MaxTokenLength)} must be between 16 and 1048576; got {MaxTokenLength}.");
        }

        return problems;
    }

    /// <summary>A <c>typ</c> value without surrounding spaces or its optional <c>application/</c> prefix (RFC 7515 §4.1.9).</summary>
    internal static string NormalizeType(string type)
    {
        type = type.Trim();
        return type.StartsWith("application/", StringComparison.OrdinalIgnoreCase) ? type["application/".Length..] : type;
    }

    internal List<string> AllIssuers() => Union(ValidIssuer, ValidIssuers);

    internal List<string> AllAudiences() => Union(ValidAudience, ValidAudiences);

    private static List<string> Union(string? single, IList<string> many)
    {
        var all = new List<string>(many);
        if (single is not null && !all.Contains(single, StringComparer.Ordinal))
        {
            all.Add(single);
        }

        return all;
    }
}
