using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Unicode;

namespace Tessera.Jwt;

/// <summary>
/// Validates compact JWS tokens (RFC 7515) carrying JWT claims (RFC 7519). Strict by construction and
/// allocation-light: a valid token costs one small <see cref="JwtClaims"/> object.
/// </summary>
/// <remarks>
/// <para>
/// Order of checks: length cap; exactly three segments of canonical base64url; header JSON (a single
/// object, no duplicate names, valid UTF-8); header semantics (<c>alg</c> supported, no <c>crit</c>, no
/// <c>b64: false</c>, no compression, no nested JWT; <c>typ</c> if configured); key by <c>kid</c> and
/// algorithm; signature; then payload JSON and claims. Claims of a token whose signature fails are never read.
/// Keys embedded in the header (<c>jwk</c>, <c>jku</c>, <c>x5u</c>, <c>x5c</c>) are ignored: only the
/// configured <see cref="Keys"/> verify.
/// </para>
/// <para>
/// <see cref="Validate(string)"/> never throws for any input; a bad token is a <see cref="JwtValidationResult"/>
/// with a stable <see cref="JwtError"/>. Instances are immutable apart from <see cref="Keys"/> and safe for
/// concurrent use.
/// </para>
/// </remarks>
public sealed partial class JwtValidator
{
    private const int StackBytes = 2048;
    private const long MaxNumericDateSeconds = 253_402_300_799; // 9999-12-31T23:59:59Z, the end of DateTimeOffset

    private readonly TimeProvider _timeProvider;
    private readonly byte[][] _issuers;
    private readonly byte[][] _audiences;
    private readonly byte[][] _types;
    private readonly byte[][] _requiredClaims;
    private readonly bool _validateIssuer;
    private readonly bool _validateAudience;
    private readonly bool _requireExpiration;
    private readonly long _skewMilliseconds;
    private readonly int _maxTokenLength;
    private JwtKeySet _keys;

    /// <summary>Creates a validator. The options are copied; later changes to them have no effect.</summary>
    /// <param name="options">What to accept.</param>
    /// <param name="keys">The verification keys.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when null.</param>
    /// <exception cref="ArgumentException">The options are unusable; the message lists every problem.</exception>
    public JwtValidator(JwtValidationOptions options, JwtKeySet keys, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(keys);
        List<string> problems = options.GetProblems();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid JWT validation options: " + string.Join(" ", problems), nameof(options));
        }

