// Stateful JWT in one screen: a user signs in with a password, calls an API with the access token, refreshes
// (the refresh token is one-time), a stolen old refresh token is replayed (reuse: the session is revoked), and
// an administrator kicks a user whose token has not expired. A fake clock moves time; nothing sleeps.
using Microsoft.Extensions.Time.Testing;
using Tessera.Credentials;
using Tessera.Jwt;
using Tessera.Sessions;
using Tessera.Tokens;

var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
using var store = new InMemorySessionStore(new InMemorySessionStoreOptions(), clock);
using JwtKey key = JwtKey.Generate(JwtAlgorithm.ES256, keyId: "2026-12");
using var tokens = new SessionTokenService(new SessionTokenOptions { Issuer = "https://auth.example", Audience = "api" }, store, key, timeProvider: clock);

var hasher = new Pbkdf2PasswordHasher();
var users = new DemoUsers(hasher);
var login = new PasswordSignInService(tokens, users, hasher);

Console.WriteLine($"wrong password:  {(await login.SignInAsync("alice", "guess")).ErrorCode}");
Console.WriteLine($"unknown user:    {(await login.SignInAsync("nobody", "guess")).ErrorCode}");

SignInResult signIn = await login.SignInAsync("alice", "correct horse battery staple", new SessionClientInfo("203.0.113.7", "demo/1.0"));
IssuedTokens first = signIn.Tokens!;
Console.WriteLine($"signed in:       session {first.SessionId}, access token for {first.ExpiresIn} s, refresh for {first.RefreshExpiresIn} s");

AuthenticationResult call = await tokens.AuthenticateAsync(first.AccessToken);
Console.WriteLine($"API call:        {(call.Succeeded ? "ok" : call.ErrorCode)} as {call.UserId} roles={string.Join(",", call.Claims!.TryGetStringArray("roles", out string[]? roles) ? roles : [])}");

clock.Advance(TimeSpan.FromMinutes(4));
RefreshResult refreshed = await tokens.RefreshAsync(first.RefreshToken);
Console.WriteLine($"refresh:         {(refreshed.Succeeded ? "rotated" : refreshed.ErrorCode)}");
RefreshResult twoTabs = await tokens.RefreshAsync(first.RefreshToken);
Console.WriteLine($"same token again (within the grace): {(twoTabs.IsGraceRepeat && twoTabs.Tokens!.RefreshToken == refreshed.Tokens!.RefreshToken ? "same successor, no second rotation" : "?")}");

clock.Advance(TimeSpan.FromMinutes(1));
RefreshResult replay = await tokens.RefreshAsync(first.RefreshToken);
Console.WriteLine($"replayed later:  {replay.ErrorCode} ({replay.Error}) -> newest token: {(await tokens.AuthenticateAsync(refreshed.Tokens!.AccessToken)).ErrorCode}");

IssuedTokens laptop = (await login.SignInAsync("alice", "correct horse battery staple")).Tokens!;
Console.WriteLine($"new sign-in:     {(await tokens.AuthenticateAsync(laptop.AccessToken)).Succeeded}");
await tokens.RevokeUserSessionsAsync("u-alice");
Console.WriteLine($"after a kick:    {(await tokens.AuthenticateAsync(laptop.AccessToken)).ErrorCode}, although exp is {laptop.AccessTokenExpiresAt:HH:mm:ss}");

return 0;

/// <summary>One user, with a password hash made at start-up.</summary>
internal sealed class DemoUsers(IPasswordHasher hasher) : ICredentialStore
{
    private readonly StoredCredential _alice = new(new SessionUser("u-alice", "alice", ["reader"]), hasher.Hash("correct horse battery staple"));

    public ValueTask<StoredCredential?> FindByNameAsync(string userName, CancellationToken cancellationToken) =>
        ValueTask.FromResult(userName == "alice" ? _alice : null);

    public ValueTask UpdatePasswordHashAsync(string userId, string passwordHash, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
