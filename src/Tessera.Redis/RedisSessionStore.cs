using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;
using Tessera.Sessions;

namespace Tessera.Redis;

/// <summary>
/// The distributed session store: sessions in Redis (a single server or Redis Cluster), shared by every process
/// that uses the same Redis and key prefix.
/// </summary>
/// <remarks>
/// <para>
/// Layout: one hash per session (its data keys are fields of it, so writes are per key), one sorted set per user of
/// that user's session ids, and store-wide sorted sets for counting, listing and collecting. A session's keys and
/// its user's keys share the routing tag of the session id as their hash tag, so every per-session and per-user
/// step (create with the per-user limit, touch, rotate, data writes, remove, remove all of a user) is one Lua script
/// on one hash slot. The store-wide sets live in their own slot and are updated in a second step; a version per user
/// keeps those updates in order.
/// </para>
/// <para>
/// Expiry: every script decides liveness from the session's exact expiry and the caller's clock (nodes must keep
/// their clocks in sync, as they must for token <c>exp</c> anyway); Redis deletes a session by its TTL a second after
/// it expires, so nothing scans for expired sessions. The collector (<see cref="SweepExpiredAsync"/>) only drops
/// index entries whose score has passed.
/// </para>
/// <para>
/// Counts: sessions and active sessions are exact as of the last collection (expired entries are excluded by score
/// at once); users are counted from each user's latest expiry. A process that dies between the two steps of a
/// change can leave a store-wide entry behind: it is dropped when its score passes.
/// </para>
/// <para>
/// Near cache: <see cref="GetAsync"/> may answer from a short local cache (<see cref="RedisSessionStoreOptions.NearCacheDuration"/>).
/// Every change is published on a channel; each process evicts what it hears, and stops using its cache while its
/// subscription is down, until a probe it publishes comes back. Redis failures propagate as exceptions
/// (<see cref="RedisException"/>, <see cref="TimeoutException"/>): never as "not found".
/// </para>
/// </remarks>
public sealed class RedisSessionStore : ISessionStore, IAsyncDisposable, IDisposable
{
    private const int MaxPageSize = 1000;
    private const int SweepBatch = 256;
    private const string ProbePrefix = "~probe ";

    // Users whose sessions all ended this long ago are forgotten by the collector; until then a late update of the
    // store-wide user index is still put in order by the versions.
    private static readonly long s_forgetUsersAfterMilliseconds = (long)TimeSpan.FromHours(1).TotalMilliseconds;

    private readonly IConnectionMultiplexer _redis;
    private readonly bool _ownsConnection;
    private readonly IDatabase _db;
    private readonly RedisKeys _keys;
    private readonly TimeProvider _time;
    private readonly SessionDataLimits _limits;
    private readonly TimeSpan _activeWindow;
    private readonly byte[]? _routingKey;
    private readonly NearCache? _cache;
    private readonly string _probe = ProbePrefix + Convert.ToHexString(RandomNumberGenerator.GetBytes(8));
    private readonly ITimer? _collector;
    private readonly ITimer? _prober;
    private Task<SessionIdFactory>? _ids;
    private int _subscribing;
    private volatile bool _subscribed;
    private int _disposed;

    /// <summary>Creates a store on a connection the caller owns (and disposes after the store).</summary>
    /// <param name="redis">The connection; share one per process.</param>
    /// <param name="options">Options; null takes the defaults.</param>
    /// <param name="timeProvider">The clock for expiry and the collector; null uses <see cref="TimeProvider.System"/>.</param>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every problem.</exception>
    public RedisSessionStore(IConnectionMultiplexer redis, RedisSessionStoreOptions? options = null, TimeProvider? timeProvider = null)
        : this(redis, ownsConnection: false, options ?? new RedisSessionStoreOptions(), timeProvider)
    {
    }

