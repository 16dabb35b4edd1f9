using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Tessera.Jwt;

/// <content>The JWT claims set: registered claim types, issuer, audience, required claims and lifetime.</content>
public sealed partial class JwtValidator
{
    /// <summary>
    /// Reads the claims set in one pass with <see cref="StrictJsonScanner"/>. Structural problems return
    /// <see cref="JwtError.Malformed"/> at once; claim problems are collected and judged by
    /// <see cref="CheckClaims"/> in a fixed order.
    /// </summary>
    private JwtError ReadPayload(ReadOnlySpan<byte> json, ref JsonMemberGuard guard, out ClaimTimes times, out string? sessionId)
    {
        sessionId = null;
        long expires = ClaimTimes.Absent, notBefore = ClaimTimes.Absent, issuedAt = ClaimTimes.Absent;
        bool issuerAccepted = false, audienceAccepted = false, invalidClaim = false;
        ulong requiredSeen = 0;
        times = ClaimTimes.None;
        var scanner = new StrictJsonScanner(json);
        if (!scanner.TryConsume((byte)'{'))
        {
            return JwtError.Malformed;
        }

        guard.EnterObject();
        if (!scanner.TryConsume((byte)'}'))
        {
            do
            {
                if (!scanner.TryReadName(ref guard, out _))
                {
                    return JwtError.Malformed;
                }

                ReadOnlySpan<byte> name = guard.LastName;
                requiredSeen |= MatchRequired(name);
                bool valid;
                switch (IdentifyClaim(name))
                {
                    case ClaimMember.ExpirationTime:
                        valid = TryReadNumericDate(ref scanner, ref guard, roundUp: false, out expires);
                        break;
                    case ClaimMember.NotBefore:
                        valid = TryReadNumericDate(ref scanner, ref guard, roundUp: true, out notBefore);
                        break;
                    case ClaimMember.IssuedAt:
                        valid = TryReadNumericDate(ref scanner, ref guard, roundUp: true, out issuedAt);
                        break;
                    case ClaimMember.Issuer:
                        valid = TryReadMatchingString(ref scanner, ref guard, _issuers, out bool isString, out issuerAccepted);
                        invalidClaim |= !isString;
                        break;
                    case ClaimMember.Audience:
                        valid = TryReadAudience(ref scanner, ref guard, out bool isAudience, out audienceAccepted);
                        invalidClaim |= !isAudience;
                        break;
                    case ClaimMember.String:
                        valid = TryReadMatchingString(ref scanner, ref guard, [], out isString, out _);
                        invalidClaim |= !isString;
                        break;
                    case ClaimMember.SessionId when CaptureSessionId:
                        valid = TryReadSessionId(ref scanner, ref guard, out isString, out sessionId);
                        invalidClaim |= !isString;
                        break;
                    case ClaimMember.SessionId:
                        valid = TryReadMatchingString(ref scanner, ref guard, [], out isString, out _);
                        invalidClaim |= !isString;
                        break;
                    default:
                        valid = scanner.TrySkipValue(ref guard, depth: 1);
                        break;
                }

                if (!valid)
                {
                    return JwtError.Malformed;
                }
            }
            while (scanner.TryConsume((byte)','));

            if (!scanner.TryConsume((byte)'}'))
            {
                return JwtError.Malformed;
            }
        }

        if (!guard.ExitObject() || !scanner.AtEnd())
        {
            return JwtError.Malformed;
        }

        invalidClaim |= expires == ClaimTimes.Invalid || notBefore == ClaimTimes.Invalid || issuedAt == ClaimTimes.Invalid;
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

    private ulong MatchRequired(ReadOnlySpan<byte> name)
    {
        ulong bits = 0;
        for (int i = 0; i < _requiredClaims.Length; i++)
        {
            if (name.SequenceEqual(_requiredClaims[i]))
            {
                bits |= 1UL << i;
            }
        }

        return bits;
    }

    /// <summary>Every registered name is three ASCII letters: compare the (unescaped) name as one packed integer.</summary>
    private static ClaimMember IdentifyClaim(ReadOnlySpan<byte> name) =>
        name.Length != 3 ? ClaimMember.Other : (name[0] | (name[1] << 8) | (name[2] << 16)) switch
        {
            'e' | ('x' << 8) | ('p' << 16) => ClaimMember.ExpirationTime,
            'n' | ('b' << 8) | ('f' << 16) => ClaimMember.NotBefore,
            'i' | ('a' << 8) | ('t' << 16) => ClaimMember.IssuedAt,
            'i' | ('s' << 8) | ('s' << 16) => ClaimMember.Issuer,
            'a' | ('u' << 8) | ('d' << 16) => ClaimMember.Audience,
            's' | ('u' << 8) | ('b' << 16) or 'j' | ('t' << 8) | ('i' << 16) => ClaimMember.String,
            's' | ('i' << 8) | ('d' << 16) => ClaimMember.SessionId,
            _ => ClaimMember.Other,
        };

    /// <summary>
    /// A NumericDate (RFC 7519 §2): a JSON number of seconds since the epoch, finite, from 0 through
    /// 9999-12-31T23:59:59Z, as milliseconds. Any other value is read past and reported as
    /// <see cref="ClaimTimes.Invalid"/>. Returns false only when the JSON itself is malformed.
    /// </summary>
    private static bool TryReadNumericDate(ref StrictJsonScanner scanner, ref JsonMemberGuard guard, bool roundUp, out long milliseconds)
    {
        milliseconds = ClaimTimes.Invalid;
        int next = scanner.Peek();
        if (next != '-' && next is < '0' or > '9')
        {
            return scanner.TrySkipValue(ref guard, depth: 1);
        }

        if (!scanner.TryReadNumber(out ReadOnlySpan<byte> number))
        {
            return false;
        }

        if (Utf8Parser.TryParse(number, out long seconds, out int used) && used == number.Length)
        {
            if (seconds is >= 0 and <= MaxNumericDateSeconds)
            {
                milliseconds = seconds * 1000;
            }
        }
        else if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            && double.IsFinite(value) && value >= 0 && value <= MaxNumericDateSeconds)
        {
            double ms = value * 1000;
            milliseconds = (long)(roundUp ? Math.Ceiling(ms) : Math.Floor(ms));
        }

        return true;
    }

