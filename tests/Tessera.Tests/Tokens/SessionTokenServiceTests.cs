using System.Text.Json;
using Tessera.Jwt;
using Tessera.Sessions;
using Tessera.Tokens;

namespace Tessera.Tests.Tokens;

/// <summary>Sign-in, authenticate, sign-out and revocation, end to end over the in-memory store with a fake clock.</summary>
public sealed class SessionTokenServiceTests
{
    // ---- sign-in ------------------------------------------------------------------------------------------------

    [Fact]
    public async Task SignInAsync_VerifiedUser_AccessTokenCarriesEveryClaimAndHeader()
    {
        using var host = new TokenTestHost();
        host.Time.Advance(TimeSpan.FromMilliseconds(10_700)); // not a whole second: JWT times are floored
        var user = new SessionUser("user-42", "Alice", ["admin", "reader", "admin"],
            [new("tenant", JsonDocument.Parse("\"acme\"").RootElement), new("level", JsonDocument.Parse("3").RootElement)]);

        SignInResult result = await host.Service.SignInAsync(user, new SessionClientInfo("203.0.113.7", "Firefox/140"));

        Assert.True(result.Succeeded);
        Assert.Null(result.ErrorCode);
        IssuedTokens tokens = result.Tokens!;
        var validator = new JwtValidator(new JwtValidationOptions { ValidIssuer = TokenTestHost.Issuer, ValidAudience = TokenTestHost.Audience, ValidTypes = { JwtTypes.AccessToken } }, new JwtKeySet(host.Key), host.Time);
        JwtValidationResult validation = validator.Validate(tokens.AccessToken);
        Assert.True(validation.IsValid, validation.Error.ToString());
        JwtClaims claims = validation.Claims!;
        DateTimeOffset issuedAt = TokenTestHost.Start.AddSeconds(10);
        Assert.Equal("at+jwt", claims.Type);
        Assert.Equal("k1", claims.KeyId);
        Assert.Equal(TokenTestHost.Issuer, claims.Issuer);
        Assert.Equal([TokenTestHost.Audience], claims.Audiences);
        Assert.Equal("user-42", claims.Subject);
        Assert.Equal(result.Session!.Id, claims.SessionId);
        Assert.Equal(tokens.SessionId, claims.GetString("sid"));
        Assert.Equal(22, claims.Id!.Length); // 128 random bits
        Assert.Equal(issuedAt, claims.IssuedAt);
        Assert.Equal(issuedAt, claims.NotBefore);
        Assert.Equal(issuedAt.AddMinutes(5), claims.ExpiresAt);
        Assert.Equal("Alice", claims.GetString("name"));
        Assert.True(claims.TryGetStringArray("roles", out string[]? roles));
        Assert.Equal(["admin", "reader"], roles);
        Assert.Equal("acme", claims.GetString("tenant"));
        Assert.True(claims.TryGetInt64("level", out long level) && level == 3);

        Assert.Equal("Bearer", IssuedTokens.TokenType);
        Assert.Equal(issuedAt, tokens.IssuedAt);
        Assert.Equal(issuedAt.AddMinutes(5), tokens.AccessTokenExpiresAt);
        Assert.Equal(300, tokens.ExpiresIn);
        Assert.Equal(TokenTestHost.Start.AddMilliseconds(10_700).AddHours(8), tokens.RefreshTokenExpiresAt);
        Assert.Equal(8 * 3600, tokens.RefreshExpiresIn); // from the floored issue time, rounded down
        Assert.DoesNotContain(tokens.AccessToken, tokens.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(tokens.RefreshToken, tokens.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignInAsync_RefreshToken_IsSessionIdDotSecretAndStoreKeepsOnlyItsHash()
    {
        using var host = new TokenTestHost();

        IssuedTokens tokens = await host.SignInAsync();

        string[] parts = tokens.RefreshToken.Split('.');
        Assert.Equal(2, parts.Length);
        Assert.Equal(tokens.SessionId, parts[0]);
        Assert.Equal(43, parts[1].Length); // 256 bits, base64url
        SessionRecord session = (await host.Store.GetAsync(tokens.SessionId, default))!;
        Assert.Equal(RefreshHash.FromSecret(parts[1]), session.RefreshHash);
        Assert.Equal("user-1", session.UserId);
        Assert.Equal(TimeSpan.FromMinutes(30), session.IdleTimeout);
        Assert.Equal(TokenTestHost.Start.AddDays(1), session.AbsoluteExpiresAt);
    }

    [Fact]
    public async Task SignInAsync_SameUserTwice_TwoDistinctSessionsAndTokens()
    {
        using var host = new TokenTestHost();

        IssuedTokens first = await host.SignInAsync();
        IssuedTokens second = await host.SignInAsync();

        Assert.NotEqual(first.SessionId, second.SessionId);
        Assert.NotEqual(first.RefreshToken, second.RefreshToken);
        Assert.NotEqual(first.AccessToken, second.AccessToken);
        Assert.Equal(2, (await host.Store.ListUserSessionsAsync("user-1", default)).Count);
    }

    [Fact]
    public async Task SignInAsync_UserAtLimitWithRefuseNew_SessionLimitReachedAndNothingChanged()
    {
        using var host = new TokenTestHost(o => o.MaxSessionsPerUser = 1);
        IssuedTokens first = await host.SignInAsync();

        SignInResult refused = await host.Service.SignInAsync(TokenTestHost.User());

        Assert.Equal(SignInError.SessionLimitReached, refused.Error);
        Assert.Equal("session_limit_reached", refused.ErrorCode);
        Assert.Null(refused.Tokens);
        Assert.Equal(AuthenticationError.None, await host.AuthenticateAsync(first.AccessToken));
    }

    [Fact]
    public async Task SignInAsync_UserAtLimitWithEvictOldest_OldestEndedAndItsTokenRevoked()
    {
        using var host = new TokenTestHost(o => { o.MaxSessionsPerUser = 1; o.SessionLimitPolicy = SessionLimitPolicy.EvictOldest; });
        IssuedTokens first = await host.SignInAsync();

        SignInResult second = await host.Service.SignInAsync(TokenTestHost.User());

        Assert.True(second.Succeeded);
        Assert.Equal([first.SessionId], second.EndedSessionIds);
        Assert.Equal(AuthenticationError.SessionRevoked, await host.AuthenticateAsync(first.AccessToken));
        Assert.Equal(AuthenticationError.None, await host.AuthenticateAsync(second.Tokens!.AccessToken));
    }

    [Fact]
    public async Task SignInAsync_StoreFull_StoreFullAndTemporarilyUnavailable()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(TokenTestHost.Start);
        using var store = new InMemorySessionStore(new InMemorySessionStoreOptions { MaxSessions = 1, CollectionInterval = TimeSpan.Zero }, time);
        using JwtKey key = TokenTestHost.NewKey(JwtAlgorithm.HS256, "k1");
        using var service = new SessionTokenService(new SessionTokenOptions { Issuer = "i", Audience = "a" }, store, key, timeProvider: time);
        Assert.True((await service.SignInAsync(TokenTestHost.User("a"))).Succeeded);

        SignInResult refused = await service.SignInAsync(TokenTestHost.User("b"));

        Assert.Equal(SignInError.StoreFull, refused.Error);
        Assert.Equal("temporarily_unavailable", refused.ErrorCode);
    }

    [Theory]
    [InlineData("sub")]
    [InlineData("sid")]
    [InlineData("exp")]
    [InlineData("iss")]
    [InlineData("name")]
    [InlineData("roles")]
    [InlineData("")]
    public void SessionUser_ReservedOrEmptyClaimName_ThrowsArgumentException(string name)
    {
        Assert.Throws<ArgumentException>(() => new SessionUser("u", claims: [new(name, JsonDocument.Parse("1").RootElement)]));
    }

    [Fact]
    public void SessionUser_InvalidValues_ThrowArgumentException()
    {
        Assert.Throws<ArgumentException>(() => new SessionUser(""));
        Assert.Throws<ArgumentException>(() => new SessionUser(new string('u', 257)));
        Assert.Throws<ArgumentException>(() => new SessionUser("u", roles: ["ok", ""]));
        Assert.Throws<ArgumentException>(() => new SessionUser("u", claims: [new("big", JsonDocument.Parse("\"" + new string('x', 5000) + "\"").RootElement)]));
        Assert.Throws<ArgumentException>(() => new SessionUser("u", claims: [new("a", JsonDocument.Parse("1").RootElement), new("a", JsonDocument.Parse("2").RootElement)]));
    }

    // ---- authenticate ----------------------------------------------------------------------------------------------

    [Fact]
    public async Task AuthenticateAsync_ValidToken_SucceedsWithClaimsAndSession()
    {
        using var host = new TokenTestHost();
        IssuedTokens tokens = await host.SignInAsync("user-7");

        AuthenticationResult result = await host.Service.AuthenticateAsync(tokens.AccessToken);

        Assert.True(result.Succeeded);
        Assert.Null(result.ErrorCode);
        Assert.Equal("user-7", result.UserId);
        Assert.Equal(tokens.SessionId, result.SessionId);
        Assert.Equal(tokens.SessionId, result.Session!.Id);
        Assert.Equal("user-7", result.Claims!.Subject);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not-a-token")]
    [InlineData("a.b.c")]
    public async Task AuthenticateAsync_MalformedToken_InvalidToken(string? token)
    {
        using var host = new TokenTestHost();

        AuthenticationResult result = await host.Service.AuthenticateAsync(token);

        Assert.Equal(AuthenticationError.InvalidToken, result.Error);
        Assert.Equal("invalid_token", result.ErrorCode);
        Assert.Null(result.Session);
        Assert.Null(result.Claims);
    }

    [Fact]
    public async Task AuthenticateAsync_TokensNotOfThisService_InvalidToken()
    {
        using var host = new TokenTestHost();
        IssuedTokens tokens = await host.SignInAsync();
        using JwtKey otherKey = TokenTestHost.NewKey(JwtAlgorithm.HS256, "k1");
        DateTimeOffset now = host.Time.GetUtcNow();
        JwtBuilder Claims(string audience) => new JwtBuilder().Issuer(TokenTestHost.Issuer).Audience(audience).Subject("user-1")
            .IssuedAt(now).ExpiresAt(now.AddMinutes(5)).Claim("sid", tokens.SessionId);

        string forgedKey = new JwtSigner(otherKey, JwtTypes.AccessToken).Sign(Claims(TokenTestHost.Audience));
        string otherAudience = new JwtSigner(host.Key, JwtTypes.AccessToken).Sign(Claims("other-api"));
        string idTokenType = new JwtSigner(host.Key, JwtTypes.Jwt).Sign(Claims(TokenTestHost.Audience));
        string noSid = new JwtSigner(host.Key, JwtTypes.AccessToken).Sign(new JwtBuilder().Issuer(TokenTestHost.Issuer)
            .Audience(TokenTestHost.Audience).Subject("user-1").ExpiresAt(now.AddMinutes(5)));
        string badSid = new JwtSigner(host.Key, JwtTypes.AccessToken).Sign(Claims(TokenTestHost.Audience).Claim("sid", "not-a-session-id"));

        // The session named by each is alive: only the token itself is wrong.
        Assert.Equal(AuthenticationError.None, await host.AuthenticateAsync(tokens.AccessToken));
        foreach (string token in new[] { forgedKey, otherAudience, idTokenType, noSid, badSid, tokens.AccessToken[..^2] + "AA" })
        {
            Assert.Equal(AuthenticationError.InvalidToken, await host.AuthenticateAsync(token));
        }
    }

    [Fact]
    public async Task AuthenticateAsync_PastExpBeyondSkew_TokenExpired()
    {
        using var host = new TokenTestHost(o => o.IdleTimeout = TimeSpan.FromHours(1));
        IssuedTokens tokens = await host.SignInAsync();

        host.Time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(29));
        Assert.Equal(AuthenticationError.None, await host.AuthenticateAsync(tokens.AccessToken)); // within the 30 s skew
        host.Time.Advance(TimeSpan.FromSeconds(1));

        AuthenticationResult result = await host.Service.AuthenticateAsync(tokens.AccessToken);
        Assert.Equal(AuthenticationError.TokenExpired, result.Error);
        Assert.Equal("token_expired", result.ErrorCode);
    }

    [Fact]
    public async Task AuthenticateAsync_SessionExpiredByIdleness_SessionExpiredAlthoughExpInFuture()
    {
        using var host = new TokenTestHost(o => { o.IdleTimeout = TimeSpan.FromMinutes(10); o.AccessTokenLifetime = TimeSpan.FromMinutes(30); });
        IssuedTokens tokens = await host.SignInAsync();
        host.Time.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal(AuthenticationError.None, await host.AuthenticateAsync(tokens.AccessToken)); // slides the session

        host.Time.Advance(TimeSpan.FromMinutes(10));

        AuthenticationResult result = await host.Service.AuthenticateAsync(tokens.AccessToken);
        Assert.True(tokens.AccessTokenExpiresAt > host.Time.GetUtcNow());
        Assert.Equal(AuthenticationError.SessionExpired, result.Error);
        Assert.Equal("session_expired", result.ErrorCode);
    }

    [Fact]
    public async Task AuthenticateAsync_LastSeenWrites_CoalescedToOncePerInterval()
    {
        using var host = new TokenTestHost(o => o.LastSeenUpdateInterval = TimeSpan.FromMinutes(1));
        IssuedTokens tokens = await host.SignInAsync();
        DateTimeOffset created = host.Time.GetUtcNow();

        host.Time.Advance(TimeSpan.FromSeconds(59));
        AuthenticationResult early = await host.Service.AuthenticateAsync(tokens.AccessToken);
        Assert.Equal(created, (await host.Store.GetAsync(tokens.SessionId, default))!.LastSeenAt);

        host.Time.Advance(TimeSpan.FromSeconds(1));
        AuthenticationResult due = await host.Service.AuthenticateAsync(tokens.AccessToken);
        DateTimeOffset touched = host.Time.GetUtcNow();
        Assert.Equal(touched, (await host.Store.GetAsync(tokens.SessionId, default))!.LastSeenAt);

        host.Time.Advance(TimeSpan.FromSeconds(30));
        Assert.True((await host.Service.AuthenticateAsync(tokens.AccessToken)).Succeeded);
        Assert.Equal(touched, (await host.Store.GetAsync(tokens.SessionId, default))!.LastSeenAt);
        Assert.True(early.Succeeded && due.Succeeded);
    }

    [Fact]
    public async Task AuthenticateAsync_ZeroLastSeenInterval_TouchesOnEveryRequest()
    {
        using var host = new TokenTestHost(o => o.LastSeenUpdateInterval = TimeSpan.Zero);
        IssuedTokens tokens = await host.SignInAsync();

        host.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.True((await host.Service.AuthenticateAsync(tokens.AccessToken)).Succeeded);

        Assert.Equal(host.Time.GetUtcNow(), (await host.Store.GetAsync(tokens.SessionId, default))!.LastSeenAt);
    }

    [Fact]
    public async Task AuthenticateAsync_CoalescingNeverKeepsSessionPastIdleTimeoutAfterLastWrite()
    {
        // The documented cost: the session ends idle-timeout after the last *written* last-seen, which lags by < interval.
        using var host = new TokenTestHost(o => { o.IdleTimeout = TimeSpan.FromMinutes(10); o.LastSeenUpdateInterval = TimeSpan.FromMinutes(2); o.AccessTokenLifetime = TimeSpan.FromMinutes(30); });
        IssuedTokens tokens = await host.SignInAsync();
        host.Time.Advance(TimeSpan.FromSeconds(119));
        Assert.True((await host.Service.AuthenticateAsync(tokens.AccessToken)).Succeeded); // not written: 1:59 < 2:00

        host.Time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(119));

        Assert.Equal(AuthenticationError.SessionExpired, await host.AuthenticateAsync(tokens.AccessToken));
    }

    // ---- validated-token cache -----------------------------------------------------------------------------------

    [Fact]
    public async Task AuthenticateAsync_RepeatTokenAfterRevocation_RejectedAtOnce()
    {
        using var host = new TokenTestHost();
        IssuedTokens tokens = await host.SignInAsync();
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(AuthenticationError.None, await host.AuthenticateAsync(tokens.AccessToken)); // cached after the first
        }

        Assert.True(await host.Service.RevokeSessionAsync(tokens.SessionId));

        AuthenticationResult result = await host.Service.AuthenticateAsync(tokens.AccessToken);
        Assert.Equal(AuthenticationError.SessionRevoked, result.Error);
        Assert.Equal("session_revoked", result.ErrorCode);
    }

