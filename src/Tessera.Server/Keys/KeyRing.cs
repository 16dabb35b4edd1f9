using System.Globalization;
using Tessera.Jwt;

namespace Tessera.Server.Keys;

/// <summary>
/// The server's signing keys, one private JWK file each in <c>&lt;data&gt;/keys</c>, readable by the owner only. The
/// newest signs; all verify (so tokens signed before a rotation stay valid until they expire).
/// </summary>
/// <remarks>
/// File layout (version 1): <c>keys/&lt;yyyyMMddTHHmmssfffZ&gt;.jwk</c>, each a private JWK (RFC 7517) with its
/// <c>kid</c> and <c>alg</c>; the name orders keys by creation. The folder is created with mode 700 and each file with
/// 600 before anything is written to it.
/// </remarks>
internal sealed class KeyRing
{
    private const string Extension = ".jwk";
    private readonly string _folder;
    private readonly TimeProvider _time;

    public KeyRing(string dataFolder, TimeProvider time)
    {
        _folder = Path.Combine(dataFolder, "keys");
        _time = time;
    }

    /// <summary>The key files, oldest first.</summary>
    public IReadOnlyList<string> Files => Directory.Exists(_folder)
        ? [.. Directory.GetFiles(_folder, "*" + Extension).Order(StringComparer.Ordinal)]
        : [];

    /// <summary>Loads every key (oldest first), generating the first one when there is none.</summary>
    public IReadOnlyList<JwtKey> LoadOrCreate()
    {
        if (Files.Count == 0)
        {
            Rotate();
        }

        return [.. Files.Select(f => JwtKey.FromJwk(File.ReadAllText(f)))];
    }

    /// <summary>Generates a new ES256 key that becomes the signing key at the next start; returns its file.</summary>
    public string Rotate()
    {
        if (!OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(_folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        else
        {
            Directory.CreateDirectory(_folder);
        }

        using JwtKey key = JwtKey.Generate(JwtAlgorithm.ES256);
        string path = Path.Combine(_folder, _time.GetUtcNow().ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture) + Extension);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(path, System.Text.Encoding.UTF8, options))
        {
            writer.Write(key.ToJwk(includePrivateParameters: true));
        }

        return path;
    }
}
