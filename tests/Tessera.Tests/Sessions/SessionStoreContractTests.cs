using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Time.Testing;
using Tessera.Sessions;

namespace Tessera.Tests.Sessions;

/// <summary>
/// The contract every <see cref="ISessionStore"/> keeps, written against the interface and the public model types
/// only, so that each store runs it unchanged: derive, implement <see cref="CreateStore"/>, done.
/// </summary>
/// <remarks>
/// Stores are created with default limits (<see cref="SessionDataLimits"/>: keys of 128 characters, values of
/// 16 KiB, 64 KiB and 64 keys per session) and their default active window, read back from
/// <see cref="ISessionStore.GetCountsAsync"/>. Time is a <see cref="FakeTimeProvider"/> that starts at
/// 2026-01-01T00:00:00Z and only moves when a test advances it: nothing here sleeps or measures time.
/// </remarks>
public abstract class SessionStoreContractTests : IAsyncLifetime
{
    private const int MaxKeyLength = 128;
    private const int MaxValueBytes = 16 * 1024;
    private const int MaxDataBytes = 64 * 1024;
    private const int MaxKeys = 64;
    private const int MaxEnvelopeBytes = 1024;
    private const string Base64UrlAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    private static readonly DateTimeOffset s_start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan s_idle = TimeSpan.FromMinutes(30);
    private static readonly TimeSpan s_lifetime = TimeSpan.FromHours(8);
    private static readonly TimeSpan s_tick = TimeSpan.FromTicks(1);
    private static readonly CancellationToken s_ct = CancellationToken.None;

    private FakeTimeProvider? _time;
    private ISessionStore? _store;

    /// <summary>The clock the store under test was created with.</summary>
    protected FakeTimeProvider Time => _time ?? throw new InvalidOperationException("The test is not initialized.");

    /// <summary>The store under test: a new, empty one for every test.</summary>
    protected ISessionStore Store => _store ?? throw new InvalidOperationException("The test is not initialized.");

    /// <summary>Creates an empty store with default limits that reads time from <paramref name="timeProvider"/>.</summary>
    protected abstract ISessionStore CreateStore(TimeProvider timeProvider);

    public Task InitializeAsync()
    {
        _time = new FakeTimeProvider(s_start);
        _store = CreateStore(_time);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        switch (_store)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync();
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }

    // ---- creation, ids, record fields -------------------------------------------------------------------

    [Fact]
    public async Task CreateAsync_NewSession_ReturnsCreatedWithWellFormedId()
    {
        SessionCreateResult result = await Store.CreateAsync(Request("alice"), s_ct);

        Assert.Equal(SessionCreateStatus.Created, result.Status);
        Assert.True(result.IsCreated);
        Assert.NotNull(result.Session);
        Assert.Equal(32, result.Session.Id.Length);
        Assert.Equal(SessionIdFactory.IdLength, result.Session.Id.Length);
        Assert.True(SessionIdFactory.IsWellFormed(result.Session.Id));
        Assert.Empty(result.EvictedSessionIds);
    }

    [Fact]
    public async Task CreateAsync_SameUserManyTimes_DistinctIdsSharingRoutingTag()
    {
        var ids = new List<string>();
        for (int i = 0; i < 100; i++)
        {
            ids.Add((await CreateAsync("alice")).Id);
        }

        Assert.Equal(8, SessionIdFactory.RoutingTagLength);
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(ids.Count, ids.Select(id => id[SessionIdFactory.RoutingTagLength..]).Distinct(StringComparer.Ordinal).Count());
        string tag = ids[0][..SessionIdFactory.RoutingTagLength];
        Assert.All(ids, id => Assert.StartsWith(tag, id, StringComparison.Ordinal));
        Assert.All(ids, id => Assert.True(SessionIdFactory.IsWellFormed(id)));
    }

    [Fact]
    public async Task CreateAsync_DifferentUsers_RoutingTagsDiffer()
    {
        // Tags are 48 bits of a keyed hash of the user id: any collision among 8 users has odds of about 1e-13,
        // so a store that gave everyone the same tag (or none) fails here.
        var tags = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < 8; i++)
        {
            tags.Add((await CreateAsync(User(i)))
                .Id[..SessionIdFactory.RoutingTagLength]);
        }