    [Fact]
    public async Task AuthenticateAsync_CachedToken_NeverAcceptedAtOrPastExp()
    {
        // No skew, and a session that outlives the token: only exp can stop the cached token.
        using var host = new TokenTestHost(o => { o.ClockSkew = TimeSpan.Zero; o.IdleTimeout = TimeSpan.FromHours(2); });
        IssuedTokens tokens = await host.SignInAsync();
        Assert.Equal(AuthenticationError.None, await host.AuthenticateAsync(tokens.AccessToken));
        host.Time.Advance(tokens.AccessTokenExpiresAt - host.Time.GetUtcNow() - TimeSpan.FromTicks(10_000));
        Assert.Equal(AuthenticationError.None, await host.AuthenticateAsync(tokens.AccessToken)); // 1 ms before exp

        host.Time.Advance(TimeSpan.FromTicks(10_000));

        Assert.Equal(AuthenticationError.TokenExpired, await host.AuthenticateAsync(tokens.AccessToken));
    }

    [Fact]
    public async Task AuthenticateAsync_CachedTokenAfterKeyRemoved_InvalidToken()
    {
        using var host = new TokenTestHost();
        IssuedTokens tokens = await host.SignInAsync();
        Assert.Equal(AuthenticationError.None, await host.AuthenticateAsync(tokens.AccessToken));
        using JwtKey next = TokenTestHost.NewKey(JwtAlgorithm.HS256, "k2");

        host.Service.UpdateKeys(next, new JwtKeySet(next));

        Assert.Equal(AuthenticationError.InvalidToken, await host.AuthenticateAsync(tokens.AccessToken));
    }

