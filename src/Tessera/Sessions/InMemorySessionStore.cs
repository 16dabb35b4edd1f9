using System.Runtime.CompilerServices;
using Tessera.Sessions.InMemory;

namespace Tessera.Sessions;

/// <summary>
/// The embedded session store: every session in this process's memory. Fast and simple; sessions do not survive a
/// restart and are not shared between processes (use the Redis store for that).
/// </summary>
/// <remarks>
/// <para>
/// Structure: an open-addressing id table read without locks; a per-user chain keyed by the routing tag; one-second
/// expiry buckets for the collector; counters for the counts. Reads (<see cref="GetAsync"/>, <see cref="TouchAsync"/>)
/// never take a lock. Data writes and rotations are compare-and-swap or per-session. Creation and removal take one
/// store-wide lock for a few hundred nanoseconds, which makes the per-user limit and "remove all of a user" atomic.
/// </para>
/// <para>
/// Capacity: <see cref="InMemorySessionStoreOptions.MaxSessions"/> and <see cref="InMemorySessionStoreOptions.MaxBytes"/>.
/// At capacity a new session is refused (<see cref="SessionCreateStatus.StoreFull"/>) or, with
/// <see cref="StoreCapacityPolicy.EvictSoonestExpiring"/>, the sessions closest to expiry are ended and reported —
/// never silently. A data write that would pass <c>MaxBytes</c> is refused with <see cref="SessionWriteStatus.StoreFull"/>.
/// </para>
/// <para>
/// Collection: a timer on the <see cref="TimeProvider"/> calls <see cref="SweepExpired"/> every
/// <see cref="InMemorySessionStoreOptions.CollectionInterval"/>. It visits only sessions whose filed expiry has passed,
/// works in batches of 256 under the lock, and never blocks readers. A removed session's object stays referenced by
/// its expiry bucket until that bucket comes due (its data is dropped at once).
/// </para>
/// <para>Counts are exact for live sessions and users as of the last collection.</para>
/// </remarks>
public sealed partial class InMemorySessionStore : ISessionStore, IDisposable
{
    private const int MaxPageSize = 1000;

    private readonly Lock _sync = new();
    private readonly TimeProvider _time;
    private readonly SessionIdFactory _ids;
    private readonly SessionDataLimits _limits;
    private readonly int _maxSessions;
    private readonly long _maxBytes;
    private readonly StoreCapacityPolicy _capacityPolicy;
    private readonly TimeSpan _activeWindow;
    private readonly SessionTable _table = new();
    private readonly UserIndex _userChains = new();
    private readonly ExpiryWheel _wheel = new();
    private readonly ActivityCounter _activity;
    private readonly ITimer? _collector;
    private long _bytes;
    private int _users;
    private long _evicted;

    /// <summary>Creates a store.</summary>
    /// <param name="options">Options; null takes the defaults.</param>
    /// <param name="timeProvider">The clock for expiry and the collector's timer; null uses <see cref="TimeProvider.System"/>.</param>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every problem.</exception>
    public InMemorySessionStore(InMemorySessionStoreOptions? options = null, TimeProvider? timeProvider = null)
    {
        options ??= new InMemorySessionStoreOptions();
        IReadOnlyList<string> problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid in-memory session store options: " + string.Join(" ", problems), nameof(options));
        }