        Assert.Equal(8, tags.Count);
    }

    [Fact]
    public async Task CreateAsync_FullRequest_RecordHoldsRequestAndCreationTime()
    {
        Time.Advance(TimeSpan.FromSeconds(7.25)); // not a whole second: the store keeps ticks
        DateTimeOffset now = Time.GetUtcNow();
        var client = new SessionClientInfo("2001:db8::1", "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101", "laptop ✓ 😀");
        RefreshHash hash = Hash("first-secret");
        TimeSpan idle = TimeSpan.FromMinutes(20);
        TimeSpan lifetime = TimeSpan.FromHours(12);

        SessionCreateResult result = await Store.CreateAsync(Request("alice", idle, lifetime, refresh: hash, client: client), s_ct);

        Assert.Equal(SessionCreateStatus.Created, result.Status);
        SessionRecord? read = await Store.GetAsync(result.Session!.Id, s_ct);
        Assert.NotNull(read);
        foreach (SessionRecord record in new[] { result.Session, read })
        {
            Assert.Equal(result.Session.Id, record.Id);
            Assert.Equal("alice", record.UserId);
            Assert.Equal(now, record.CreatedAt);
            Assert.Equal(now, record.LastSeenAt);
            Assert.Equal(idle, record.IdleTimeout);
            Assert.Equal(now + lifetime, record.AbsoluteExpiresAt);
            Assert.Equal(now + idle, record.ExpiresAt);
            Assert.NotNull(record.Client);
            Assert.Equal(client.IpAddress, record.Client.IpAddress);
            Assert.Equal(client.UserAgent, record.Client.UserAgent);
            Assert.Equal(client.DeviceLabel, record.Client.DeviceLabel);
            Assert.Equal(hash, record.RefreshHash);
            Assert.False(record.RefreshHash.IsEmpty);
            Assert.Equal(0, record.RefreshGeneration);
            Assert.True(record.Data.IsEmpty);
            Assert.Empty(record.Data.Keys);
            Assert.Equal(0, record.Data.SizeBytes);
        }
    }

    [Fact]
    public async Task CreateAsync_WithTokenClaims_RecordReturnsExactBytesThatNoWriteChanges()
    {
        byte[] claims = Encoding.UTF8.GetBytes("""{"name":"Ålice ✓","roles":["admin","reader"],"n":1.5e3}""");
        NewSession request = new() { UserId = "alice", IdleTimeout = s_idle, AbsoluteLifetime = s_lifetime, TokenClaims = claims };
        claims[2] = (byte)'X'; // NewSession keeps its own copy

        SessionRecord created = await CreateAsync(request);
        await SetOkAsync(created.Id, "name", "\"mallory\"");
        Assert.Equal(SessionWriteStatus.Ok, await Store.ClearValuesAsync(created.Id, s_ct));
        SessionRecord? read = await Store.TouchAsync(created.Id, s_ct);

        Assert.NotNull(read);
        string expected = """{"name":"Ålice ✓","roles":["admin","reader"],"n":1.5e3}""";
        Assert.Equal(expected, Encoding.UTF8.GetString(created.TokenClaims.Span));
        Assert.Equal(expected, Encoding.UTF8.GetString(read.TokenClaims.Span));
        Assert.True((await CreateAsync("bob")).TokenClaims.IsEmpty);
    }

    [Theory]
    [InlineData("[1,2]")]
    [InlineData("\"text\"")]
    [InlineData("{\"a\":1} {}")]
    [InlineData("{\"a\":")]
    public void NewSession_TokenClaimsNotOneJsonObject_ThrowsArgumentException(string json)
    {
        Assert.Throws<ArgumentException>(() => new NewSession { UserId = "alice", IdleTimeout = s_idle, AbsoluteLifetime = s_lifetime, TokenClaims = Encoding.UTF8.GetBytes(json) });
    }

    [Fact]
    public void NewSession_TokenClaimsOver4KiB_ThrowsArgumentException()
    {
        string big = "{\"a\":\"" + new string('x', NewSession.MaxTokenClaimsBytes) + "\"}";
        Assert.Throws<ArgumentException>(() => new NewSession { UserId = "alice", IdleTimeout = s_idle, AbsoluteLifetime = s_lifetime, TokenClaims = Encoding.UTF8.GetBytes(big) });
    }

    [Fact]
    public async Task RefreshIssuedAt_CreationThenEachRotation_IsTimeTheCurrentHashWasSet()
    {
        RefreshHash h0 = Hash("s0");
        RefreshHash h1 = Hash("s1");
        Time.Advance(TimeSpan.FromSeconds(1.5));
        DateTimeOffset created = Time.GetUtcNow();
        string id = (await CreateAsync(Request("alice", refresh: h0))).Id;
        Assert.Equal(created, (await Store.GetAsync(id, s_ct))!.RefreshIssuedAt);

        Time.Advance(TimeSpan.FromMinutes(2));
        Assert.NotNull(await Store.TouchAsync(id, s_ct)); // a touch is not a rotation
        Assert.Equal(created, (await Store.GetAsync(id, s_ct))!.RefreshIssuedAt);

        Time.Advance(TimeSpan.FromMinutes(3));
        DateTimeOffset rotated = Time.GetUtcNow();
        Assert.Equal(RotationStatus.Rotated, (await Store.RotateRefreshAsync(id, h0, h1, Envelope(1), s_ct)).Status);
        Assert.Equal(rotated, (await Store.GetAsync(id, s_ct))!.RefreshIssuedAt);

        Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(RotationStatus.Retired, (await Store.RotateRefreshAsync(id, h0, Hash("x"), Envelope(2), s_ct)).Status);
        Assert.Equal(RotationStatus.Mismatch, (await Store.RotateRefreshAsync(id, Hash("y"), Hash("x"), Envelope(2), s_ct)).Status);
        Assert.Equal(rotated, (await Store.GetAsync(id, s_ct))!.RefreshIssuedAt);
    }

    [Fact]
    public async Task CreateAsync_MinimalRequest_NoClientAndEmptyRefreshHash()
    {
        SessionRecord record = await CreateAsync("alice");
        SessionRecord? read = await Store.GetAsync(record.Id, s_ct);

        Assert.NotNull(read);
        Assert.Null(read.Client);
        Assert.True(read.RefreshHash.IsEmpty);
        Assert.Equal(0, read.RefreshGeneration);
        Assert.Equal(s_start + s_lifetime, read.AbsoluteExpiresAt);
    }

    [Fact]
    public async Task CreateAsync_LongUnicodeUserId_UserIdRoundTripsOrdinally()
    {
        var builder = new StringBuilder();
        while (builder.Length + 2 <= NewSession.MaxUserIdLength)
        {
            builder.Append(builder.Length % 3 == 0 ? "😀" : "ü");
        }

        string userId = builder.ToString();
        Assert.InRange(userId.Length, NewSession.MaxUserIdLength - 1, NewSession.MaxUserIdLength);
        SessionRecord record = await CreateAsync(userId);

        SessionRecord? read = await Store.GetAsync(record.Id, s_ct);
        Assert.NotNull(read);
        Assert.Equal(userId, read.UserId);
        Assert.Equal(record.Id, Assert.Single(await Store.ListUserSessionsAsync(userId, s_ct)).Id);
    }

    [Fact]
    public async Task CreateAsync_IdleTimeoutMaxValue_ExpiresAtIsAbsoluteExpiry()
    {
        // "Never idles out": the idle expiry is past the end of the calendar and must saturate, not overflow.
        SessionRecord record = await CreateAsync(Request("alice", TimeSpan.MaxValue, TimeSpan.FromDays(1)));

        Time.Advance(TimeSpan.FromDays(1) - s_tick);
        SessionRecord? read = await Store.TouchAsync(record.Id, s_ct);
        Assert.NotNull(read);
        Assert.Equal(s_start + TimeSpan.FromDays(1), read.AbsoluteExpiresAt);
        Assert.Equal(read.AbsoluteExpiresAt, read.ExpiresAt);
        Assert.False(read.IsExpiredAt(Time.GetUtcNow()));

        Time.Advance(s_tick);
        Assert.Null(await Store.GetAsync(record.Id, s_ct));
    }

    [Fact]
    public async Task CreateAsync_AbsoluteLifetimeMaxValue_SessionLivesUntilIdleExpiry()
    {
        SessionRecord record = await CreateAsync(Request("alice", TimeSpan.FromHours(1), TimeSpan.MaxValue));

        SessionRecord? read = await Store.GetAsync(record.Id, s_ct);
        Assert.NotNull(read);
        Assert.True(read.AbsoluteExpiresAt > s_start.AddYears(1000));
        Assert.Equal(s_start + TimeSpan.FromHours(1), read.ExpiresAt);

        Time.Advance(TimeSpan.FromHours(1) - s_tick);
        Assert.NotNull(await Store.GetAsync(record.Id, s_ct));
        Time.Advance(s_tick);
        Assert.Null(await Store.GetAsync(record.Id, s_ct));
    }

    // ---- NewSession validation ----------------------------------------------------------------------------

    [Fact]
    public void NewSession_InvalidUserId_ThrowsArgumentException()
    {
        Assert.ThrowsAny<ArgumentException>(() => Request(""));
        Assert.ThrowsAny<ArgumentException>(() => Request(null!));
        Assert.ThrowsAny<ArgumentException>(() => Request(new string('u', NewSession.MaxUserIdLength + 1)));
        Assert.ThrowsAny<ArgumentException>(() => Request("user\ud800"));
        Assert.ThrowsAny<ArgumentException>(() => Request("\udc00user"));

        Assert.Equal(NewSession.MaxUserIdLength, Request(new string('u', NewSession.MaxUserIdLength)).UserId.Length);
    }

    [Fact]
    public void NewSession_NonPositiveLifetimes_ThrowArgumentOutOfRangeException()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Request("alice", idle: TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => Request("alice", idle: -s_tick));
        Assert.Throws<ArgumentOutOfRangeException>(() => Request("alice", lifetime: TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => Request("alice", lifetime: TimeSpan.FromMinutes(-1)));

        Assert.Equal(s_tick, Request("alice", idle: s_tick, lifetime: s_tick).IdleTimeout);
    }

    [Fact]
    public void NewSession_NegativeLimitOrUnknownPolicy_ThrowArgumentOutOfRangeException()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Request("alice", maxPerUser: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Request("alice", maxPerUser: int.MinValue));
        Assert.Throws<ArgumentOutOfRangeException>(() => Request("alice", policy: (SessionLimitPolicy)2));

        Assert.Equal(0, Request("alice", maxPerUser: 0).MaxSessionsPerUser);
        Assert.Equal(SessionLimitPolicy.RefuseNew, new NewSession { UserId = "a", IdleTimeout = s_idle, AbsoluteLifetime = s_lifetime }.LimitPolicy);
    }

    // ---- reading, touching, expiry ------------------------------------------------------------------------

    [Fact]
    public async Task GetAsync_LiveSession_DoesNotTouch()
    {
        string id = (await CreateAsync("alice")).Id;

        Time.Advance(TimeSpan.FromMinutes(20));
        SessionRecord? read = await Store.GetAsync(id, s_ct);
        Assert.NotNull(read);
        Assert.Equal(s_start, read.LastSeenAt);

        // Had the read touched the session, it would live until minute 50.
        Time.Advance(TimeSpan.FromMinutes(10) - s_tick);
        Assert.NotNull(await Store.GetAsync(id, s_ct));
        Time.Advance(s_tick);
        Assert.Null(await Store.GetAsync(id, s_ct));
    }

    [Fact]
    public async Task TouchAsync_LiveSession_SetsLastSeenToNowAndSlidesIdleExpiry()
    {
        string id = (await CreateAsync("alice")).Id;

        Time.Advance(TimeSpan.FromMinutes(20));
        SessionRecord? touched = await Store.TouchAsync(id, s_ct);
        Assert.NotNull(touched);
        Assert.Equal(s_start.AddMinutes(20), touched.LastSeenAt);
        Assert.Equal(s_start.AddMinutes(50), touched.ExpiresAt);
        Assert.Equal(s_start, touched.CreatedAt);
        Assert.Equal(s_start.AddMinutes(20), (await Store.GetAsync(id, s_ct))!.LastSeenAt);

        // Past the original expiry (minute 30), one tick short of the slid one (minute 50).
        Time.Advance(TimeSpan.FromMinutes(30) - s_tick);
        Assert.NotNull(await Store.GetAsync(id, s_ct));
        Time.Advance(s_tick);
        Assert.Null(await Store.GetAsync(id, s_ct));
        Assert.Null(await Store.TouchAsync(id, s_ct));
    }

    [Fact]
    public async Task TouchAsync_OneTickBeforeIdleExpiry_KeepsSessionAlive()
    {
        string id = (await CreateAsync("alice")).Id;

        for (int i = 0; i < 5; i++)
        {
            Time.Advance(s_idle - s_tick);
            Assert.NotNull(await Store.TouchAsync(id, s_ct));
        }

        Time.Advance(s_idle);
        Assert.Null(await Store.GetAsync(id, s_ct));
    }

    [Fact]
    public async Task GetAsync_AtIdleExpiryInstant_NullButVisibleOneTickBefore()
    {
        string id = (await CreateAsync("alice")).Id;

        Time.Advance(s_idle - s_tick);
        SessionRecord? before = await Store.GetAsync(id, s_ct);
        Assert.NotNull(before);
        Assert.Equal(s_start + s_idle, before.ExpiresAt);
        Assert.False(before.IsExpiredAt(Time.GetUtcNow()));

        Time.Advance(s_tick);
        Assert.Null(await Store.GetAsync(id, s_ct));
        Assert.Null(await Store.TouchAsync(id, s_ct));
    }

    [Fact]
    public async Task TouchAsync_TouchedUntilAbsoluteExpiry_AbsoluteExpiryWins()
    {
        TimeSpan idle = TimeSpan.FromMinutes(10);
        TimeSpan lifetime = TimeSpan.FromMinutes(30);
        string id = (await CreateAsync(Request("alice", idle, lifetime))).Id;

        for (int minute = 5; minute < 30; minute += 5)
        {
            Time.Advance(TimeSpan.FromMinutes(5));
            Assert.NotNull(await Store.TouchAsync(id, s_ct));
        }

        Time.Advance(TimeSpan.FromMinutes(5) - s_tick); // one tick before minute 30
        SessionRecord? touched = await Store.TouchAsync(id, s_ct);
        Assert.NotNull(touched);
        Assert.Equal(Time.GetUtcNow(), touched.LastSeenAt);
        Assert.Equal(s_start + lifetime, touched.AbsoluteExpiresAt);
        Assert.Equal(s_start + lifetime, touched.ExpiresAt); // the idle expiry never passes the absolute one

        Time.Advance(s_tick);
        Assert.Null(await Store.GetAsync(id, s_ct));
        Assert.Null(await Store.TouchAsync(id, s_ct));
    }

    [Fact]
    public async Task TouchAsync_ClockBehindLastSeen_LastSeenNeverMovesBackwards()
    {
        RefreshHash h0 = Hash("s0");
        string id = (await CreateAsync(Request("alice", refresh: h0))).Id;
        Time.Advance(TimeSpan.FromMinutes(10));
        Assert.NotNull(await Store.TouchAsync(id, s_ct));

        // Another node's clock, five minutes behind, touches and rotates the session.
        Time.AdjustTime(s_start.AddMinutes(5));
        SessionRecord? touched = await Store.TouchAsync(id, s_ct);
        Assert.NotNull(touched);
        Assert.Equal(s_start.AddMinutes(10), touched.LastSeenAt);
        Assert.Equal(RotationStatus.Rotated, (await Store.RotateRefreshAsync(id, h0, Hash("s1"), Envelope(1), s_ct)).Status);
        Assert.Equal(s_start.AddMinutes(10), (await Store.GetAsync(id, s_ct))!.LastSeenAt);
    }

    [Fact]
    public async Task AllMembers_ExpiredSessionBeforeAnySweep_TreatItAsMissing()
    {
        RefreshHash h0 = Hash("s0");
        string id = (await CreateAsync(Request("alice", refresh: h0))).Id;
        Assert.Equal(SessionWriteStatus.Ok, await Store.SetValueAsync(id, "k", Json("1"), s_ct));
        string other = (await CreateAsync(Request("bob", idle: TimeSpan.FromHours(2)))).Id;

        Time.Advance(s_idle);

        Assert.Null(await Store.GetAsync(id, s_ct));
        Assert.Null(await Store.TouchAsync(id, s_ct));
        Assert.Equal(SessionWriteStatus.SessionNotFound, await Store.SetValueAsync(id, "k2", Json("2"), s_ct));
        Assert.Equal(SessionWriteStatus.SessionNotFound, await Store.SetValueAsync(id, "k", Json("2"), s_ct));
        Assert.Equal(SessionWriteStatus.SessionNotFound, await Store.RemoveValueAsync(id, "k", s_ct));
        Assert.Equal(SessionWriteStatus.SessionNotFound, await Store.RemoveValueAsync(id, "absent", s_ct));
        Assert.Equal(SessionWriteStatus.SessionNotFound, await Store.ClearValuesAsync(id, s_ct));
        RotationResult rotation = await Store.RotateRefreshAsync(id, h0, Hash("s1"), Envelope(1), s_ct);
        Assert.Equal(RotationStatus.SessionNotFound, rotation.Status);
        Assert.Equal(0, rotation.Generation);
        Assert.False((await Store.GetAsync(id, "k", ContractJsonContext.Default.Int32, s_ct)).Found);
        Assert.Empty(await Store.ListUserSessionsAsync("alice", s_ct));
        SessionPage page = await Store.ListAsync(null, 1000, s_ct);
        Assert.Equal(other, Assert.Single(page.Sessions).Id);
        Assert.Null(page.NextCursor);
        Assert.False(await Store.RemoveAsync(id, s_ct));

        // Nothing above brought it back.
        Assert.Null(await Store.GetAsync(id, s_ct));
        Assert.NotNull(await Store.GetAsync(other, s_ct));
    }

    // ---- sweeping -----------------------------------------------------------------------------------------

    [Fact]
    public async Task SweepExpiredAsync_ExpiredSessions_ReturnsNumberRemovedAndCountsDrop()
    {
        TimeSpan idle = TimeSpan.FromMinutes(10);
        string a1 = (await CreateAsync(Request("alice", idle))).Id;
        await CreateAsync(Request("alice", idle));
        await CreateAsync(Request("bob", idle));
        string c1 = (await CreateAsync(Request("carol", TimeSpan.FromHours(1)))).Id;

        Time.Advance(TimeSpan.FromMinutes(9));
        Assert.NotNull(await Store.TouchAsync(a1, s_ct)); // now expires at minute 19
        SessionCounts before = await Store.GetCountsAsync(s_ct);
        Assert.Equal(4, before.Sessions);
        Assert.Equal(3, before.Users);

        Time.Advance(TimeSpan.FromMinutes(1)); // minute 10: the untouched alice and bob sessions expire now
        Assert.Equal(2, await Store.SweepExpiredAsync(s_ct));
        SessionCounts after = await Store.GetCountsAsync(s_ct);
        Assert.Equal(2, after.Sessions);
        Assert.Equal(2, after.Users);
        Assert.Equal(0, await Store.SweepExpiredAsync(s_ct));
        Assert.NotNull(await Store.GetAsync(a1, s_ct));
        Assert.NotNull(await Store.GetAsync(c1, s_ct));

        Time.Advance(TimeSpan.FromMinutes(9) - s_tick);
        Assert.Equal(0, await Store.SweepExpiredAsync(s_ct));
        Assert.Equal(2, (await Store.GetCountsAsync(s_ct)).Sessions);

        Time.Advance(s_tick); // minute 19: the touched one
        Assert.Equal(1, await Store.SweepExpiredAsync(s_ct));
        SessionCounts last = await Store.GetCountsAsync(s_ct);
        Assert.Equal(1, last.Sessions);
        Assert.Equal(1, last.Users);
        Assert.Equal(c1, Assert.Single((await Store.ListAsync(null, 10, s_ct)).Sessions).Id);
    }

    [Fact]
    public async Task SweepExpiredAsync_NothingExpired_ReturnsZeroAndKeepsSessions()
    {
        Assert.Equal(0, await Store.SweepExpiredAsync(s_ct));
        var ids = new List<string>();
        for (int i = 0; i < 5; i++)
        {
            ids.Add((await CreateAsync(User(i))).Id);
        }

        Time.Advance(s_idle - s_tick);
        Assert.Equal(0, await Store.SweepExpiredAsync(s_ct));
        Assert.Equal(5, (await Store.GetCountsAsync(s_ct)).Sessions);
        foreach (string id in ids)
        {
            Assert.NotNull(await Store.GetAsync(id, s_ct));
        }
    }

    [Fact]
    public async Task SweepExpiredAsync_SessionsExpiredWithinActiveWindow_ActiveCountDrops()
    {
        TimeSpan window = (await Store.GetCountsAsync(s_ct)).ActiveWindow;
        TimeSpan idle = window / 4;
        for (int i = 0; i < 3; i++)
        {
            await CreateAsync(Request(User(i), idle));
        }

        string keeper = (await CreateAsync(Request("keeper", window * 4))).Id;
        Assert.Equal(4, (await Store.GetCountsAsync(s_ct)).ActiveSessions);

        Time.Advance(idle);
        Assert.Equal(3, await Store.SweepExpiredAsync(s_ct));
        SessionCounts counts = await Store.GetCountsAsync(s_ct);
        Assert.Equal(1, counts.Sessions);
        Assert.Equal(1, counts.Users);
        Assert.Equal(1, counts.ActiveSessions);
        Assert.NotNull(await Store.GetAsync(keeper, s_ct));
    }

    // ---- malformed and unknown ids ------------------------------------------------------------------------

    [Fact]
    public async Task AllMembers_MalformedOrUnknownIds_ReadAsMissingAndLeaveRealSessionAlone()
    {
        RefreshHash h0 = Hash("s0");
        string id = (await CreateAsync(Request("alice", refresh: h0))).Id;
        Assert.Equal(SessionWriteStatus.Ok, await Store.SetValueAsync(id, "k", Json("1"), s_ct));
        string[] candidates =
        [
            "", "x", id[..31], id + "A", " " + id, id + "\n", id[..31] + " ", id[..31] + "=", id[..30] + "==",
            id[..31] + "+", id[..31] + "/", id[..31] + ".", id[..31] + "é", id[..31] + "\ud800", id.Replace('-', '+').Replace('_', '/') + "!",
            new string('A', 1000), "00000000-0000-0000-0000-000000000000",
            // Well-formed but unknown: another tag, same tag with another random part, another store's id.
            Mutate(id, 0), Mutate(id, 12), Mutate(id, 31), SessionIdFactory.CreateRandom().CreateId("alice"),
        ];
        Assert.DoesNotContain(id, candidates);

        var outcomes = new List<(string Id, SessionRecord? Get, SessionRecord? Touch, SessionWriteStatus Set, SessionWriteStatus RemoveValue, SessionWriteStatus Clear, RotationResult Rotate, bool Removed)>();
        foreach (string candidate in candidates)
        {
            outcomes.Add((
                candidate,
                await Store.GetAsync(candidate, s_ct),
                await Store.TouchAsync(candidate, s_ct),
                await Store.SetValueAsync(candidate, "k", Json("2"), s_ct),
                await Store.RemoveValueAsync(candidate, "k", s_ct),
                await Store.ClearValuesAsync(candidate, s_ct),
                await Store.RotateRefreshAsync(candidate, h0, Hash("s1"), Envelope(1), s_ct),
                await Store.RemoveAsync(candidate, s_ct)));
        }

        Assert.All(outcomes, o =>
        {
            Assert.Null(o.Get);
            Assert.Null(o.Touch);
            Assert.Equal(SessionWriteStatus.SessionNotFound, o.Set);
            Assert.Equal(SessionWriteStatus.SessionNotFound, o.RemoveValue);
            Assert.Equal(SessionWriteStatus.SessionNotFound, o.Clear);
            Assert.Equal(RotationStatus.SessionNotFound, o.Rotate.Status);
            Assert.Equal(0, o.Rotate.Generation);
            Assert.False(o.Removed);
        });

        SessionRecord? real = await Store.GetAsync(id, s_ct);
        Assert.NotNull(real);
        Assert.Equal(Json("1"), Value(real, "k"));
        Assert.Equal(h0, real.RefreshHash);
        Assert.Equal(0, real.RefreshGeneration);
        Assert.Equal(s_start, real.LastSeenAt);
        Assert.Equal(1, (await Store.GetCountsAsync(s_ct)).Sessions);
    }

    // ---- data ---------------------------------------------------------------------------------------------

    [Fact]
    public async Task SetValueAsync_NewKey_StoresExactJsonBytes()
    {
        string id = (await CreateAsync("alice")).Id;
        byte[] json = Json("{ \"cart\": [1, 2.50, 3e2], \"note\" : \"größe ✓\\u0041\" }");

        Assert.Equal(SessionWriteStatus.Ok, await Store.SetValueAsync(id, "cart", json, s_ct));

        SessionRecord? record = await Store.GetAsync(id, s_ct);
        Assert.NotNull(record);
        Assert.True(record.Data.TryGetValue("cart", out ReadOnlyMemory<byte> stored));
        Assert.Equal(json, stored.ToArray());
        Assert.True(record.Data.ContainsKey("cart"));
        Assert.False(record.Data.ContainsKey("Cart")); // keys are ordinal
        Assert.False(record.Data.TryGetValue("absent", out ReadOnlyMemory<byte> absent));
        Assert.True(absent.IsEmpty);
        Assert.Equal(["cart"], record.Data.Keys);
        Assert.Equal(4 + json.Length, record.Data.SizeBytes);
    }

    [Fact]
    public async Task SetValueAsync_LiveSession_DoesNotTouch()
    {
        string id = (await CreateAsync("alice")).Id;

        Time.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal(SessionWriteStatus.Ok, await Store.SetValueAsync(id, "k", Json("1"), s_ct));
        Assert.Equal(s_start, (await Store.GetAsync(id, s_ct))!.LastSeenAt);

        Time.Advance(TimeSpan.FromMinutes(10));
        Assert.Null(await Store.GetAsync(id, s_ct));
    }

    [Fact]
    public async Task SetAsync_TypedValue_GetAsyncReadsItBack()
    {
        string id = (await CreateAsync("alice")).Id;
        var profile = new ContractProfile("Zoë", 42, Admin: true);

        Assert.Equal(SessionWriteStatus.Ok, await Store.SetAsync(id, "profile", profile, ContractJsonContext.Default.ContractProfile, s_ct));

        (bool found, ContractProfile? read) = await Store.GetAsync(id, "profile", ContractJsonContext.Default.ContractProfile, s_ct);
        Assert.True(found);
        Assert.Equal(profile, read);
        SessionRecord? record = await Store.GetAsync(id, s_ct);
        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(profile, ContractJsonContext.Default.ContractProfile), Value(record!, "profile"));
        Assert.True(record!.Data.TryGet("profile", ContractJsonContext.Default.ContractProfile, out ContractProfile? viaData));
        Assert.Equal(profile, viaData);

        (bool absentFound, ContractProfile? absent) = await Store.GetAsync(id, "other", ContractJsonContext.Default.ContractProfile, s_ct);
        Assert.False(absentFound);
        Assert.Null(absent);
        Assert.False((await Store.GetAsync(Mutate(id, 20), "profile", ContractJsonContext.Default.ContractProfile, s_ct)).Found);
    }

    [Fact]
    public async Task SetAsync_TypedValue_DoesNotTouch()
    {
        string id = (await CreateAsync("alice")).Id;
        Time.Advance(TimeSpan.FromMinutes(20));

        Assert.Equal(SessionWriteStatus.Ok, await Store.SetAsync(id, "n", 7, ContractJsonContext.Default.Int32, s_ct));
        Assert.Equal((true, 7), await Store.GetAsync(id, "n", ContractJsonContext.Default.Int32, s_ct));

        Time.Advance(TimeSpan.FromMinutes(10));
        Assert.Null(await Store.GetAsync(id, s_ct));
    }

    [Fact]
    public async Task SetValueAsync_ExistingKey_ReplacesValueKeepingKeyOrder()
    {
        string id = (await CreateAsync("alice")).Id;
        await SetOkAsync(id, "a", "1");
        await SetOkAsync(id, "b", "2");
        await SetOkAsync(id, "c", "3");

        await SetOkAsync(id, "a", "\"replaced\"");

        SessionRecord record = (await Store.GetAsync(id, s_ct))!;
        Assert.Equal(["a", "b", "c"], record.Data.Keys);
        Assert.Equal(3, record.Data.Count);
        Assert.Equal(Json("\"replaced\""), Value(record, "a"));
        Assert.Equal(Json("2"), Value(record, "b"));
        Assert.Equal(3 + 10 + 1 + 1, record.Data.SizeBytes);
    }

    [Fact]
    public async Task Keys_SetInArbitraryOrder_ListedInFirstSetOrder()
    {
        string id = (await CreateAsync("alice")).Id;
        string[] keys = ["zeta", "alpha", "Mid", "ß", "beta", "😀", "Alpha"];
        for (int i = 0; i < keys.Length; i++)
        {
            await SetOkAsync(id, keys[i], i.ToString(CultureInfo.InvariantCulture));
        }

        await SetOkAsync(id, "alpha", "100");

        SessionData data = (await Store.GetAsync(id, s_ct))!.Data;
        Assert.Equal(keys, data.Keys);
        Assert.Equal(keys, data.Select(entry => entry.Key));
        Assert.Equal(Json("100"), data.Single(entry => entry.Key == "alpha").Value.ToArray());
        Assert.Equal(Json("6"), data.Single(entry => entry.Key == "Alpha").Value.ToArray());
    }

    [Fact]
    public async Task Data_ObtainedBeforeLaterWrites_SnapshotNeverChanges()
    {
        string id = (await CreateAsync("alice")).Id;
        await SetOkAsync(id, "a", "1");
        SessionRecord record = (await Store.GetAsync(id, s_ct))!;
        SessionData snapshot = record.Data;

        await SetOkAsync(id, "a", "2");
        await SetOkAsync(id, "b", "3");
        Assert.Equal(SessionWriteStatus.Ok, await Store.ClearValuesAsync(id, s_ct));
        Assert.True(await Store.RemoveAsync(id, s_ct));

        Assert.Equal(["a"], snapshot.Keys);
        Assert.Equal(Json("1"), Value(snapshot, "a"));
        Assert.Equal(2, snapshot.SizeBytes);
    }

    [Fact]
    public async Task RemoveValueAsync_PresentKey_RemovesOnlyThatKey()
    {
        string id = (await CreateAsync("alice")).Id;
        await SetOkAsync(id, "a", "1");
        await SetOkAsync(id, "b", "2");
        await SetOkAsync(id, "c", "3");

        Assert.Equal(SessionWriteStatus.Ok, await Store.RemoveValueAsync(id, "b", s_ct));

        SessionRecord record = (await Store.GetAsync(id, s_ct))!;
        Assert.Equal(["a", "c"], record.Data.Keys);
        Assert.False(record.Data.ContainsKey("b"));
        Assert.Equal(Json("1"), Value(record, "a"));
        Assert.Equal(Json("3"), Value(record, "c"));
        Assert.Equal(4, record.Data.SizeBytes);
    }

    [Fact]
    public async Task RemoveValueAsync_AbsentKey_OkAndNothingChanged()
    {
        string id = (await CreateAsync("alice")).Id;
        Assert.Equal(SessionWriteStatus.Ok, await Store.RemoveValueAsync(id, "absent", s_ct));
        Assert.True((await Store.GetAsync(id, s_ct))!.Data.IsEmpty);

        await SetOkAsync(id, "a", "1");
        Assert.Equal(SessionWriteStatus.Ok, await Store.RemoveValueAsync(id, "absent", s_ct));
        Assert.Equal(SessionWriteStatus.Ok, await Store.RemoveValueAsync(id, "A", s_ct));

        SessionRecord record = (await Store.GetAsync(id, s_ct))!;
        Assert.Equal(["a"], record.Data.Keys);
        Assert.Equal(Json("1"), Value(record, "a"));
    }

    [Fact]
    public async Task ClearValuesAsync_SessionWithData_RemovesEveryKey()
    {
        string id = (await CreateAsync("alice")).Id;
        string other = (await CreateAsync("alice")).Id;
        await SetOkAsync(id, "a", "1");
        await SetOkAsync(id, "b", "2");
        await SetOkAsync(other, "a", "9");

        Assert.Equal(SessionWriteStatus.Ok, await Store.ClearValuesAsync(id, s_ct));

        SessionRecord record = (await Store.GetAsync(id, s_ct))!;
        Assert.True(record.Data.IsEmpty);
        Assert.Equal(0, record.Data.SizeBytes);
        Assert.Equal(Json("9"), Value((await Store.GetAsync(other, s_ct))!, "a"));

        // The session lives on and takes new data.
        await SetOkAsync(id, "c", "3");
        Assert.Equal(["c"], (await Store.GetAsync(id, s_ct))!.Data.Keys);
    }

    [Fact]
    public async Task ClearValuesAsync_SessionWithoutData_Ok()
    {
        string id = (await CreateAsync("alice")).Id;
        Assert.Equal(SessionWriteStatus.Ok, await Store.ClearValuesAsync(id, s_ct));
        Assert.True((await Store.GetAsync(id, s_ct))!.Data.IsEmpty);
    }

    [Fact]
    public async Task SetValueAsync_CallerReusesBufferAfterwards_StoredValueUnchanged()
    {
        string id = (await CreateAsync("alice")).Id;
        byte[] buffer = Json("\"original\"");

        Assert.Equal(SessionWriteStatus.Ok, await Store.SetValueAsync(id, "k", buffer, s_ct));
        buffer.AsSpan(1, 8).Fill((byte)'x');

        Assert.Equal(Json("\"original\""), Value((await Store.GetAsync(id, s_ct))!, "k"));
    }

    [Fact]
    public async Task SetValueAsync_ConcurrentWritesToDifferentKeys_AllSurvive()
    {
        const int Writers = 16;
        for (int trial = 0; trial < 50; trial++)
        {
            string id = (await CreateAsync(User(trial))).Id;
            // Half the writers set new keys, half remove keys that exist: no write may be lost.
            for (int i = 0; i < Writers / 2; i++)
            {
                await SetOkAsync(id, $"old-{i}", "0");
            }

            await SetOkAsync(id, "kept", "\"kept\"");

            SessionWriteStatus[] results = await Concurrently.RunTogetherAsync(Writers, i => i % 2 == 0
                ? Store.SetValueAsync(id, $"new-{i}", Json($"{{\"writer\":{i}}}"), s_ct).AsTask()
                : Store.RemoveValueAsync(id, $"old-{i / 2}", s_ct).AsTask());

            Assert.All(results, status => Assert.Equal(SessionWriteStatus.Ok, status));
            SessionData data = (await Store.GetAsync(id, s_ct))!.Data;
            for (int i = 0; i < Writers; i += 2)
            {
                Assert.True(data.TryGetValue($"new-{i}", out ReadOnlyMemory<byte> value), $"new-{i} lost in trial {trial}");
                Assert.Equal(Json($"{{\"writer\":{i}}}"), value.ToArray());
            }

            for (int i = 1; i < Writers; i += 2)
            {
                Assert.False(data.ContainsKey($"old-{i / 2}"), $"old-{i / 2} came back in trial {trial}");
            }

            Assert.Equal(Json("\"kept\""), Value(data, "kept"));
            Assert.Equal(1 + (Writers / 2), data.Count);
        }
    }

    [Fact]
    public async Task SetValueAsync_ConcurrentWritesToOneKey_OneValueSurvivesWhole()
    {
        const int Writers = 8;
        byte[][] values = Enumerable.Range(0, Writers).Select(i => JsonString(4000, (char)('a' + i))).ToArray();
        for (int trial = 0; trial < 50; trial++)
        {
            string id = (await CreateAsync(User(trial))).Id;

            SessionWriteStatus[] results = await Concurrently.RunTogetherAsync(Writers, i => Store.SetValueAsync(id, "shared", values[i], s_ct).AsTask());

            Assert.All(results, status => Assert.Equal(SessionWriteStatus.Ok, status));
            SessionData data = (await Store.GetAsync(id, s_ct))!.Data;
            byte[] stored = Value(data, "shared");
            Assert.Contains(values, value => value.AsSpan().SequenceEqual(stored));
            Assert.Equal(6 + 4000, data.SizeBytes);
            Assert.Equal(["shared"], data.Keys);
        }
    }

    [Fact]
    public async Task SetValueAsync_NotOneJsonValue_ThrowsArgumentExceptionAndChangesNothing()
    {
        string id = (await CreateAsync("alice")).Id;
        await SetOkAsync(id, "k", "1");
        string[] invalid =
        [
            "", " ", "{", "}", "[1,", "[1,]", "{\"a\":1,}", "1 2", "{\"a\":1}x", "{} {}", "nope", "'single'", "{a:1}",
            "\"unterminated", "// comment\n1", "/* c */ 1", "NaN", "Infinity", "01", "+1", ".5", "\"tab\there\"", "tru",
        ];

        foreach (string json in invalid)
        {
            await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Store.SetValueAsync(id, "k", Json(json), s_ct));
            await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Store.SetValueAsync(id, "new", Json(json), s_ct));
        }

        SessionRecord record = (await Store.GetAsync(id, s_ct))!;
        Assert.Equal(["k"], record.Data.Keys);
        Assert.Equal(Json("1"), Value(record, "k"));
    }

    [Fact]
    public async Task SetValueAsync_InvalidUtf8InsideString_ThrowsArgumentExceptionAndChangesNothing()
    {
        // The value must be UTF-8 (RFC 8259 section 8.1): a lone byte 0xFF, a truncated sequence, an encoded
        // surrogate and an overlong encoding are not, even inside an otherwise well-formed string.
        string id = (await CreateAsync("alice")).Id;
        await SetOkAsync(id, "k", "1");
        byte[][] invalid =
        [
            [(byte)'"', 0xFF, (byte)'"'],
            [(byte)'"', 0xC3, (byte)'"'],
            [(byte)'"', 0xED, 0xA0, 0x80, (byte)'"'],
            [(byte)'"', 0xC0, 0xAF, (byte)'"'],
        ];

        foreach (byte[] json in invalid)
        {
            await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Store.SetValueAsync(id, "k", json, s_ct));
        }

        SessionRecord record = (await Store.GetAsync(id, s_ct))!;
        Assert.Equal(["k"], record.Data.Keys);
        Assert.Equal(Json("1"), Value(record, "k"));
    }

    [Fact]
    public async Task SetValueAsync_InvalidKey_KeyInvalidAndNothingChanged()
    {
        string id = (await CreateAsync("alice")).Id;
        await SetOkAsync(id, "k", "1");
        string[] keys =
        [
            "", new string('k', MaxKeyLength + 1), "a\0b", "tab\t", "line\n", "\r", "\u007F", "\u0085", "\u001B[0m",
            "\ud800", "a\udc00", "\udc00\ud800", "end\ud83d", new string('k', MaxKeyLength - 1) + "\ud800",
        ];

        var outcomes = new List<(string Key, SessionWriteStatus Set, SessionWriteStatus Remove)>();
        foreach (string key in keys)
        {
            outcomes.Add((key, await Store.SetValueAsync(id, key, Json("2"), s_ct), await Store.RemoveValueAsync(id, key, s_ct)));
        }

        Assert.All(outcomes, o =>
        {
            Assert.Equal(SessionWriteStatus.KeyInvalid, o.Set);
            Assert.Equal(SessionWriteStatus.KeyInvalid, o.Remove);
        });
        SessionRecord record = (await Store.GetAsync(id, s_ct))!;
        Assert.Equal(["k"], record.Data.Keys);
        Assert.Equal(Json("1"), Value(record, "k"));
    }

    [Fact]
    public async Task SetValueAsync_KeysAtTheLimits_Ok()
    {
        string id = (await CreateAsync("alice")).Id;
        string[] keys = [new string('k', MaxKeyLength), "x", "a b", "ünïcödé", "😀", "€uro-€", "dotted.key:with/slashes"];

        foreach (string key in keys)
        {
            Assert.Equal(SessionWriteStatus.Ok, await Store.SetValueAsync(id, key, Json("true"), s_ct));
        }

        SessionData data = (await Store.GetAsync(id, s_ct))!.Data;
        Assert.Equal(keys, data.Keys);
        Assert.All(keys, key => Assert.Equal(Json("true"), Value(data, key)));
        Assert.Equal(SessionWriteStatus.Ok, await Store.RemoveValueAsync(id, new string('k', MaxKeyLength), s_ct));
        Assert.False((await Store.GetAsync(id, s_ct))!.Data.ContainsKey(new string('k', MaxKeyLength)));
    }

    [Fact]
    public async Task SetValueAsync_ValueOverMaxValueBytes_ValueTooLargeAndNothingChanged()
    {
        string id = (await CreateAsync("alice")).Id;
        byte[] largest = JsonString(MaxValueBytes, 'a');
        Assert.Equal(SessionWriteStatus.Ok, await Store.SetValueAsync(id, "k", largest, s_ct));

        Assert.Equal(SessionWriteStatus.ValueTooLarge, await Store.SetValueAsync(id, "k2", JsonString(MaxValueBytes + 1, 'b'), s_ct));
        Assert.Equal(SessionWriteStatus.ValueTooLarge, await Store.SetValueAsync(id, "k", JsonString(MaxValueBytes + 1, 'b'), s_ct));
        Assert.Equal(SessionWriteStatus.ValueTooLarge, await Store.SetValueAsync(id, "k", JsonString(MaxDataBytes, 'b'), s_ct));

        SessionRecord record = (await Store.GetAsync(id, s_ct))!;
        Assert.Equal(["k"], record.Data.Keys);
        Assert.Equal(largest, Value(record, "k"));
    }

    [Fact]
    public async Task SetValueAsync_DataOverMaxDataBytes_DataTooLargeAndNothingChanged()
    {
        string id = (await CreateAsync("alice")).Id;
        // Four entries of 1 + 16383 bytes fill the 64 KiB exactly.
        foreach (string key in new[] { "a", "b", "c", "d" })
        {
            Assert.Equal(SessionWriteStatus.Ok, await Store.SetValueAsync(id, key, JsonString(MaxValueBytes - 1, key[0]), s_ct));
        }

        Assert.Equal(MaxDataBytes, (await Store.GetAsync(id, s_ct))!.Data.SizeBytes);

        Assert.Equal(SessionWriteStatus.DataTooLarge, await Store.SetValueAsync(id, "e", Json("1"), s_ct));
        Assert.Equal(SessionWriteStatus.DataTooLarge, await Store.SetValueAsync(id, "a", JsonString(MaxValueBytes, 'z'), s_ct));

        SessionRecord record = (await Store.GetAsync(id, s_ct))!;
        Assert.Equal(["a", "b", "c", "d"], record.Data.Keys);
        Assert.Equal(JsonString(MaxValueBytes - 1, 'a'), Value(record, "a"));
        Assert.Equal(MaxDataBytes, record.Data.SizeBytes);

        // A replacement is counted once: same size fits, smaller frees room.
        Assert.Equal(SessionWriteStatus.Ok, await Store.SetValueAsync(id, "a", JsonString(MaxValueBytes - 1, 'y'), s_ct));
        Assert.Equal(SessionWriteStatus.Ok, await Store.SetValueAsync(id, "a", Json("1"), s_ct));
        Assert.Equal(SessionWriteStatus.Ok, await Store.SetValueAsync(id, "e", JsonString(MaxValueBytes - 3, 'e'), s_ct));
        Assert.Equal(MaxDataBytes, (await Store.GetAsync(id, s_ct))!.Data.SizeBytes);
    }

    [Fact]
    public async Task SetValueAsync_MultiByteKey_CountsUtf8BytesOfKey()
    {
        string id = (await CreateAsync("alice")).Id;
        foreach (string filler in new[] { "a", "b", "c" })
        {
            Assert.Equal(SessionWriteStatus.Ok, await Store.SetValueAsync(id, filler, JsonString(MaxValueBytes - 1, filler[0]), s_ct));
        }

        // 16384 bytes left. The key is 100 characters but 300 UTF-8 bytes.
        string key = new('€', 100);
        Assert.Equal(SessionWriteStatus.DataTooLarge, await Store.SetValueAsync(id, key, JsonString(MaxValueBytes - 300 + 1, 'x'), s_ct));
        Assert.Equal(SessionWriteStatus.Ok, await Store.SetValueAsync(id, key, JsonString(MaxValueBytes - 300, 'x'), s_ct));

        SessionData data = (await Store.GetAsync(id, s_ct))!.Data;
        Assert.Equal(MaxDataBytes, data.SizeBytes);
        Assert.Equal(JsonString(MaxValueBytes - 300, 'x'), Value(data, key));
    }

    [Fact]
    public async Task SetValueAsync_OverMaxKeys_DataTooLargeAndNothingChanged()
    {
        string id = (await CreateAsync("alice")).Id;
        for (int i = 0; i < MaxKeys; i++)
        {
            Assert.Equal(SessionWriteStatus.Ok, await Store.SetValueAsync(id, $"k{i}", Json("1"), s_ct));
        }

        Assert.Equal(SessionWriteStatus.DataTooLarge, await Store.SetValueAsync(id, "one-too-many", Json("1"), s_ct));
        SessionData full = (await Store.GetAsync(id, s_ct))!.Data;
        Assert.Equal(MaxKeys, full.Count);
        Assert.False(full.ContainsKey("one-too-many"));

        // Replacing an existing key adds no key; removing one makes room.
        Assert.Equal(SessionWriteStatus.Ok, await Store.SetValueAsync(id, "k0", Json("2"), s_ct));
        Assert.Equal(SessionWriteStatus.Ok, await Store.RemoveValueAsync(id, "k1", s_ct));
        Assert.Equal(SessionWriteStatus.Ok, await Store.SetValueAsync(id, "one-too-many", Json("1"), s_ct));
        SessionData data = (await Store.GetAsync(id, s_ct))!.Data;
        Assert.Equal(MaxKeys, data.Count);
        Assert.Equal(Json("2"), Value(data, "k0"));
    }

    // ---- refresh rotation ---------------------------------------------------------------------------------

    [Fact]
    public async Task RotateRefreshAsync_CurrentHash_RotatesAndIncrementsGeneration()
    {
        RefreshHash h0 = Hash("s0");
        RefreshHash h1 = Hash("s1");
        string id = (await CreateAsync(Request("alice", refresh: h0))).Id;

        RotationResult result = await Store.RotateRefreshAsync(id, h0, h1, Envelope(1), s_ct);

        Assert.Equal(RotationStatus.Rotated, result.Status);
        Assert.Equal(1, result.Generation);
        Assert.Equal(default, result.RetiredAt);
        Assert.True(result.RecoveryEnvelope.IsEmpty);
        SessionRecord record = (await Store.GetAsync(id, s_ct))!;
        Assert.Equal(h1, record.RefreshHash);
        Assert.Equal(1, record.RefreshGeneration);

        RotationResult second = await Store.RotateRefreshAsync(id, h1, Hash("s2"), Envelope(2), s_ct);
        Assert.Equal(RotationStatus.Rotated, second.Status);
        Assert.Equal(2, second.Generation);
        Assert.Equal(Hash("s2"), (await Store.GetAsync(id, s_ct))!.RefreshHash);
    }

    [Fact]
    public async Task RotateRefreshAsync_HashJustRetired_RetiredWithTimeAndEnvelopeAndNothingChanged()
    {
        RefreshHash h0 = Hash("s0");
        RefreshHash h1 = Hash("s1");
        string id = (await CreateAsync(Request("alice", refresh: h0))).Id;
        Time.Advance(TimeSpan.FromMinutes(3));
        DateTimeOffset rotatedAt = Time.GetUtcNow();
        byte[] envelope = Enumerable.Range(0, 300).Select(i => (byte)(i * 7)).ToArray();
        Assert.Equal(RotationStatus.Rotated, (await Store.RotateRefreshAsync(id, h0, h1, envelope, s_ct)).Status);

        Time.Advance(TimeSpan.FromSeconds(2));
        RotationResult replay = await Store.RotateRefreshAsync(id, h0, Hash("other"), Envelope(9), s_ct);

        Assert.Equal(RotationStatus.Retired, replay.Status);
        Assert.Equal(1, replay.Generation);
        Assert.Equal(rotatedAt, replay.RetiredAt);
        Assert.Equal(envelope, replay.RecoveryEnvelope.ToArray());
        SessionRecord record = (await Store.GetAsync(id, s_ct))!;
        Assert.Equal(h1, record.RefreshHash);
        Assert.Equal(1, record.RefreshGeneration);
        Assert.Equal(rotatedAt, record.LastSeenAt); // a replay does not touch

        // Presented again, the same answer: a replay changes nothing.
        RotationResult again = await Store.RotateRefreshAsync(id, h0, Hash("other"), Envelope(9), s_ct);
        Assert.Equal(RotationStatus.Retired, again.Status);
        Assert.Equal(envelope, again.RecoveryEnvelope.ToArray());
        Assert.Equal(RotationStatus.Rotated, (await Store.RotateRefreshAsync(id, h1, Hash("s2"), Envelope(2), s_ct)).Status);
    }

    [Fact]
    public async Task RotateRefreshAsync_EmptyEnvelope_RetiredReturnsEmptyEnvelope()
    {
        RefreshHash h0 = Hash("s0");
        string id = (await CreateAsync(Request("alice", refresh: h0))).Id;
        Assert.Equal(RotationStatus.Rotated, (await Store.RotateRefreshAsync(id, h0, Hash("s1"), ReadOnlyMemory<byte>.Empty, s_ct)).Status);

        RotationResult replay = await Store.RotateRefreshAsync(id, h0, Hash("s9"), Envelope(9), s_ct);

        Assert.Equal(RotationStatus.Retired, replay.Status);
        Assert.True(replay.RecoveryEnvelope.IsEmpty);
        Assert.Equal(s_start, replay.RetiredAt);
    }

    [Fact]
    public async Task RotateRefreshAsync_HashRetiredBeforeLatestRotation_Mismatch()
    {
        RefreshHash h0 = Hash("s0");
        RefreshHash h1 = Hash("s1");
        RefreshHash h2 = Hash("s2");
        string id = (await CreateAsync(Request("alice", refresh: h0))).Id;
        Assert.Equal(RotationStatus.Rotated, (await Store.RotateRefreshAsync(id, h0, h1, Envelope(1), s_ct)).Status);
        Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(RotationStatus.Rotated, (await Store.RotateRefreshAsync(id, h1, h2, Envelope(2), s_ct)).Status);

        RotationResult old = await Store.RotateRefreshAsync(id, h0, Hash("x"), Envelope(3), s_ct);
        RotationResult latest = await Store.RotateRefreshAsync(id, h1, Hash("x"), Envelope(3), s_ct);

        Assert.Equal(RotationStatus.Mismatch, old.Status);
        Assert.Equal(2, old.Generation);
        Assert.True(old.RecoveryEnvelope.IsEmpty);
        Assert.Equal(RotationStatus.Retired, latest.Status);
        Assert.Equal(Envelope(2), latest.RecoveryEnvelope.ToArray());
        Assert.Equal(s_start.AddMinutes(1), latest.RetiredAt);
        Assert.Equal(h2, (await Store.GetAsync(id, s_ct))!.RefreshHash);
    }

    [Fact]
    public async Task RotateRefreshAsync_UnrelatedHash_MismatchAndNothingChanged()
    {
        RefreshHash h0 = Hash("s0");
        string id = (await CreateAsync(Request("alice", refresh: h0))).Id;
        Time.Advance(TimeSpan.FromMinutes(5));

        RotationResult result = await Store.RotateRefreshAsync(id, Hash("guess"), Hash("s1"), Envelope(1), s_ct);

        Assert.Equal(RotationStatus.Mismatch, result.Status);
        Assert.Equal(0, result.Generation);
        Assert.Equal(default, result.RetiredAt);
        Assert.True(result.RecoveryEnvelope.IsEmpty);
        SessionRecord record = (await Store.GetAsync(id, s_ct))!;
        Assert.Equal(h0, record.RefreshHash);
        Assert.Equal(0, record.RefreshGeneration);
        Assert.Equal(s_start, record.LastSeenAt);
        // The expected hash still works, and the guess was not retired by anything.
        Assert.Equal(RotationStatus.Rotated, (await Store.RotateRefreshAsync(id, h0, Hash("s1"), Envelope(1), s_ct)).Status);
        Assert.Equal(RotationStatus.Mismatch, (await Store.RotateRefreshAsync(id, Hash("guess"), Hash("s2"), Envelope(2), s_ct)).Status);
    }

    [Fact]
    public async Task RotateRefreshAsync_SessionWithoutRefreshHash_EmptyCurrentHashNeverMatches()
    {
        string id = (await CreateAsync("alice")).Id;

        RotationResult empty = await Store.RotateRefreshAsync(id, default, Hash("s1"), Envelope(1), s_ct);
        RotationResult some = await Store.RotateRefreshAsync(id, Hash("s0"), Hash("s1"), Envelope(1), s_ct);

        Assert.Equal(RotationStatus.Mismatch, empty.Status);
        Assert.Equal(RotationStatus.Mismatch, some.Status);
        SessionRecord record = (await Store.GetAsync(id, s_ct))!;
        Assert.True(record.RefreshHash.IsEmpty);
        Assert.Equal(0, record.RefreshGeneration);
    }

    [Fact]
    public async Task RotateRefreshAsync_Rotated_TouchesSession()
    {
        RefreshHash h0 = Hash("s0");
        string id = (await CreateAsync(Request("alice", TimeSpan.FromMinutes(10), refresh: h0))).Id;

        Time.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal(RotationStatus.Rotated, (await Store.RotateRefreshAsync(id, h0, Hash("s1"), Envelope(1), s_ct)).Status);

        Assert.Equal(s_start.AddMinutes(9), (await Store.GetAsync(id, s_ct))!.LastSeenAt);
        Time.Advance(TimeSpan.FromMinutes(10) - s_tick); // minute 19, one tick short
        Assert.NotNull(await Store.GetAsync(id, s_ct));
        Time.Advance(s_tick);
        Assert.Null(await Store.GetAsync(id, s_ct));
    }

    [Fact]
    public async Task RotateRefreshAsync_EmptyReplacement_ThrowsArgumentExceptionAndChangesNothing()
    {
        RefreshHash h0 = Hash("s0");
        string id = (await CreateAsync(Request("alice", refresh: h0))).Id;

        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Store.RotateRefreshAsync(id, h0, default, Envelope(1), s_ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Store.RotateRefreshAsync(id, h0, RefreshHash.FromBytes(new byte[RefreshHash.Size]), Envelope(1), s_ct));

        SessionRecord record = (await Store.GetAsync(id, s_ct))!;
        Assert.Equal(h0, record.RefreshHash);
        Assert.Equal(0, record.RefreshGeneration);
    }

    [Fact]
    public async Task RotateRefreshAsync_EnvelopeOver1024Bytes_ThrowsArgumentExceptionAndChangesNothing()
    {
        RefreshHash h0 = Hash("s0");
        string id = (await CreateAsync(Request("alice", refresh: h0))).Id;

        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Store.RotateRefreshAsync(id, h0, Hash("s1"), new byte[MaxEnvelopeBytes + 1], s_ct));
        SessionRecord record = (await Store.GetAsync(id, s_ct))!;
        Assert.Equal(h0, record.RefreshHash);
        Assert.Equal(0, record.RefreshGeneration);

        byte[] largest = Enumerable.Range(0, MaxEnvelopeBytes).Select(i => (byte)i).ToArray();
        Assert.Equal(RotationStatus.Rotated, (await Store.RotateRefreshAsync(id, h0, Hash("s1"), largest, s_ct)).Status);
        Assert.Equal(largest, (await Store.RotateRefreshAsync(id, h0, Hash("s2"), Envelope(2), s_ct)).RecoveryEnvelope.ToArray());
    }

    [Fact]
    public async Task RotateRefreshAsync_CallerReusesEnvelopeBuffer_RetiredReturnsOriginalBytes()
    {
        RefreshHash h0 = Hash("s0");
        string id = (await CreateAsync(Request("alice", refresh: h0))).Id;
        byte[] envelope = [1, 2, 3, 4];
        Assert.Equal(RotationStatus.Rotated, (await Store.RotateRefreshAsync(id, h0, Hash("s1"), envelope, s_ct)).Status);

        envelope.AsSpan().Clear();

        Assert.Equal(new byte[] { 1, 2, 3, 4 }, (await Store.RotateRefreshAsync(id, h0, Hash("s2"), Envelope(2), s_ct)).RecoveryEnvelope.ToArray());
    }

    [Fact]
    public async Task RotateRefreshAsync_ConcurrentRotationsWithSameExpectedHash_ExactlyOneRotates()
    {
        const int Trials = 1000;
        const int Racers = 8;
        for (int trial = 0; trial < Trials; trial++)
        {
            RefreshHash expected = Hash($"trial-{trial}");
            RefreshHash[] replacements = Enumerable.Range(0, Racers).Select(i => Hash($"trial-{trial}-racer-{i}")).ToArray();
            string id = (await CreateAsync(Request(User(trial % 16), refresh: expected))).Id;

            RotationResult[] results = await Concurrently.RunTogetherAsync(Racers, i =>
                Store.RotateRefreshAsync(id, expected, replacements[i], Envelope((byte)i), s_ct).AsTask());

            int winner = Array.FindIndex(results, r => r.Status == RotationStatus.Rotated);
            Assert.True(winner >= 0, $"no rotation in trial {trial}");
            Assert.Equal(1, results.Count(r => r.Status == RotationStatus.Rotated));
            Assert.Equal(1, results[winner].Generation);
            for (int i = 0; i < Racers; i++)
            {
                if (i != winner)
                {
                    // The loser's hash was retired by the latest (only) rotation: it gets the winner's envelope.
                    Assert.Equal(RotationStatus.Retired, results[i].Status);
                    Assert.Equal(Envelope((byte)winner), results[i].RecoveryEnvelope.ToArray());
                }
            }

            SessionRecord record = (await Store.GetAsync(id, s_ct))!;
            Assert.Equal(replacements[winner], record.RefreshHash);
            Assert.Equal(1, record.RefreshGeneration);
        }
    }

    // ---- removal ------------------------------------------------------------------------------------------

    [Fact]
    public async Task RemoveAsync_LiveSession_TrueAndEveryMemberSeesItGone()
    {
        RefreshHash h0 = Hash("s0");
        string id = (await CreateAsync(Request("alice", refresh: h0))).Id;
        await SetOkAsync(id, "k", "1");
        string sibling = (await CreateAsync("alice")).Id;
        string bob = (await CreateAsync("bob")).Id;

        Assert.True(await Store.RemoveAsync(id, s_ct));

        Assert.False(await Store.RemoveAsync(id, s_ct));
        Assert.Null(await Store.GetAsync(id, s_ct));
        Assert.Null(await Store.TouchAsync(id, s_ct));
        Assert.Equal(SessionWriteStatus.SessionNotFound, await Store.SetValueAsync(id, "k", Json("2"), s_ct));
        Assert.Equal(SessionWriteStatus.SessionNotFound, await Store.RemoveValueAsync(id, "k", s_ct));
        Assert.Equal(SessionWriteStatus.SessionNotFound, await Store.ClearValuesAsync(id, s_ct));
        Assert.Equal(RotationStatus.SessionNotFound, (await Store.RotateRefreshAsync(id, h0, Hash("s1"), Envelope(1), s_ct)).Status);
        Assert.False((await Store.GetAsync(id, "k", ContractJsonContext.Default.Int32, s_ct)).Found);
        Assert.Equal(sibling, Assert.Single(await Store.ListUserSessionsAsync("alice", s_ct)).Id);
        Assert.DoesNotContain(id, (await Store.ListAsync(null, 1000, s_ct)).Sessions.Select(s => s.Id));
        SessionCounts counts = await Store.GetCountsAsync(s_ct);
        Assert.Equal(2, counts.Sessions);
        Assert.Equal(2, counts.Users);
        Assert.Equal(2, counts.ActiveSessions);
        Assert.Equal([sibling], await Store.RemoveUserSessionsAsync("alice", null, s_ct));
        Assert.NotNull(await Store.GetAsync(bob, s_ct));
    }

    [Fact]
    public async Task RemoveAsync_MissingOrExpiredSession_False()
    {
        string live = (await CreateAsync("alice")).Id;
        string expiring = (await CreateAsync(Request("bob", TimeSpan.FromMinutes(1)))).Id;

        Assert.False(await Store.RemoveAsync(Mutate(live, 30), s_ct));
        Assert.False(await Store.RemoveAsync("not an id", s_ct));
        Time.Advance(TimeSpan.FromMinutes(1));
        Assert.False(await Store.RemoveAsync(expiring, s_ct));

        Assert.NotNull(await Store.GetAsync(live, s_ct));
        Assert.True(await Store.RemoveAsync(live, s_ct));
    }

    [Fact]
    public async Task RemoveUserSessionsAsync_NoExcept_RemovesAndReportsEveryLiveSessionOfUser()
    {
        string[] alice = [(await CreateAsync("alice")).Id, (await CreateAsync("alice")).Id, (await CreateAsync("alice")).Id];
        string bob = (await CreateAsync("bob")).Id;
        string alice2 = (await CreateAsync("Alice")).Id; // user ids are ordinal

        IReadOnlyList<string> removed = await Store.RemoveUserSessionsAsync("alice", null, s_ct);

        Assert.Equal(alice.Order(StringComparer.Ordinal), removed.Order(StringComparer.Ordinal));
        foreach (string id in alice)
        {
            Assert.Null(await Store.GetAsync(id, s_ct));
        }

        Assert.NotNull(await Store.GetAsync(bob, s_ct));
        Assert.NotNull(await Store.GetAsync(alice2, s_ct));
        Assert.Empty(await Store.ListUserSessionsAsync("alice", s_ct));
        SessionCounts counts = await Store.GetCountsAsync(s_ct);
        Assert.Equal(2, counts.Sessions);
        Assert.Equal(2, counts.Users);
        Assert.Empty(await Store.RemoveUserSessionsAsync("alice", null, s_ct));

        // The user can sign in again.
        string again = (await CreateAsync("alice")).Id;
        Assert.Equal(again, Assert.Single(await Store.ListUserSessionsAsync("alice", s_ct)).Id);
    }

    [Fact]
    public async Task RemoveUserSessionsAsync_ExceptOwnSession_KeepsItAndReportsTheRest()
    {
        string keep = (await CreateAsync("alice")).Id;
        string[] others = [(await CreateAsync("alice")).Id, (await CreateAsync("alice")).Id];
        string bob = (await CreateAsync("bob")).Id;

        IReadOnlyList<string> removed = await Store.RemoveUserSessionsAsync("alice", keep, s_ct);

        Assert.Equal(others.Order(StringComparer.Ordinal), removed.Order(StringComparer.Ordinal));
        Assert.NotNull(await Store.GetAsync(keep, s_ct));
        Assert.NotNull(await Store.GetAsync(bob, s_ct));
        Assert.Equal(keep, Assert.Single(await Store.ListUserSessionsAsync("alice", s_ct)).Id);
        Assert.Equal(2, (await Store.GetCountsAsync(s_ct)).Sessions);
        Assert.Empty(await Store.RemoveUserSessionsAsync("alice", keep, s_ct));
        Assert.Equal([keep], await Store.RemoveUserSessionsAsync("alice", null, s_ct));
    }

    [Fact]
    public async Task RemoveUserSessionsAsync_ExceptIdNotOfThatUser_ProtectsNothing()
    {
        string bob = (await CreateAsync("bob")).Id;
        foreach (string except in new[] { bob, Mutate(bob, 20), "malformed", "" })
        {
            string[] alice = [(await CreateAsync("alice")).Id, (await CreateAsync("alice")).Id];

            IReadOnlyList<string> removed = await Store.RemoveUserSessionsAsync("alice", except, s_ct);

            Assert.Equal(alice.Order(StringComparer.Ordinal), removed.Order(StringComparer.Ordinal));
            Assert.Empty(await Store.ListUserSessionsAsync("alice", s_ct));
            Assert.NotNull(await Store.GetAsync(bob, s_ct));
        }
    }

    [Fact]
    public async Task RemoveUserSessionsAsync_ExpiredSessions_NotReported()
    {
        await CreateAsync(Request("alice", TimeSpan.FromMinutes(10)));
        string live = (await CreateAsync(Request("alice", TimeSpan.FromHours(1)))).Id;
        Time.Advance(TimeSpan.FromMinutes(10));

        Assert.Equal([live], await Store.RemoveUserSessionsAsync("alice", null, s_ct));
        Assert.Null(await Store.GetAsync(live, s_ct));
    }

    [Fact]
    public async Task RemoveUserSessionsAsync_UnknownUser_ReturnsEmptyAndRemovesNothing()
    {
        string bob = (await CreateAsync("bob")).Id;

        Assert.Empty(await Store.RemoveUserSessionsAsync("nobody", null, s_ct));
        Assert.Empty(await Store.RemoveUserSessionsAsync("Bob", null, s_ct));
        Assert.NotNull(await Store.GetAsync(bob, s_ct));
    }

    [Fact]
    public async Task RemoveUserSessionsAsync_ConcurrentWithCreation_EverySessionReportedOrLive()
    {
        const int Creators = 8;
        for (int trial = 0; trial < 50; trial++)
        {
            string user = User(trial);
            var before = new List<string>();
            for (int i = 0; i < 4; i++)
            {
                before.Add((await CreateAsync(user)).Id);
            }

            (SessionCreateResult Create, IReadOnlyList<string>? Removed)[] results = await Concurrently.RunTogetherAsync(Creators + 1, async i =>
                i == 0
                    ? (default(SessionCreateResult), await Store.RemoveUserSessionsAsync(user, null, s_ct))
                    : (await Store.CreateAsync(Request(user), s_ct), (IReadOnlyList<string>?)null));

            IReadOnlyList<string> removed = results[0].Removed!;
            var created = before.Concat(results.Skip(1).Select(r => r.Create.Session!.Id)).ToHashSet(StringComparer.Ordinal);
            var live = (await Store.ListUserSessionsAsync(user, s_ct)).Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
            Assert.All(results.Skip(1), r => Assert.Equal(SessionCreateStatus.Created, r.Create.Status));
            Assert.Equal(removed.Count, removed.Distinct(StringComparer.Ordinal).Count());
            Assert.All(before, id => Assert.Contains(id, removed));
            Assert.All(removed, id => Assert.DoesNotContain(id, live));
            Assert.True(created.SetEquals(removed.Concat(live)), $"trial {trial}: a session was removed unreported, or reported but not created");
        }
    }

    // ---- listing a user's sessions ------------------------------------------------------------------------

    [Fact]
    public async Task ListUserSessionsAsync_SeveralSessions_NewestFirstOnlyThatUserNoExpired()
    {
        string first = (await CreateAsync(Request("alice", TimeSpan.FromMinutes(10)))).Id;
        Time.Advance(TimeSpan.FromMinutes(1));
        string second = (await CreateAsync(Request("alice", TimeSpan.FromHours(1)))).Id;
        await CreateAsync("Alice");
        await CreateAsync("bob");
        Time.Advance(TimeSpan.FromMinutes(1));
        string third = (await CreateAsync(Request("alice", TimeSpan.FromHours(1)))).Id;
        Time.Advance(TimeSpan.FromMinutes(1));
        Assert.NotNull(await Store.TouchAsync(first, s_ct)); // last seen does not make a session newer

        IReadOnlyList<SessionRecord> sessions = await Store.ListUserSessionsAsync("alice", s_ct);

        Assert.Equal([third, second, first], sessions.Select(s => s.Id));
        Assert.All(sessions, s => Assert.Equal("alice", s.UserId));

        Time.Advance(TimeSpan.FromMinutes(10)); // the first expires (touched at minute 3, idle 10 minutes)
        Assert.Equal([third, second], (await Store.ListUserSessionsAsync("alice", s_ct)).Select(s => s.Id));
    }

    [Fact]
    public async Task ListUserSessionsAsync_CreatedAtSameInstant_NewestCreatedFirst()
    {
        string[] ids = new string[5];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = (await CreateAsync("alice")).Id;
        }

        IReadOnlyList<SessionRecord> sessions = await Store.ListUserSessionsAsync("alice", s_ct);

        Assert.Equal(ids.Reverse(), sessions.Select(s => s.Id));
    }

    [Fact]
    public async Task ListUserSessionsAsync_UnknownUser_Empty()
    {
        await CreateAsync("alice");
        Assert.Empty(await Store.ListUserSessionsAsync("bob", s_ct));
        Assert.Empty(await Store.ListUserSessionsAsync("ALICE", s_ct));
    }

    // ---- listing every session ----------------------------------------------------------------------------

    [Fact]
    public async Task ListAsync_WalkingTheCursor_ListsEverySessionOnceInOrdinalIdOrder()
    {
        var all = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < 25; i++)
        {
            SessionRecord record = await CreateAsync(User(i % 5));
            all.Add(record.Id, record.UserId);
        }

        string[] expected = all.Keys.Order(StringComparer.Ordinal).ToArray();
        foreach (int limit in new[] { 1, 4, 7, 24, 25, 26, 1000 })
        {
            var seen = new List<string>();
            string? cursor = null;
            int pages = 0;
            do
            {
                SessionPage page = await Store.ListAsync(cursor, limit, s_ct);
                Assert.InRange(page.Sessions.Count, 0, limit);
                foreach (SessionRecord record in page.Sessions)
                {
                    Assert.Equal(all[record.Id], record.UserId);
                    seen.Add(record.Id);
                }

                cursor = page.NextCursor;
                Assert.True(++pages <= all.Count + 1, $"limit {limit}: the cursor does not end");
            }
            while (cursor is not null);

            Assert.Equal(expected, seen);
        }
    }

    [Fact]
    public async Task ListAsync_SessionCountMultipleOfLimit_LastPageHasNullCursor()
    {
        var ids = new List<string>();
        for (int i = 0; i < 6; i++)
        {
            ids.Add((await CreateAsync(User(i))).Id);
        }

        SessionPage first = await Store.ListAsync(null, 3, s_ct);
        Assert.Equal(3, first.Sessions.Count);
        Assert.NotNull(first.NextCursor);
        SessionPage second = await Store.ListAsync(first.NextCursor, 3, s_ct);

        Assert.Equal(3, second.Sessions.Count);
        Assert.Null(second.NextCursor); // this page is the last: nothing follows it
        Assert.Equal(ids.Order(StringComparer.Ordinal), first.Sessions.Concat(second.Sessions).Select(s => s.Id));
    }

    [Fact]
    public async Task ListAsync_FewerSessionsThanLimitOrNone_SinglePageWithNullCursor()
    {
        SessionPage empty = await Store.ListAsync(null, 10, s_ct);
        Assert.Empty(empty.Sessions);
        Assert.Null(empty.NextCursor);

        string a = (await CreateAsync("alice")).Id;
        string b = (await CreateAsync("bob")).Id;
        SessionPage page = await Store.ListAsync(null, 3, s_ct);
        Assert.Equal(new[] { a, b }.Order(StringComparer.Ordinal), page.Sessions.Select(s => s.Id));
        Assert.Null(page.NextCursor);
    }

    [Fact]
    public async Task ListAsync_LimitOutOfRange_ThrowsArgumentOutOfRangeException()
    {
        await CreateAsync("alice");
        foreach (int limit in new[] { 0, -1, 1001, int.MinValue, int.MaxValue })
        {
            await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await Store.ListAsync(null, limit, s_ct));
        }

        Assert.Single((await Store.ListAsync(null, 1, s_ct)).Sessions);
        Assert.Single((await Store.ListAsync(null, 1000, s_ct)).Sessions);
    }

    [Fact]
    public async Task ListAsync_SessionsChangedWhilePaging_SessionsAliveThroughoutAppearExactlyOnce()
    {
        var initial = new List<string>();
        for (int i = 0; i < 40; i++)
        {
            initial.Add((await CreateAsync(User(i % 7))).Id);
        }

        var removed = new HashSet<string>(StringComparer.Ordinal);
        var seen = new List<string>();
        string? cursor = null;
        int pages = 0;
        do
        {
            SessionPage page = await Store.ListAsync(cursor, 6, s_ct);
            seen.AddRange(page.Sessions.Select(s => s.Id));
            cursor = page.NextCursor;

            // Between pages: remove the cursor's own session, one seen and one not yet seen; create one.
            if (cursor is not null && removed.Add(cursor))
            {
                Assert.True(await Store.RemoveAsync(cursor, s_ct));
            }

            string? unseen = initial.Where(id => !seen.Contains(id) && !removed.Contains(id)).Order(StringComparer.Ordinal).LastOrDefault();
            if (unseen is not null && removed.Add(unseen))
            {
                Assert.True(await Store.RemoveAsync(unseen, s_ct));
            }

            string? old = seen.FirstOrDefault(id => !removed.Contains(id));
            if (old is not null && removed.Add(old))
            {
                Assert.True(await Store.RemoveAsync(old, s_ct));
            }

            await CreateAsync("late");
            Assert.True(++pages <= 40, "the cursor does not end");
        }
        while (cursor is not null);

        Assert.Equal(seen.Count, seen.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(seen.Order(StringComparer.Ordinal), seen);
        string[] stable = initial.Where(id => !removed.Contains(id)).ToArray();
        Assert.NotEmpty(stable);
        Assert.All(stable, id => Assert.Contains(id, seen));
    }

    // ---- counts -------------------------------------------------------------------------------------------

    [Fact]
    public async Task GetCountsAsync_SessionsOfSeveralUsers_CountsSessionsAndDistinctUsers()
    {
        SessionCounts empty = await Store.GetCountsAsync(s_ct);
        Assert.Equal(0, empty.Sessions);
        Assert.Equal(0, empty.Users);
        Assert.Equal(0, empty.ActiveSessions);
        Assert.True(empty.ActiveWindow > TimeSpan.Zero);

        string a1 = (await CreateAsync("alice")).Id;
        await CreateAsync("alice");
        string b1 = (await CreateAsync("bob")).Id;
        await CreateAsync("Alice");

        Assert.Equal(new SessionCounts(4, 3, 4, empty.ActiveWindow), await Store.GetCountsAsync(s_ct));

        Assert.True(await Store.RemoveAsync(a1, s_ct));
        Assert.Equal(new SessionCounts(3, 3, 3, empty.ActiveWindow), await Store.GetCountsAsync(s_ct));
        Assert.Single(await Store.RemoveUserSessionsAsync("alice", null, s_ct));
        Assert.Equal(new SessionCounts(2, 2, 2, empty.ActiveWindow), await Store.GetCountsAsync(s_ct));
        Assert.True(await Store.RemoveAsync(b1, s_ct));
        Assert.Equal(new SessionCounts(1, 1, 1, empty.ActiveWindow), await Store.GetCountsAsync(s_ct));
    }

    [Fact]
    public async Task GetCountsAsync_SessionsIdleBeyondActiveWindow_NotActiveUntilTouchedOrRotated()
    {
        TimeSpan window = (await Store.GetCountsAsync(s_ct)).ActiveWindow;
        RefreshHash h0 = Hash("s0");
        string touched = (await CreateAsync(Request("alice", window * 10, window * 100))).Id;
        string rotated = (await CreateAsync(Request("bob", window * 10, window * 100, refresh: h0))).Id;
        string readOnly = (await CreateAsync(Request("carol", window * 10, window * 100))).Id;
        Assert.Equal(3, (await Store.GetCountsAsync(s_ct)).ActiveSessions);

        Time.Advance(window * 2);
        SessionCounts idle = await Store.GetCountsAsync(s_ct);
        Assert.Equal(3, idle.Sessions);
        Assert.Equal(3, idle.Users);
        Assert.Equal(0, idle.ActiveSessions);

        Assert.NotNull(await Store.TouchAsync(touched, s_ct));
        Assert.Equal(1, (await Store.GetCountsAsync(s_ct)).ActiveSessions);
        Assert.Equal(RotationStatus.Rotated, (await Store.RotateRefreshAsync(rotated, h0, Hash("s1"), Envelope(1), s_ct)).Status);
        Assert.Equal(2, (await Store.GetCountsAsync(s_ct)).ActiveSessions);
        Assert.NotNull(await Store.GetAsync(readOnly, s_ct)); // neither a read nor a data write touches
        await SetOkAsync(readOnly, "k", "1");
        Assert.Equal(2, (await Store.GetCountsAsync(s_ct)).ActiveSessions);

        Assert.True(await Store.RemoveAsync(touched, s_ct));
        Assert.Equal(1, (await Store.GetCountsAsync(s_ct)).ActiveSessions);

        Time.Advance(window * 2);
        SessionCounts later = await Store.GetCountsAsync(s_ct);
        Assert.Equal(2, later.Sessions);
        Assert.Equal(0, later.ActiveSessions);
    }

    [Fact]
    public async Task GetCountsAsync_TouchRacingRemove_RemovedSessionNeverCountedActive()
    {
        // Each trial: a session seen a while ago is touched (moving it to a newer activity period) while it is
        // removed. Whatever the interleaving, once it is gone no live session is left to count as active.
        TimeSpan window = (await Store.GetCountsAsync(s_ct)).ActiveWindow;
        for (int trial = 0; trial < 20_000; trial++)
        {
            string id = (await CreateAsync(Request("alice", window, window * 2))).Id;
            Time.Advance(window / 10);

            await Concurrently.RunTogetherAsync(2, async i => i == 0
                ? await Store.TouchAsync(id, s_ct) is not null
                : await Store.RemoveAsync(id, s_ct));

            SessionCounts counts = await Store.GetCountsAsync(s_ct);
            Assert.Equal(0, counts.Sessions);
            Assert.True(counts.ActiveSessions == 0, $"trial {trial}: {counts.ActiveSessions} active sessions, none live");
        }
    }

    // ---- per-user limit -----------------------------------------------------------------------------------

    [Fact]
    public async Task CreateAsync_UserAtLimitWithRefuseNew_UserLimitReachedAndNothingChanged()
    {
        string[] ids = new string[3];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = (await CreateAsync(Request("alice", maxPerUser: 3))).Id;
        }

        SessionCounts before = await Store.GetCountsAsync(s_ct);

        SessionCreateResult refused = await Store.CreateAsync(Request("alice", maxPerUser: 3), s_ct);

        Assert.Equal(SessionCreateStatus.UserLimitReached, refused.Status);
        Assert.False(refused.IsCreated);
        Assert.Null(refused.Session);
        Assert.Empty(refused.EvictedSessionIds);
        Assert.Equal(before, await Store.GetCountsAsync(s_ct));
        Assert.Equal(ids.Reverse(), (await Store.ListUserSessionsAsync("alice", s_ct)).Select(s => s.Id));

        // Other users are not limited by alice's sessions; a lower limit refuses too; freeing a slot lets her in.
        Assert.True((await Store.CreateAsync(Request("bob", maxPerUser: 1), s_ct)).IsCreated);
        Assert.Equal(SessionCreateStatus.UserLimitReached, (await Store.CreateAsync(Request("alice", maxPerUser: 1), s_ct)).Status);
        Assert.True(await Store.RemoveAsync(ids[1], s_ct));
        Assert.True((await Store.CreateAsync(Request("alice", maxPerUser: 3), s_ct)).IsCreated);
        Assert.Equal(SessionCreateStatus.UserLimitReached, (await Store.CreateAsync(Request("alice", maxPerUser: 3), s_ct)).Status);
    }

    [Fact]
    public async Task CreateAsync_ZeroLimit_NoLimit()
    {
        for (int i = 0; i < 20; i++)
        {
            SessionCreateResult result = await Store.CreateAsync(Request("alice", maxPerUser: 0, policy: SessionLimitPolicy.EvictOldest), s_ct);
            Assert.Equal(SessionCreateStatus.Created, result.Status);
            Assert.Empty(result.EvictedSessionIds);
        }

        Assert.Equal(20, (await Store.ListUserSessionsAsync("alice", s_ct)).Count);
    }

    [Fact]
    public async Task CreateAsync_UserAtLimitWithExpiredSessions_ExpiredSessionsDoNotCount()
    {
        await CreateAsync(Request("alice", TimeSpan.FromMinutes(10), maxPerUser: 2));
        string live = (await CreateAsync(Request("alice", TimeSpan.FromHours(1), maxPerUser: 2))).Id;
        Time.Advance(TimeSpan.FromMinutes(10));

        SessionCreateResult refuse = await Store.CreateAsync(Request("alice", maxPerUser: 2), s_ct);
        Assert.Equal(SessionCreateStatus.Created, refuse.Status);
        Assert.Empty(refuse.EvictedSessionIds);

        SessionCreateResult evict = await Store.CreateAsync(Request("alice", maxPerUser: 3, policy: SessionLimitPolicy.EvictOldest), s_ct);
        Assert.Equal(SessionCreateStatus.Created, evict.Status);
        Assert.Empty(evict.EvictedSessionIds);
        Assert.Equal([evict.Session!.Id, refuse.Session!.Id, live], (await Store.ListUserSessionsAsync("alice", s_ct)).Select(s => s.Id));
    }

    [Fact]
    public async Task CreateAsync_UserAtLimitWithEvictOldest_EndsOldestByCreationAndReportsThem()
    {
        // Same instant for all three: only the creation order can tell which is oldest.
        string[] ids = new string[3];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = (await CreateAsync(Request("alice", maxPerUser: 3, policy: SessionLimitPolicy.EvictOldest))).Id;
        }

        string bob = (await CreateAsync(Request("bob", maxPerUser: 1, policy: SessionLimitPolicy.EvictOldest))).Id;
        Time.Advance(TimeSpan.FromMinutes(1));
        Assert.NotNull(await Store.TouchAsync(ids[0], s_ct)); // most recently seen, still the oldest

        SessionCreateResult fourth = await Store.CreateAsync(Request("alice", maxPerUser: 3, policy: SessionLimitPolicy.EvictOldest), s_ct);

        Assert.Equal(SessionCreateStatus.Created, fourth.Status);
        Assert.Equal([ids[0]], fourth.EvictedSessionIds);
        Assert.Null(await Store.GetAsync(ids[0], s_ct));
        Assert.Equal([fourth.Session!.Id, ids[2], ids[1]], (await Store.ListUserSessionsAsync("alice", s_ct)).Select(s => s.Id));
        Assert.NotNull(await Store.GetAsync(bob, s_ct));
        Assert.Equal(4, (await Store.GetCountsAsync(s_ct)).Sessions);

        // A lower limit ends as many as needed.
        SessionCreateResult fifth = await Store.CreateAsync(Request("alice", maxPerUser: 2, policy: SessionLimitPolicy.EvictOldest), s_ct);
        Assert.Equal(SessionCreateStatus.Created, fifth.Status);
        Assert.Equal(new[] { ids[1], ids[2] }.Order(StringComparer.Ordinal), fifth.EvictedSessionIds.Order(StringComparer.Ordinal));
        Assert.Equal([fifth.Session!.Id, fourth.Session.Id], (await Store.ListUserSessionsAsync("alice", s_ct)).Select(s => s.Id));
        Assert.Equal(new SessionCounts(3, 2, 3, (await Store.GetCountsAsync(s_ct)).ActiveWindow), await Store.GetCountsAsync(s_ct));
    }

    [Fact]
    public async Task CreateAsync_ConcurrentCreatesOverLimitWithRefuseNew_NeverMoreThanLimit()
    {
        const int Racers = 16;
        const int Limit = 3;
        for (int trial = 0; trial < 50; trial++)
        {
            string user = User(trial);

            SessionCreateResult[] results = await Concurrently.RunTogetherAsync(Racers, _ => Store.CreateAsync(Request(user, maxPerUser: Limit), s_ct).AsTask());

            Assert.Equal(Limit, results.Count(r => r.Status == SessionCreateStatus.Created));
            Assert.Equal(Racers - Limit, results.Count(r => r.Status == SessionCreateStatus.UserLimitReached));
            Assert.All(results, r => Assert.Empty(r.EvictedSessionIds));
            string[] created = results.Where(r => r.IsCreated).Select(r => r.Session!.Id).Order(StringComparer.Ordinal).ToArray();
            Assert.Equal(created, (await Store.ListUserSessionsAsync(user, s_ct)).Select(s => s.Id).Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public async Task CreateAsync_ConcurrentCreatesOverLimitWithEvictOldest_KeepsLimitAndReportsEveryEviction()
    {
        const int Racers = 16;
        const int Limit = 3;
        for (int trial = 0; trial < 50; trial++)
        {
            string user = User(trial);

            SessionCreateResult[] results = await Concurrently.RunTogetherAsync(Racers, _ =>
                Store.CreateAsync(Request(user, maxPerUser: Limit, policy: SessionLimitPolicy.EvictOldest), s_ct).AsTask());

            Assert.All(results, r => Assert.Equal(SessionCreateStatus.Created, r.Status));
            string[] created = results.Select(r => r.Session!.Id).ToArray();
            string[] evicted = results.SelectMany(r => r.EvictedSessionIds).ToArray();
            string[] live = (await Store.ListUserSessionsAsync(user, s_ct)).Select(s => s.Id).ToArray();
            Assert.Equal(Limit, live.Length);
            Assert.Equal(Racers - Limit, evicted.Length);
            Assert.Equal(created.Order(StringComparer.Ordinal), evicted.Concat(live).Order(StringComparer.Ordinal));
        }
    }

    // ---- initial data -------------------------------------------------------------------------------------

    [Fact]
    public async Task CreateAsync_WithInitialData_SessionHoldsItAndAcceptsWrites()
    {
        SessionData initial = SessionData.Create([
            new("cart", "{\"items\":[1,2]}"u8.ToArray()),
            new("theme", "\"dark\""u8.ToArray()),
        ]);

        SessionRecord created = await CreateAsync(new NewSession { UserId = "alice", IdleTimeout = s_idle, AbsoluteLifetime = s_lifetime, Data = initial });

        SessionRecord? read = await Store.GetAsync(created.Id, s_ct);
        Assert.NotNull(read);
        Assert.Equal(["cart", "theme"], read.Data.Keys);
        Assert.True(read.Data.TryGetValue("theme", out ReadOnlyMemory<byte> theme));
        Assert.Equal("\"dark\""u8.ToArray(), theme.ToArray());
        Assert.Equal(SessionWriteStatus.Ok, await Store.SetValueAsync(created.Id, "theme", "\"light\""u8.ToArray(), s_ct));
        Assert.Equal(SessionWriteStatus.Ok, await Store.RemoveValueAsync(created.Id, "cart", s_ct));
        Assert.Equal(["theme"], (await Store.GetAsync(created.Id, s_ct))!.Data.Keys);
    }

    [Fact]
    public async Task CreateAsync_RefusedInitialData_ThrowsAndCreatesNothing()
    {
        SessionData[] refused =
        [
            SessionData.Create([new("k", "{not json"u8.ToArray())]),
            SessionData.Create([new("k", new byte[MaxValueBytes + 1])]),
            SessionData.Create([new(new string('k', MaxKeyLength + 1), "1"u8.ToArray())]),
            SessionData.Create([new("bad\u0001key", "1"u8.ToArray())]),
            SessionData.Create(Enumerable.Range(0, MaxKeys + 1).Select(i => new KeyValuePair<string, ReadOnlyMemory<byte>>("k" + i, "1"u8.ToArray()))),
        ];

        foreach (SessionData data in refused)
        {
            await Assert.ThrowsAnyAsync<ArgumentException>(async () =>
                await Store.CreateAsync(new NewSession { UserId = "alice", IdleTimeout = s_idle, AbsoluteLifetime = s_lifetime, Data = data }, s_ct));
        }

        Assert.Equal(0, (await Store.GetCountsAsync(s_ct)).Sessions);
        Assert.Empty(await Store.ListUserSessionsAsync("alice", s_ct));
    }

    // ---- cancellation -------------------------------------------------------------------------------------

    [Fact]
    public async Task EveryMember_CancelledToken_ThrowsAndChangesNothing()
    {
        SessionRecord session = await CreateAsync(Request("alice", refresh: Hash("secret")));
        Assert.Equal(SessionWriteStatus.Ok, await Store.SetValueAsync(session.Id, "k", "1"u8.ToArray(), s_ct));
        SessionCounts before = await Store.GetCountsAsync(s_ct);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        CancellationToken ct = cancelled.Token;
        Time.Advance(TimeSpan.FromMinutes(1));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Store.CreateAsync(Request("bob"), ct));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Store.GetAsync(session.Id, ct));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Store.TouchAsync(session.Id, ct));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Store.SetValueAsync(session.Id, "k", "2"u8.ToArray(), ct));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Store.RemoveValueAsync(session.Id, "k", ct));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Store.ClearValuesAsync(session.Id, ct));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Store.RotateRefreshAsync(session.Id, Hash("secret"), Hash("next"), default, ct));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Store.RemoveAsync(session.Id, ct));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Store.RemoveUserSessionsAsync("alice", null, ct));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Store.ListUserSessionsAsync("alice", ct));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Store.ListAsync(null, 10, ct));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Store.GetCountsAsync(ct));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Store.SweepExpiredAsync(ct));

        SessionRecord? after = await Store.GetAsync(session.Id, s_ct);
        Assert.NotNull(after);
        Assert.Equal(session.CreatedAt, after.LastSeenAt); // not touched
        Assert.True(after.Data.TryGetValue("k", out ReadOnlyMemory<byte> value));
        Assert.Equal("1"u8.ToArray(), value.ToArray());
        Assert.Equal(0, after.RefreshGeneration);
        Assert.Equal(before, await Store.GetCountsAsync(s_ct));
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    private static NewSession Request(
        string userId,
        TimeSpan? idle = null,
        TimeSpan? lifetime = null,
        int maxPerUser = 0,
        SessionLimitPolicy policy = SessionLimitPolicy.RefuseNew,
        RefreshHash refresh = default,
        SessionClientInfo? client = null) =>
        new()
        {
            UserId = userId,
            IdleTimeout = idle ?? s_idle,
            AbsoluteLifetime = lifetime ?? s_lifetime,
            MaxSessionsPerUser = maxPerUser,
            LimitPolicy = policy,
            RefreshHash = refresh,
            Client = client,
        };

    private Task<SessionRecord> CreateAsync(string userId) => CreateAsync(Request(userId));

    private async Task<SessionRecord> CreateAsync(NewSession request)
    {
        SessionCreateResult result = await Store.CreateAsync(request, s_ct);
        Assert.Equal(SessionCreateStatus.Created, result.Status);
        Assert.NotNull(result.Session);
        return result.Session;
    }

    private async Task SetOkAsync(string sessionId, string key, string json) =>
        Assert.Equal(SessionWriteStatus.Ok, await Store.SetValueAsync(sessionId, key, Json(json), s_ct));

    private static string User(int i) => "user-" + i.ToString(CultureInfo.InvariantCulture);

    private static RefreshHash Hash(string secret) => RefreshHash.FromSecret(secret);

    private static byte[] Envelope(byte marker) => [marker, (byte)~marker, marker];

    private static byte[] Json(string json) => Encoding.UTF8.GetBytes(json);

    /// <summary>A JSON string of exactly <paramref name="bytes"/> UTF-8 bytes, quotes included.</summary>
    private static byte[] JsonString(int bytes, char fill) => Json("\"" + new string(fill, bytes - 2) + "\"");

    private static byte[] Value(SessionRecord record, string key) => Value(record.Data, key);

    private static byte[] Value(SessionData data, string key)
    {
        Assert.True(data.TryGetValue(key, out ReadOnlyMemory<byte> value), $"key '{key}' is missing");
        return value.ToArray();
    }

    /// <summary>The id with the character at <paramref name="index"/> replaced by another base64url character.</summary>
    private static string Mutate(string id, int index)
    {
        char replacement = Base64UrlAlphabet[(Base64UrlAlphabet.IndexOf(id[index], StringComparison.Ordinal) + 1) % Base64UrlAlphabet.Length];
        return string.Concat(id.AsSpan(0, index), new ReadOnlySpan<char>(in replacement), id.AsSpan(index + 1));
    }
}

/// <summary>A typed session value for the contract tests.</summary>
internal sealed record ContractProfile(string Name, int Visits, bool Admin);

[JsonSerializable(typeof(ContractProfile))]
[JsonSerializable(typeof(int))]
internal sealed partial class ContractJsonContext : JsonSerializerContext
{
}