    [Fact]
    public async Task AuthenticateAsync_CacheOff_SameAnswers()
    {
        using var host = new TokenTestHost(o => o.ValidatedTokenCacheSize = 0);
        IssuedTokens tokens = await host.SignInAsync();

        Assert.Equal(AuthenticationError.None, await host.AuthenticateAsync(tokens.AccessToken));
        Assert.Equal(AuthenticationError.None, await host.AuthenticateAsync(tokens.AccessToken));
        await host.Service.SignOutAsync(tokens.SessionId);
        Assert.Equal(AuthenticationError.SessionRevoked, await host.AuthenticateAsync(tokens.AccessToken));
    }

    [Theory]
    [InlineData(0)] // no cache: the span is validated as a string
    [InlineData(1024)] // first sight validates, the repeat is found in the cache in place
    public async Task AuthenticateAsync_TokenInsideALargerText_SameAnswersAsTheString(int cacheSize)
    {
        using var host = new TokenTestHost(o => o.ValidatedTokenCacheSize = cacheSize);
        IssuedTokens tokens = await host.SignInAsync();
        string header = "Bearer " + tokens.AccessToken + "  ";
        ReadOnlyMemory<char> token = header.AsMemory(7, tokens.AccessToken.Length);

        for (int i = 0; i < 2; i++)
        {
            AuthenticationResult result = await host.Service.AuthenticateAsync(token.Span, CancellationToken.None);
            Assert.Equal(AuthenticationError.None, result.Error);
            Assert.Equal(tokens.SessionId, result.SessionId);
            Assert.Equal(tokens.AccessToken, result.Claims!.Token);
        }

        // One character more or less, or one changed, is another token: never the cached one's answer.
        Assert.Equal(AuthenticationError.InvalidToken, (await host.Service.AuthenticateAsync(header.AsSpan(7, tokens.AccessToken.Length + 1), CancellationToken.None)).Error);
        Assert.Equal(AuthenticationError.InvalidToken, (await host.Service.AuthenticateAsync(header.AsSpan(7, tokens.AccessToken.Length - 1), CancellationToken.None)).Error);
        char[] changed = tokens.AccessToken.ToCharArray();
        changed[^1] = changed[^1] == 'A' ? 'B' : 'A';
        Assert.Equal(AuthenticationError.InvalidToken, (await host.Service.AuthenticateAsync(changed, CancellationToken.None)).Error);
        Assert.Equal(AuthenticationError.InvalidToken, (await host.Service.AuthenticateAsync(ReadOnlySpan<char>.Empty, CancellationToken.None)).Error);

        await host.Service.SignOutAsync(tokens.SessionId);
        Assert.Equal(AuthenticationError.SessionRevoked, (await host.Service.AuthenticateAsync(token.Span, CancellationToken.None)).Error);
    }

