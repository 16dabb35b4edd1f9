using System.Reflection;
using Tessera.Sessions;
using Tessera.Tokens;

namespace Tessera.Tests.Tokens;

/// <summary>Refresh rotation, the grace rule, reuse detection, and the refresh window against idle and absolute expiry.</summary>
public sealed class RefreshTests
{
    [Fact]
    public async Task RefreshAsync_CurrentToken_RotatesIssuesNewAccessTokenAndSlidesSession()
    {
        using var host = new TokenTestHost();
        IssuedTokens first = await host.SignInAsync();
        host.Time.Advance(TimeSpan.FromMinutes(4));

        RefreshResult result = await host.Service.RefreshAsync(first.RefreshToken);

        Assert.True(result.Succeeded);
        Assert.False(result.IsGraceRepeat);
        Assert.Null(result.ErrorCode);
        IssuedTokens next = result.Tokens!;
        Assert.Equal(first.SessionId, next.SessionId);
        Assert.NotEqual(first.RefreshToken, next.RefreshToken);
        Assert.StartsWith(first.SessionId + ".", next.RefreshToken, StringComparison.Ordinal);
        Assert.NotEqual(first.AccessToken, next.AccessToken);
        Assert.Equal(host.Time.GetUtcNow(), next.IssuedAt);
        Assert.Equal(host.Time.GetUtcNow().AddHours(8), next.RefreshTokenExpiresAt); // a full window again
        SessionRecord session = (await host.Store.GetAsync(first.SessionId, default))!;
        Assert.Equal(1, session.RefreshGeneration);
        Assert.Equal(host.Time.GetUtcNow(), session.LastSeenAt);
        Assert.Equal(RefreshHash.FromSecret(next.RefreshToken.Split('.')[1]), session.RefreshHash);
        AuthenticationResult auth = await host.Service.AuthenticateAsync(next.AccessToken);
        Assert.True(auth.Succeeded);
        Assert.Equal("Name of user-1", auth.Claims!.GetString("name")); // the user's claims carry over
        Assert.True(auth.Claims.TryGetStringArray("roles", out string[]? roles) && roles.SequenceEqual(["reader"]));
        Assert.Equal(AuthenticationError.None, await host.AuthenticateAsync(first.AccessToken)); // still valid until its exp
    }

    [Fact]
    public async Task RefreshAsync_RepeatWithinGrace_GetsSameSuccessorWithoutSecondRotation()
    {
        using var host = new TokenTestHost(o => o.RefreshReuseGracePeriod = TimeSpan.FromSeconds(30));
        IssuedTokens first = await host.SignInAsync();
        IssuedTokens rotated = await host.RefreshAsync(first.RefreshToken);
        host.Time.Advance(TimeSpan.FromSeconds(30));

        RefreshResult repeat = await host.Service.RefreshAsync(first.RefreshToken);

        Assert.True(repeat.Succeeded);
        Assert.True(repeat.IsGraceRepeat);
        Assert.Equal(rotated.RefreshToken, repeat.Tokens!.RefreshToken);
        Assert.Equal(rotated.RefreshTokenExpiresAt, repeat.Tokens.RefreshTokenExpiresAt);
        Assert.Equal(AuthenticationError.None, await host.AuthenticateAsync(repeat.Tokens.AccessToken));
        Assert.Equal(1, (await host.Store.GetAsync(first.SessionId, default))!.RefreshGeneration);
        IssuedTokens third = await host.RefreshAsync(repeat.Tokens.RefreshToken); // the successor works once
        Assert.NotEqual(rotated.RefreshToken, third.RefreshToken);
    }

    [Fact]
    public async Task RefreshAsync_RepeatAfterGrace_ReuseRevokesTheSession()
    {
        using var host = new TokenTestHost(o => o.RefreshReuseGracePeriod = TimeSpan.FromSeconds(30));
        IssuedTokens first = await host.SignInAsync();
        IssuedTokens rotated = await host.RefreshAsync(first.RefreshToken);
        host.Time.Advance(TimeSpan.FromSeconds(31));

        RefreshResult reuse = await host.Service.RefreshAsync(first.RefreshToken);

        Assert.Equal(RefreshError.Reused, reuse.Error);
        Assert.Equal("invalid_grant", reuse.ErrorCode);
        Assert.Null(reuse.Tokens);
        Assert.Null(await host.Store.GetAsync(first.SessionId, default));
        Assert.Equal(AuthenticationError.SessionRevoked, await host.AuthenticateAsync(rotated.AccessToken));
        Assert.Equal(RefreshError.SessionNotFound, (await host.Service.RefreshAsync(rotated.RefreshToken)).Error);
    }

    [Fact]
    public async Task RefreshAsync_ZeroGrace_EveryRepeatIsReuse()
    {
        using var host = new TokenTestHost(o => o.RefreshReuseGracePeriod = TimeSpan.Zero);
        IssuedTokens first = await host.SignInAsync();
        await host.RefreshAsync(first.RefreshToken);

        Assert.Equal(RefreshError.Reused, (await host.Service.RefreshAsync(first.RefreshToken)).Error);
        Assert.Null(await host.Store.GetAsync(first.SessionId, default));
    }

