using Tessera.Jwt;
using Tessera.Tokens;

namespace Tessera.Tests.Tokens;

/// <summary>Guards the allocation budget of the per-request path. Counts bytes, never time.</summary>
public sealed class AuthenticateAllocationTests
{
    [Theory]
    [InlineData(JwtAlgorithm.HS256)]
    [InlineData(JwtAlgorithm.ES256)]
    public async Task AuthenticateAsync_RepeatToken_AllocatesNothing(JwtAlgorithm algorithm)
    {
        using var host = new TokenTestHost(algorithm: algorithm);
        IssuedTokens tokens = await host.SignInAsync();
        string token = tokens.AccessToken;

        long least = long.MaxValue;
        for (int attempt = 0; attempt < 5; attempt++)
        {
            Assert.True(Authenticate(host.Service, token)); // warm: JIT, the cache entry
            long before = GC.GetAllocatedBytesForCurrentThread();
            bool succeeded = Authenticate(host.Service, token);
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
            Assert.True(succeeded);
        }

        Assert.Equal(0, least);
    }

    [Fact]
    public async Task AuthenticateAsync_RepeatTokenInsideAHeader_AllocatesNothing()
    {
        using var host = new TokenTestHost(algorithm: JwtAlgorithm.ES256);
        IssuedTokens tokens = await host.SignInAsync();
        string header = "Bearer " + tokens.AccessToken;

        long least = long.MaxValue;
        for (int attempt = 0; attempt < 5; attempt++)
        {
            Assert.True(Authenticate(host.Service, header.AsMemory(7))); // warm: JIT, the cache entry
            long before = GC.GetAllocatedBytesForCurrentThread();
            bool succeeded = Authenticate(host.Service, header.AsMemory(7));
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
            Assert.True(succeeded);
        }

        Assert.Equal(0, least);
    }

    [Fact]
    public async Task AuthenticateAsync_FirstSeenToken_AllocatesOnlyClaimsSessionIdAndCacheEntry()
    {
        using var host = new TokenTestHost(o => o.ValidatedTokenCacheSize = 0);
        IssuedTokens tokens = await host.SignInAsync();

        long least = long.MaxValue;
        for (int attempt = 0; attempt < 5; attempt++)
        {
            Assert.True(Authenticate(host.Service, tokens.AccessToken));
            long before = GC.GetAllocatedBytesForCurrentThread();
            bool succeeded = Authenticate(host.Service, tokens.AccessToken);
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
            Assert.True(succeeded);
        }

        Assert.InRange(least, 1, 256); // the claims object and the sid string; nothing per request beyond validation
    }

    // Synchronous on purpose: the in-memory store completes at once, and an await would allocate on its own.
    private static bool Authenticate(SessionTokenService service, string token)
    {
        ValueTask<AuthenticationResult> pending = service.AuthenticateAsync(token);
        return pending.IsCompletedSuccessfully && pending.Result.Succeeded;
    }

    private static bool Authenticate(SessionTokenService service, ReadOnlyMemory<char> token)
    {
        ValueTask<AuthenticationResult> pending = service.AuthenticateAsync(token.Span, CancellationToken.None);
        return pending.IsCompletedSuccessfully && pending.Result.Succeeded;
    }
}
