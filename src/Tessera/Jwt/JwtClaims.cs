using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Tessera.Jwt;

/// <summary>
/// The verified claims of a token, read typed without parsing JSON by hand: registered claims as
/// properties, private claims through <c>TryGet…</c> methods.
/// </summary>
/// <remarks>
/// <para>
/// Only tokens that passed every check produce an instance. The time claims are parsed during validation;
/// everything else is decoded from the token the first time a claim is read and kept for later reads, so a
/// request that only needs "is this token valid" pays nothing for claims it never looks at.
/// </para>
/// <para>Safe for concurrent reads.</para>
/// </remarks>
public sealed class JwtClaims
{
    private readonly string _token;
    private readonly int _firstDot;
    private readonly int _secondDot;
    private readonly ClaimTimes _times;
    // Boxed so that publishing a parsed element is one atomic reference write (JsonElement is a two-field struct).
    private StrongBox<JsonElement>? _payload;
    private StrongBox<JsonElement>? _header;
    private string? _sessionId;

    internal JwtClaims(string token, int firstDot, int secondDot, JwtKey key, ClaimTimes times, string? sessionId)
    {
        _sessionId = sessionId;
        _token = token;
        _firstDot = firstDot;
        _secondDot = secondDot;
        Key = key;
        _times = times;
    }

    /// <summary>The key that verified the signature.</summary>
    public JwtKey Key { get; }

    /// <summary>The signature algorithm (the header <c>alg</c>, which equals the key's).</summary>
    public JwtAlgorithm Algorithm => Key.Algorithm;

    /// <summary>The header <c>typ</c>, or null.</summary>
    public string? Type => HeaderString("typ");

    /// <summary>The header <c>kid</c>, or null when the token named no key.</summary>
    public string? KeyId => HeaderString("kid");

    /// <summary>The <c>iss</c> claim, or null.</summary>
    public string? Issuer => GetString("iss");

    /// <summary>The <c>sub</c> claim, or null.</summary>
    public string? Subject => GetString("sub");

    /// <summary>The <c>jti</c> claim, or null.</summary>
    public string? Id => GetString("jti");

    /// <summary>
    /// The <c>sid</c> claim (the session the token is bound to), or null. Validation refuses a non-string <c>sid</c>
    /// (<see cref="JwtError.InvalidClaim"/>); the token service's validator captures it during validation, so reading it
    /// there costs nothing more, and elsewhere it is decoded on first read like any other claim.
    /// </summary>
    public string? SessionId => _sessionId ??= GetString("sid");

    /// <summary>The <c>aud</c> claim as a list (one element when it was a string); empty when absent.</summary>
    public IReadOnlyList<string> Audiences => TryGetStringArray("aud", out string[]? values) ? values : [];

    /// <summary>The <c>exp</c> claim, or null.</summary>
    public DateTimeOffset? ExpiresAt => ClaimTimes.ToDateTimeOffset(_times.ExpiresAt);

    /// <summary>The <c>nbf</c> claim, or null.</summary>
    public DateTimeOffset? NotBefore => ClaimTimes.ToDateTimeOffset(_times.NotBefore);

    /// <summary>The <c>iat</c> claim, or null.</summary>
    public DateTimeOffset? IssuedAt => ClaimTimes.ToDateTimeOffset(_times.IssuedAt);

    /// <summary>The whole claims set as a JSON object. The element stays valid for the lifetime of this object.</summary>
    public JsonElement Payload => (_payload ??= Parse(_token.AsSpan(_firstDot + 1, _secondDot - _firstDot - 1))).Value;

    /// <summary>The JOSE header as a JSON object.</summary>
    public JsonElement Header => (_header ??= Parse(_token.AsSpan(0, _firstDot))).Value;

    /// <summary>The token these claims came from.</summary>
    public string Token => _token;

    /// <summary>True when the claims set has a member <paramref name="name"/> (of any value, null included).</summary>
    public bool Contains(string name) => Payload.TryGetProperty(name, out _);