    [Fact]
    public async Task AuthenticateAsync_ManyTokensThroughSmallCache_EveryAnswerRight()
    {
        using var host = new TokenTestHost(o => o.ValidatedTokenCacheSize = 4);
        var tokens = new List<IssuedTokens>();
        for (int i = 0; i < 64; i++)
        {
            tokens.Add(await host.SignInAsync("user-" + i));
        }

        for (int round = 0; round < 3; round++)
        {
            foreach (IssuedTokens t in tokens)
            {
                Assert.Equal(AuthenticationError.None, await host.AuthenticateAsync(t.AccessToken));
            }
        }

        await host.Service.RevokeUserSessionsAsync("user-5");
        for (int i = 0; i < tokens.Count; i++)
        {
            Assert.Equal(i == 5 ? AuthenticationError.SessionRevoked : AuthenticationError.None, await host.AuthenticateAsync(tokens[i].AccessToken));
        }
    }

    // ---- keys --------------------------------------------------------------------------------------------------

    [Fact]
    public async Task UpdateKeys_Rotation_NewTokensUseNewKidOldTokensStillVerify()
    {
        using var host = new TokenTestHost(algorithm: JwtAlgorithm.ES256);
        IssuedTokens before = await host.SignInAsync();
        using JwtKey next = TokenTestHost.NewKey(JwtAlgorithm.ES256, "k2");

        host.Service.UpdateKeys(next, new JwtKeySet(next, host.Key));
        IssuedTokens after = await host.SignInAsync();

        Assert.Same(next, host.Service.SigningKey);
        Assert.Equal("k2", (await host.Service.AuthenticateAsync(after.AccessToken)).Claims!.KeyId);
        Assert.Equal(AuthenticationError.None, await host.AuthenticateAsync(before.AccessToken));
        Assert.Equal(AuthenticationError.None, await host.AuthenticateAsync(after.AccessToken));
    }

