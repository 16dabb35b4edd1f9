using System.Text.Json;

namespace Tessera.Jwt;

/// <content>The JWT claims set: registered claim types, issuer, audience, required claims and lifetime.</content>
public sealed partial class JwtValidator
{
    /// <summary>
    /// Reads the claims set in one pass. Structural problems return <see cref="JwtError.Malformed"/> at once;
    /// claim problems are collected and judged by <see cref="CheckClaims"/> in a fixed order.
    /// </summary>
    private JwtError ReadPayload(ReadOnlySpan<byte> json, ref JsonMemberGuard guard, out ClaimTimes times)
    {
        long expires = ClaimTimes.Absent, notBefore = ClaimTimes.Absent, issuedAt = ClaimTimes.Absent;
        bool issuerAccepted = false, audienceAccepted = false, invalidClaim = false;
        ulong requiredSeen = 0;
        times = ClaimTimes.None;
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

                requiredSeen |= MatchRequired(ref reader);
                ClaimMember member = IdentifyClaim(ref reader);
                reader.Read();
                if (member == ClaimMember.Audience)
                {
                    // The shape walk below moves past arrays, so aud is read from a copy taken at its start.
                    Utf8JsonReader audience = reader;
                    if (!guard.SkipValue(ref reader))
                    {
                        return JwtError.Malformed;
                    }

                    invalidClaim |= !ReadAudience(ref audience, out audienceAccepted);
                    continue;
                }

                // Check the value's shape (and that every escape decodes) before anything compares it.
                if (!guard.SkipValue(ref reader))
                {
                    return JwtError.Malformed;
                }

                switch (member)
                {
                    case ClaimMember.ExpirationTime:
                        expires = ReadNumericDate(ref reader, roundUp: false);
                        invalidClaim |= expires == ClaimTimes.Absent;
                        break;
                    case ClaimMember.NotBefore:
                        notBefore = ReadNumericDate(ref reader, roundUp: true);
                        invalidClaim |= notBefore == ClaimTimes.Absent;
                        break;
                    case ClaimMember.IssuedAt:
                        issuedAt = ReadNumericDate(ref reader, roundUp: true);
                        invalidClaim |= issuedAt == ClaimTimes.Absent;
                        break;
                    case ClaimMember.Issuer:
                        invalidClaim |= reader.TokenType != JsonTokenType.String;
                        issuerAccepted = reader.TokenType == JsonTokenType.String && MatchesAny(ref reader, _issuers);
                        break;
                    case ClaimMember.String:
                        invalidClaim |= reader.TokenType != JsonTokenType.String;
                        break;
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

        times = new ClaimTimes(expires, notBefore, issuedAt);
        return CheckClaims(times, issuerAccepted, audienceAccepted, invalidClaim, requiredSeen);
    }

    /// <summary>
    /// The order is part of the contract: wrong types, missing claims, issuer, audience, then time — so a
    /// token for another audience reports that, not <see cref="JwtError.Expired"/> (which invites a refresh).
    /// </summary>
    private JwtError CheckClaims(ClaimTimes times, bool issuerAccepted, bool audienceAccepted, bool invalidClaim, ulong requiredSeen)
    {
        if (invalidClaim)
        {
            return JwtError.InvalidClaim;
        }

        ulong allRequired = _requiredClaims.Length == 64 ? ulong.MaxValue : (1UL << _requiredClaims.Length) - 1;
        if (requiredSeen != allRequired || (_requireExpiration && times.ExpiresAt == ClaimTimes.Absent))
        {
            return JwtError.ClaimMissing;
        }

        if (_validateIssuer && !issuerAccepted)
        {
            return JwtError.IssuerInvalid;
        }

        if (_validateAudience && !audienceAccepted)
        {
            return JwtError.AudienceInvalid;
        }

        // RFC 7519 §4.1.4: valid only *before* exp; with skew, expired once now >= exp + skew.
        long now = _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        if (times.ExpiresAt != ClaimTimes.Absent && now >= times.ExpiresAt + _skewMilliseconds)
        {
            return JwtError.Expired;
        }

        // RFC 7519 §4.1.5: valid from nbf on; with skew, not yet valid while now < nbf - skew.
        // An iat in the future (beyond skew) is refused the same way: no issuer mints tokens from the future.
        if ((times.NotBefore != ClaimTimes.Absent && now + _skewMilliseconds < times.NotBefore)
            || (times.IssuedAt != ClaimTimes.Absent && now + _skewMilliseconds < times.IssuedAt))
        {
            return JwtError.NotYetValid;
        }

        return JwtError.None;
    }

    private ulong MatchRequired(ref Utf8JsonReader reader)
    {
        ulong bits = 0;
        for (int i = 0; i < _requiredClaims.Length; i++)
        {
            if (reader.ValueTextEquals(_requiredClaims[i]))
            {
                bits |= 1UL << i;
            }
        }

        return bits;
    }

    private static ClaimMember IdentifyClaim(ref Utf8JsonReader reader)
    {
        // Every registered name is three ASCII letters: compare unescaped names as one packed integer.
        if (!reader.ValueIsEscaped)
        {
            ReadOnlySpan<byte> name = reader.ValueSpan;
            return name.Length != 3 ? ClaimMember.Other : (name[0] | (name[1] << 8) | (name[2] << 16)) switch
            {
                'e' | ('x' << 8) | ('p' << 16) => ClaimMember.ExpirationTime,
                'n' | ('b' << 8) | ('f' << 16) => ClaimMember.NotBefore,
                'i' | ('a' << 8) | ('t' << 16) => ClaimMember.IssuedAt,
                'i' | ('s' << 8) | ('s' << 16) => ClaimMember.Issuer,
                'a' | ('u' << 8) | ('d' << 16) => ClaimMember.Audience,
                's' | ('u' << 8) | ('b' << 16) or 'j' | ('t' << 8) | ('i' << 16) => ClaimMember.String,
                _ => ClaimMember.Other,
            };
        }

        // Escaped names are rare; compare them after unescaping.
        return reader.ValueTextEquals("exp"u8) ? ClaimMember.ExpirationTime
            : reader.ValueTextEquals("nbf"u8) ? ClaimMember.NotBefore
            : reader.ValueTextEquals("iat"u8) ? ClaimMember.IssuedAt
            : reader.ValueTextEquals("iss"u8) ? ClaimMember.Issuer
            : reader.ValueTextEquals("aud"u8) ? ClaimMember.Audience
            : reader.ValueTextEquals("sub"u8) || reader.ValueTextEquals("jti"u8) ? ClaimMember.String
            : ClaimMember.Other;
    }

    /// <summary>
    /// A NumericDate (RFC 7519 §2): a JSON number of seconds since the epoch, finite, from 0 through
    /// 9999-12-31T23:59:59Z. Returns milliseconds, or <see cref="ClaimTimes.Absent"/> when invalid.
    /// </summary>
    private static long ReadNumericDate(ref Utf8JsonReader reader, bool roundUp)
    {
        if (reader.TokenType != JsonTokenType.Number)
        {
            return ClaimTimes.Absent;
        }

        if (reader.TryGetInt64(out long seconds))
        {
            return seconds is >= 0 and <= MaxNumericDateSeconds ? seconds * 1000 : ClaimTimes.Absent;
        }

        if (reader.TryGetDouble(out double value) && double.IsFinite(value) && value >= 0 && value <= MaxNumericDateSeconds)
        {
            double milliseconds = value * 1000;
            return (long)(roundUp ? Math.Ceiling(milliseconds) : Math.Floor(milliseconds));
        }

        return ClaimTimes.Absent;
    }

    /// <summary><c>aud</c> is a string or an array of strings (RFC 7519 §4.1.3); anything else is invalid.</summary>
    private bool ReadAudience(ref Utf8JsonReader reader, out bool accepted)
    {
        accepted = false;
        if (reader.TokenType == JsonTokenType.String)
        {
            accepted = MatchesAny(ref reader, _audiences);
            return true;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.String)
            {
                return false;
            }

            accepted |= MatchesAny(ref reader, _audiences);
        }

        return true;
    }

    private static bool MatchesAny(ref Utf8JsonReader reader, byte[][] accepted)
    {
        foreach (byte[] candidate in accepted)
        {
            if (reader.ValueTextEquals(candidate))
            {
                return true;
            }
        }

        return false;
    }

    private enum ClaimMember
    {
        Other,
        ExpirationTime,
        NotBefore,
        IssuedAt,
        Issuer,
        Audience,
        String,
    }
}