    /// <summary>
    /// Reads a value that must be a string (<c>iss</c>, <c>sub</c>, <c>jti</c>) and says whether it equals
    /// one of <paramref name="accepted"/>. A non-string is read past with <paramref name="isString"/> false.
    /// </summary>
    private static bool TryReadMatchingString(
        ref StrictJsonScanner scanner, ref JsonMemberGuard guard, byte[][] accepted, out bool isString, out bool matched)
    {
        matched = false;
        isString = scanner.Peek() == '"';
        if (!isString)
        {
            return scanner.TrySkipValue(ref guard, depth: 1);
        }

        if (!scanner.TryReadString(out ReadOnlySpan<byte> raw, out ReadOnlySpan<byte> quoted))
        {
            return false;
        }

        matched = accepted.Length > 0 && MatchesAny(raw, quoted, guard.Scratch, accepted);
        return true;
    }

    /// <summary>
    /// Reads <c>sid</c>, which must be a string, as a string: the one claim a stateful-session check needs on every
    /// request, so it is captured in this pass instead of parsing the payload again (only when
    /// <see cref="CaptureSessionId"/> is set: other callers would pay for a string they may never read). A non-string
    /// is read past with <paramref name="isString"/> false.
    /// </summary>
    private static bool TryReadSessionId(ref StrictJsonScanner scanner, ref JsonMemberGuard guard, out bool isString, out string? value)
    {
        value = null;
        isString = scanner.Peek() == '"';
        if (!isString)
        {
            return scanner.TrySkipValue(ref guard, depth: 1);
        }

        if (!scanner.TryReadString(out ReadOnlySpan<byte> raw, out ReadOnlySpan<byte> quoted))
        {
            return false;
        }

        value = Encoding.UTF8.GetString(Unescaped(raw, quoted, guard.Scratch));
        return true;
    }

    /// <summary><c>aud</c> is a string or an array of strings (RFC 7519 §4.1.3); anything else is invalid.</summary>
    private bool TryReadAudience(ref StrictJsonScanner scanner, ref JsonMemberGuard guard, out bool isAudience, out bool accepted)
    {
        accepted = false;
        isAudience = true;
        int next = scanner.Peek();
        if (next == '"')
        {
            return TryReadMatchingString(ref scanner, ref guard, _audiences, out _, out accepted);
        }

        if (next != '[')
        {
            isAudience = false;
            return scanner.TrySkipValue(ref guard, depth: 1);
        }

        scanner.TryConsume((byte)'[');
        if (scanner.TryConsume((byte)']'))
        {
            return true;
        }

        do
        {
            if (scanner.Peek() == '"')
            {
                if (!TryReadMatchingString(ref scanner, ref guard, _audiences, out _, out bool matched))
                {
                    return false;
                }

                accepted |= matched;
            }
            else
            {
                isAudience = false;
                if (!scanner.TrySkipValue(ref guard, depth: 2))
                {
                    return false;
                }
            }
        }
        while (scanner.TryConsume((byte)','));

        return scanner.TryConsume((byte)']');
    }

    private static bool MatchesAny(ReadOnlySpan<byte> raw, ReadOnlySpan<byte> quoted, Span<byte> scratch, byte[][] accepted)
    {
        ReadOnlySpan<byte> value = Unescaped(raw, quoted, scratch);
        foreach (byte[] candidate in accepted)
        {
            if (value.SequenceEqual(candidate))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A string's value: the raw bytes, or, when it had escapes (<paramref name="quoted"/> not empty), its unescaped form in <paramref name="scratch"/>.</summary>
    private static ReadOnlySpan<byte> Unescaped(ReadOnlySpan<byte> raw, ReadOnlySpan<byte> quoted, Span<byte> scratch)
    {
        if (quoted.IsEmpty)
        {
            return raw;
        }

        int length = StrictJsonScanner.Unescape(quoted, scratch);
        return scratch[..Math.Max(length, 0)];
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
        SessionId,
    }
}