    [Fact]
    public void UpdateKeys_SigningKeyUnfit_ThrowsAndKeepsKeys()
    {
        using var host = new TokenTestHost();
        using JwtKey next = TokenTestHost.NewKey(JwtAlgorithm.HS256, "k2");
        using JwtKey noKid = TokenTestHost.NewKey(JwtAlgorithm.HS256, null!);
        using JwtKey es = JwtKey.Generate(JwtAlgorithm.ES256, "k3");
        using JwtKey publicOnly = JwtKeySet.FromJwks(new JwtKeySet(es).ToJwks()).Single();

        Assert.Throws<ArgumentException>(() => host.Service.UpdateKeys(next, new JwtKeySet(host.Key)));
        Assert.Throws<ArgumentException>(() => host.Service.UpdateKeys(noKid, new JwtKeySet(noKid)));
        Assert.Throws<ArgumentException>(() => host.Service.UpdateKeys(publicOnly, new JwtKeySet(publicOnly)));
        Assert.Same(host.Key, host.Service.SigningKey);
    }

    // ---- sign-out and revocation ------------------------------------------------------------------------------------

    [Fact]
    public async Task SignOutAsync_CurrentSession_ItsTokensFailOthersUnaffected()
    {
        using var host = new TokenTestHost();
        IssuedTokens phone = await host.SignInAsync();
        IssuedTokens laptop = await host.SignInAsync();

        Assert.True(await host.Service.SignOutAsync(phone.SessionId));

        Assert.Equal(AuthenticationError.SessionRevoked, await host.AuthenticateAsync(phone.AccessToken));
        Assert.Equal(RefreshError.SessionNotFound, (await host.Service.RefreshAsync(phone.RefreshToken)).Error);
        Assert.Equal(AuthenticationError.None, await host.AuthenticateAsync(laptop.AccessToken));
        Assert.False(await host.Service.SignOutAsync(phone.SessionId)); // already gone: not an error
    }

