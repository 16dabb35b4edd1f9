using Tessera.Credentials;
using Tessera.Tests.Tokens;
using Tessera.Tokens;

namespace Tessera.Tests.Credentials;

/// <summary>The login flow and the built-in password hasher.</summary>
public sealed class PasswordSignInServiceTests
{
    private const int Iterations = Pbkdf2PasswordHasher.MinIterations; // production uses 600,000; tests hash many times

    [Fact]
    public void Pbkdf2_HashThenVerify_MatchesOnlyTheRightPassword()
    {
        var hasher = new Pbkdf2PasswordHasher(Iterations);

        string hash = hasher.Hash("correct horse");

        Assert.StartsWith("pbkdf2-sha256$1000$", hash, StringComparison.Ordinal);
        Assert.Equal(PasswordVerification.Success, hasher.Verify(hash, "correct horse"));
        Assert.Equal(PasswordVerification.Failed, hasher.Verify(hash, "correct horsE"));
        Assert.Equal(PasswordVerification.Failed, hasher.Verify(hash, ""));
        Assert.NotEqual(hash, hasher.Hash("correct horse")); // a new salt each time
    }

    [Theory]
    [InlineData("")]
    [InlineData("plain-text")]
    [InlineData("pbkdf2-sha256$1000$AAAA$AAAA")]
    [InlineData("pbkdf2-sha256$999$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("pbkdf2-sha256$-1000$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("pbkdf2-sha1$1000$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("pbkdf2-sha256$1000$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA$x")]
    public void Pbkdf2_UnreadableHash_Failed(string hash)
    {
        Assert.Equal(PasswordVerification.Failed, new Pbkdf2PasswordHasher(Iterations).Verify(hash, "pw"));
    }

    [Fact]
    public void Pbkdf2_HashWithFewerIterationsThanConfigured_SuccessRehashNeeded()
    {
        string old = new Pbkdf2PasswordHasher(Iterations).Hash("pw");

        var stronger = new Pbkdf2PasswordHasher(Iterations * 2);

        Assert.Equal(PasswordVerification.SuccessRehashNeeded, stronger.Verify(old, "pw"));
        Assert.Equal(PasswordVerification.Failed, stronger.Verify(old, "other"));
        Assert.Equal(PasswordVerification.Success, stronger.Verify(stronger.Hash("pw"), "pw"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Pbkdf2PasswordHasher(Iterations - 1));
    }

    [Fact]
    public async Task SignInAsync_RightPassword_SignsInWithTheStoredUser()
    {
        using var host = new TokenTestHost();
        var hasher = new CountingHasher(new Pbkdf2PasswordHasher(Iterations));
        var users = new FakeCredentialStore(hasher, ("alice", "pw-alice", false));
        var login = new PasswordSignInService(host.Service, users, hasher);

        SignInResult result = await login.SignInAsync("alice", "pw-alice");

        Assert.True(result.Succeeded);
        AuthenticationResult auth = await host.Service.AuthenticateAsync(result.Tokens!.AccessToken);
        Assert.Equal("id-alice", auth.UserId);
        Assert.Equal("alice", auth.Claims!.GetString("name"));
    }

    [Fact]
    public async Task SignInAsync_UnknownUserWrongPasswordDisabled_SameAnswerAfterSameWork()
    {
        using var host = new TokenTestHost();
        var hasher = new CountingHasher(new Pbkdf2PasswordHasher(Iterations));
        var users = new FakeCredentialStore(hasher, ("alice", "pw-alice", false), ("mallory", "pw-mallory", true));
        var login = new PasswordSignInService(host.Service, users, hasher);

        var outcomes = new List<(SignInError Error, string? Code, int Lookups, int Verifies, int VerifiedIterations)>();
        foreach ((string name, string password) in new[] { ("nobody", "pw-alice"), ("alice", "wrong"), ("mallory", "pw-mallory") })
        {
            users.Lookups = 0;
            hasher.Verifies = 0;
            SignInResult result = await login.SignInAsync(name, password);
            outcomes.Add((result.Error, result.ErrorCode, users.Lookups, hasher.Verifies, hasher.LastVerifiedIterations));
            Assert.Null(result.Tokens);
        }

        // One lookup and one verification against a hash of the same cost, whatever the reason.
        Assert.All(outcomes, o => Assert.Equal((SignInError.InvalidCredentials, "invalid_credentials", 1, 1, Iterations), o));
        Assert.Equal(0, (await host.Store.GetCountsAsync(default)).Sessions);
    }

    [Theory]
    [InlineData(null, "pw")]
    [InlineData("", "pw")]
    [InlineData("alice", null)]
    [InlineData("alice", "")]
    public async Task SignInAsync_MissingInput_InvalidCredentialsWithoutLookup(string? name, string? password)
    {
        using var host = new TokenTestHost();
        var hasher = new CountingHasher(new Pbkdf2PasswordHasher(Iterations));
        var users = new FakeCredentialStore(hasher, ("alice", "pw-alice", false));

        SignInResult result = await new PasswordSignInService(host.Service, users, hasher).SignInAsync(name, password);

        Assert.Equal(SignInError.InvalidCredentials, result.Error);
        Assert.Equal(0, users.Lookups);
    }

    [Fact]
    public async Task SignInAsync_OverlongInput_InvalidCredentialsWithoutLookup()
    {
        using var host = new TokenTestHost();
        var hasher = new CountingHasher(new Pbkdf2PasswordHasher(Iterations));
        var users = new FakeCredentialStore(hasher, ("alice", "pw-alice", false));
        var login = new PasswordSignInService(host.Service, users, hasher);

        SignInResult result = await login.SignInAsync("alice", new string('x', PasswordSignInService.MaxInputLength + 1));

        Assert.Equal(SignInError.InvalidCredentials, result.Error);
        Assert.Equal(0, users.Lookups);
    }

    [Fact]
    public async Task SignInAsync_HashNeedsRehash_StoresStrongerHashAndSignsIn()
    {
        using var host = new TokenTestHost();
        var users = new FakeCredentialStore(new Pbkdf2PasswordHasher(Iterations), ("alice", "pw-alice", false));
        var stronger = new Pbkdf2PasswordHasher(Iterations * 2);
        var login = new PasswordSignInService(host.Service, users, stronger);

        SignInResult result = await login.SignInAsync("alice", "pw-alice");

        Assert.True(result.Succeeded);
        Assert.Equal(PasswordVerification.Success, stronger.Verify(users.HashOf("id-alice"), "pw-alice"));
    }

    private sealed class CountingHasher(IPasswordHasher inner) : IPasswordHasher
    {
        public int Verifies { get; set; }

        public int LastVerifiedIterations { get; private set; }

        public string Hash(string password) => inner.Hash(password);

        public PasswordVerification Verify(string passwordHash, string password)
        {
            Verifies++;
            LastVerifiedIterations = int.Parse(passwordHash.Split('$')[1], System.Globalization.CultureInfo.InvariantCulture);
            return inner.Verify(passwordHash, password);
        }
    }

    private sealed class FakeCredentialStore : ICredentialStore
    {
        private readonly Dictionary<string, StoredCredential> _byName = new(StringComparer.OrdinalIgnoreCase);

        public FakeCredentialStore(IPasswordHasher hasher, params (string Name, string Password, bool Disabled)[] users)
        {
            foreach ((string name, string password, bool disabled) in users)
            {
                _byName[name] = new StoredCredential(new SessionUser("id-" + name, name, ["user"]), hasher.Hash(password), disabled);
            }
        }

        public int Lookups { get; set; }

        public string HashOf(string userId) => _byName.Values.Single(c => c.User.Id == userId).PasswordHash;

        public ValueTask<StoredCredential?> FindByNameAsync(string userName, CancellationToken cancellationToken)
        {
            Lookups++;
            return ValueTask.FromResult(_byName.GetValueOrDefault(userName));
        }

        public ValueTask UpdatePasswordHashAsync(string userId, string passwordHash, CancellationToken cancellationToken)
        {
            StoredCredential current = _byName.Values.Single(c => c.User.Id == userId);
            _byName[current.User.Name!] = current with { PasswordHash = passwordHash };
            return ValueTask.CompletedTask;
        }
    }
}
