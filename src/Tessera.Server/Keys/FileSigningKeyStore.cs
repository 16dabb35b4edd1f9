using System.Globalization;
using Tessera.Jwt;

namespace Tessera.Server.Keys;

/// <summary>
/// Signing keys as files in a folder (default <c>&lt;data&gt;/keys</c>), one private JWK each, readable by the owner
/// only: the embedded default, and the way to bring keys from a secret store that mounts files. The behaviour is
/// <see cref="ISigningKeyStore"/>'s.
/// </summary>
/// <remarks>
/// <para>
/// A key's file is <c>&lt;created&gt;-&lt;activates&gt;-&lt;kid&gt;.jwk</c>, both times UTC as <c>yyyyMMddTHHmmssfffZ</c>,
/// so names order keys by creation (the kid keeps keys made in one millisecond apart);
/// <c>&lt;created&gt;.jwk</c> (how version 1 named keys) signs from its creation. The file is a
/// private JWK (RFC 7517) with its <c>kid</c> and <c>alg</c>. The folder is created with mode 700 and each file with 600
/// before anything is written to it; a key is written to a temporary name and renamed, so a reader never sees half of
/// one. Writers (this process, the CLI, another server on the same folder) take turns on an exclusive lock of
/// <c>.lock</c> in the folder.
/// </para>
/// </remarks>
internal sealed class FileSigningKeyStore : ISigningKeyStore
{
    private const string Extension = ".jwk";
    private const string TimeFormat = "yyyyMMdd'T'HHmmssfff'Z'";
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(10);

    public FileSigningKeyStore(string folder) => Folder = Path.GetFullPath(folder);

    /// <summary>The folder that holds the key files.</summary>
    public string Folder { get; }

    /// <inheritdoc/>
    public string Description => $"files in {Folder}";

    /// <inheritdoc/>
    public bool IsReadOnly => false;

    /// <inheritdoc/>
    public Task<IReadOnlyList<SigningKeyRecord>> ListAsync(CancellationToken cancellationToken) => Task.FromResult(List());

    /// <inheritdoc/>
    public Task<bool> AddAsync(SigningKeyRecord key, CancellationToken cancellationToken) =>
        Task.FromResult(Locked(() => List().Any(k => k.KeyId == key.KeyId) ? false : Write(key)));

    /// <inheritdoc/>
    public Task<bool> AddIfEmptyAsync(SigningKeyRecord key, CancellationToken cancellationToken) =>
        Task.FromResult(Locked(() => List().Count == 0 && Write(key)));

    /// <inheritdoc/>
    public Task<bool> RemoveAsync(string keyId, CancellationToken cancellationToken) => Task.FromResult(Locked(() =>
    {
        foreach ((string path, SigningKeyRecord key) in Read())
        {
            if (key.KeyId == keyId)
            {
                File.Delete(path);
                return true;
            }
        }

        return false;
    }));

    /// <summary>Nothing to release.</summary>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private IReadOnlyList<SigningKeyRecord> List() =>
        [.. Read().Select(f => f.Key).OrderBy(k => k.CreatedAt).ThenBy(k => k.KeyId, StringComparer.Ordinal)];

    private IEnumerable<(string Path, SigningKeyRecord Key)> Read()
    {
        if (!Directory.Exists(Folder))
        {
            yield break;
        }

        foreach (string path in Directory.GetFiles(Folder, "*" + Extension).Order(StringComparer.Ordinal))
        {
            yield return (path, ReadFile(path));
        }
    }

    private static SigningKeyRecord ReadFile(string path)
    {
        string[] parts = Path.GetFileNameWithoutExtension(path).Split('-', 3); // the kid (base64url) may hold '-'
        if (parts.Length is not (1 or 3) || !TryParse(parts[0], out DateTimeOffset created) || !TryParse(parts[parts.Length == 1 ? 0 : 1], out DateTimeOffset activates))
        {
            throw new InvalidDataException($"The key file {path} is not named <created>-<activates>-<kid>.jwk ({TimeFormat}, UTC); move it out of the keys folder.");
        }

        string jwk = File.ReadAllText(path);
        try
        {
            using JwtKey key = JwtKey.FromJwk(jwk);
            return new SigningKeyRecord(key.KeyId!, key.Algorithm, created, activates, jwk);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or System.Text.Json.JsonException or System.Security.Cryptography.CryptographicException)
        {
            throw new InvalidDataException($"The key file {path} is not a JWK: {e.Message}", e);
        }
    }

    private static bool TryParse(string text, out DateTimeOffset time) =>
        DateTimeOffset.TryParseExact(text, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);

    private bool Write(SigningKeyRecord key)
    {
        string name = key.CreatedAt.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture) + "-" +
            key.ActivatesAt.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture) + "-" + key.KeyId + Extension;
        string temporary = Path.Combine(Folder, "." + name + ".tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        {
            using (var writer = new StreamWriter(stream, System.Text.Encoding.UTF8, bufferSize: -1, leaveOpen: true))
            {
                writer.Write(key.PrivateJwk);
            }

            // On disk before the rename makes it visible: after a power loss the key is whole or absent, never an
            // empty file that stops the server from starting.
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, Path.Combine(Folder, name));
        return true;
    }

    /// <summary>Runs <paramref name="write"/> holding the folder's lock (created with the folder when missing).</summary>
    private T Locked<T>(Func<T> write)
    {
        if (!OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(Folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        else
        {
            Directory.CreateDirectory(Folder);
        }

        using FileStream lockFile = TakeLock();
        return write();
    }

    private FileStream TakeLock()
    {
        string path = Path.Combine(Folder, ".lock");
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        while (true)
        {
            try
            {
                // FileShare.None is an exclusive lock (flock on Unix) that other processes and this one respect.
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (System.Diagnostics.Stopwatch.GetElapsedTime(started) < LockTimeout)
            {
                Thread.Sleep(20);
            }
        }
    }
}