        _time = timeProvider ?? TimeProvider.System;
        _ids = options.RoutingKey is null ? SessionIdFactory.CreateRandom() : new SessionIdFactory(options.RoutingKey);
        _limits = options.DataLimits.Snapshot();
        _maxSessions = options.MaxSessions;
        _maxBytes = options.MaxBytes;
        _capacityPolicy = options.CapacityPolicy;
        _activeWindow = options.ActiveWindow;
        _activity = new ActivityCounter(NowTicks(), _activeWindow);
        if (options.CollectionInterval > TimeSpan.Zero)
        {
            _collector = _time.CreateTimer(static state => ((InMemorySessionStore)state!).SweepExpired(), this, options.CollectionInterval, options.CollectionInterval);
        }
    }

    /// <summary>The store's estimate of the bytes it holds (see <see cref="InMemorySessionStoreOptions.MaxBytes"/>).</summary>
    public long ApproximateBytes => Volatile.Read(ref _bytes);

    /// <summary>How many live sessions the capacity policy has ended since the store was created.</summary>
    public long EvictedCount => Volatile.Read(ref _evicted);

    /// <inheritdoc/>
    public ValueTask<SessionCreateResult> CreateAsync(NewSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        SessionDataRules.ThrowIfRefused(session.Data, _limits);
        cancellationToken.ThrowIfCancellationRequested();
        long now = NowTicks();
        var created = new InMemorySession(SessionIdFactory.NewKey(_ids.ComputeTag(session.UserId)), session, now);
        return ValueTask.FromResult(Create(created, session, now));
    }

    /// <inheritdoc/>
    public ValueTask<SessionRecord?> GetAsync(string sessionId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult<SessionRecord?>(FindLive(sessionId, NowTicks()));
    }

    /// <inheritdoc/>
    public ValueTask<SessionRecord?> TouchAsync(string sessionId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        long now = NowTicks();
        InMemorySession? session = FindLive(sessionId, now);
        if (session is not null)
        {
            session.Touch(now);
            MoveActivity(session, now);
        }

        return ValueTask.FromResult<SessionRecord?>(session);
    }

    /// <inheritdoc/>
    [SkipLocalsInit] // the key buffer is written before it is read
    public ValueTask<SessionWriteStatus> SetValueAsync(string sessionId, string key, ReadOnlyMemory<byte> utf8Json, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        // Limits first, so an oversized value is refused without being parsed.
        SessionWriteStatus status = SessionDataRules.CheckEntry(key, utf8Json.Length, _limits);
        if (status != SessionWriteStatus.Ok)
        {
            return ValueTask.FromResult(status);
        }

        SessionDataRules.ThrowIfNotJsonValue(utf8Json.Span);

        InMemorySession? session = FindLive(sessionId, NowTicks());
        if (session is null)
        {
            return ValueTask.FromResult(SessionWriteStatus.SessionNotFound);
        }

        Span<byte> buffer = stackalloc byte[_limits.MaxKeyLength * SessionDataCodec.MaxUtf8BytesPerChar];
        return ValueTask.FromResult(WriteData(session, DataWrite.Set, SessionDataCodec.EncodeKey(key, buffer), utf8Json.Span));
    }

    /// <inheritdoc/>
    [SkipLocalsInit] // the key buffer is written before it is read
    public ValueTask<SessionWriteStatus> RemoveValueAsync(string sessionId, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        if (!SessionText.IsValidKey(key, _limits))
        {
            return ValueTask.FromResult(SessionWriteStatus.KeyInvalid);
        }

        InMemorySession? session = FindLive(sessionId, NowTicks());
        if (session is null)
        {
            return ValueTask.FromResult(SessionWriteStatus.SessionNotFound);
        }

        Span<byte> buffer = stackalloc byte[_limits.MaxKeyLength * SessionDataCodec.MaxUtf8BytesPerChar];
        return ValueTask.FromResult(WriteData(session, DataWrite.Remove, SessionDataCodec.EncodeKey(key, buffer), default));
    }

    /// <inheritdoc/>
    public ValueTask<SessionWriteStatus> ClearValuesAsync(string sessionId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        InMemorySession? session = FindLive(sessionId, NowTicks());
        return ValueTask.FromResult(session is null ? SessionWriteStatus.SessionNotFound : WriteData(session, DataWrite.Clear, default, default));
    }

    /// <inheritdoc/>
    public ValueTask<RotationResult> RotateRefreshAsync(string sessionId, RefreshHash expected, RefreshHash replacement, ReadOnlyMemory<byte> recoveryEnvelope, CancellationToken cancellationToken)
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
        long now = NowTicks();
        InMemorySession? session = FindLive(sessionId, now);
        if (session is null)
        {
            return ValueTask.FromResult(RotationResult.SessionNotFound);
        }

        RotationResult result = session.Rotate(expected, replacement, recoveryEnvelope, now);
        if (result.Status == RotationStatus.Rotated)
        {
            MoveActivity(session, now);
        }

        return ValueTask.FromResult(result);
    }

    /// <inheritdoc/>
    public ValueTask<bool> RemoveAsync(string sessionId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!SessionKey.TryParse(sessionId, out SessionKey key))
        {
            return ValueTask.FromResult(false);
        }

        long now = NowTicks();
        lock (_sync)
        {
            InMemorySession? session = _table.Find(key);
            bool live = session is not null && session.IsLiveAt(now);
            if (session is not null)
            {
                RemoveLocked(session);
            }

            return ValueTask.FromResult(live);
        }
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<string>> RemoveUserSessionsAsync(string userId, string? exceptSessionId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        cancellationToken.ThrowIfCancellationRequested();
        long tag = _ids.ComputeTag(userId);
        bool hasExcept = SessionKey.TryParse(exceptSessionId, out SessionKey except);
        long now = NowTicks();
        var removed = new List<string>();
        lock (_sync)
        {
            foreach (InMemorySession session in UserSessionsLocked(tag, userId))
            {
                if (hasExcept && session.Key.Equals(except))
                {
                    continue;
                }

                if (session.IsLiveAt(now))
                {
                    removed.Add(session.Id);
                }

                RemoveLocked(session);
            }
        }

        return ValueTask.FromResult<IReadOnlyList<string>>(removed);
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<SessionRecord>> ListUserSessionsAsync(string userId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        cancellationToken.ThrowIfCancellationRequested();
        long tag = _ids.ComputeTag(userId);
        long now = NowTicks();
        var sessions = new List<SessionRecord>();
        lock (_sync)
        {
            foreach (InMemorySession session in UserSessionsLocked(tag, userId))
            {
                if (session.IsLiveAt(now))
                {
                    sessions.Add(session);
                }
            }
        }

        return ValueTask.FromResult<IReadOnlyList<SessionRecord>>(sessions);
    }

    /// <inheritdoc/>
    /// <remarks>The in-memory store scans its table for each page (O(sessions · log limit)): fine for an admin page,
    /// not for a request path.</remarks>
    public ValueTask<SessionPage> ListAsync(string? after, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MaxPageSize);
        cancellationToken.ThrowIfCancellationRequested();
        long now = NowTicks();

        // Keep the `limit + 1` smallest ids above the cursor (a max-heap whose root is the largest kept id); the one
        // past the page only tells whether another page follows.
        int wanted = limit + 1;
        var kept = new PriorityQueue<InMemorySession, InMemorySession>(wanted + 1, DescendingIdComparer.Instance);
        Span<char> id = stackalloc char[SessionKey.TextLength];
        foreach (InMemorySession? session in _table.Slots)
        {
            if (session is null || !session.IsLiveAt(now))
            {
                continue;
            }

            session.Key.Format(id);
            if (after is not null && id.SequenceCompareTo(after) <= 0)
            {
                continue;
            }

            kept.Enqueue(session, session);
            if (kept.Count > wanted)
            {
                kept.Dequeue();
            }
        }

        bool more = kept.Count == wanted;
        if (more)
        {
            kept.Dequeue();
        }

        var page = new SessionRecord[kept.Count];
        for (int i = page.Length - 1; i >= 0; i--)
        {
            page[i] = kept.Dequeue();
        }

        string? next = more ? page[^1].Id : null;
        return ValueTask.FromResult(new SessionPage(page, next));
    }

    /// <inheritdoc/>
    public ValueTask<SessionCounts> GetCountsAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(new SessionCounts(_table.Count, Volatile.Read(ref _users), _activity.Count(NowTicks()), _activeWindow));
    }

    /// <inheritdoc/>
    public ValueTask<int> SweepExpiredAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(SweepExpired());
    }

    /// <summary>Stops the background collector. The store holds no other resources and keeps working.</summary>
    public void Dispose() => _collector?.Dispose();

    private long NowTicks() => _time.GetUtcNow().UtcTicks;

    private InMemorySession? FindLive(string sessionId, long now)
    {
        if (!SessionKey.TryParse(sessionId, out SessionKey key))
        {
            return null;
        }

        InMemorySession? session = _table.Find(key);
        return session is not null && session.IsLiveAt(now) ? session : null;
    }

    private void MoveActivity(InMemorySession session, long now)
    {
        int slot = _activity.SlotOf(now);
        int old = Volatile.Read(ref session.ActivitySlot);
        // A removed session's slot is -1: never count it again.
        if (old < 0 || old >= slot)
        {
            return;
        }

        // Count the new slot before claiming it: a removal that swaps the slot out right after the claim then
        // uncounts a slot that really holds this session's count.
        _activity.Add(slot);
        bool claimed = Interlocked.CompareExchange(ref session.ActivitySlot, slot, old) == old;
        _activity.Remove(claimed ? old : slot);
    }

    private sealed class DescendingIdComparer : IComparer<InMemorySession>
    {
        public static readonly DescendingIdComparer Instance = new();

        public int Compare(InMemorySession? x, InMemorySession? y) => y!.Key.CompareText(x!.Key);
    }
}
