using Tessera.Tokens;

namespace Tessera.Tests.Tokens;

/// <summary>
/// The validated-token cache under contention: many threads authenticating more tokens than the cache holds, while
/// sessions are revoked. A cache mistake would show as a revoked token accepted or a valid one refused.
/// </summary>
public sealed class ValidatedTokenCacheConcurrencyTests
{
    [Fact]
    public async Task AuthenticateAsync_ManyThreadsSmallCacheWhileRevoking_EveryAnswerMatchesTheSessionState()
    {
        using var host = new TokenTestHost(o => o.ValidatedTokenCacheSize = 16);
        const int Users = 64;
        var tokens = new IssuedTokens[Users];
        for (int i = 0; i < Users; i++)
        {
            tokens[i] = await host.SignInAsync("user-" + i);
        }

        var revoking = new bool[Users]; // set before the revocation starts
        var revoked = new bool[Users];  // set after it completed
        int wrong = 0;
        int done = 0; // set once every revocation is made; each reader then runs 2,000 more calls over the final state
        Task[] readers = [.. Enumerable.Range(0, 4).Select(seed => Task.Run(() =>
        {
            var random = new Random(seed);
            for (int after = 0; after < 2000; after += Volatile.Read(ref done))
            {
                int i = random.Next(Users);
                bool revokedBefore = Volatile.Read(ref revoked[i]);
                AuthenticationResult result = host.Service.AuthenticateAsync(tokens[i].AccessToken).AsTask().GetAwaiter().GetResult();
                bool revokingAfter = Volatile.Read(ref revoking[i]);
                // Revoked before the call began: it must fail. Revocation not even started when it ended: it must pass.
                // In between, either answer is right.
                if ((revokedBefore && result.Succeeded) || (!revokingAfter && !result.Succeeded) || (result.Succeeded && result.UserId != "user-" + i))
                {
                    Interlocked.Increment(ref wrong);
                }
            }
        }))];

        for (int i = 0; i < Users; i += 2)
        {
            Volatile.Write(ref revoking[i], true);
            await host.Service.RevokeUserSessionsAsync("user-" + i);
            Volatile.Write(ref revoked[i], true);
            await Task.Yield();
        }

        Volatile.Write(ref done, 1);
        await Task.WhenAll(readers);

        Assert.Equal(0, wrong);
        for (int i = 0; i < Users; i++)
        {
            Assert.Equal(i % 2 == 0 ? AuthenticationError.SessionRevoked : AuthenticationError.None, await host.AuthenticateAsync(tokens[i].AccessToken));
        }
    }
}
