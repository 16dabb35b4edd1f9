using System.Text;
using System.Text.Json;

namespace Tessera.Jwt;

/// <content>The JOSE header: algorithm, key id, type and the members that must be refused.</content>
public sealed partial class JwtValidator
{
    /// <summary>
    /// Reads the header. Structural problems win over semantic ones: a header that is not strict JSON is
    /// <see cref="JwtError.Malformed"/> whatever else it says.
    /// </summary>
    private JwtError ReadHeader(
        ReadOnlySpan<byte> json, ref JsonMemberGuard guard, Span<byte> keyId, out JwtAlgorithmInfo? algorithm, out int keyIdLength)
    {
        algorithm = null;
        keyIdLength = -1;
        JwtError semantic = JwtError.None;
        bool typeSeen = false;
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
                switch (member)
                {
                    case HeaderMember.Algorithm:
                        algorithm = ReadAlgorithm(ref reader);
                        if (algorithm is null)
                        {
                            Note(ref semantic, JwtError.AlgorithmNotAllowed);
                        }

                        break;

                    case HeaderMember.KeyId:
                        if (reader.TokenType != JsonTokenType.String)
                        {
                            return JwtError.Malformed;
                        }

                        // A kid longer than any configured one simply matches nothing.
                        if (!JsonMemberGuard.TryUnescape(ref reader, keyId, out keyIdLength))
                        {
                            keyIdLength = JwtKeySet.MaxKeyIdBytes + 1;
                            Note(ref semantic, JwtError.KeyNotFound);
                        }

                        break;

                    case HeaderMember.Type:
                        if (reader.TokenType != JsonTokenType.String)
                        {
                            return JwtError.Malformed;
                        }

                        typeSeen = true;
                        if (_types.Length > 0 && !IsAcceptedType(ref reader))
                        {
                            Note(ref semantic, JwtError.TypeInvalid);
                        }

                        break;

                    case HeaderMember.Critical:
                        // RFC 7515 §4.1.11: a recipient must reject extensions it does not understand; we understand none.
                        Note(ref semantic, JwtError.UnsupportedHeader);
                        break;

                    case HeaderMember.Base64:
                        // RFC 7797: b64 false means an unencoded payload, which changes what is signed. Refuse it.
                        if (reader.TokenType is not (JsonTokenType.True or JsonTokenType.False))
                        {
                            return JwtError.Malformed;
                        }

                        if (reader.TokenType == JsonTokenType.False)
                        {
                            Note(ref semantic, JwtError.UnsupportedHeader);
                        }

                        break;

                    case HeaderMember.Refused:
                        // zip (compression) and enc belong to JWE; a JWS carrying them is a confused or hostile token.
                        Note(ref semantic, JwtError.UnsupportedHeader);
                        break;

                    case HeaderMember.ContentType:
                        if (reader.TokenType != JsonTokenType.String)
                        {
                            return JwtError.Malformed;
                        }

                        // RFC 7519 §5.2: cty "JWT" marks a nested token, which this validator does not unwrap.
                        if (IsNestedJwt(ref reader))
                        {
                            Note(ref semantic, JwtError.UnsupportedHeader);
                        }

                        break;
                }

                // Other members (jwk, jku, x5u, x5c, x5t, private ones) are ignored, but still checked for shape.
                if (!guard.SkipValue(ref reader))
                {
                    return JwtError.Malformed;
                }
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

        if (semantic == JwtError.None && algorithm is null)
        {
            semantic = JwtError.AlgorithmNotAllowed;
        }

        if (semantic == JwtError.None && _types.Length > 0 && !typeSeen)
        {
            semantic = JwtError.TypeInvalid;
        }

        return semantic;
    }

    private static void Note(ref JwtError first, JwtError error)
    {
        if (first == JwtError.None)
        {
            first = error;
        }
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

    private static bool IsNestedJwt(ref Utf8JsonReader reader)
    {
        Span<byte> buffer = stackalloc byte[16];
        return JsonMemberGuard.TryUnescape(ref reader, buffer, out int length) && Ascii.EqualsIgnoreCase(buffer[..length], "JWT"u8);
    }

    /// <summary>RFC 7515 §4.1.9: compare ASCII case-insensitively, with "application/" optional.</summary>
    private bool IsAcceptedType(ref Utf8JsonReader reader)
    {
        Span<byte> buffer = stackalloc byte[64];
        if (!JsonMemberGuard.TryUnescape(ref reader, buffer, out int length))
        {
            return false;
        }

        ReadOnlySpan<byte> type = buffer[..length];
        if (type.Length > 12 && Ascii.EqualsIgnoreCase(type[..12], "application/"u8))
        {
            type = type[12..];
        }

        foreach (byte[] accepted in _types)
        {
            if (Ascii.EqualsIgnoreCase(type, accepted))
            {
                return true;
            }
        }

        return false;
    }

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
