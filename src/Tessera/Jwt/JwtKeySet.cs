using System.Collections;
using System.Collections.Frozen;
using System.Text;
using System.Text.Json;

namespace Tessera.Jwt;

/// <summary>
/// An immutable set of verification keys, looked up by <c>kid</c>. Several keys may be active at once,
/// which is how keys rotate: publish the new key, start signing with it, and drop the old one once its
/// tokens have expired.
/// </summary>
/// <remarks>
/// <para>
/// Key selection: a token whose header has a <c>kid</c> is checked only with the key of that id, and only
/// if the key's algorithm equals the header <c>alg</c>. A token without <c>kid</c> is checked with each key
/// bound to its <c>alg</c>, in the order given (so a set of N such keys costs at most N signature checks).
/// </para>
/// <para>Safe for concurrent use. The set does not own its keys: disposing them is the caller's business.</para>
/// </remarks>
public sealed class JwtKeySet : IReadOnlyCollection<JwtKey>
{
    /// <summary>Longest <c>kid</c> looked up, in UTF-8 bytes; longer ones match no key.</summary>
    internal const int MaxKeyIdBytes = 256;

    private readonly JwtKey[] _keys;
    private readonly FrozenDictionary<string, JwtKey> _byId;
    private readonly FrozenDictionary<string, JwtKey>.AlternateLookup<ReadOnlySpan<char>> _byIdSpan;
    private readonly JwtKey[][] _byAlgorithm;

    /// <summary>Creates a set of keys.</summary>
    /// <exception cref="ArgumentException">Two keys share a <c>kid</c>, or a key id is longer than 256 bytes.</exception>
    public JwtKeySet(params IEnumerable<JwtKey> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        _keys = [.. keys];
        var byId = new Dictionary<string, JwtKey>(StringComparer.Ordinal);
        foreach (JwtKey key in _keys)
        {
            ArgumentNullException.ThrowIfNull(key, nameof(keys));
            if (key.KeyId is null)
            {
                continue;
            }

            if (Encoding.UTF8.GetByteCount(key.KeyId) > MaxKeyIdBytes)
            {
                throw new ArgumentException($"Key ids are limited to {MaxKeyIdBytes} UTF-8 bytes.", nameof(keys));
            }

            if (!byId.TryAdd(key.KeyId, key))
            {
                throw new ArgumentException($"Two keys share the key id \"{key.KeyId}\".", nameof(keys));
            }
        }

        _byId = byId.ToFrozenDictionary(StringComparer.Ordinal);
        _byIdSpan = _byId.GetAlternateLookup<ReadOnlySpan<char>>();
        _byAlgorithm = new JwtKey[Enum.GetValues<JwtAlgorithm>().Length + 1][];
        for (int i = 0; i < _byAlgorithm.Length; i++)
        {
            _byAlgorithm[i] = [.. _keys.Where(k => (int)k.Algorithm == i)];
        }
    }

    /// <summary>The number of keys.</summary>
    public int Count => _keys.Length;

    /// <summary>Finds the key with this exact (case-sensitive) key id.</summary>
    public bool TryGetKey(string keyId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out JwtKey? key) =>
        _byId.TryGetValue(keyId, out key);

    /// <summary>Finds the key whose id is the UTF-8 text <paramref name="keyId"/>, without allocating.</summary>
    internal bool TryGetKey(ReadOnlySpan<byte> keyId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out JwtKey? key)
    {
        key = null;
        if (keyId.Length > MaxKeyIdBytes)
        {
            return false;
        }

        Span<char> chars = stackalloc char[MaxKeyIdBytes];
        return Encoding.UTF8.TryGetChars(keyId, chars, out int written) && _byIdSpan.TryGetValue(chars[..written], out key);
    }

    /// <summary>The keys bound to <paramref name="algorithm"/>, in the order given.</summary>
    internal ReadOnlySpan<JwtKey> KeysFor(JwtAlgorithm algorithm) => _byAlgorithm[(int)algorithm];

