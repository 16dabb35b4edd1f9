using Tessera.Jwt;
using Tessera.Server.Keys;

namespace Tessera.Server.Data.Tests.Keys;

/// <summary>The key store contract on files (a new temporary folder per test), and what only files do.</summary>
public sealed class FileSigningKeyStoreTests : SigningKeyStoreContractTests
{
    private readonly string _folder = Path.Combine(Directory.CreateTempSubdirectory("tessera-keys-").FullName, "keys");

    private protected override Task<ISigningKeyStore> OpenStorageAsync() => Task.FromResult<ISigningKeyStore>(new FileSigningKeyStore(_folder));

    protected override Task DeleteStorageAsync()
    {
        Directory.Delete(Path.GetDirectoryName(_folder)!, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Add_MakesTheFolderOwnerOnly_AndTheFileOwnerReadWrite_NamedByItsTimes()
    {
        SigningKeyRecord key = SigningKeyRecord.Generate(DateTimeOffset.Parse("2026-12-02T10:00:00.123Z", System.Globalization.CultureInfo.InvariantCulture), DateTimeOffset.Parse("2026-12-02T10:06:00.123Z", System.Globalization.CultureInfo.InvariantCulture));

        await Store.AddAsync(key, default);

        string file = Assert.Single(Directory.GetFiles(_folder, "*.jwk"));
        Assert.Equal($"20261202T100000123Z-20261202T100600123Z-{key.KeyId}.jwk", Path.GetFileName(file));
        Assert.Equal(key.PrivateJwk, await File.ReadAllTextAsync(file));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_folder));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }

        Assert.Empty(Directory.GetFiles(_folder, "*.tmp", SearchOption.AllDirectories)); // written aside, then renamed
    }

    [Fact]
    public async Task AVersion1File_NamedByItsCreation_SignsFromItsCreation()
    {
        Directory.CreateDirectory(_folder);
        using JwtKey key = JwtKey.Generate(JwtAlgorithm.ES256);
        await File.WriteAllTextAsync(Path.Combine(_folder, "20250101T000000000Z.jwk"), key.ToJwk(includePrivateParameters: true));

        SigningKeyRecord read = Assert.Single(await Store.ListAsync(default));

        Assert.Equal(key.KeyId, read.KeyId);
        Assert.Equal(DateTimeOffset.Parse("2025-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture), read.CreatedAt);
        Assert.Equal(read.CreatedAt, read.ActivatesAt);
    }

    [Theory]
    [InlineData("backup.jwk", "{}", "is not named")]
    [InlineData("20250101T000000000Z.jwk", "{\"kty\":\"EC\"}", "is not a JWK")]
    public async Task AFileThatIsNotAKey_IsAnErrorNamingIt(string name, string content, string message)
    {
        Directory.CreateDirectory(_folder);
        await File.WriteAllTextAsync(Path.Combine(_folder, name), content);

        InvalidDataException error = await Assert.ThrowsAsync<InvalidDataException>(() => Store.ListAsync(default));

        Assert.Contains(name, error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