    [Fact]
    public async Task SignOutOtherSessionsAsync_KeepsCurrentEndsTheRest()
    {
        using var host = new TokenTestHost();
        IssuedTokens current = await host.SignInAsync();
        IssuedTokens other1 = await host.SignInAsync();
        IssuedTokens other2 = await host.SignInAsync();
        IssuedTokens someoneElse = await host.SignInAsync("user-2");

        IReadOnlyList<string> ended = await host.Service.SignOutOtherSessionsAsync("user-1", current.SessionId);

        Assert.Equal(new[] { other1.SessionId, other2.SessionId }.Order(), ended.Order());
        Assert.Equal(AuthenticationError.None, await host.AuthenticateAsync(current.AccessToken));
        Assert.Equal(AuthenticationError.SessionRevoked, await host.AuthenticateAsync(other1.AccessToken));
        Assert.Equal(AuthenticationError.SessionRevoked, await host.AuthenticateAsync(other2.AccessToken));
        Assert.Equal(RefreshError.SessionNotFound, (await host.Service.RefreshAsync(other2.RefreshToken)).Error);
        Assert.Equal(AuthenticationError.None, await host.AuthenticateAsync(someoneElse.AccessToken));
    }

    [Fact]
    public async Task SignOutEverywhereAndKick_EndEverySessionOfTheUserOnly()
    {
        using var host = new TokenTestHost();
        IssuedTokens a1 = await host.SignInAsync("alice");
        IssuedTokens a2 = await host.SignInAsync("alice");
        IssuedTokens b1 = await host.SignInAsync("bob");
        IssuedTokens b2 = await host.SignInAsync("bob");
        IssuedTokens carol = await host.SignInAsync("carol");

        Assert.Equal(2, (await host.Service.SignOutEverywhereAsync("alice")).Count);
        Assert.Equal(2, (await host.Service.RevokeUserSessionsAsync("bob")).Count); // kick

        foreach (IssuedTokens gone in new[] { a1, a2, b1, b2 })
        {
            Assert.Equal(AuthenticationError.SessionRevoked, await host.AuthenticateAsync(gone.AccessToken));
            Assert.Equal(RefreshError.SessionNotFound, (await host.Service.RefreshAsync(gone.RefreshToken)).Error);
        }

        Assert.Equal(AuthenticationError.None, await host.AuthenticateAsync(carol.AccessToken));
        Assert.Empty(await host.Service.RevokeUserSessionsAsync("bob"));
    }