    /// <summary>
    /// Writes the public keys as a JWK Set (RFC 7517 §5), <c>{"keys":[...]}</c>. HMAC secrets are never included.
    /// </summary>
    public string ToJwks()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer, JwtJson.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("keys");
            foreach (JwtKey key in _keys)
            {
                if (!key.IsSymmetric)
                {
                    key.WriteJwk(writer, includePrivateParameters: false);
                }
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// Reads a JWK Set (RFC 7517 §5). As the RFC asks, keys of an unknown <c>kty</c> and keys whose
    /// <c>use</c> is not <c>sig</c> are skipped; a key of a known type that is malformed or weak throws.
    /// </summary>
    /// <param name="jwks">The JWK Set JSON.</param>
    /// <param name="defaultAlgorithm">The algorithm for keys without <c>alg</c> that cannot be inferred (RSA, oct).</param>
    /// <exception cref="ArgumentException">The JSON is not a JWK Set, or one of its signing keys is invalid.</exception>
    public static JwtKeySet FromJwks(string jwks, JwtAlgorithm? defaultAlgorithm = null)
    {
        ArgumentNullException.ThrowIfNull(jwks);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(jwks, new JsonDocumentOptions { AllowDuplicateProperties = false, MaxDepth = 16 });
        }
        catch (JsonException ex)
        {
            throw new ArgumentException("The JWK Set is not valid JSON (or repeats a member name).", nameof(jwks), ex);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("keys", out JsonElement keys)
                || keys.ValueKind != JsonValueKind.Array)
            {
                throw new ArgumentException("A JWK Set is an object with a \"keys\" array.", nameof(jwks));
            }

            var result = new List<JwtKey>();
            foreach (JsonElement jwk in keys.EnumerateArray())
            {
                if (IsUsableSigningJwk(jwk))
                {
                    result.Add(JwtKey.FromJwk(jwk, DefaultFor(jwk, defaultAlgorithm)));
                }
            }

            return new JwtKeySet(result);
        }
    }

    /// <inheritdoc />
    public IEnumerator<JwtKey> GetEnumerator() => ((IEnumerable<JwtKey>)_keys).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>
    /// RFC 7517 §5: keys this library does not implement, or not meant for signatures, are skipped: a <c>kty</c> other
    /// than RSA, EC and oct, a <c>use</c> other than sig, <c>key_ops</c> without sign or verify, an <c>alg</c> that is
    /// not a supported signature algorithm (RSA-OAEP, ES256K), an EC key without <c>alg</c> on another curve than
    /// P-256, P-384 and P-521. Anything else goes to <see cref="JwtKey.FromJwk(JsonElement, JwtAlgorithm?)"/>, which
    /// throws for a malformed key, including a member of the wrong JSON type: one bad key an issuer publishes fails
    /// the load, one this library merely does not support does not.
    /// </summary>
    private static bool IsUsableSigningJwk(JsonElement jwk)
    {
        if (jwk.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException("Every member of a JWK Set's \"keys\" array must be a JWK object.", nameof(jwk));
        }

        string? kty = StringMember(jwk, "kty");
        string? alg = StringMember(jwk, "alg");
        if ((kty is not null && kty is not ("RSA" or "EC" or "oct"))
            || StringMember(jwk, "use") is { } use && use != "sig"
            || (alg is not null && !JwtAlgorithmInfo.TryGet(alg, out _))
            || (kty == "EC" && alg is null && StringMember(jwk, "crv") is { } crv && crv is not ("P-256" or "P-384" or "P-521")))
        {
            return false;
        }

        return !(jwk.TryGetProperty("key_ops", out JsonElement ops) && ops.ValueKind == JsonValueKind.Array
            && ops.EnumerateArray().All(op => op.ValueKind == JsonValueKind.String)
            && !ops.EnumerateArray().Any(op => op.ValueEquals("sign") || op.ValueEquals("verify")));
    }

    /// <summary>The member's text when it is a string; null when it is absent or of another type (FromJwk reports that).</summary>
    private static string? StringMember(JsonElement jwk, string name) =>
        jwk.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>The default applies only to keys without <c>alg</c> whose type fits it; EC keys infer theirs from <c>crv</c>.</summary>
    private static JwtAlgorithm? DefaultFor(JsonElement jwk, JwtAlgorithm? defaultAlgorithm)
    {
        if (defaultAlgorithm is null || jwk.TryGetProperty("alg", out _))
        {
            return null;
        }

        if (!jwk.TryGetProperty("kty", out JsonElement kty) || kty.ValueKind != JsonValueKind.String)
        {
            return null; // FromJwk reports the missing or malformed kty.
        }

        JwtKeyFamily family = JwtAlgorithmInfo.Get(defaultAlgorithm.Value).Family;
        bool fits = kty.ValueEquals("RSA") ? family is JwtKeyFamily.Rsa or JwtKeyFamily.RsaPss
            : kty.ValueEquals("oct") && family == JwtKeyFamily.Hmac;
        return fits ? defaultAlgorithm : null;
    }
}
