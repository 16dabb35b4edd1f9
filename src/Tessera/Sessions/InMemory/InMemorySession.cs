namespace Tessera.Sessions.InMemory;

/// <summary>
/// The in-memory store's entry, handed to callers as a live <see cref="SessionRecord"/>. It is also the node of the
/// store's structures (id table slot, per-user chain, expiry bucket), so a session costs one object plus its data.
/// </summary>
/// <remarks>
/// Thread-safety: identity, user and lifetimes are immutable. <see cref="LastSeenTicks"/> only grows (CAS).
/// <see cref="DataBlob"/> is replaced by compare-and-swap, never mutated. Refresh state is guarded by this
/// object's monitor. <see cref="State"/>, <see cref="NextOfUser"/>, <see cref="NextInExpiry"/> are written under the
/// store lock.
/// </remarks>
internal sealed class InMemorySession : SessionRecord
{
    public const int Live = 0;
    public const int Removed = 1;

    /// <summary>The data of a removed session, so a late compare-and-swap cannot resurrect data.</summary>
    public static readonly byte[] RemovedData = [0];

    // A rough per-session cost for capacity accounting: this object, its table slot and chain links.
    private const int OverheadBytes = 256;

    private readonly string _userId;
    private readonly long _createdTicks;
    private readonly long _idleTicks;
    private readonly long _absoluteTicks;
    private readonly SessionClientInfo? _client;
    private readonly byte[]? _tokenClaims;
    private RefreshHash _refresh;
    private RetiredRefresh? _retired;
    private int _generation;

    public readonly SessionKey Key;
    public long LastSeenTicks;
    public byte[]? DataBlob;
    public InMemorySession? NextOfUser;
    public InMemorySession? NextInExpiry;
    public int State;
    public int ActivitySlot;

    public InMemorySession(SessionKey key, NewSession request, long nowTicks)
    {
        Key = key;
        _userId = request.UserId;
        _createdTicks = nowTicks;
        LastSeenTicks = nowTicks;
        _idleTicks = request.IdleTimeout.Ticks;
        _absoluteTicks = SaturatingAdd(nowTicks, request.AbsoluteLifetime.Ticks);
        _client = request.Client;
        _tokenClaims = request.TokenClaimsArray; // immutable, so it is adopted, not copied
        _refresh = request.RefreshHash;
        DataBlob = request.Data.Encoded; // immutable, so it is adopted, not copied
    }

    public override string Id => Key.ToString();

    public override string UserId => _userId;

    public override DateTimeOffset CreatedAt => new(_createdTicks, TimeSpan.Zero);

    public override DateTimeOffset LastSeenAt => new(Volatile.Read(ref LastSeenTicks), TimeSpan.Zero);

    public override TimeSpan IdleTimeout => new(_idleTicks);

    public override DateTimeOffset AbsoluteExpiresAt => new(_absoluteTicks, TimeSpan.Zero);

    public override SessionClientInfo? Client => _client;

    public override RefreshHash RefreshHash
    {
        get
        {
            lock (this)
            {
                return _refresh;
            }
        }
    }

    public override int RefreshGeneration => Volatile.Read(ref _generation);

    // The retired record is replaced whole under the monitor, so one volatile read sees a consistent time.
    public override DateTimeOffset RefreshIssuedAt => new(Volatile.Read(ref _retired)?.RetiredAtTicks ?? _createdTicks, TimeSpan.Zero);

    public override ReadOnlyMemory<byte> TokenClaims => _tokenClaims;

    public override SessionData Data
    {
        get
        {
            byte[]? blob = Volatile.Read(ref DataBlob);
            return ReferenceEquals(blob, RemovedData) ? default : new SessionData(blob);
        }
    }

    public long ExpiresAtTicks => Math.Min(SaturatingAdd(Volatile.Read(ref LastSeenTicks), _idleTicks), _absoluteTicks);

    /// <summary>Bytes charged to the store for this session, its data excluded (see <see cref="DataBlob"/>).</summary>
    public int BaseBytes => OverheadBytes + (2 * _userId.Length) + (2 * (_client?.CharCount ?? 0)) + (_tokenClaims?.Length ?? 0);

    public bool IsLiveAt(long nowTicks) => Volatile.Read(ref State) == Live && nowTicks < ExpiresAtTicks;

    /// <summary>Moves last seen forward to <paramref name="nowTicks"/>, never backwards.</summary>
    public void Touch(long nowTicks)
    {
        long seen = Volatile.Read(ref LastSeenTicks);
        while (seen < nowTicks)
        {
            long previous = Interlocked.CompareExchange(ref LastSeenTicks, nowTicks, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }

    /// <summary>The compare-and-swap of <see cref="ISessionStore.RotateRefreshAsync"/>.</summary>
    public RotationResult Rotate(RefreshHash expected, RefreshHash next, ReadOnlyMemory<byte> envelope, long nowTicks)
    {
        lock (this)
        {
            if (!IsLiveAt(nowTicks))
            {
                return RotationResult.SessionNotFound;
            }

            if (!_refresh.IsEmpty && _refresh.Equals(expected))
            {
                Volatile.Write(ref _retired, new RetiredRefresh(expected, nowTicks, envelope.ToArray()));
                _refresh = next;
                Volatile.Write(ref _generation, _generation + 1);
                Touch(nowTicks);
                return new RotationResult(RotationStatus.Rotated, _generation, default, default);
            }

            if (_retired is { } retired && retired.Hash.Equals(expected))
            {
                return new RotationResult(RotationStatus.Retired, _generation, new DateTimeOffset(retired.RetiredAtTicks, TimeSpan.Zero), retired.Envelope);
            }

            return new RotationResult(RotationStatus.Mismatch, _generation, default, default);
        }
    }

    private static long SaturatingAdd(long ticks, long delta) =>
        ticks > DateTimeOffset.MaxValue.UtcTicks - delta ? DateTimeOffset.MaxValue.UtcTicks : ticks + delta;

    /// <summary>The refresh hash the latest rotation retired, kept for the caller's grace rule.</summary>
    private sealed record RetiredRefresh(RefreshHash Hash, long RetiredAtTicks, byte[] Envelope);
}
