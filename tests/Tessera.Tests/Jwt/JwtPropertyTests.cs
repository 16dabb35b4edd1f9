using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Tessera.Jwt;

namespace Tessera.Tests.Jwt;

/// <summary>
/// Property tests over a seeded <see cref="Random"/>. Every failure message carries the seed and the iteration,
/// so a failing case can be replayed; set TESSERA_PROPERTY_SEED to explore other seeds.
/// </summary>
public sealed class JwtPropertyTests
{
    private const int Iterations = 300;
    private const string Base64UrlAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    private static readonly DateTimeOffset s_now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
    private static readonly JwtKey s_hmac = JwtKey.CreateHmac([.. Enumerable.Range(0, 32).Select(i => (byte)(0xA5 ^ (i * 13)))], JwtAlgorithm.HS256, "p-hmac");
    private static readonly JwtKey s_ec = JwtKey.Generate(JwtAlgorithm.ES256, "p-ec");
    private static readonly HashSet<string> s_registered = new(StringComparer.Ordinal) { "iss", "sub", "aud", "exp", "nbf", "iat", "jti" };

    // Text pieces for names and values: plain ASCII, characters JSON must escape, characters some encoders
    // escape, non-ASCII BMP characters (including U+2028/2029, BOM, noncharacters) and surrogate pairs.
    private static readonly string[] s_pieces =
    [
        "a", "Z", "q", "0", "9", "_", "-", ".", " ", "~",
        "\"", "\\", "/", "\b", "\f", "\n", "\r", "\t", "\u0000", "\u0001", "\u001f", "\u007f",
        "<", ">", "&", "'", "+", "`", "=",
        "\u00e9", "\u00df", "\u4e2d", "\u2713", "\u2028", "\u2029", "\ufeff", "\ufffd", "\uffff", "\u00a0", "\u0301", "\u0430",
        "\U0001F600", "\U0010FFFF", "\U0001D11E", "\U00010000",
    ];

    // Odd characters to drop into a token: separators, padding, the standard alphabet, whitespace, non-ASCII,
    // and lone surrogates (a .NET string may hold them even though no UTF-8 text can).
    private static readonly char[] s_oddChars =
        ['.', '=', '+', '/', ' ', '\t', '\n', '\r', '\0', '%', '"', '{', '\u00e9', '\uff21', '\ud800', '\udc00', '\uffff', '\u2028', '\u0660'];

    private enum ValueKind
    {
        String,
        Null,
        Int64,
        Double,
        Boolean,
        StringArray,
        Json,
    }

