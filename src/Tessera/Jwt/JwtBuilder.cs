using System.Text.Json;

namespace Tessera.Jwt;

/// <summary>
/// Collects the claims of a token to be signed by <see cref="JwtSigner"/>: registered claims through their
/// own methods, private claims of any JSON type through <c>Claim</c>.
/// </summary>
/// <remarks>
/// Each name appears at most once in the output: setting a claim again replaces it. Registered names
/// (<c>iss</c>, <c>sub</c>, <c>aud</c>, <c>exp</c>, <c>nbf</c>, <c>iat</c>, <c>jti</c>) are refused by
/// <c>Claim</c> so that each has one typed way in. Times are written as whole seconds, rounded down.
/// Not thread-safe: build on one thread, then sign (a built instance may be signed concurrently).
/// </remarks>
public sealed class JwtBuilder
{
    private readonly List<KeyValuePair<string, ClaimValue>> _claims = [];
    private readonly List<string> _audiences = [];
    private string? _issuer;
    private string? _subject;
    private string? _id;
    private long? _expiresAt;
    private long? _notBefore;
    private long? _issuedAt;

    /// <summary>Sets <c>iss</c>.</summary>
    public JwtBuilder Issuer(string issuer) => Set(ref _issuer, issuer);

    /// <summary>Sets <c>sub</c>.</summary>
    public JwtBuilder Subject(string subject) => Set(ref _subject, subject);

    /// <summary>Sets <c>jti</c>.</summary>
    public JwtBuilder Id(string id) => Set(ref _id, id);

    /// <summary>Adds an audience. One audience is written as a string, several as an array (RFC 7519 §4.1.3).</summary>
    public JwtBuilder Audience(string audience)
    {
        ArgumentException.ThrowIfNullOrEmpty(audience);
        if (!_audiences.Contains(audience, StringComparer.Ordinal))
        {
            _audiences.Add(audience);
        }

        return this;
    }

    /// <summary>Sets <c>exp</c>.</summary>
    public JwtBuilder ExpiresAt(DateTimeOffset time) => SetTime(ref _expiresAt, time);

    /// <summary>Sets <c>nbf</c>.</summary>
    public JwtBuilder NotBefore(DateTimeOffset time) => SetTime(ref _notBefore, time);

    /// <summary>Sets <c>iat</c>.</summary>
    public JwtBuilder IssuedAt(DateTimeOffset time) => SetTime(ref _issuedAt, time);

    /// <summary>Sets a string claim; null writes JSON <c>null</c>.</summary>
    public JwtBuilder Claim(string name, string? value) => Add(name, new ClaimValue(value));

    /// <summary>Sets an integer claim.</summary>
    public JwtBuilder Claim(string name, long value) => Add(name, new ClaimValue(value));

