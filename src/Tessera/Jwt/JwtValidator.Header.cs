using System.Text;
using System.Text.Json;

namespace Tessera.Jwt;

/// <content>The JOSE header: algorithm, key id, type and the members that must be refused.</content>
public sealed partial class JwtValidator
{
    private const int MaxTypeBytes = 64;

    /// <summary>
    /// Reads the header. The verdict does not depend on member order: structure first (a header that is not
    /// strict JSON is <see cref="JwtError.Malformed"/> whatever else it says), then <c>alg</c>
    /// (<see cref="JwtError.AlgorithmNotAllowed"/>), then refused features (<see cref="JwtError.UnsupportedHeader"/>),
    /// then <c>typ</c> (<see cref="JwtError.TypeInvalid"/>).
    /// <c>keyIdLength</c> is -1 without <c>kid</c>, and greater than <c>keyId.Length</c> when the kid is too long to match any key.
    /// </summary>
    private JwtError ReadHeader(
        ReadOnlySpan<byte> json, ref JsonMemberGuard guard, Span<byte> keyId, out JwtAlgorithmInfo? algorithm, out int keyIdLength)
    {
        algorithm = null;
        keyIdLength = -1;
        bool unsupported = false, typeSeen = false, typeAccepted = false;
        var reader = new Utf8JsonReader(json, JsonMemberGuard.ReaderOptions);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return JwtError.Malformed;
            }

            guard.EnterObject();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (!guard.AddName(ref reader))
                {
                    return JwtError.Malformed;
                }

                HeaderMember member = IdentifyHeaderMember(ref reader);
                reader.Read();

                // Every string is checked (escapes decode to valid UTF-16) before anything compares it.
                if (!guard.SkipValue(ref reader))
                {
                    return JwtError.Malformed;
                }

                switch (member)
                {
                    case HeaderMember.Algorithm:
                        algorithm = ReadAlgorithm(ref reader);
                        break;

                    case HeaderMember.KeyId:
                        if (reader.TokenType != JsonTokenType.String)
                        {
                            return JwtError.Malformed;
                        }

                        // A kid longer than any key id can be simply matches no key.
                        if (!JsonMemberGuard.TryUnescape(ref reader, keyId, out keyIdLength))
                        {
                            keyIdLength = keyId.Length + 1;
                        }

                        break;

                    case HeaderMember.Type:
                        if (reader.TokenType != JsonTokenType.String)
                        {
                            return JwtError.Malformed;
                        }

                        typeSeen = true;
                        typeAccepted = _types.Length > 0 && IsAcceptedType(ref reader);
                        break;

                    case HeaderMember.Critical:
                        // RFC 7515 §4.1.11: a recipient must reject extensions it does not understand; we understand none.
                        unsupported = true;
                        break;

                    case HeaderMember.Base64:
                        // RFC 7797: b64 false means an unencoded payload, which changes what is signed. Refuse it.
                        if (reader.TokenType is not (JsonTokenType.True or JsonTokenType.False))
                        {
                            return JwtError.Malformed;
                        }

                        unsupported |= reader.TokenType == JsonTokenType.False;
                        break;

                    case HeaderMember.Refused:
                        // zip (compression) and enc belong to JWE; a JWS carrying them is a confused or hostile token.
                        unsupported = true;
                        break;

                    case HeaderMember.ContentType:
                        if (reader.TokenType != JsonTokenType.String)
                        {
                            return JwtError.Malformed;
                        }

                        // RFC 7519 §5.2: cty "JWT" marks a nested token, which this validator does not unwrap.
                        unsupported |= IsMediaType(ref reader, "JWT"u8);
                        break;
                }

                // Other members (jwk, jku, x5u, x5c, x5t, private ones) are ignored once their shape is checked.
            }

            if (reader.TokenType != JsonTokenType.EndObject || !guard.ExitObject() || reader.Read())
            {
                return JwtError.Malformed;
            }
        }
        catch (JsonException)
        {
            return JwtError.Malformed;
        }

        if (algorithm is null)
        {
            return JwtError.AlgorithmNotAllowed;
        }

        if (unsupported)
        {
            return JwtError.UnsupportedHeader;
        }

        return _types.Length > 0 && !(typeSeen && typeAccepted) ? JwtError.TypeInvalid : JwtError.None;
    }

    private static HeaderMember IdentifyHeaderMember(ref Utf8JsonReader reader)
    {
        if (reader.ValueTextEquals("alg"u8))
        {
            return HeaderMember.Algorithm;
        }

        if (reader.ValueTextEquals("kid"u8))
        {
            return HeaderMember.KeyId;
        }

        if (reader.ValueTextEquals("typ"u8))
        {
            return HeaderMember.Type;
        }

        if (reader.ValueTextEquals("crit"u8))
        {
            return HeaderMember.Critical;
        }

        if (reader.ValueTextEquals("b64"u8))
        {
            return HeaderMember.Base64;
        }

        if (reader.ValueTextEquals("cty"u8))
        {
            return HeaderMember.ContentType;
        }

        return reader.ValueTextEquals("zip"u8) || reader.ValueTextEquals("enc"u8) ? HeaderMember.Refused : HeaderMember.Other;
    }

    private static JwtAlgorithmInfo? ReadAlgorithm(ref Utf8JsonReader reader)
    {
        Span<byte> name = stackalloc byte[8];
        return reader.TokenType == JsonTokenType.String
            && JsonMemberGuard.TryUnescape(ref reader, name, out int length)
            && JwtAlgorithmInfo.TryGet(name[..length], out JwtAlgorithmInfo info)
            ? info
            : null;
    }

    private bool IsAcceptedType(ref Utf8JsonReader reader)
    {
        foreach (byte[] accepted in _types)
        {
            if (IsMediaType(ref reader, accepted))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Compares a <c>typ</c> or <c>cty</c> value as RFC 7515 §4.1.9–10 say: ASCII case-insensitively, with the
    /// <c>application/</c> prefix optional.
    /// </summary>
    private static bool IsMediaType(ref Utf8JsonReader reader, ReadOnlySpan<byte> expected)
    {
        Span<byte> buffer = stackalloc byte[MaxTypeBytes + 12];
        if (!JsonMemberGuard.TryUnescape(ref reader, buffer, out int length))
        {
            return false;
        }

        return Ascii.EqualsIgnoreCase(WithoutApplicationPrefix(buffer[..length]), expected);
    }

    private static ReadOnlySpan<byte> WithoutApplicationPrefix(ReadOnlySpan<byte> type) =>
        type.Length > 12 && Ascii.EqualsIgnoreCase(type[..12], "application/"u8) ? type[12..] : type;

    private enum HeaderMember
    {
        Other,
        Algorithm,
        KeyId,
        Type,
        Critical,
        Base64,
        ContentType,
        Refused,
    }
}