        _timeProvider = timeProvider ?? TimeProvider.System;
        _keys = keys;
        _validateIssuer = options.ValidateIssuer;
        _validateAudience = options.ValidateAudience;
        _issuers = [.. options.AllIssuers().Select(Encoding.UTF8.GetBytes)];
        _audiences = [.. options.AllAudiences().Select(Encoding.UTF8.GetBytes)];
        _types = [.. options.ValidTypes.Select(t => Encoding.ASCII.GetBytes(JwtValidationOptions.NormalizeType(t)))];
        _requiredClaims = [.. options.RequiredClaims.Distinct(StringComparer.Ordinal).Select(Encoding.UTF8.GetBytes)];
        _requireExpiration = options.RequireExpirationTime;
        _skewMilliseconds = (long)options.ClockSkew.TotalMilliseconds;
        _maxTokenLength = options.MaxTokenLength;
    }

    /// <summary>
    /// Whether <c>sid</c> is turned into <see cref="JwtClaims.SessionId"/> during validation (the token service reads it
    /// on every request) rather than on first read. Either way a non-string <c>sid</c> is <see cref="JwtError.InvalidClaim"/>.
    /// </summary>
    internal bool CaptureSessionId { get; init; }

    /// <summary>
    /// The verification keys. Replace the whole set to rotate keys; the swap is atomic and affects the
    /// next call to <see cref="Validate(string)"/>.
    /// </summary>
    public JwtKeySet Keys
    {
        get => Volatile.Read(ref _keys);
        set => Volatile.Write(ref _keys, value ?? throw new ArgumentNullException(nameof(value)));
    }

    /// <summary>Validates a compact JWS token. Never throws for any token text; a key disposed while still in <see cref="Keys"/> throws <see cref="ObjectDisposedException"/>.</summary>
    /// <param name="token">The token text, e.g. from an <c>Authorization: Bearer</c> header.</param>
    /// <returns>Valid with the claims, or the first check that failed.</returns>
    [SkipLocalsInit]
    public JwtValidationResult Validate(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return JwtValidationResult.Fail(JwtError.Malformed);
        }

        if (token.Length > _maxTokenLength)
        {
            return JwtValidationResult.Fail(JwtError.TokenTooLarge);
        }

        // Segments: exactly two dots. IndexOf scans at most the (capped) token once; nothing is split or copied.
        ReadOnlySpan<char> text = token;
        int firstDot = text.IndexOf('.');
        int secondDot = firstDot < 0 ? -1 : text[(firstDot + 1)..].IndexOf('.');
        if (secondDot < 0)
        {
            return JwtValidationResult.Fail(JwtError.Malformed);
        }

        secondDot += firstDot + 1;
        ReadOnlySpan<char> headerText = text[..firstDot];
        ReadOnlySpan<char> payloadText = text[(firstDot + 1)..secondDot];
        ReadOnlySpan<char> signatureText = text[(secondDot + 1)..];
        if (headerText.IsEmpty || payloadText.IsEmpty || signatureText.IsEmpty
            || !Base64UrlStrict.IsCanonical(headerText)
            || !Base64UrlStrict.IsCanonical(payloadText)
            || !Base64UrlStrict.IsCanonical(signatureText)) // also rejects a third dot
        {
            return JwtValidationResult.Fail(JwtError.Malformed);
        }

        int headerLength = Base64UrlStrict.DecodedLength(headerText.Length);
        int payloadLength = Base64UrlStrict.DecodedLength(payloadText.Length);
        int signatureLength = Base64UrlStrict.DecodedLength(signatureText.Length);
        int jsonLength = Math.Max(headerLength, payloadLength);

        // One scratch area for: signing input | header | payload | signature | unescaped member names.
        int needed = secondDot + headerLength + payloadLength + signatureLength + JsonMemberGuard.NameCapacity(jsonLength);
        int entries = JsonMemberGuard.EntryCapacity(jsonLength);
        byte[]? rentedBytes = null;
        long[]? rentedEntries = null;
        Span<byte> scratch = needed <= StackBytes ? stackalloc byte[StackBytes] : (rentedBytes = ArrayPool<byte>.Shared.Rent(needed));
        Span<long> entryBuffer = entries <= StackBytes / 16 ? stackalloc long[StackBytes / 16] : (rentedEntries = ArrayPool<long>.Shared.Rent(entries));
        Span<int> scopes = stackalloc int[JsonMemberGuard.MaxDepth + 1];
        try
        {
            Span<byte> signingInput = scratch[..secondDot];
            Span<byte> header = scratch.Slice(secondDot, headerLength);
            Span<byte> payload = scratch.Slice(secondDot + headerLength, payloadLength);
            Span<byte> signature = scratch.Slice(secondDot + headerLength + payloadLength, signatureLength);
            Span<byte> names = scratch[(secondDot + headerLength + payloadLength + signatureLength)..];

            // The text is pure base64url and dots here, so narrowing to ASCII is exact.
            Ascii.FromUtf16(text[..secondDot], signingInput, out _);
            var guard = new JsonMemberGuard(entryBuffer, names, scopes);
            JwtKeySet keys = Keys;
            VerifiedHeader? known = FindVerifiedHeader(headerText, keys);
            JwtAlgorithmInfo? algorithm = known?.Algorithm;
            JwtKey? key = known?.Key;
            if (known is null)
            {
                if (Base64UrlStrict.DecodeCanonical(headerText, header) != headerLength || !Utf8.IsValid(header))
                {
                    return JwtValidationResult.Fail(JwtError.Malformed);
                }

                Span<byte> keyId = stackalloc byte[JwtKeySet.MaxKeyIdBytes];
                JwtError headerError = ReadHeader(header, ref guard, keyId, out algorithm, out int keyIdLength);
                if (headerError == JwtError.None)
                {
                    headerError = ResolveKey(keys, algorithm!, keyId, keyIdLength, out key);
                }

                if (headerError != JwtError.None)
                {
                    return JwtValidationResult.Fail(headerError);
                }
            }

            if (Base64UrlStrict.DecodeCanonical(signatureText, signature) != signatureLength)
            {
                return JwtValidationResult.Fail(JwtError.Malformed);
            }

            JwtKey? namedKey = key;
            JwtError error = VerifySignature(keys, algorithm!, signingInput, signature, ref key);
            if (error != JwtError.None)
            {
                return JwtValidationResult.Fail(error);
            }

            if (known is null)
            {
                RememberVerifiedHeader(new VerifiedHeader(headerText.ToString(), keys, algorithm!, namedKey));
            }

            if (Base64UrlStrict.DecodeCanonical(payloadText, payload) != payloadLength || !Utf8.IsValid(payload))
            {
                return JwtValidationResult.Fail(JwtError.Malformed);
            }

            guard = new JsonMemberGuard(entryBuffer, names, scopes);
            error = ReadPayload(payload, ref guard, out ClaimTimes times, out string? sessionId);
            return error == JwtError.None
                ? new JwtValidationResult(JwtError.None, new JwtClaims(token, firstDot, secondDot, key!, times, sessionId))
                : JwtValidationResult.Fail(error);
        }
        finally
        {
            if (rentedBytes is not null)
            {
                ArrayPool<byte>.Shared.Return(rentedBytes);
            }

            if (rentedEntries is not null)
            {
                ArrayPool<long>.Shared.Return(rentedEntries);
            }
        }
    }

    /// <summary>Selects the key a <c>kid</c> names. Without a <c>kid</c>, <paramref name="key"/> stays null and <see cref="VerifySignature"/> tries each key of the algorithm.</summary>
    private static JwtError ResolveKey(JwtKeySet keys, JwtAlgorithmInfo algorithm, ReadOnlySpan<byte> keyId, int keyIdLength, out JwtKey? key)
    {
        key = null;
        if (keyIdLength < 0)
        {
            return JwtError.None;
        }

        if (keyIdLength > keyId.Length || !keys.TryGetKey(keyId[..keyIdLength], out key))
        {
            return JwtError.KeyNotFound;
        }

        // The key decides the algorithm; the header may only agree with it.
        return key.Algorithm == algorithm.Algorithm ? JwtError.None : JwtError.AlgorithmNotAllowed;
    }

    /// <summary>Verifies with <paramref name="key"/> when the header named one, else with each key bound to the algorithm.</summary>
    private static JwtError VerifySignature(
        JwtKeySet keys, JwtAlgorithmInfo algorithm, ReadOnlySpan<byte> signingInput, ReadOnlySpan<byte> signature, ref JwtKey? key)
    {
        if (key is not null)
        {
            return key.Verify(signingInput, signature) ? JwtError.None : JwtError.SignatureInvalid;
        }

        ReadOnlySpan<JwtKey> candidates = keys.KeysFor(algorithm.Algorithm);
        foreach (JwtKey candidate in candidates)
        {
            if (candidate.Verify(signingInput, signature))
            {
                key = candidate;
                return JwtError.None;
            }
        }

        return candidates.IsEmpty ? JwtError.KeyNotFound : JwtError.SignatureInvalid;
    }
}