    /// <summary>Sets a number claim. It must be finite: JSON has no NaN or infinity.</summary>
    public JwtBuilder Claim(string name, double value)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), "JSON numbers must be finite.");
        }

        return Add(name, new ClaimValue(value));
    }

    /// <summary>Sets a boolean claim.</summary>
    public JwtBuilder Claim(string name, bool value) => Add(name, new ClaimValue(value));

    /// <summary>Sets a claim that is an array of strings (e.g. roles). The values are copied.</summary>
    public JwtBuilder Claim(string name, IEnumerable<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        string[] copy = [.. values];
        if (Array.Exists(copy, v => v is null))
        {
            throw new ArgumentException("Array claims cannot hold null strings.", nameof(values));
        }

        return Add(name, new ClaimValue(copy));
    }

    /// <summary>Sets a claim of any JSON shape (object, array, number, ...). The element is cloned.</summary>
    public JwtBuilder Claim(string name, JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Undefined)
        {
            throw new ArgumentException("The JSON element has no value.", nameof(value));
        }

        return Add(name, new ClaimValue(value.Clone()));
    }

    /// <summary>Writes the claims set as a JSON object: registered claims first, then private ones in insertion order.</summary>
    internal void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        WriteIfSet(writer, "iss", _issuer);
        WriteIfSet(writer, "sub", _subject);
        if (_audiences.Count == 1)
        {
            writer.WriteString("aud", _audiences[0]);
        }
        else if (_audiences.Count > 1)
        {
            writer.WriteStartArray("aud");
            foreach (string audience in _audiences)
            {
                writer.WriteStringValue(audience);
            }

            writer.WriteEndArray();
        }

        WriteIfSet(writer, "exp", _expiresAt);
        WriteIfSet(writer, "nbf", _notBefore);
        WriteIfSet(writer, "iat", _issuedAt);
        WriteIfSet(writer, "jti", _id);
        foreach (KeyValuePair<string, ClaimValue> claim in _claims)
        {
            writer.WritePropertyName(claim.Key);
            claim.Value.WriteTo(writer);
        }

        writer.WriteEndObject();
    }

    private static void WriteIfSet(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static void WriteIfSet(Utf8JsonWriter writer, string name, long? value)
    {
        if (value is long seconds)
        {
            writer.WriteNumber(name, seconds);
        }
    }

    private JwtBuilder Set(ref string? field, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(value);
        field = value;
        return this;
    }

    private JwtBuilder SetTime(ref long? field, DateTimeOffset time)
    {
        field = time.ToUnixTimeSeconds() >= 0
            ? time.ToUnixTimeSeconds()
            : throw new ArgumentOutOfRangeException(nameof(time), "NumericDate values before 1970 are not written.");
        return this;
    }

    private JwtBuilder Add(string name, ClaimValue value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name is "iss" or "sub" or "aud" or "exp" or "nbf" or "iat" or "jti")
        {
            throw new ArgumentException($"\"{name}\" is a registered claim; set it with its own method.", nameof(name));
        }

        int index = _claims.FindIndex(c => string.Equals(c.Key, name, StringComparison.Ordinal));
        if (index >= 0)
        {
            _claims[index] = new(name, value);
        }
        else
        {
            _claims.Add(new(name, value));
        }

        return this;
    }

    /// <summary>One private claim value; a small union so common types need no JSON round trip.</summary>
    private readonly struct ClaimValue
    {
        private readonly object? _reference;   // string, string[] or JsonElement (boxed)
        private readonly double _number;
        private readonly long _integer;
        private readonly Kind _kind;

        public ClaimValue(string? value) => (_reference, _kind) = (value, value is null ? Kind.Null : Kind.String);

        public ClaimValue(long value) => (_integer, _kind) = (value, Kind.Integer);

        public ClaimValue(double value) => (_number, _kind) = (value, Kind.Number);

        public ClaimValue(bool value) => _kind = value ? Kind.True : Kind.False;

        public ClaimValue(string[] values) => (_reference, _kind) = (values, Kind.StringArray);

        public ClaimValue(JsonElement value) => (_reference, _kind) = (value, Kind.Json);

        public void WriteTo(Utf8JsonWriter writer)
        {
            switch (_kind)
            {
                case Kind.Null: writer.WriteNullValue(); break;
                case Kind.String: writer.WriteStringValue((string)_reference!); break;
                case Kind.Integer: writer.WriteNumberValue(_integer); break;
                case Kind.Number: writer.WriteNumberValue(_number); break;
                case Kind.True: writer.WriteBooleanValue(true); break;
                case Kind.False: writer.WriteBooleanValue(false); break;
                case Kind.StringArray:
                    writer.WriteStartArray();
                    foreach (string value in (string[])_reference!)
                    {
                        writer.WriteStringValue(value);
                    }

                    writer.WriteEndArray();
                    break;
                default: ((JsonElement)_reference!).WriteTo(writer); break;
            }
        }

        private enum Kind
        {
            Null,
            String,
            Integer,
            Number,
            True,
            False,
            StringArray,
            Json,
        }
    }
}
