using Tessera.Jwt;
using Tessera.Server.Keys;

namespace Tessera.Server.Data.Tests.Keys;

/// <summary>
/// The <see cref="ISigningKeyStore"/> contract, run against every writable implementation (files and PostgreSQL): each
/// clause of its doc comments is a test here. Each test starts on empty storage of its own.
/// </summary>
public abstract class SigningKeyStoreContractTests : IAsyncLifetime
{
    private static readonly DateTimeOffset s_start = DateTimeOffset.FromUnixTimeMilliseconds(1_750_000_000_123);
    private readonly List<ISigningKeyStore> _opened = [];
    private ISigningKeyStore? _store;

    private protected ISigningKeyStore Store => _store ?? throw new InvalidOperationException("Not initialized.");

    public async Task InitializeAsync() => _store = await OpenAsync();

    public async Task DisposeAsync()
    {
        foreach (ISigningKeyStore store in _opened)
        {
            await store.DisposeAsync();
        }

        await DeleteStorageAsync();
    }

    /// <summary>Opens an instance on this test's storage: empty on the first call; the same storage on later calls.</summary>
    private protected abstract Task<ISigningKeyStore> OpenStorageAsync();

    /// <summary>Removes this test's storage once every instance is disposed.</summary>
    protected abstract Task DeleteStorageAsync();

    [Fact]
    public async Task List_OnEmptyStorage_IsEmpty_AndTheStoreIsWritable()
    {
        Assert.Empty(await Store.ListAsync(default));
        Assert.False(Store.IsReadOnly);
        Assert.False(string.IsNullOrWhiteSpace(Store.Description));
    }

    [Fact]
    public async Task Add_ThenList_ReturnsTheRecordFieldByField_WithAPrivateKeyThatSigns()
    {
        SigningKeyRecord key = SigningKeyRecord.Generate(s_start, s_start.AddMinutes(6));

        Assert.True(await Store.AddAsync(key, default));

        SigningKeyRecord read = Assert.Single(await Store.ListAsync(default));
        Assert.Equal(key, read);
        using JwtKey parsed = read.ToKey();
        Assert.True(parsed.CanSign);
        Assert.Equal(key.KeyId, parsed.KeyId);
        Assert.Equal(JwtAlgorithm.ES256, parsed.Algorithm);
        string token = new JwtSigner(parsed).Sign(new JwtBuilder().Subject("u-1"));
        Assert.True(new JwtValidator(new JwtValidationOptions { ValidateIssuer = false, ValidateAudience = false, RequireExpirationTime = false }, new JwtKeySet(parsed)).Validate(token).IsValid);
    }

    [Fact]
    public async Task List_IsOldestFirst_ByCreationThenKid()
    {
        SigningKeyRecord newest = SigningKeyRecord.Generate(s_start.AddMinutes(2), s_start.AddMinutes(2));
        SigningKeyRecord oldest = SigningKeyRecord.Generate(s_start, s_start.AddHours(1)); // activation does not order
        SigningKeyRecord middle = SigningKeyRecord.Generate(s_start.AddMinutes(1), s_start);
        foreach (SigningKeyRecord key in new[] { newest, oldest, middle })
        {
            Assert.True(await Store.AddAsync(key, default));
        }

        Assert.Equal([oldest.KeyId, middle.KeyId, newest.KeyId], (await Store.ListAsync(default)).Select(k => k.KeyId));
    }

    [Fact]
    public async Task Add_AKidThatExists_ReturnsFalseAndChangesNothing()
    {
        SigningKeyRecord key = SigningKeyRecord.Generate(s_start, s_start);
        Assert.True(await Store.AddAsync(key, default));

        Assert.False(await Store.AddAsync(key with { CreatedAt = s_start.AddMinutes(1) }, default));

        Assert.Equal(key, Assert.Single(await Store.ListAsync(default)));
    }

    [Fact]
    public async Task AddIfEmpty_AddsOnlyToAnEmptyStore()
    {
        SigningKeyRecord first = SigningKeyRecord.Generate(s_start, s_start);
        SigningKeyRecord second = SigningKeyRecord.Generate(s_start.AddSeconds(1), s_start.AddSeconds(1));

        Assert.True(await Store.AddIfEmptyAsync(first, default));
        Assert.False(await Store.AddIfEmptyAsync(second, default));

        Assert.Equal(first, Assert.Single(await Store.ListAsync(default)));
    }

    [Fact]
    public async Task AddIfEmpty_ByManyInstancesAtOnce_ExactlyOneAdds()
    {
        ISigningKeyStore[] nodes = [Store, .. await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => OpenAsync()))];
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<bool>[] attempts = [.. nodes.SelectMany(node => Enumerable.Range(0, 2)).Select((node, i) => Task.Run(async () =>
        {
            await start.Task;
            return await nodes[i % nodes.Length].AddIfEmptyAsync(SigningKeyRecord.Generate(s_start, s_start), default);
        }))];
        start.SetResult();

        bool[] added = await Task.WhenAll(attempts);

        Assert.Equal(1, added.Count(a => a));
        Assert.Single(await Store.ListAsync(default));
    }

    [Fact]
    public async Task Remove_RemovesThatKeyOnly_AndSaysWhetherThereWasOne()
    {
        SigningKeyRecord a = SigningKeyRecord.Generate(s_start, s_start);
        SigningKeyRecord b = SigningKeyRecord.Generate(s_start.AddSeconds(1), s_start.AddSeconds(1));
        await Store.AddAsync(a, default);
        await Store.AddAsync(b, default);

        Assert.True(await Store.RemoveAsync(a.KeyId, default));
        Assert.False(await Store.RemoveAsync(a.KeyId, default));
        Assert.False(await Store.RemoveAsync("no-such-kid", default));

        Assert.Equal(b, Assert.Single(await Store.ListAsync(default)));
    }

    [Fact]
    public async Task WritesOfOneInstance_AreSeenByAnotherOnTheSameStorage()
    {
        ISigningKeyStore other = await OpenAsync();
        SigningKeyRecord key = SigningKeyRecord.Generate(s_start, s_start);

        await Store.AddAsync(key, default);
        Assert.Equal(key, Assert.Single(await other.ListAsync(default)));

        await other.RemoveAsync(key.KeyId, default);
        Assert.Empty(await Store.ListAsync(default));
    }

    [Fact]
    public async Task Record_ToString_LeavesThePrivateKeyOut()
    {
        SigningKeyRecord key = SigningKeyRecord.Generate(s_start, s_start);
        await Store.AddAsync(key, default);

        string text = (await Store.ListAsync(default))[0].ToString();

        Assert.Contains(key.KeyId, text, StringComparison.Ordinal);
        Assert.DoesNotContain("\"d\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain(key.PrivateJwk, text, StringComparison.Ordinal);
    }

    private async Task<ISigningKeyStore> OpenAsync()
    {
        ISigningKeyStore store = await OpenStorageAsync();
        _opened.Add(store);
        return store;
    }
}
