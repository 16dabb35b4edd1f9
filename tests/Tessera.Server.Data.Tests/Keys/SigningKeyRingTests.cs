using Microsoft.Extensions.Time.Testing;
using Tessera.Jwt;
using Tessera.Server.Keys;
using Tessera.Sessions;
using Tessera.Tokens;

namespace Tessera.Server.Data.Tests.Keys;

/// <summary>
/// The key ring over a store of files (a temporary folder) with a fake clock: which key signs, pending keys, following
/// the store without a restart, failures keeping the keys.
/// </summary>
public sealed class SigningKeyRingTests : IDisposable
{
    private static readonly SigningKeyRingOptions s_options = new(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(6));
    private readonly string _folder = Directory.CreateTempSubdirectory("tessera-ring-").FullName;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(1_750_000_000_000));
    private readonly FileSigningKeyStore _store;

    public SigningKeyRingTests() => _store = new FileSigningKeyStore(Path.Combine(_folder, "keys"));

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Open_OnAnEmptyStore_MakesOneKeyThatSignsAtOnce()
    {
        using SigningKeyRing ring = await OpenAsync();

        SigningKeyRecord key = Assert.Single(await _store.ListAsync(default));
        Assert.Equal(key.KeyId, ring.SigningKey.KeyId);
        Assert.Equal(_time.GetUtcNow() - TimeSpan.FromSeconds(1), key.ActivatesAt);
        Assert.Equal(SigningKeyState.Signing, ring.StateOf(key));
        Assert.Equal([key.KeyId], ring.Keys.Select(k => k.KeyId));
    }

    [Fact]
    public async Task Rotate_TheNewKeyVerifiesAtOnce_AndSignsOnlyAfterTheActivationDelay()
    {
        using SigningKeyRing ring = await OpenAsync();
        string first = ring.SigningKey.KeyId!;

        SigningKeyRecord next = await ring.RotateAsync(now: false, default);

        Assert.Equal(_time.GetUtcNow() + s_options.ActivationDelay, next.ActivatesAt);
        Assert.Equal(first, ring.SigningKey.KeyId);
        Assert.Equal(SigningKeyState.Pending, ring.StateOf(next));
        Assert.True(ring.Keys.TryGetKey(next.KeyId, out _)); // published (JWKS) and verifying before it signs
        Assert.Contains(next.KeyId, ring.Keys.ToJwks(), StringComparison.Ordinal);

        _time.Advance(s_options.ActivationDelay - TimeSpan.FromMilliseconds(1));
        Assert.False(await ring.RefreshAsync(default));
        Assert.Equal(first, ring.SigningKey.KeyId);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(await ring.RefreshAsync(default));
        Assert.Equal(next.KeyId, ring.SigningKey.KeyId);
        Assert.Equal(SigningKeyState.Verifying, ring.StateOf(ring.Records.Single(r => r.KeyId == first)));
        Assert.Equal([first, next.KeyId], ring.Keys.Select(k => k.KeyId)); // the old key still verifies
    }

    [Fact]
    public async Task Rotate_Now_SignsAtOnce()
    {
        using SigningKeyRing ring = await OpenAsync();

        SigningKeyRecord next = await ring.RotateAsync(now: true, default);

        Assert.Equal(next.KeyId, ring.SigningKey.KeyId);
    }

    [Fact]
    public async Task Refresh_PicksUpAKeyAnotherInstanceAdded_AndOnlyThenChanges()
    {
        using SigningKeyRing ring = await OpenAsync();
        JwtKeySet before = ring.Keys;
        Assert.False(await ring.RefreshAsync(default));
        Assert.Same(before, ring.Keys); // no change, no new set (so the validated-token cache stays)

        // Another node (or the CLI) rotates on the same storage.
        SigningKeyRecord added = await SigningKeyRing.RotateAsync(new FileSigningKeyStore(_store.Folder), s_options, _time, now: false, default);

        Assert.True(await ring.RefreshAsync(default));
        Assert.True(ring.Keys.TryGetKey(added.KeyId, out _));
        Assert.Same(before.First(), ring.Keys.First()); // a key that stays keeps its parsed instance
    }

    [Fact]
    public async Task Bind_TheTokenServiceFollowsTheRing()
    {
        using SigningKeyRing ring = await OpenAsync();
        using var tokens = new SessionTokenService(new SessionTokenOptions { Issuer = "i", Audience = "a" }, new InMemorySessionStore(timeProvider: _time), JwtKey.Generate(JwtAlgorithm.ES256), timeProvider: _time);

        ring.Bind(tokens, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        Assert.Same(ring.SigningKey, tokens.SigningKey);
        Assert.Same(ring.Keys, tokens.ValidationKeys);

        SigningKeyRecord next = await ring.RotateAsync(now: true, default);
        Assert.Equal(next.KeyId, tokens.SigningKey.KeyId);
        Assert.Same(ring.Keys, tokens.ValidationKeys);
    }

    [Fact]
    public async Task Refresh_WhenTheStoreCannotBeRead_ThrowsAndKeepsTheKeys()
    {
        using SigningKeyRing ring = await OpenAsync();
        JwtKey signing = ring.SigningKey;
        await File.WriteAllTextAsync(Path.Combine(_store.Folder, "garbage.jwk"), "not a key");

        await Assert.ThrowsAsync<InvalidDataException>(() => ring.RefreshAsync(default));

        Assert.Same(signing, ring.SigningKey);
        Assert.Single(ring.Keys);
    }

    [Fact]
    public async Task Refresh_OfAnEmptiedStore_IsRefusedAndKeepsTheKeys()
    {
        using SigningKeyRing ring = await OpenAsync();
        JwtKey signing = ring.SigningKey;
        File.Delete(Assert.Single(Directory.GetFiles(_store.Folder, "*.jwk")));

        await Assert.ThrowsAsync<InvalidDataException>(() => ring.RefreshAsync(default));

        Assert.Same(signing, ring.SigningKey);
    }

    [Fact]
    public async Task Retire_RemovesAnOldKey_RefusesTheSigningOne_AndSaysNotFound()
    {
        using SigningKeyRing ring = await OpenAsync();
        string first = ring.SigningKey.KeyId!;
        SigningKeyRecord next = await ring.RotateAsync(now: true, default);

        Assert.Equal(RetireResult.SignsNow, await ring.RetireAsync(next.KeyId, default));
        Assert.Equal(RetireResult.NotFound, await ring.RetireAsync("no-such-kid", default));
        Assert.Equal(RetireResult.Retired, await ring.RetireAsync(first, default));

        Assert.Equal([next.KeyId], ring.Keys.Select(k => k.KeyId));
        Assert.Equal(next.KeyId, Assert.Single(await _store.ListAsync(default)).KeyId);
    }

    [Fact]
    public void ChooseSigningKey_IsTheLastActivated_OrWhenNoneIsTheFirstToActivate()
    {
        DateTimeOffset now = _time.GetUtcNow();
        SigningKeyRecord old = SigningKeyRecord.Generate(now.AddHours(-2), now.AddHours(-2));
        SigningKeyRecord current = SigningKeyRecord.Generate(now.AddHours(-1), now.AddMinutes(-1));
        SigningKeyRecord pending = SigningKeyRecord.Generate(now, now.AddMinutes(5));
        SigningKeyRecord later = SigningKeyRecord.Generate(now, now.AddMinutes(9));

        Assert.Equal(current, SigningKeyRing.ChooseSigningKey([old, current, pending, later], now));
        Assert.Equal(pending, SigningKeyRing.ChooseSigningKey([later, pending], now));
        Assert.Null(SigningKeyRing.ChooseSigningKey([], now));
        Assert.Equal(SigningKeyState.Pending, SigningKeyRing.StateOf(pending, current, now));
        Assert.Equal(SigningKeyState.Verifying, SigningKeyRing.StateOf(old, current, now));
    }

    /// <summary>Opens the ring, then moves the clock on a second, so a later key is made (and activates) after the first.</summary>
    private async Task<SigningKeyRing> OpenAsync()
    {
        SigningKeyRing ring = await SigningKeyRing.OpenAsync(_store, s_options, _time, default);
        _time.Advance(TimeSpan.FromSeconds(1));
        return ring;
    }
}