    [Fact]
    public async Task RefreshAsync_ReuseWhileTheCallerCancels_StillRevokesTheSession()
    {
        using var host = new TokenTestHost(o => o.RefreshReuseGracePeriod = TimeSpan.Zero);
        IssuedTokens first = await host.SignInAsync();
        await host.RefreshAsync(first.RefreshToken);
        using var leaving = new CancellationTokenSource();
        using var service = new SessionTokenService(host.Options, CancelAfterRotation.Wrap(host.Store, leaving), host.Key, timeProvider: host.Time);

        // The store answers "retired", then the caller goes away: the revocation that reuse calls for still runs.
        RefreshResult reuse = await service.RefreshAsync(first.RefreshToken, leaving.Token);

        Assert.True(leaving.IsCancellationRequested);
        Assert.Equal(RefreshError.Reused, reuse.Error);
        Assert.Null(await host.Store.GetAsync(first.SessionId, default));
    }

    [Fact]
    public async Task RefreshAsync_TokenTwoRotationsOld_UnknownAndNothingChanged()
    {
        using var host = new TokenTestHost();
        IssuedTokens t0 = await host.SignInAsync();
        IssuedTokens t1 = await host.RefreshAsync(t0.RefreshToken);
        IssuedTokens t2 = await host.RefreshAsync(t1.RefreshToken);

        Assert.Equal(RefreshError.UnknownToken, (await host.Service.RefreshAsync(t0.RefreshToken)).Error);
        Assert.Equal(2, (await host.Store.GetAsync(t0.SessionId, default))!.RefreshGeneration);
        Assert.Equal(AuthenticationError.None, await host.AuthenticateAsync(t2.AccessToken));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("nodot")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.short")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA!!.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB")] // non-canonical last char
    public async Task RefreshAsync_Malformed_InvalidGrantMalformed(string? token)
    {
        using var host = new TokenTestHost();

        RefreshResult result = await host.Service.RefreshAsync(token);

        Assert.Equal(RefreshError.Malformed, result.Error);
        Assert.Equal("invalid_grant", result.ErrorCode);
    }

    [Fact]
    public async Task RefreshAsync_GuessedSecretForRealSession_UnknownAndSessionUntouched()
    {
        using var host = new TokenTestHost();
        IssuedTokens tokens = await host.SignInAsync();
        SessionRecord before = (await host.Store.GetAsync(tokens.SessionId, default))!;
        RefreshHash hash = before.RefreshHash;
        host.Time.Advance(TimeSpan.FromMinutes(1));

        RefreshResult result = await host.Service.RefreshAsync(tokens.SessionId + "." + new string('A', 42) + "A");

        Assert.Equal(RefreshError.UnknownToken, result.Error);
        SessionRecord after = (await host.Store.GetAsync(tokens.SessionId, default))!;
        Assert.Equal(hash, after.RefreshHash);
        Assert.Equal(0, after.RefreshGeneration);
        Assert.Equal(TokenTestHost.Start, after.LastSeenAt); // a wrong guess is not activity
        Assert.True((await host.Service.RefreshAsync(tokens.RefreshToken)).Succeeded); // and revokes nothing
    }

    [Fact]
    public async Task RefreshAsync_UnknownSession_SessionNotFound()
    {
        using var host = new TokenTestHost();
        IssuedTokens tokens = await host.SignInAsync();
        string otherSession = new('A', SessionIdFactory.IdLength);

        RefreshResult result = await host.Service.RefreshAsync(otherSession + tokens.RefreshToken[SessionIdFactory.IdLength..]);

        Assert.Equal(RefreshError.SessionNotFound, result.Error);
    }

    // ---- the refresh window, idle timeout and absolute lifetime -------------------------------------------------------

    [Fact]
    public async Task RefreshAsync_PastRefreshWindow_ExpiredAndNothingChanged()
    {
        using var host = new TokenTestHost(o => { o.RefreshTokenLifetime = TimeSpan.FromHours(1); o.IdleTimeout = TimeSpan.FromHours(2); });
        IssuedTokens tokens = await host.SignInAsync();
        host.Time.Advance(TimeSpan.FromHours(1) - TimeSpan.FromTicks(1));
        Assert.Equal(AuthenticationError.TokenExpired, await host.AuthenticateAsync(tokens.AccessToken)); // no slide: token expired

        host.Time.Advance(TimeSpan.FromTicks(1));
        RefreshResult result = await host.Service.RefreshAsync(tokens.RefreshToken);

        Assert.Equal(RefreshError.Expired, result.Error);
        SessionRecord session = (await host.Store.GetAsync(tokens.SessionId, default))!; // alive: idle is 2 h
        Assert.Equal(0, session.RefreshGeneration);
        Assert.Equal(RefreshHash.FromSecret(tokens.RefreshToken.Split('.')[1]), session.RefreshHash);
    }

    [Fact]
    public async Task RefreshAsync_EachRotationOpensAFullWindow()
    {
        using var host = new TokenTestHost(o => { o.RefreshTokenLifetime = TimeSpan.FromMinutes(20); o.IdleTimeout = TimeSpan.FromHours(2); });
        IssuedTokens tokens = await host.SignInAsync();
        for (int i = 0; i < 6; i++) // two hours in 19-minute steps: each token is used within its own window
        {
            host.Time.Advance(TimeSpan.FromMinutes(19));
            tokens = await host.RefreshAsync(tokens.RefreshToken);
        }

        host.Time.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal(RefreshError.Expired, (await host.Service.RefreshAsync(tokens.RefreshToken)).Error);
    }

    [Fact]
    public async Task RefreshAsync_AfterIdleTimeout_SessionNotFoundThoughWindowOpen()
    {
        using var host = new TokenTestHost(o => { o.IdleTimeout = TimeSpan.FromMinutes(30); o.RefreshTokenLifetime = TimeSpan.FromHours(8); });
        IssuedTokens tokens = await host.SignInAsync();

        host.Time.Advance(TimeSpan.FromMinutes(30));

        Assert.Equal(RefreshError.SessionNotFound, (await host.Service.RefreshAsync(tokens.RefreshToken)).Error);
    }

    [Fact]
    public async Task RefreshAsync_ActiveClient_SessionLastsUntilAbsoluteLifetimeNotBeyond()
    {
        using var host = new TokenTestHost(o =>
        {
            o.AbsoluteLifetime = TimeSpan.FromHours(2);
            o.IdleTimeout = TimeSpan.FromMinutes(30);
            o.RefreshTokenLifetime = TimeSpan.FromHours(8);
            o.AccessTokenLifetime = TimeSpan.FromMinutes(15);
        });
        IssuedTokens tokens = await host.SignInAsync();
        DateTimeOffset absolute = TokenTestHost.Start.AddHours(2);
        Assert.Equal(absolute, tokens.RefreshTokenExpiresAt); // the window is capped by the absolute expiry

        for (int i = 0; i < 11; i++) // every 10 minutes until 1:50
        {
            host.Time.Advance(TimeSpan.FromMinutes(10));
            tokens = await host.RefreshAsync(tokens.RefreshToken);
            Assert.True(tokens.AccessTokenExpiresAt <= absolute);
            Assert.Equal(absolute, tokens.RefreshTokenExpiresAt);
        }

        Assert.Equal(absolute, tokens.AccessTokenExpiresAt); // 1:50 + 15 min, capped at 2:00
        host.Time.Advance(TimeSpan.FromMinutes(10));

        Assert.Equal(RefreshError.SessionNotFound, (await host.Service.RefreshAsync(tokens.RefreshToken)).Error);
        // At exp, within the clock skew: the token alone would pass; its session ended at the absolute expiry.
        Assert.Equal(AuthenticationError.SessionExpired, await host.AuthenticateAsync(tokens.AccessToken));
    }

    [Fact]
    public async Task RefreshAsync_SignedOut_SessionNotFound()
    {
        using var host = new TokenTestHost();
        IssuedTokens tokens = await host.SignInAsync();
        await host.Service.SignOutAsync(tokens.SessionId);

        Assert.Equal(RefreshError.SessionNotFound, (await host.Service.RefreshAsync(tokens.RefreshToken)).Error);
    }

    // ---- concurrency ----------------------------------------------------------------------------------------------

    [Fact]
    public async Task RefreshAsync_EightConcurrentWithOneToken_ExactlyOneRotatesOthersGetGraceAnswer_1000Trials()
    {
        using var host = new TokenTestHost();
        const int Trials = 1000;
        const int Racers = 8;
        for (int trial = 0; trial < Trials; trial++)
        {
            IssuedTokens tokens = await host.SignInAsync("user-" + (trial % 50));
            RefreshResult[] results = await Concurrently.RunTogetherAsync(Racers, _ => host.Service.RefreshAsync(tokens.RefreshToken).AsTask());

            Assert.All(results, r => Assert.True(r.Succeeded, r.Error.ToString()));
            Assert.Single(results, r => !r.IsGraceRepeat);
            Assert.Single(results.Select(r => r.Tokens!.RefreshToken).Distinct());
            Assert.Equal(1, (await host.Store.GetAsync(tokens.SessionId, default))!.RefreshGeneration);
            await host.Service.SignOutAsync(tokens.SessionId);
        }
    }
}

/// <summary>A store that cancels the caller's token as soon as a rotation has answered, as a client leaving then would.</summary>
public class CancelAfterRotation : DispatchProxy
{
    private ISessionStore _inner = null!;
    private CancellationTokenSource _caller = null!;

    public static ISessionStore Wrap(ISessionStore inner, CancellationTokenSource caller)
    {
        ISessionStore proxy = Create<ISessionStore, CancelAfterRotation>();
        var self = (CancelAfterRotation)(object)proxy;
        self._inner = inner;
        self._caller = caller;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        object? result = targetMethod!.Invoke(_inner, args); // the in-memory store answers synchronously
        if (targetMethod.Name == nameof(ISessionStore.RotateRefreshAsync))
        {
            _caller.Cancel();
        }

        return result;
    }
}
