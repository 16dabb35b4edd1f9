using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using Tessera.Jwt;
using Tessera.Sessions;
using Tessera.Tokens;

namespace Tessera.Tests.Tokens;

/// <summary>A token service over a fresh in-memory store and a fake clock (2026-01-01T00:00:00Z); nothing sleeps.</summary>
internal sealed class TokenTestHost : IDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public const string Issuer = "https://auth.example";
    public const string Audience = "api";

    public TokenTestHost(Action<SessionTokenOptions>? configure = null, JwtAlgorithm algorithm = JwtAlgorithm.HS256, IMeterFactory? meterFactory = null)
    {
        Time = new FakeTimeProvider(Start);
        Store = new InMemorySessionStore(new InMemorySessionStoreOptions { CollectionInterval = TimeSpan.Zero }, Time);
        Options = new SessionTokenOptions { Issuer = Issuer, Audience = Audience };
        configure?.Invoke(Options);
        Key = NewKey(algorithm, "k1");
        Service = new SessionTokenService(Options, Store, Key, timeProvider: Time, meterFactory: meterFactory);
    }

    public FakeTimeProvider Time { get; }

    public InMemorySessionStore Store { get; }

    public SessionTokenOptions Options { get; }

    public JwtKey Key { get; }

    public SessionTokenService Service { get; }

    public static JwtKey NewKey(JwtAlgorithm algorithm, string keyId) =>
        algorithm is JwtAlgorithm.HS256 ? JwtKey.CreateHmac(RandomNumberGenerator.GetBytes(32), algorithm, keyId) : JwtKey.Generate(algorithm, keyId);

    public static SessionUser User(string id = "user-1", params string[] roles) => new(id, "Name of " + id, roles);

    public async Task<IssuedTokens> SignInAsync(string userId = "user-1", SessionClientInfo? client = null)
    {
        SignInResult result = await Service.SignInAsync(User(userId, "reader"), client);
        Assert.True(result.Succeeded, result.ErrorCode);
        return result.Tokens!;
    }

    public async Task<IssuedTokens> RefreshAsync(string refreshToken)
    {
        RefreshResult result = await Service.RefreshAsync(refreshToken);
        Assert.True(result.Succeeded, result.Error.ToString());
        return result.Tokens!;
    }

    public async Task<AuthenticationError> AuthenticateAsync(string accessToken) => (await Service.AuthenticateAsync(accessToken)).Error;

    public void Dispose()
    {
        Service.Dispose();
        Store.Dispose();
        Key.Dispose();
    }
}
