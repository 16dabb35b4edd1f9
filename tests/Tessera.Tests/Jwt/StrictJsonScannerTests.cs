using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Tessera.Jwt;

namespace Tessera.Tests.Jwt;

/// <summary>
/// The claims set is read by <see cref="StrictJsonScanner"/> for speed, the header (and <see cref="JwtClaims"/>)
/// by <see cref="Utf8JsonReader"/>. These tests hold the two to the same verdict on every document, so that a
/// payload the scanner accepts can always be parsed later, and nothing the strict reader refuses slips through.
/// </summary>
public sealed class StrictJsonScannerTests
{
    private const string Alphabet = "{}[]\":,\\ tfnrue0123456789-+.eEabu\t\n\r/\u00e9\u0001";

    [Theory]
    [InlineData("{}", true)]
    [InlineData("{\"a\":1}", true)]
    [InlineData(" {\"a\" : [1, -0, 0.5, 1e3, 1E-3, 2.5e+10, true, false, null, \"x\", {}, []] } ", true)]
    [InlineData("{\"a\\u0062\":\"\\ud83d\\ude00\\n\\\"\"}", true)]
    [InlineData("{\"a\":01}", false)]
    [InlineData("{\"a\":1.}", false)]
    [InlineData("{\"a\":.5}", false)]
    [InlineData("{\"a\":+1}", false)]
    [InlineData("{\"a\":1e}", false)]
    [InlineData("{\"a\":-}", false)]
    [InlineData("{\"a\":tru}", false)]
    [InlineData("{\"a\":truex}", false)]
    [InlineData("{\"a\":1,}", false)]
    [InlineData("{\"a\":[1,]}", false)]
    [InlineData("{\"a\" 1}", false)]
    [InlineData("{a:1}", false)]
    [InlineData("{\"a\":'x'}", false)]
    [InlineData("{\"a\":\"\u0001\"}", false)]
    [InlineData("{\"a\":\"\\x\"}", false)]
    [InlineData("{\"a\":\"\\u12\"}", false)]
    [InlineData("{\"a\":\"\\ud800\"}", false)]
    [InlineData("{\"a\":\"\\udc00x\"}", false)]
    [InlineData("{\"a\":1,\"a\":2}", false)]
    [InlineData("{\"a\":1,\"\\u0061\":2}", false)]
    [InlineData("{\"x\":{\"a\":1,\"a\":2}}", false)]
    [InlineData("{\"x\":[{\"a\":1},{\"a\":2}]}", true)]
    [InlineData("{\"a\":1}/**/", false)]
    [InlineData("{\"a\":1}x", false)]
    [InlineData("{\"a\":1}{}", false)]
    [InlineData("{\"a\":\"unterminated}", false)]
    [InlineData("{\"a\":\"ends in backslash\\", false)]
    [InlineData("{\"a\"\u00a0:1}", false)]
    public void Scanner_KnownDocuments_MatchesExpectationAndReader(string json, bool expected)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(json);
        Assert.Equal(expected, ScannerAccepts(utf8));
        Assert.Equal(expected, ReaderAccepts(utf8));
    }

    [Theory]
    [InlineData(32, true)]
    [InlineData(33, false)]
    public void Scanner_Nesting_MatchesReaderLimit(int containers, bool expected)
    {
        string json = "{\"a\":" + new string('[', containers - 1) + new string(']', containers - 1) + "}";
        byte[] utf8 = Encoding.UTF8.GetBytes(json);
        Assert.Equal(expected, ScannerAccepts(utf8));
        Assert.Equal(expected, ReaderAccepts(utf8));
    }

    [Fact]
    public void Scanner_RandomAndMutatedDocuments_AgreesWithReader()
    {
        const int Seed = 20261128;
        var random = new Random(Seed);
        int accepted = 0;
        for (int i = 0; i < 20_000; i++)
        {
            string json = i % 2 == 0 ? RandomDocument(random, 0) : Mutate(random, RandomDocument(random, 0));
            byte[] utf8 = Encoding.UTF8.GetBytes(json);
            if (!Utf8.IsValid(utf8))
            {
                continue; // the validator checks UTF-8 for the whole document before either reads it
            }

            bool reader = ReaderAccepts(utf8);
            Assert.True(reader == ScannerAccepts(utf8), $"seed {Seed}, case {i}: reader {(reader ? "accepts" : "rejects")} {json}");
            accepted += reader ? 1 : 0;
        }

        // Both verdicts must be well represented, or the comparison proves little.
        Assert.InRange(accepted, 5_000, 15_000);
    }

    private static bool ScannerAccepts(byte[] json)
    {
        var guard = NewGuard(json.Length);
        var scanner = new StrictJsonScanner(json);
        return scanner.Peek() == '{' && scanner.TrySkipValue(ref guard, depth: 0) && scanner.AtEnd();
    }

    private static bool ReaderAccepts(byte[] json)
    {
        var guard = NewGuard(json.Length);
        var reader = new Utf8JsonReader(json, JsonMemberGuard.ReaderOptions);
        try
        {
            return reader.Read() && reader.TokenType == JsonTokenType.StartObject && guard.SkipValue(ref reader) && !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static JsonMemberGuard NewGuard(int length) =>
        new(new long[JsonMemberGuard.EntryCapacity(length) + 1], new byte[JsonMemberGuard.NameCapacity(length) + 1], new int[JsonMemberGuard.MaxDepth + 1]);

    private static string RandomDocument(Random random, int depth)
    {
        var sb = new StringBuilder("{");
        int members = random.Next(depth == 0 ? 1 : 0, 5);
        for (int m = 0; m < members; m++)
        {
            sb.Append(m > 0 ? "," : "").Append(Whitespace(random)).Append(RandomString(random, names: true)).Append(':').Append(Whitespace(random));
            sb.Append(RandomValue(random, depth + 1)).Append(Whitespace(random));
        }

        return sb.Append('}').ToString();
    }

    private static string RandomValue(Random random, int depth) => random.Next(depth > 4 ? 6 : 8) switch
    {
        0 => RandomString(random, names: false),
        1 => random.Next(2) == 0 ? random.Next(-1000, 1000).ToString(System.Globalization.CultureInfo.InvariantCulture) : (random.NextDouble() * 1e6).ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        2 => "true",
        3 => "false",
        4 => "null",
        5 => "1e" + random.Next(-5, 400),
        6 => RandomDocument(random, depth),
        _ => "[" + string.Join(",", Enumerable.Range(0, random.Next(4)).Select(_ => RandomValue(random, depth + 1))) + "]",
    };

    private static string RandomString(Random random, bool names)
    {
        string[] pieces = names
            ? ["a", "b", "exp", "iss", "\\u0061", "\\n"]
            : ["x", "\u00e9", "\\\"", "\\\\", "\\/", "\\b", "\\u00e9", "\\ud83d\\ude00", "\\ud800", "\\udc00", "\\u12G4", "\\q", " "];
        var sb = new StringBuilder("\"");
        for (int i = random.Next(names ? 1 : 0, 4); i > 0; i--)
        {
            sb.Append(pieces[random.Next(pieces.Length)]);
        }

        return sb.Append('"').ToString();
    }

    private static string Whitespace(Random random) => random.Next(6) switch { 0 => " ", 1 => "\n\t", _ => "" };

    private static string Mutate(Random random, string json)
    {
        var chars = new StringBuilder(json);
        for (int n = random.Next(1, 3); n > 0 && chars.Length > 1; n--)
        {
            int at = random.Next(chars.Length);
            switch (random.Next(3))
            {
                case 0: chars.Remove(at, 1); break;
                case 1: chars.Insert(at, Alphabet[random.Next(Alphabet.Length)]); break;
                default: chars[at] = Alphabet[random.Next(Alphabet.Length)]; break;
            }
        }

        return chars.ToString();
    }
}