    // ---------------------------------------------------------------------------------------------------------
    // (a) Random claim sets round-trip
    // ---------------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(JwtAlgorithm.HS256, 20_250_101)]
    [InlineData(JwtAlgorithm.ES256, 20_250_102)]
    public void SignThenValidate_RandomClaimSets_EveryValueReadsBackEqual(JwtAlgorithm algorithm, int defaultSeed)
    {
        int seed = Seed(defaultSeed);
        var rng = new Random(seed);
        var signer = new JwtSigner(algorithm == JwtAlgorithm.HS256 ? s_hmac : s_ec, JwtTypes.AccessToken);

        for (int iteration = 0; iteration < Iterations; iteration++)
        {
            string issuer = RandomText(rng, 1, 12);
            string subject = RandomText(rng, 1, 12);
            string id = RandomText(rng, 1, 12);
            string[] audiences = [.. Enumerable.Range(0, rng.Next(1, 4)).Select(_ => RandomText(rng, 1, 8)).Distinct(StringComparer.Ordinal)];
            DateTimeOffset expires = s_now.AddSeconds(rng.Next(1, 10_000_000));
            DateTimeOffset notBefore = s_now.AddSeconds(-rng.Next(0, 1_000_000));
            DateTimeOffset issuedAt = s_now.AddSeconds(-rng.Next(0, 1_000_000));
            var builder = new JwtBuilder().Issuer(issuer).Subject(subject).Id(id).ExpiresAt(expires).NotBefore(notBefore).IssuedAt(issuedAt);
            foreach (string audience in audiences)
            {
                builder.Audience(audience);
            }

            var claims = new List<(string Name, ValueKind Kind, object? Value)>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            int count = rng.Next(0, 12);
            while (claims.Count < count)
            {
                string name = RandomText(rng, 1, 10);
                if (s_registered.Contains(name) || !names.Add(name))
                {
                    continue;
                }

                (ValueKind kind, object? value) = AddRandomClaim(rng, builder, name);
                claims.Add((name, kind, value));
            }

            string token = signer.Sign(builder);
            var options = new JwtValidationOptions
            {
                ValidIssuer = issuer,
                ValidAudience = audiences[rng.Next(audiences.Length)],
                MaxTokenLength = 1_048_576,
                ValidTypes = { JwtTypes.AccessToken },
            };
            var validator = new JwtValidator(options, new JwtKeySet(signer.Key), new FakeTimeProvider(s_now));
            JwtValidationResult result = ValidateOrFail(validator, token, seed, iteration);

            Expect(result.Error == JwtError.None, seed, iteration, token, $"expected a valid token, got {result.Error}");
            JwtClaims read = result.Claims!;
            Expect(read.Issuer == issuer, seed, iteration, token, "iss");
            Expect(read.Subject == subject, seed, iteration, token, "sub");
            Expect(read.Id == id, seed, iteration, token, "jti");
            Expect(read.Audiences.SequenceEqual(audiences, StringComparer.Ordinal), seed, iteration, token, "aud");
            Expect(read.ExpiresAt == DateTimeOffset.FromUnixTimeSeconds(expires.ToUnixTimeSeconds()), seed, iteration, token, "exp");
            Expect(read.NotBefore == DateTimeOffset.FromUnixTimeSeconds(notBefore.ToUnixTimeSeconds()), seed, iteration, token, "nbf");
            Expect(read.IssuedAt == DateTimeOffset.FromUnixTimeSeconds(issuedAt.ToUnixTimeSeconds()), seed, iteration, token, "iat");
            Expect(read.Type == JwtTypes.AccessToken && read.KeyId == signer.Key.KeyId && read.Algorithm == algorithm, seed, iteration, token, "header");

            foreach ((string name, ValueKind kind, object? value) in claims)
            {
                string what = $"claim {Escape(name)} ({kind})";
                Expect(read.Contains(name), seed, iteration, token, what + " is missing");
                Expect(ReadsBackEqual(read, name, kind, value), seed, iteration, token, what + " reads back different");
            }

            Expect(!read.Contains(name: "\u0000absent\u0000"), seed, iteration, token, "an absent claim is reported present");
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // (b) Any single-character change invalidates a token
    // ---------------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(JwtAlgorithm.HS256, 300, 20_250_201)]
    [InlineData(JwtAlgorithm.ES256, 20, 20_250_202)]
    public void Validate_AnySingleCharacterChanged_IsNeverValid(JwtAlgorithm algorithm, int tokens, int defaultSeed)
    {
        int seed = Seed(defaultSeed);
        var rng = new Random(seed);
        JwtKey key = algorithm == JwtAlgorithm.HS256 ? s_hmac : s_ec;
        var signer = new JwtSigner(key, JwtTypes.AccessToken);
        JwtValidator validator = CreateValidator(key);
        int checkedChanges = 0;

        for (int iteration = 0; iteration < tokens; iteration++)
        {
            string token = signer.Sign(SmallClaims(rng));
            Expect(ValidateOrFail(validator, token, seed, iteration).Error == JwtError.None, seed, iteration, token, "baseline token does not validate");

            for (int position = 0; position < token.Length; position++)
            {
                char[] replacements = [OtherThan(rng, token[position], Base64UrlAlphabet), OtherThan(rng, token[position], s_oddChars), RandomChar(rng, token[position])];
                foreach (char replacement in replacements)
                {
                    string changed = string.Concat(token.AsSpan(0, position), new ReadOnlySpan<char>(in replacement), token.AsSpan(position + 1));
                    JwtError error = ValidateOrFail(validator, changed, seed, iteration).Error;
                    Expect(
                        error != JwtError.None,
                        seed,
                        iteration,
                        changed,
                        $"changing position {position} from '{Escape(token[position].ToString())}' to '{Escape(replacement.ToString())}' still validates");
                    checkedChanges++;
                }
            }
        }

        Assert.True(checkedChanges > tokens * 100, $"seed {seed}: only {checkedChanges} changes checked");
    }

    // ---------------------------------------------------------------------------------------------------------
    // (c) Validate never throws
    // ---------------------------------------------------------------------------------------------------------

    [Fact]
    public void Validate_RandomGarbage_NeverThrows()
    {
        int seed = Seed(20_250_301);
        var rng = new Random(seed);
        JwtValidator[] validators = [CreateValidator(s_hmac), CreateValidator(s_ec, o => o.MaxTokenLength = 64), CreateStrictValidator()];

        for (int iteration = 0; iteration < Iterations; iteration++)
        {
            foreach (int mode in new[] { 0, 1, 2, 3, 4 })
            {
                string garbage = mode switch
                {
                    0 => RandomFrom(rng, Base64UrlAlphabet + "....", rng.Next(0, 400)),
                    1 => RandomFrom(rng, string.Concat(Enumerable.Range(32, 95).Select(c => (char)c)), rng.Next(0, 400)),
                    2 => new string([.. Enumerable.Range(0, rng.Next(0, 200)).Select(_ => (char)rng.Next(0, 0x10000))]),
                    3 => RandomSegment(rng) + "." + RandomSegment(rng) + "." + RandomSegment(rng),
                    _ => Base64Url.EncodeToString(RandomJsonBytes(rng, header: true)) + "." + Base64Url.EncodeToString(RandomJsonBytes(rng, header: false)) + "." + RandomSegment(rng),
                };
                foreach (JwtValidator validator in validators)
                {
                    JwtError error = ValidateOrFail(validator, garbage, seed, iteration).Error;
                    Expect(error != JwtError.None, seed, iteration, garbage, "garbage validated");
                }
            }
        }
    }

    [Fact]
    public void Validate_RandomMutationsOfValidTokens_NeverThrowAndNeverValidate()
    {
        int seed = Seed(20_250_302);
        var rng = new Random(seed);
        JwtValidator[] validators = [CreateValidator(s_hmac), CreateValidator(s_ec), CreateStrictValidator()];
        var hmacSigner = new JwtSigner(s_hmac, JwtTypes.AccessToken);
        var ecSigner = new JwtSigner(s_ec, JwtTypes.AccessToken);

        for (int iteration = 0; iteration < Iterations; iteration++)
        {
            string original = (rng.Next(2) == 0 ? hmacSigner : ecSigner).Sign(SmallClaims(rng));
            string token = original;
            int mutations = rng.Next(1, 5);
            for (int m = 0; m < mutations; m++)
            {
                token = Mutate(rng, token);
            }

            foreach (JwtValidator validator in validators)
            {
                JwtError error = ValidateOrFail(validator, token, seed, iteration).Error;
                Expect(error != JwtError.None || token == original, seed, iteration, token, "a changed token validated");
            }
        }
    }

    [Fact]
    public void Validate_SignedRandomJson_NeverThrows()
    {
        // Header and payload from a small JSON grammar (with escapes, lone surrogates, odd numbers, nesting and
        // occasional corruption), properly signed, so that the payload checks are reached too.
        int seed = Seed(20_250_303);
        var rng = new Random(seed);
        JwtValidator[] validators = [CreateValidator(s_hmac), CreateStrictValidator()];
        int reachedPayload = 0;

        for (int iteration = 0; iteration < Iterations; iteration++)
        {
            for (int n = 0; n < 10; n++)
            {
                byte[] header = RandomJsonBytes(rng, header: true);
                byte[] payload = RandomJsonBytes(rng, header: false);
                string token = Assemble(s_hmac, header, payload);
                foreach (JwtValidator validator in validators)
                {
                    JwtError error = ValidateOrFail(validator, token, seed, iteration).Error;
                    if (error is not (JwtError.Malformed or JwtError.AlgorithmNotAllowed or JwtError.UnsupportedHeader or JwtError.TypeInvalid or JwtError.KeyNotFound))
                    {
                        reachedPayload++;
                    }
                }
            }
        }

        Assert.True(reachedPayload > Iterations, $"seed {seed}: only {reachedPayload} validations reached the payload checks");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Generators
    // ---------------------------------------------------------------------------------------------------------

    private static (ValueKind Kind, object? Value) AddRandomClaim(Random rng, JwtBuilder builder, string name)
    {
        var kind = (ValueKind)rng.Next(Enum.GetValues<ValueKind>().Length);
        switch (kind)
        {
            case ValueKind.String:
                string text = RandomText(rng, 0, 16);
                builder.Claim(name, text);
                return (kind, text);
            case ValueKind.Null:
                builder.Claim(name, (string?)null);
                return (kind, null);
            case ValueKind.Int64:
                long integer = RandomInt64(rng);
                builder.Claim(name, integer);
                return (kind, integer);
            case ValueKind.Double:
                double number = RandomDouble(rng);
                builder.Claim(name, number);
                return (kind, number);
            case ValueKind.Boolean:
                bool flag = rng.Next(2) == 0;
                builder.Claim(name, flag);
                return (kind, flag);
            case ValueKind.StringArray:
                string[] values = [.. Enumerable.Range(0, rng.Next(0, 5)).Select(_ => RandomText(rng, 0, 8))];
                builder.Claim(name, values);
                return (kind, values);
            default:
                JsonElement element = RandomJsonElement(rng);
                builder.Claim(name, element);
                return (kind, element);
        }
    }

    private static bool ReadsBackEqual(JwtClaims read, string name, ValueKind kind, object? expected)
    {
        if (!read.TryGetValue(name, out JsonElement element))
        {
            return false;
        }

        switch (kind)
        {
            case ValueKind.String:
                return read.TryGetString(name, out string? text) && text == (string)expected! && read.GetString(name) == text;
            case ValueKind.Null:
                return element.ValueKind == JsonValueKind.Null && !read.TryGetString(name, out _);
            case ValueKind.Int64:
                long integer = (long)expected!;
                return read.TryGetInt64(name, out long actualInteger) && actualInteger == integer
                    && read.TryGetDouble(name, out double asDouble) && asDouble == integer;
            case ValueKind.Double:
                double number = (double)expected!;
                return read.TryGetDouble(name, out double actualNumber)
                    && BitConverter.DoubleToInt64Bits(actualNumber) == BitConverter.DoubleToInt64Bits(number);
            case ValueKind.Boolean:
                return read.TryGetBoolean(name, out bool flag) && flag == (bool)expected! && !read.TryGetInt64(name, out _);
            case ValueKind.StringArray:
                return read.TryGetStringArray(name, out string[]? values) && values.SequenceEqual((string[])expected!, StringComparer.Ordinal);
            default:
                return JsonElement.DeepEquals(element, (JsonElement)expected!);
        }
    }

    private static JwtBuilder SmallClaims(Random rng) => new JwtBuilder()
        .Issuer("https://issuer.example").Audience("api").Subject(RandomText(rng, 1, 10))
        .IssuedAt(s_now).ExpiresAt(s_now.AddMinutes(rng.Next(1, 60)))
        .Claim("sid", RandomText(rng, 0, 12)).Claim("n", RandomInt64(rng));

    private static string RandomText(Random rng, int minPieces, int maxPieces)
    {
        int pieces = rng.Next(minPieces, maxPieces + 1);
        var text = new StringBuilder();
        bool plain = rng.Next(4) == 0;
        for (int i = 0; i < pieces; i++)
        {
            text.Append(plain ? Base64UrlAlphabet[rng.Next(Base64UrlAlphabet.Length)].ToString() : s_pieces[rng.Next(s_pieces.Length)]);
        }

        return text.ToString();
    }

    private static long RandomInt64(Random rng) => rng.Next(6) switch
    {
        0 => long.MinValue,
        1 => long.MaxValue,
        2 => 0,
        3 => rng.Next(-1000, 1000),
        _ => rng.NextInt64(long.MinValue, long.MaxValue),
    };

    private static double RandomDouble(Random rng)
    {
        switch (rng.Next(8))
        {
            case 0:
                double[] specials = [0.0, -0.0, double.Epsilon, -double.Epsilon, double.MaxValue, double.MinValue, 0.1, 1.0 / 3, 1e-300, 5e-324, 9007199254740993.0];
                return specials[rng.Next(specials.Length)];
            case 1:
                return (rng.NextDouble() - 0.5) * 1e6;
            default:
                double value;
                do
                {
                    value = BitConverter.Int64BitsToDouble(rng.NextInt64(long.MinValue, long.MaxValue));
                }
                while (!double.IsFinite(value));

                return value;
        }
    }

    private static JsonElement RandomJsonElement(Random rng)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteRandomJson(rng, writer, depth: 0);
        }

        using JsonDocument document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    private static void WriteRandomJson(Random rng, Utf8JsonWriter writer, int depth)
    {
        int kind = depth == 0 ? rng.Next(5, 7) : rng.Next(depth >= 4 ? 5 : 7);
        switch (kind)
        {
            case 0:
                writer.WriteStringValue(RandomText(rng, 0, 8));
                break;
            case 1:
                writer.WriteNumberValue(RandomInt64(rng));
                break;
            case 2:
                writer.WriteNumberValue(RandomDouble(rng));
                break;
            case 3:
                writer.WriteBooleanValue(rng.Next(2) == 0);
                break;
            case 4:
                writer.WriteNullValue();
                break;
            case 5:
                writer.WriteStartObject();
                var names = new HashSet<string>(StringComparer.Ordinal);
                int members = rng.Next(0, 5);
                for (int i = 0; i < members; i++)
                {
                    string name = RandomText(rng, 0, 6);
                    if (names.Add(name))
                    {
                        writer.WritePropertyName(name);
                        WriteRandomJson(rng, writer, depth + 1);
                    }
                }

                writer.WriteEndObject();
                break;
            default:
                writer.WriteStartArray();
                int items = rng.Next(0, 5);
                for (int i = 0; i < items; i++)
                {
                    WriteRandomJson(rng, writer, depth + 1);
                }

                writer.WriteEndArray();
                break;
        }
    }

    private static readonly string[] s_headerNames = ["alg", "alg", "kid", "typ", "crit", "b64", "cty", "zip", "enc", "jwk", "x5c", "\\u0061lg", "a", "\\u0061", ""];
    private static readonly string[] s_claimNames = ["iss", "aud", "aud", "exp", "exp", "nbf", "iat", "sub", "jti", "sid", "\\u0065xp", "\\u0061ud", "\\u0069ss", "a", "\\u0061", ""];
    private static readonly string[] s_stringValues =
    [
        "HS256", "ES256", "none", "p-hmac", "p-ec", "JWT", "at+jwt", "application/at+jwt", "application/jwt",
        "https://issuer.example", "https:\\/\\/issuer.example", "api", "ap", "\\u0061p", "\\uD834\\uDD1E", "\\u0000", "", "\\\\", "\\/", "\\\"", "\u00e9", "x",
    ];

    // Escapes that decode to invalid UTF-16; drawn rarely, or almost every document would be malformed.
    private static readonly string[] s_nastyStrings =
        ["\\ud800", "\\udc00x", "\\udc00\\ud800", "\\ud800\\u0041", "api\\ud800", "ap\\udfff", "https://issuer.example\\ud800"];

    private static readonly string[] s_numberValues =
    [
        "0", "-0", "1", "-1", "1.5", "-0.5", "1e400", "-1e400", "1e-400", "1700000300", "1700000000.5", "1699999000",
        "253402300799", "253402300800", "9223372036854775807", "9223372036854775808", "-9223372036854775809", "1E2",
        "123456789012345678901234567890",
    ];

    /// <summary>Random JSON-ish bytes: mostly an object of likely member names, sometimes corrupted.</summary>
    private static byte[] RandomJsonBytes(Random rng, bool header)
    {
        var json = new StringBuilder();
        if (header && rng.Next(10) < 6)
        {
            json.Append(rng.Next(2) == 0 ? "{\"alg\":\"HS256\",\"kid\":\"p-hmac\"" : "{\"alg\":\"HS256\",\"kid\":\"p-hmac\",\"typ\":\"at+jwt\"");
            var used = new HashSet<string>(StringComparer.Ordinal) { "alg", "kid", "typ", "\\u0061lg" };
            int extra = rng.Next(0, 3);
            for (int i = 0; i < extra; i++)
            {
                json.Append(',');
                AppendMember(rng, json, s_headerNames, used, depth: 1);
            }

            json.Append('}');
        }
        else if (rng.Next(10) < 9)
        {
            json.Append('{');
            var used = new HashSet<string>(StringComparer.Ordinal);
            int members = rng.Next(0, 7);
            for (int i = 0; i < members; i++)
            {
                if (i > 0)
                {
                    json.Append(',');
                }

                AppendMember(rng, json, header ? s_headerNames : s_claimNames, used, depth: 1);
            }

            json.Append('}');
        }
        else
        {
            AppendValue(rng, json, depth: 0);
        }

        byte[] bytes = Encoding.UTF8.GetBytes(json.ToString());
        if (rng.Next(10) == 0 && bytes.Length > 0)
        {
            // Corrupt: drop a byte, insert a structural or invalid-UTF-8 byte, or cut the text short.
            int at = rng.Next(bytes.Length);
            byte[] odd = [(byte)',', (byte)':', (byte)'{', (byte)'}', (byte)'[', (byte)']', (byte)'"', (byte)'\\', 0xFF, 0xC0, 0xED, 0x80, (byte)' '];
            bytes = rng.Next(3) switch
            {
                0 => [.. bytes[..at], .. bytes[(at + 1)..]],
                1 => [.. bytes[..at], odd[rng.Next(odd.Length)], .. bytes[at..]],
                _ => bytes[..at],
            };
        }

        return bytes;
    }

    private static void AppendMember(Random rng, StringBuilder json, string[] names, HashSet<string> used, int depth)
    {
        // Mostly distinct names, so that most objects get past the duplicate check; now and then a repeat.
        string name = names[rng.Next(names.Length)];
        for (int retry = 0; retry < 3 && used.Contains(name); retry++)
        {
            name = names[rng.Next(names.Length)];
        }

        if (rng.Next(40) == 0)
        {
            name = s_nastyStrings[rng.Next(s_nastyStrings.Length)];
        }

        used.Add(name);
        json.Append('"').Append(name).Append("\":");
        AppendValue(rng, json, depth);
    }

    private static void AppendValue(Random rng, StringBuilder json, int depth)
    {
        switch (rng.Next(depth >= 5 ? 4 : 7))
        {
            case 0:
            case 1:
                string[] pool = rng.Next(30) == 0 ? s_nastyStrings : s_stringValues;
                json.Append('"').Append(pool[rng.Next(pool.Length)]).Append('"');
                break;
            case 2:
                json.Append(s_numberValues[rng.Next(s_numberValues.Length)]);
                break;
            case 3:
                json.Append(rng.Next(3) switch { 0 => "true", 1 => "false", _ => "null" });
                break;
            case 4:
            case 5:
                json.Append('[');
                int items = rng.Next(0, 4);
                for (int i = 0; i < items; i++)
                {
                    if (i > 0)
                    {
                        json.Append(',');
                    }

                    AppendValue(rng, json, depth + 1);
                }

                json.Append(']');
                break;
            default:
                json.Append('{');
                var used = new HashSet<string>(StringComparer.Ordinal);
                int members = rng.Next(0, 4);
                for (int i = 0; i < members; i++)
                {
                    if (i > 0)
                    {
                        json.Append(',');
                    }

                    AppendMember(rng, json, s_claimNames, used, depth + 1);
                }

                json.Append('}');
                break;
        }
    }

    private static string RandomSegment(Random rng) => RandomFrom(rng, Base64UrlAlphabet, rng.Next(0, 120));

    private static string RandomFrom(Random rng, string alphabet, int length) =>
        new([.. Enumerable.Range(0, length).Select(_ => alphabet[rng.Next(alphabet.Length)])]);

    private static char OtherThan(Random rng, char current, ReadOnlySpan<char> pool)
    {
        char c;
        do
        {
            c = pool[rng.Next(pool.Length)];
        }
        while (c == current);

        return c;
    }

    private static char RandomChar(Random rng, char current)
    {
        char c;
        do
        {
            c = (char)rng.Next(0, 0x10000);
        }
        while (c == current);

        return c;
    }

    private static string Mutate(Random rng, string token)
    {
        int at = token.Length == 0 ? 0 : rng.Next(token.Length);
        string[] parts = token.Split('.');
        char any = rng.Next(2) == 0 ? Base64UrlAlphabet[rng.Next(Base64UrlAlphabet.Length)] : s_oddChars[rng.Next(s_oddChars.Length)];
        return rng.Next(10) switch
        {
            0 => token.Insert(at, any.ToString()),
            1 => token.Length == 0 ? token : token.Remove(at, 1),
            2 => token.Length == 0 ? token : string.Concat(token.AsSpan(0, at), new ReadOnlySpan<char>(in any), token.AsSpan(at + 1)),
            3 => token.Insert(at, "."),
            4 => token[..at],
            5 => token + RandomSegment(rng),
            6 => string.Join('.', parts.Reverse()),
            7 => string.Join('.', parts.Where((_, i) => i != rng.Next(parts.Length))),
            8 => string.Join('.', parts.Append(parts[rng.Next(parts.Length)])),
            _ => string.Join('.', parts.Select((p, i) => i == rng.Next(parts.Length) ? Base64Url.EncodeToString(RandomJsonBytes(rng, header: i == 0)) : p)),
        };
    }

    // ---------------------------------------------------------------------------------------------------------
    // Helpers
    // ---------------------------------------------------------------------------------------------------------

    private static int Seed(int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable("TESSERA_PROPERTY_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int seed)
            ? seed
            : fallback;

    private static JwtValidator CreateValidator(JwtKey key, Action<JwtValidationOptions>? configure = null)
    {
        var options = new JwtValidationOptions { ValidIssuer = "https://issuer.example", ValidAudience = "api" };
        configure?.Invoke(options);
        return new JwtValidator(options, new JwtKeySet(key), new FakeTimeProvider(s_now));
    }

    private static JwtValidator CreateStrictValidator()
    {
        var options = new JwtValidationOptions
        {
            ValidIssuer = "https://issuer.example",
            ValidAudience = "ap",
            ValidTypes = { JwtTypes.AccessToken },
            RequiredClaims = { "sid", "sub", "\u00e9" },
            ClockSkew = TimeSpan.Zero,
            MaxTokenLength = 1_048_576,
        };
        return new JwtValidator(options, new JwtKeySet(s_hmac, s_ec), new FakeTimeProvider(s_now));
    }

    private static JwtValidationResult ValidateOrFail(JwtValidator validator, string token, int seed, int iteration)
    {
        JwtValidationResult result = default;
        Exception? thrown = Record.Exception(() => result = validator.Validate(token));
        if (thrown is not null)
        {
            Assert.Fail($"seed {seed}, iteration {iteration}: Validate threw {thrown.GetType().Name}: {thrown.Message}\ntoken: {Escape(token)}");
        }

        return result;
    }

    private static void Expect(bool condition, int seed, int iteration, string token, string what)
    {
        if (!condition)
        {
            Assert.Fail($"seed {seed}, iteration {iteration}: {what}\ntoken: {Escape(token)}");
        }
    }

    private static string Assemble(JwtKey key, byte[] header, byte[] payload)
    {
        string signingInput = Base64Url.EncodeToString(header) + "." + Base64Url.EncodeToString(payload);
        byte[] signature = new byte[key.SignatureSize];
        int written = key.Sign(Encoding.ASCII.GetBytes(signingInput), signature);
        return signingInput + "." + Base64Url.EncodeToString(signature.AsSpan(0, written));
    }

    /// <summary>Printable ASCII as is, everything else as \uXXXX; long text is shortened.</summary>
    private static string Escape(string text)
    {
        var escaped = new StringBuilder();
        foreach (char c in text.Length > 600 ? text[..600] : text)
        {
            if (c is >= ' ' and <= '~' && c != '\\')
            {
                escaped.Append(c);
            }
            else
            {
                escaped.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            }
        }

        return text.Length > 600 ? escaped.Append("...").ToString() : escaped.ToString();
    }
}
