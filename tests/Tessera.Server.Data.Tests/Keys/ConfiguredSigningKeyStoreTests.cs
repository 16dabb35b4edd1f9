using Microsoft.Extensions.Configuration;
using Tessera.Jwt;
using Tessera.Server.Keys;

namespace Tessera.Server.Data.Tests.Keys;

/// <summary>Read-only keys from configuration (<c>Tessera:SigningKeys</c>, <c>Tessera:SigningKeyId</c>).</summary>
public sealed class ConfiguredSigningKeyStoreTests : IDisposable
{
    private readonly JwtKey _a = JwtKey.Generate(JwtAlgorithm.ES256);
    private readonly JwtKey _b = JwtKey.Generate(JwtAlgorithm.RS256);

    public void Dispose()
    {
        _a.Dispose();
        _b.Dispose();
    }

    [Fact]
    public async Task OneKey_Signs_WithoutNamingIt()
    {
        using SigningKeyRing ring = await SigningKeyRing.OpenAsync(Store(_a.ToJwk(true), null), SigningKeyRingOptions.Default, TimeProvider.System, default);

        Assert.Equal(_a.KeyId, ring.SigningKey.KeyId);
        Assert.True(ring.SigningKey.CanSign);
    }

    [Fact]
    public async Task ASet_TheNamedKeySigns_TheOthersVerify_AndAReloadIsFollowed()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [ConfiguredSigningKeyStore.KeysSetting] = Set(_a, _b),
            [ConfiguredSigningKeyStore.SigningKeySetting] = _b.KeyId,
        }).Build();
        var store = new ConfiguredSigningKeyStore(configuration);
        using SigningKeyRing ring = await SigningKeyRing.OpenAsync(store, SigningKeyRingOptions.Default, TimeProvider.System, default);

        Assert.Equal(_b.KeyId, ring.SigningKey.KeyId);
        Assert.Equal(2, ring.Keys.Count);
        Assert.Equal(SigningKeyState.Verifying, ring.StateOf(ring.Records.Single(r => r.KeyId == _a.KeyId)));

        configuration[ConfiguredSigningKeyStore.SigningKeySetting] = _a.KeyId; // a provider that reloads
        Assert.True(await ring.RefreshAsync(default));
        Assert.Equal(_a.KeyId, ring.SigningKey.KeyId);
    }

    [Fact]
    public async Task Writes_AreRefusedAndChangeNothing()
    {
        ConfiguredSigningKeyStore store = Store(_a.ToJwk(true), null);
        SigningKeyRecord key = SigningKeyRecord.Generate(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);

        Assert.True(store.IsReadOnly);
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.AddAsync(key, default));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.AddIfEmptyAsync(key, default));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.RemoveAsync(_a.KeyId!, default));
        Assert.Single(await store.ListAsync(default));
    }

    [Theory]
    [InlineData("missing", "is not set")]
    [InlineData("not json", "is not a JWK Set")]
    [InlineData("public", "a public key")]
    [InlineData("two-unnamed", "set Tessera:SigningKeyId")]
    [InlineData("unknown-id", "is not a kid")]
    [InlineData("empty", "holds no key")]
    public async Task BadConfiguration_IsAClearErrorWithoutKeyMaterial(string kind, string message)
    {
        ConfiguredSigningKeyStore store = kind switch
        {
            "missing" => Store(null, null),
            "not json" => Store("{not json", null),
            "public" => Store(_a.ToJwk(false), null),
            "two-unnamed" => Store(Set(_a, _b), null),
            "unknown-id" => Store(_a.ToJwk(true), "other"),
            _ => Store("{\"keys\":[]}", null),
        };

        InvalidDataException error = await Assert.ThrowsAsync<InvalidDataException>(() => store.ListAsync(default));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("\"d\":", error.Message, StringComparison.Ordinal);
    }

    private static string Set(params JwtKey[] keys) => "{\"keys\":[" + string.Join(",", keys.Select(k => k.ToJwk(true))) + "]}";

    private static ConfiguredSigningKeyStore Store(string? keys, string? signingKeyId) =>
        new(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [ConfiguredSigningKeyStore.KeysSetting] = keys,
            [ConfiguredSigningKeyStore.SigningKeySetting] = signingKeyId,
        }).Build());
}