    private RedisSessionStore(IConnectionMultiplexer redis, bool ownsConnection, RedisSessionStoreOptions options, TimeProvider? timeProvider)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ThrowIfInvalid(options);
        _redis = redis;
        _ownsConnection = ownsConnection;
        _db = redis.GetDatabase();
        _keys = new RedisKeys(options.KeyPrefix);
        _time = timeProvider ?? TimeProvider.System;
        _limits = options.DataLimits.Snapshot();
        _activeWindow = options.ActiveWindow;
        _routingKey = options.RoutingKey?.ToArray();

        if (options.NearCacheDuration > TimeSpan.Zero)
        {
            _cache = new NearCache(options.NearCacheDuration, options.NearCacheSize);
            redis.ConnectionFailed += OnConnectionFailed;
            redis.ConnectionRestored += OnConnectionRestored;

            // Connectivity, not session time: the probe runs on the real clock even when sessions use a fake one.
            _prober = TimeProvider.System.CreateTimer(static state => ((RedisSessionStore)state!).Probe(), this, TimeSpan.Zero, TimeSpan.FromSeconds(1));
        }

        if (options.CollectionInterval > TimeSpan.Zero)
        {
            _collector = _time.CreateTimer(static state => ((RedisSessionStore)state!).CollectInBackground(), this, options.CollectionInterval, options.CollectionInterval);
        }
    }

    /// <summary>Connects to <see cref="RedisSessionStoreOptions.Configuration"/> and creates a store that owns the connection.</summary>
    /// <exception cref="ArgumentException">The options are invalid, or have no configuration string.</exception>
    /// <exception cref="RedisConnectionException">Redis could not be reached.</exception>
    public static async Task<RedisSessionStore> ConnectAsync(RedisSessionStoreOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ThrowIfInvalid(options);
        if (string.IsNullOrWhiteSpace(options.Configuration))
        {
            throw new ArgumentException($"{nameof(RedisSessionStoreOptions.Configuration)} must name the Redis server(s).", nameof(options));
        }

        ConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync(options.Configuration).ConfigureAwait(false);
        return new RedisSessionStore(redis, ownsConnection: true, options, timeProvider);
    }

    /// <summary>A store that disposes <paramref name="redis"/> with itself.</summary>
    internal static RedisSessionStore Own(IConnectionMultiplexer redis, RedisSessionStoreOptions options, TimeProvider? timeProvider) =>
        new(redis, ownsConnection: true, options, timeProvider);

    /// <summary>True while the near cache may answer reads (it is on and its subscription is known to work).</summary>
    public bool IsNearCacheActive => _cache?.IsUsable == true;

    /// <summary>Raised after a published eviction was applied (tests wait on it; handlers must be quick).</summary>
    internal event Action<string>? EvictionApplied;

    /// <inheritdoc/>
    public async ValueTask<SessionCreateResult> CreateAsync(NewSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        SessionDataRules.ThrowIfRefused(session.Data, _limits);
        cancellationToken.ThrowIfCancellationRequested();
        SessionIdFactory ids = await RoutingAsync().ConfigureAwait(false);
        string tag = ids.GetRoutingTag(session.UserId);
        string id = ids.CreateId(session.UserId);
        long now = NowTicks();
        long absolute = SaturatingAdd(now, session.AbsoluteLifetime.Ticks);
        long expiry = session.IdleTimeout.Ticks < absolute - now ? now + session.IdleTimeout.Ticks : absolute;

        var args = new List<RedisValue>(24 + (2 * 8))
        {
            RedisTime.Ticks(now), session.MaxSessionsPerUser, session.LimitPolicy == SessionLimitPolicy.RefuseNew ? "r" : "e", _keys.Prefix, id,
            "u", session.UserId, "c", RedisTime.Ticks(now), "l", RedisTime.Ticks(now), "i", RedisTime.Ticks(session.IdleTimeout.Ticks),
            "a", RedisTime.Ticks(absolute), "x", RedisTime.Ticks(expiry), "h", HashBytes(session.RefreshHash), "g", 0, "ri", RedisTime.Ticks(now),
        };
        AddIfPresent(args, "ip", session.Client?.IpAddress);
        AddIfPresent(args, "ua", session.Client?.UserAgent);
        AddIfPresent(args, "dl", session.Client?.DeviceLabel);
        if (session.TokenClaimsArray is { } claims)
        {
            args.Add("tc");
            args.Add(claims);
        }

        int order = 0;
        foreach ((string key, ReadOnlyMemory<byte> value) in session.Data)
        {
            args.Add("d:" + key);
            args.Add(OrderedValue(++order, value.Span));
        }

        args.AddRange(["dn", order, "ds", session.Data.SizeBytes, "q", order]);

        // The store-wide entry comes first: a remover that finds the session afterwards also removes the entry.
        var global = new GlobalUpdate();
        global.Add(id, RedisTime.Score(expiry), RedisTime.Score(now));
        await ApplyAsync(global).ConfigureAwait(false);

        RedisResult[] reply;
        try
        {
            reply = (RedisResult[])(await _db.ScriptEvaluateAsync(
                RedisScripts.Create, [_keys.Session(id), _keys.UserSet(tag, session.UserId), _keys.UserVersion(tag, session.UserId)], [.. args]).ConfigureAwait(false))!;
        }
        catch
        {
            await TryApplyAsync(new GlobalUpdate().Remove(id)).ConfigureAwait(false);
            throw;
        }

        var after = new GlobalUpdate();
        if ((int)reply[0] == 1)
        {
            await ApplyAsync(after.Remove(id)).ConfigureAwait(false);
            return new SessionCreateResult(SessionCreateStatus.UserLimitReached, null, null);
        }

        after.User(session.UserId, (long)reply[1], (string)reply[2]!);
        List<string>? evicted = null;
        for (int i = 3; i < reply.Length; i++)
        {
            string victim = (string)reply[i]!;
            (evicted ??= []).Add(victim);
            after.Remove(victim);
        }

        await ApplyAsync(after).ConfigureAwait(false);
        if (evicted is not null)
        {
            Published(evicted);
        }

        var record = new NewSessionRecord(id, session, now, absolute);
        return new SessionCreateResult(SessionCreateStatus.Created, record, evicted);
    }

    /// <inheritdoc/>
    public async ValueTask<SessionRecord?> GetAsync(string sessionId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!SessionIdFactory.IsWellFormed(sessionId))
        {
            return null;
        }

        DateTimeOffset now = _time.GetUtcNow();
        if (_cache?.TryGet(sessionId, now) is { } cached)
        {
            return cached;
        }

        long version = _cache?.Version ?? 0;
        HashEntry[] entries = await _db.HashGetAllAsync(_keys.Session(sessionId)).WaitAsync(cancellationToken).ConfigureAwait(false);
        RedisSessionRecord? record = RedisSessionRecord.Parse(sessionId, entries);
        if (record is null || record.IsExpiredAt(now))
        {
            return null;
        }

        _cache?.Add(record, version, now);
        return record;
    }

    /// <inheritdoc/>
    public async ValueTask<SessionRecord?> TouchAsync(string sessionId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!SessionIdFactory.IsWellFormed(sessionId))
        {
            return null;
        }

        long version = _cache?.Version ?? 0;
        long now = NowTicks();
        var reply = (RedisResult[])(await _db.ScriptEvaluateAsync(RedisScripts.Touch, [_keys.Session(sessionId)], [RedisTime.Ticks(now), _keys.Prefix, sessionId]).ConfigureAwait(false))!;
        if (reply.Length == 0)
        {
            return null;
        }

        RedisSessionRecord record = RedisSessionRecord.Parse(sessionId, reply.AsSpan(4))!;
        await ApplyAsync(new GlobalUpdate()
            .User(record.UserId, (long)reply[0], (string)reply[1]!)
            .Touch(sessionId, (string)reply[2]!, (string)reply[3]!)).ConfigureAwait(false);
        _cache?.Add(record, version, new DateTimeOffset(now, TimeSpan.Zero));
        return record;
    }

    /// <inheritdoc/>
    public async ValueTask<SessionWriteStatus> SetValueAsync(string sessionId, string key, ReadOnlyMemory<byte> utf8Json, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        // Limits first, so an oversized value is refused without being parsed.
        SessionWriteStatus status = SessionDataRules.CheckEntry(key, utf8Json.Length, _limits);
        if (status != SessionWriteStatus.Ok)
        {
            return status;
        }

        SessionDataRules.ThrowIfNotJsonValue(utf8Json.Span);
        if (!SessionIdFactory.IsWellFormed(sessionId))
        {
            return SessionWriteStatus.SessionNotFound;
        }

        status = (SessionWriteStatus)(int)await ChangeAsync(sessionId, RedisScripts.SetValue,
            [RedisTime.Ticks(NowTicks()), "d:" + key, utf8Json, _limits.MaxKeys, _limits.MaxDataBytes]).ConfigureAwait(false);
        return status;
    }

    /// <inheritdoc/>
    public async ValueTask<SessionWriteStatus> RemoveValueAsync(string sessionId, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        if (!SessionText.IsValidKey(key, _limits))
        {
            return SessionWriteStatus.KeyInvalid;
        }

        if (!SessionIdFactory.IsWellFormed(sessionId))
        {
            return SessionWriteStatus.SessionNotFound;
        }

        return (SessionWriteStatus)(int)await ChangeAsync(sessionId, RedisScripts.RemoveValue, [RedisTime.Ticks(NowTicks()), "d:" + key]).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<SessionWriteStatus> ClearValuesAsync(string sessionId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!SessionIdFactory.IsWellFormed(sessionId))
        {
            return SessionWriteStatus.SessionNotFound;
        }

        return (SessionWriteStatus)(int)await ChangeAsync(sessionId, RedisScripts.ClearValues, [RedisTime.Ticks(NowTicks())]).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<RotationResult> RotateRefreshAsync(string sessionId, RefreshHash expected, RefreshHash replacement, ReadOnlyMemory<byte> recoveryEnvelope, CancellationToken cancellationToken)
    {
        if (replacement.IsEmpty)
        {
            throw new ArgumentException("The replacement refresh hash must not be empty.", nameof(replacement));
        }

        if (recoveryEnvelope.Length > SessionDataRules.MaxRecoveryEnvelopeBytes)
        {
            throw new ArgumentException($"A recovery envelope is at most {SessionDataRules.MaxRecoveryEnvelopeBytes} bytes.", nameof(recoveryEnvelope));
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (!SessionIdFactory.IsWellFormed(sessionId))
        {
            return RotationResult.SessionNotFound;
        }

        long now = NowTicks();
        var reply = (RedisResult[])(await ChangeAsync(sessionId, RedisScripts.Rotate,
            [RedisTime.Ticks(now), _keys.Prefix, sessionId, HashBytes(expected), HashBytes(replacement), recoveryEnvelope]).ConfigureAwait(false))!;
        switch ((int)reply[0])
        {
            case 0:
                await ApplyAsync(new GlobalUpdate()
                    .User((string)reply[2]!, (long)reply[3], (string)reply[4]!)
                    .Touch(sessionId, (string)reply[5]!, (string)reply[6]!)).ConfigureAwait(false);
                return new RotationResult(RotationStatus.Rotated, (int)reply[1], default, default);
            case 1:
                var retiredAt = new DateTimeOffset(RedisTime.ParseTicks((byte[])reply[2]!), TimeSpan.Zero);
                return new RotationResult(RotationStatus.Retired, (int)reply[1], retiredAt, (byte[])reply[3]!);
            case 2:
                return new RotationResult(RotationStatus.Mismatch, (int)reply[1], default, default);
            default:
                return RotationResult.SessionNotFound;
        }
    }

    /// <inheritdoc/>
    public async ValueTask<bool> RemoveAsync(string sessionId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!SessionIdFactory.IsWellFormed(sessionId))
        {
            return false;
        }

        var reply = (RedisResult[])(await ChangeAsync(sessionId, RedisScripts.Remove, [RedisTime.Ticks(NowTicks()), _keys.Prefix, sessionId]).ConfigureAwait(false))!;
        var global = new GlobalUpdate().Remove(sessionId);
        if (reply.Length == 0)
        {
            await ApplyAsync(global).ConfigureAwait(false);
            return false;
        }

        await ApplyAsync(global.User((string)reply[1]!, (long)reply[2], (string)reply[3]!)).ConfigureAwait(false);
        return (int)reply[0] == 1;
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<string>> RemoveUserSessionsAsync(string userId, string? exceptSessionId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        cancellationToken.ThrowIfCancellationRequested();
        SessionIdFactory ids = await RoutingAsync().ConfigureAwait(false);
        string tag = ids.GetRoutingTag(userId);
        string keep = exceptSessionId is not null && SessionIdFactory.IsWellFormed(exceptSessionId) ? exceptSessionId : "";
        var reply = (RedisResult[])(await _db.ScriptEvaluateAsync(RedisScripts.RemoveUser,
            [_keys.UserSet(tag, userId), _keys.UserVersion(tag, userId)], [RedisTime.Ticks(NowTicks()), _keys.Prefix, keep]).ConfigureAwait(false))!;
        long version = (long)reply[0];
        if (version == 0)
        {
            return [];
        }

        int liveCount = (int)reply[2];
        var live = new List<string>(liveCount);
        var global = new GlobalUpdate().User(userId, version, (string)reply[1]!);
        var ended = new List<string>(reply.Length - 3);
        for (int i = 3; i < reply.Length; i++)
        {
            string id = (string)reply[i]!;
            ended.Add(id);
            global.Remove(id);
            if (i - 3 < liveCount)
            {
                live.Add(id);
            }
        }

        Published(ended);
        await ApplyAsync(global).ConfigureAwait(false);
        return live;
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<SessionRecord>> ListUserSessionsAsync(string userId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        cancellationToken.ThrowIfCancellationRequested();
        SessionIdFactory ids = await RoutingAsync().ConfigureAwait(false);
        var reply = (RedisResult[])(await _db.ScriptEvaluateAsync(RedisScripts.ListUser,
            [_keys.UserSet(ids.GetRoutingTag(userId), userId)], [RedisTime.Ticks(NowTicks()), _keys.Prefix]).ConfigureAwait(false))!;
        var sessions = new List<RedisSessionRecord>(reply.Length / 2);
        for (int i = 0; i + 1 < reply.Length; i += 2)
        {
            sessions.Add(RedisSessionRecord.Parse((string)reply[i]!, (RedisResult[])reply[i + 1]!)!);
        }

        // Newest first; the creation order breaks ties of the same instant.
        sessions.Sort(static (a, b) => b.CreatedAt != a.CreatedAt ? b.CreatedAt.CompareTo(a.CreatedAt) : b.CreationOrder.CompareTo(a.CreationOrder));
        return sessions;
    }

    /// <inheritdoc/>
    /// <remarks>Reads ids from the store-wide id set (ordered by Redis) and the sessions with one pipelined read per page.</remarks>
    public async ValueTask<SessionPage> ListAsync(string? after, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MaxPageSize);
        cancellationToken.ThrowIfCancellationRequested();
        DateTimeOffset now = _time.GetUtcNow();
        var page = new List<SessionRecord>(limit);
        RedisValue cursor = after is null ? default : (RedisValue)after;
        Exclude exclude = after is null ? Exclude.None : Exclude.Start;
        bool more = false;
        while (!more)
        {
            // One past the page tells whether another page follows.
            int wanted = limit + 1 - page.Count;
            RedisValue[] batch = await _db.SortedSetRangeByValueAsync(_keys.Ids, cursor, default, exclude, Order.Ascending, 0, wanted).ConfigureAwait(false);
            Task<HashEntry[]>[] reads = [.. batch.Select(id => _db.HashGetAllAsync(_keys.Session(id!)))];
            await Task.WhenAll(reads).ConfigureAwait(false);
            for (int i = 0; i < batch.Length; i++)
            {
                RedisSessionRecord? record = RedisSessionRecord.Parse(batch[i]!, reads[i].Result);
                if (record is not null && !record.IsExpiredAt(now))
                {
                    if (page.Count == limit)
                    {
                        more = true;
                        break;
                    }

                    page.Add(record);
                }
            }

            if (batch.Length < wanted)
            {
                break;
            }

            cursor = batch[^1];
            exclude = Exclude.Start;
        }

        return new SessionPage(page, more ? page[^1].Id : null);
    }

    /// <inheritdoc/>
    /// <remarks>Three <c>ZCOUNT</c>s on the store-wide sets. Users are counted from each user's latest expiry.</remarks>
    public async ValueTask<SessionCounts> GetCountsAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        long now = RedisTime.Score(NowTicks());
        long activeFrom = RedisTime.Score(NowTicks() - _activeWindow.Ticks);
        Task<long> sessions = _db.SortedSetLengthAsync(_keys.Expiry, now, double.PositiveInfinity);
        Task<long> users = _db.SortedSetLengthAsync(_keys.Users, now, double.PositiveInfinity);
        Task<long> active = _db.SortedSetLengthAsync(_keys.LastSeen, activeFrom, double.PositiveInfinity);
        await Task.WhenAll(sessions, users, active).ConfigureAwait(false);
        return new SessionCounts(sessions.Result, users.Result, active.Result, _activeWindow);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Visits only store-wide entries whose expiry score has passed, in batches of 256, checking each session exactly
    /// before removing it; Redis has usually deleted the session itself already (TTL), so this frees index entries.
    /// </remarks>
    public async ValueTask<int> SweepExpiredAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        long now = NowTicks();
        long nowScore = RedisTime.Score(now);
        int removed = 0;
        double after = double.NegativeInfinity;
        while (true)
        {
            RedisValue[] batch = await _db.SortedSetRangeByScoreAsync(_keys.Expiry, after, nowScore, Exclude.None, Order.Ascending, 0, SweepBatch).ConfigureAwait(false);
            if (batch.Length == 0)
            {
                break;
            }

            Task<RedisResult>[] checks = [.. batch.Select(id => _db.ScriptEvaluateAsync(RedisScripts.RemoveIfExpired, [_keys.Session(id!)], [RedisTime.Ticks(now), _keys.Prefix, id]))];
            await Task.WhenAll(checks).ConfigureAwait(false);
            var global = new GlobalUpdate();
            int stillAlive = 0;
            for (int i = 0; i < batch.Length; i++)
            {
                var reply = (RedisResult[])checks[i].Result!;
                string id = batch[i]!;
                if (reply.Length == 0)
                {
                    global.Remove(id);
                    removed++;
                }
                else if ((int)reply[0] == 1)
                {
                    // Touched meanwhile, its index entry not yet raised: raise it so it is not visited again.
                    global.Touch(id, (string)reply[1]!, (string)reply[2]!);
                    stillAlive++;
                }
                else
                {
                    global.Remove(id).User((string)reply[1]!, (long)reply[2], (string)reply[3]!);
                    removed++;
                }
            }

            await ApplyAsync(global).ConfigureAwait(false);
            if (batch.Length < SweepBatch)
            {
                break;
            }

            if (stillAlive == batch.Length)
            {
                break; // every entry was raised past now; nothing more is due
            }
        }

        long forgetBefore = nowScore - s_forgetUsersAfterMilliseconds;
        while ((int)await _db.ScriptEvaluateAsync(RedisScripts.ForgetUsers, [_keys.Users, _keys.UserVersions], [forgetBefore, SweepBatch]).ConfigureAwait(false) == SweepBatch)
        {
        }

        return removed;
    }

    /// <summary>Stops the timers and the subscription; closes the connection if the store opened it.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _collector?.Dispose();
        _prober?.Dispose();
        if (_cache is not null)
        {
            _redis.ConnectionFailed -= OnConnectionFailed;
            _redis.ConnectionRestored -= OnConnectionRestored;
            try
            {
                _redis.GetSubscriber().Unsubscribe(_keys.Channel, OnMessage);
            }
            catch (RedisException)
            {
                // Down already: nothing to unsubscribe from.
            }
        }

        if (_ownsConnection)
        {
            _redis.Dispose();
        }
    }

    /// <inheritdoc cref="Dispose"/>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private static void ThrowIfInvalid(RedisSessionStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        IReadOnlyList<string> problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid Redis session store options: " + string.Join(" ", problems), nameof(options));
        }
    }

    private long NowTicks() => _time.GetUtcNow().UtcTicks;

    private static long SaturatingAdd(long ticks, long delta) =>
        ticks > DateTimeOffset.MaxValue.UtcTicks - delta ? DateTimeOffset.MaxValue.UtcTicks : ticks + delta;

    private static byte[] HashBytes(RefreshHash hash)
    {
        if (hash.IsEmpty)
        {
            return [];
        }

        byte[] bytes = new byte[RefreshHash.Size];
        hash.CopyTo(bytes);
        return bytes;
    }

    private static void AddIfPresent(List<RedisValue> args, string field, string? value)
    {
        if (value is not null)
        {
            args.Add(field);
            args.Add(value);
        }
    }

    /// <summary>A data field's stored form: its order of first setting, a colon, the JSON.</summary>
    private static byte[] OrderedValue(int order, ReadOnlySpan<byte> json)
    {
        string prefix = order.ToString(CultureInfo.InvariantCulture) + ":";
        byte[] value = new byte[prefix.Length + json.Length];
        Encoding.ASCII.GetBytes(prefix, value);
        json.CopyTo(value.AsSpan(prefix.Length));
        return value;
    }

    /// <summary>Runs a script that changes one session, keeping the near caches of every process honest around it.</summary>
    private async Task<RedisResult> ChangeAsync(string sessionId, string script, RedisValue[] args)
    {
        _cache?.Evict(sessionId);
        try
        {
            return await _db.ScriptEvaluateAsync(script, [_keys.Session(sessionId)], args).ConfigureAwait(false);
        }
        finally
        {
            _cache?.Evict(sessionId);
            Published([sessionId]);
        }
    }

    /// <summary>Tells every process (this one included) that these sessions changed or ended.</summary>
    private void Published(IReadOnlyList<string> sessionIds)
    {
        foreach (string id in sessionIds)
        {
            _cache?.Evict(id);
        }

        try
        {
            // Fire-and-forget keeps the change at one round trip; the message still leaves after the change on this
            // connection.
            _redis.GetSubscriber().Publish(_keys.Channel, string.Join(' ', sessionIds), CommandFlags.FireAndForget);
        }
        catch (RedisException)
        {
            // This process lost Redis. A change that reached Redis just before may go unheard by other processes
            // for at most their NearCacheDuration (the documented bound); never hide the caller's own error for it.
        }
    }

    private Task ApplyAsync(GlobalUpdate update) =>
        update.IsEmpty ? Task.CompletedTask : _db.ScriptEvaluateAsync(RedisScripts.Global, _keys.GlobalKeys, update.ToArgs());

    private async Task TryApplyAsync(GlobalUpdate update)
    {
        try
        {
            await ApplyAsync(update).ConfigureAwait(false);
        }
        catch (RedisException)
        {
            // Best effort after a failure: a left-over entry is dropped when its score passes.
        }
    }

    private Task<SessionIdFactory> RoutingAsync()
    {
        Task<SessionIdFactory>? ids = Volatile.Read(ref _ids);
        if (ids is null || ids.IsFaulted || ids.IsCanceled)
        {
            // Racing callers may both load the key; they agree on it, since only the first SET NX wins.
            ids = LoadRoutingAsync();
            Volatile.Write(ref _ids, ids);
        }

        return ids;
    }

    private async Task<SessionIdFactory> LoadRoutingAsync()
    {
        if (_routingKey is not null)
        {
            return new SessionIdFactory(_routingKey);
        }

        await _db.StringSetAsync(_keys.RoutingKey, RandomNumberGenerator.GetBytes(32), when: When.NotExists).ConfigureAwait(false);
        byte[]? key = await _db.StringGetAsync(_keys.RoutingKey).ConfigureAwait(false);
        if (key is not { Length: >= SessionIdFactory.MinRoutingKeyBytes })
        {
            throw new InvalidDataException($"The routing key in Redis ({_keys.RoutingKey}) is missing or shorter than {SessionIdFactory.MinRoutingKeyBytes} bytes.");
        }

        return new SessionIdFactory(key);
    }

    private void OnMessage(RedisChannel channel, RedisValue message)
    {
        string text = message!;
        if (text.StartsWith(ProbePrefix, StringComparison.Ordinal))
        {
            if (text == _probe && _cache is { IsUsable: false })
            {
                _cache.Resume();
            }

            return;
        }

        foreach (string id in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            _cache?.Evict(id);
            EvictionApplied?.Invoke(id);
        }
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e) => _cache?.Suspend();

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e) => _cache?.Suspend();

    /// <summary>While the cache is suspended, publishes this store's probe; hearing it back resumes the cache.</summary>
    private void Probe()
    {
        if (_cache is not { IsUsable: false } || Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        if (Interlocked.CompareExchange(ref _subscribing, 1, 0) == 0)
        {
            _ = ProbeAsync();
        }
    }

    private async Task ProbeAsync()
    {
        try
        {
            // StackExchange.Redis restores a subscription after a reconnect, but not one that never got through.
            if (!_subscribed)
            {
                await _redis.GetSubscriber().SubscribeAsync(_keys.Channel, OnMessage).ConfigureAwait(false);
                _subscribed = true;
            }

            await _redis.GetSubscriber().PublishAsync(_keys.Channel, _probe).ConfigureAwait(false);
        }
        catch (RedisException)
        {
            // Still down; the next tick tries again.
        }
        catch (TimeoutException)
        {
        }
        finally
        {
            Volatile.Write(ref _subscribing, 0);
        }
    }

    private void CollectInBackground()
    {
        _ = CollectAsync();

        async Task CollectAsync()
        {
            try
            {
                await SweepExpiredAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (RedisException)
            {
                // Unreachable now; the next run catches up.
            }
            catch (TimeoutException)
            {
            }
        }
    }

    /// <summary>The record <see cref="CreateAsync"/> returns, built from the request without reading Redis back.</summary>
    private sealed class NewSessionRecord(string id, NewSession request, long nowTicks, long absoluteTicks) : SessionRecord
    {
        public override string Id => id;

        public override string UserId => request.UserId;

        public override DateTimeOffset CreatedAt => new(nowTicks, TimeSpan.Zero);

        public override DateTimeOffset LastSeenAt => CreatedAt;

        public override TimeSpan IdleTimeout => request.IdleTimeout;

        public override DateTimeOffset AbsoluteExpiresAt => new(absoluteTicks, TimeSpan.Zero);

        public override SessionClientInfo? Client => request.Client;

        public override RefreshHash RefreshHash => request.RefreshHash;

        public override int RefreshGeneration => 0;

        public override DateTimeOffset RefreshIssuedAt => CreatedAt;

        public override ReadOnlyMemory<byte> TokenClaims => request.TokenClaimsArray;

        public override SessionData Data => request.Data;
    }
}