    /// <summary>Reads a claim of any JSON type.</summary>
    public bool TryGetValue(string name, out JsonElement value) => Payload.TryGetProperty(name, out value);

    /// <summary>Reads a string claim; false when absent or not a string.</summary>
    public bool TryGetString(string name, [NotNullWhen(true)] out string? value)
    {
        value = TryGetValue(name, out JsonElement element) && element.ValueKind == JsonValueKind.String ? element.GetString() : null;
        return value is not null;
    }

    /// <summary>Reads a string claim, or null when absent or not a string.</summary>
    public string? GetString(string name) => TryGetString(name, out string? value) ? value : null;

    /// <summary>Reads an integer claim; false when absent, not a number, or not an integer in range.</summary>
    public bool TryGetInt64(string name, out long value)
    {
        value = 0;
        return TryGetValue(name, out JsonElement element) && element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out value);
    }

    /// <summary>Reads a number claim; false when absent or not a number.</summary>
    public bool TryGetDouble(string name, out double value)
    {
        value = 0;
        return TryGetValue(name, out JsonElement element) && element.ValueKind == JsonValueKind.Number && element.TryGetDouble(out value);
    }

    /// <summary>Reads a boolean claim; false when absent or not <c>true</c>/<c>false</c>.</summary>
    public bool TryGetBoolean(string name, out bool value)
    {
        value = false;
        if (!TryGetValue(name, out JsonElement element) || element.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            return false;
        }

        value = element.GetBoolean();
        return true;
    }

    /// <summary>
    /// Reads a claim that is an array of strings, or a single string (read as one element, as <c>aud</c>
    /// allows). False when absent, or when any element is not a string.
    /// </summary>
    public bool TryGetStringArray(string name, [NotNullWhen(true)] out string[]? values)
    {
        values = null;
        if (!TryGetValue(name, out JsonElement element))
        {
            return false;
        }

        if (element.ValueKind == JsonValueKind.String)
        {
            values = [element.GetString()!];
            return true;
        }

        if (element.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        var result = new string[element.GetArrayLength()];
        int i = 0;
        foreach (JsonElement item in element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                return false;
            }

            result[i++] = item.GetString()!;
        }

        values = result;
        return true;
    }

    /// <summary>Reads a claim of any shape into <typeparamref name="T"/> with source-generated metadata (trim- and AOT-safe).</summary>
    /// <returns>
    /// False when the claim is absent or does not convert to <typeparamref name="T"/>. A claim whose value is
    /// JSON <c>null</c> returns true with a default <paramref name="value"/>.
    /// </returns>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> cannot be deserialized at all (a programming error).</exception>
    public bool TryGet<T>(string name, JsonTypeInfo<T> typeInfo, out T? value)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        value = default;
        if (!TryGetValue(name, out JsonElement element))
        {
            return false;
        }

        try
        {
            value = element.Deserialize(typeInfo);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Reads a claim of any shape into <typeparamref name="T"/> with reflection-based serialization.</summary>
    /// <returns>False when the claim is absent or does not convert to <typeparamref name="T"/>.</returns>
    [RequiresUnreferencedCode("Reflection-based JSON serialization; use the JsonTypeInfo overload for trimmed apps.")]
    [RequiresDynamicCode("Reflection-based JSON serialization; use the JsonTypeInfo overload for AOT apps.")]
    public bool TryGet<T>(string name, out T? value)
    {
        value = default;
        if (!TryGetValue(name, out JsonElement element))
        {
            return false;
        }

        try
        {
            value = element.Deserialize<T>();
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private string? HeaderString(string name) =>
        Header.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static StrongBox<JsonElement> Parse(ReadOnlySpan<char> base64Url)
    {
        // Validation already proved this segment canonical, valid UTF-8 and strict JSON.
        byte[] json = new byte[Base64UrlStrict.DecodedLength(base64Url.Length)];
        Base64UrlStrict.DecodeCanonical(base64Url, json);
        var reader = new Utf8JsonReader(json, JsonMemberGuard.ReaderOptions);
        return new StrongBox<JsonElement>(JsonElement.ParseValue(ref reader));
    }
}