    [Fact]
    public async Task RevokeRefreshTokenAsync_CurrentToken_EndsSessionOtherTokensChangeNothing()
    {
        using var host = new TokenTestHost();
        IssuedTokens first = await host.SignInAsync();
        IssuedTokens rotated = await host.RefreshAsync(first.RefreshToken);

        Assert.False(await host.Service.RevokeRefreshTokenAsync(first.RefreshToken)); // spent
        Assert.False(await host.Service.RevokeRefreshTokenAsync("garbage"));
        Assert.False(await host.Service.RevokeRefreshTokenAsync(null));
        Assert.Equal(AuthenticationError.None, await host.AuthenticateAsync(rotated.AccessToken));

        Assert.True(await host.Service.RevokeRefreshTokenAsync(rotated.RefreshToken));
        Assert.Equal(AuthenticationError.SessionRevoked, await host.AuthenticateAsync(rotated.AccessToken));
    }

    [Fact]
    public async Task FindRefreshSessionAsync_OnlyTheCurrentToken_AndRefreshTokenExpiresAtMatchesWhatWasIssued()
    {
        using var host = new TokenTestHost(o => o.RefreshTokenLifetime = TimeSpan.FromHours(1));
        IssuedTokens first = await host.SignInAsync();
        host.Time.Advance(TimeSpan.FromMinutes(10));
        IssuedTokens next = await host.RefreshAsync(first.RefreshToken);

        SessionRecord? found = await host.Service.FindRefreshSessionAsync(next.RefreshToken);

        Assert.NotNull(found);
        Assert.Equal(next.SessionId, found.Id);
        Assert.Equal(next.RefreshTokenExpiresAt, host.Service.RefreshTokenExpiresAt(found));
        Assert.Equal(host.Time.GetUtcNow().AddHours(1), host.Service.RefreshTokenExpiresAt(found));
        Assert.Null(await host.Service.FindRefreshSessionAsync(first.RefreshToken)); // rotated out
        Assert.Null(await host.Service.FindRefreshSessionAsync("garbage"));
        Assert.Null(await host.Service.FindRefreshSessionAsync(null));
        Assert.Equal(1, (await host.Store.GetAsync(next.SessionId, default))!.RefreshGeneration); // looking changes nothing
    }

    [Fact]
    public async Task Revocation_OnlyLabelsWithinAccessTokenLifetime_ThenTokensReadExpired()
    {
        using var host = new TokenTestHost(o => o.IdleTimeout = TimeSpan.FromHours(1));
        IssuedTokens tokens = await host.SignInAsync();
        await host.Service.SignOutAsync(tokens.SessionId);
        Assert.Equal(AuthenticationError.SessionRevoked, await host.AuthenticateAsync(tokens.AccessToken));

        host.Time.Advance(TimeSpan.FromMinutes(6));

        Assert.Equal(AuthenticationError.TokenExpired, await host.AuthenticateAsync(tokens.AccessToken));
    }

    // ---- options ---------------------------------------------------------------------------------------------------

    [Fact]
    public void Constructor_BadOptions_OneExceptionListingEveryProblem()
    {
        using var store = new InMemorySessionStore();
        using JwtKey key = TokenTestHost.NewKey(JwtAlgorithm.HS256, "k1");
        var options = new SessionTokenOptions
        {
            AccessTokenLifetime = TimeSpan.Zero,
            IdleTimeout = TimeSpan.FromMinutes(1),
            LastSeenUpdateInterval = TimeSpan.FromMinutes(2),
            RefreshReuseGracePeriod = TimeSpan.FromHours(1),
            ValidatedTokenCacheSize = -1,
        };

        ArgumentException error = Assert.Throws<ArgumentException>(() => new SessionTokenService(options, store, key));

        foreach (string name in new[] { "Issuer", "Audience", "AccessTokenLifetime", "LastSeenUpdateInterval", "RefreshReuseGracePeriod", "ValidatedTokenCacheSize" })
        {
            Assert.Contains(name, error.Message, StringComparison.Ordinal);
        }

        Assert.Equal(6, options.GetProblems().Count);
        Assert.Empty(new SessionTokenOptions { Issuer = "i", Audience = "a" }.GetProblems());
    }

    [Theory]
    [InlineData(5, 5)]
    [InlineData(10, 5)]
    public void GetProblems_RefreshWindowNotLongerThanTheAccessToken_NamesBoth(int accessMinutes, int refreshMinutes)
    {
        var options = new SessionTokenOptions
        {
            Issuer = "i",
            Audience = "a",
            AccessTokenLifetime = TimeSpan.FromMinutes(accessMinutes),
            RefreshTokenLifetime = TimeSpan.FromMinutes(refreshMinutes),
        };

        string problem = Assert.Single(options.GetProblems());

        Assert.Contains("RefreshTokenLifetime must be longer than AccessTokenLifetime", problem, StringComparison.Ordinal);
        options.RefreshTokenLifetime = options.AccessTokenLifetime + TimeSpan.FromSeconds(1);
        Assert.Empty(options.GetProblems());
    }

    [Fact]
    public async Task Constructor_OptionsChangedAfterwards_ServiceKeepsItsCopy()
    {
        using var host = new TokenTestHost();
        host.Options.AccessTokenLifetime = TimeSpan.FromHours(1);
        host.Options.Issuer = "https://changed.example";

        IssuedTokens tokens = await host.SignInAsync();

        Assert.Equal(300, tokens.ExpiresIn);
        Assert.Equal(AuthenticationError.None, await host.AuthenticateAsync(tokens.AccessToken));
    }
}
