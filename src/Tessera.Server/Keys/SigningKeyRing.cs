using Tessera.Jwt;
using Tessera.Tokens;

namespace Tessera.Server.Keys;

/// <summary>What a key does on a node right now.</summary>
internal enum SigningKeyState
{
    /// <summary>Signs new access tokens (and verifies).</summary>
    Signing,

    /// <summary>Verifies tokens it signed; a newer key signs.</summary>
    Verifying,

    /// <summary>Published and verifying, but signs only from its activation time, once every node has loaded it.</summary>
    Pending,
}

/// <summary>What <see cref="SigningKeyRing.RetireAsync(string, CancellationToken)"/> did.</summary>
internal enum RetireResult
{
    /// <summary>The key is gone from the store.</summary>
    Retired,

    /// <summary>No key has that kid.</summary>
    NotFound,

    /// <summary>Refused: it is the key that signs now.</summary>
    SignsNow,
}

/// <summary>
/// The key ring one server node signs and verifies with, kept in step with its <see cref="ISigningKeyStore"/>: every
/// stored key verifies (and is in JWKS), and the newest key whose activation time has passed signs. Shared storage
/// (PostgreSQL, a shared folder) makes every node's ring the same.
/// </summary>
/// <remarks>
/// <para>
/// <b>Rotation without restarts.</b> <see cref="RefreshAsync"/> runs every <see cref="SigningKeyRingOptions.RefreshInterval"/>
/// (<see cref="SigningKeyRingService"/>). A key made by <see cref="RotateAsync(bool, CancellationToken)"/> activates
/// <see cref="SigningKeyRingOptions.ActivationDelay"/> later, which is at least one refresh interval: by the time any
/// node signs with it, every node verifies it, so no token is ever refused for its key. A rotation "now" (a key thought
/// compromised) signs at once on the node that made it and is verified by the others within one refresh interval.
/// </para>
/// <para>
/// <b>Failures.</b> When the store cannot be read, the ring keeps its keys (tokens and sessions do not need the store)
/// and tries again at the next interval. A store holding no key is refused the same way, rather than emptying the ring.
/// </para>
/// </remarks>
internal sealed class SigningKeyRing : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, (SigningKeyRecord Record, JwtKey Key)> _parsed = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private ILogger _logger;
    private State _state;
    private SessionTokenService? _target;

    private SigningKeyRing(ISigningKeyStore store, SigningKeyRingOptions options, TimeProvider time)
    {
        Store = store;
        Options = options;
        _time = time;
        _logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        _state = State.Empty;
    }

    /// <summary>Where the keys live.</summary>
    public ISigningKeyStore Store { get; }

    /// <summary>The refresh interval and activation delay.</summary>
    public SigningKeyRingOptions Options { get; }

    /// <summary>The key that signs now.</summary>
    public JwtKey SigningKey => Volatile.Read(ref _state).Signing;

    /// <summary>Every key (oldest first, the order JWKS lists them in), the signing key included.</summary>
    public JwtKeySet Keys => Volatile.Read(ref _state).Keys;

    /// <summary>The stored records the ring was built from, oldest first.</summary>
    public IReadOnlyList<SigningKeyRecord> Records => Volatile.Read(ref _state).Records;

    /// <summary>
    /// Loads the ring, first making the store's first key (active at once) when it holds none and is writable.
    /// Throws what the store throws, and <see cref="InvalidDataException"/> when it holds no usable key.
    /// </summary>
    public static async Task<SigningKeyRing> OpenAsync(ISigningKeyStore store, SigningKeyRingOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!store.IsReadOnly)
        {
            DateTimeOffset now = time.GetUtcNow();
            await store.AddIfEmptyAsync(SigningKeyRecord.Generate(now, now), cancellationToken).ConfigureAwait(false);
        }

        var ring = new SigningKeyRing(store, options, time);
        await ring.RefreshAsync(cancellationToken).ConfigureAwait(false);
        return ring;
    }

    /// <summary>
    /// The key that signs among <paramref name="records"/> at <paramref name="now"/>: the one activated last (ties: made
    /// last, then the greater kid); when none has activated, the one that activates first. Null for no records.
    /// </summary>
    public static SigningKeyRecord? ChooseSigningKey(IReadOnlyList<SigningKeyRecord> records, DateTimeOffset now)
    {
        IOrderedEnumerable<SigningKeyRecord> byActivation = records.OrderBy(r => r.ActivatesAt).ThenBy(r => r.CreatedAt).ThenBy(r => r.KeyId, StringComparer.Ordinal);
        return byActivation.LastOrDefault(r => r.ActivatesAt <= now) ?? byActivation.FirstOrDefault();
    }

    /// <summary>What <paramref name="record"/> does when <paramref name="signing"/> signs at <paramref name="now"/>.</summary>
    public static SigningKeyState StateOf(SigningKeyRecord record, SigningKeyRecord? signing, DateTimeOffset now) =>
        record.KeyId == signing?.KeyId ? SigningKeyState.Signing
        : record.ActivatesAt > now ? SigningKeyState.Pending
        : SigningKeyState.Verifying;

    /// <summary>What <paramref name="record"/> does on this node now.</summary>
    public SigningKeyState StateOf(SigningKeyRecord record) => StateOf(record, Volatile.Read(ref _state).SigningRecord, _time.GetUtcNow());

    /// <summary>
    /// Makes <paramref name="tokens"/> sign and verify with this ring from now on, following every later change, which
    /// is logged to <paramref name="logger"/>.
    /// </summary>
    public void Bind(SessionTokenService tokens, ILogger logger)
    {
        lock (_parsed)
        {
            _logger = logger;
            _target = tokens;
            State state = _state;
            if (!ReferenceEquals(tokens.ValidationKeys, state.Keys) || !ReferenceEquals(tokens.SigningKey, state.Signing))
            {
                tokens.UpdateKeys(state.Signing, state.Keys);
            }
        }
    }

    /// <summary>
    /// Reads the store and, when its keys or the key that should sign by now differ from the ring's, switches to them;
    /// returns whether anything changed. On a failure (thrown) the ring keeps its keys.
    /// </summary>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            IReadOnlyList<SigningKeyRecord> records = await Store.ListAsync(cancellationToken).ConfigureAwait(false);
            SigningKeyRecord signing = ChooseSigningKey(records, _time.GetUtcNow())
                ?? throw new InvalidDataException($"The key store ({Store.Description}) holds no signing key.");
            State current = _state;
            if (signing.KeyId == current.SigningRecord?.KeyId && records.Select(r => r.KeyId).SequenceEqual(current.Records.Select(r => r.KeyId), StringComparer.Ordinal))
            {
                return false;
            }

            // Parse only keys not seen before; a key keeps its JwtKey while it stays, so a validated-token cache entry
            // made with it stays usable across unrelated changes.
            var keys = new List<JwtKey>(records.Count);
            foreach (SigningKeyRecord record in records)
            {
                if (!_parsed.TryGetValue(record.KeyId, out var parsed) || parsed.Record != record)
                {
                    parsed = (record, record.ToKey());
                }

                keys.Add(parsed.Key);
            }

            // Keys of removed records are not disposed: requests validating with the previous set may still use them.
            lock (_parsed)
            {
                _parsed.Clear();
                for (int i = 0; i < records.Count; i++)
                {
                    _parsed[records[i].KeyId] = (records[i], keys[i]);
                }

                var state = new State(records, new JwtKeySet(keys), _parsed[signing.KeyId].Key, signing);
                _target?.UpdateKeys(state.Signing, state.Keys);
                Volatile.Write(ref _state, state);
            }

            ServerLog.SigningKeysChanged(_logger, signing.KeyId, records.Count, string.Join(", ", records.Select(r => r.KeyId)));
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Adds a new key that signs after <see cref="SigningKeyRingOptions.ActivationDelay"/> (or at once when
    /// <paramref name="now"/>), and refreshes the ring. Throws <see cref="InvalidOperationException"/> for a read-only store.
    /// </summary>
    public async Task<SigningKeyRecord> RotateAsync(bool now, CancellationToken cancellationToken)
    {
        SigningKeyRecord key = await RotateAsync(Store, Options, _time, now, cancellationToken).ConfigureAwait(false);
        await RefreshAsync(cancellationToken).ConfigureAwait(false);
        return key;
    }

    /// <summary>The rotation itself, for callers without a ring (the CLI).</summary>
    public static async Task<SigningKeyRecord> RotateAsync(ISigningKeyStore store, SigningKeyRingOptions options, TimeProvider time, bool now, CancellationToken cancellationToken)
    {
        DateTimeOffset at = time.GetUtcNow();
        SigningKeyRecord key = SigningKeyRecord.Generate(at, now ? at : at + options.ActivationDelay);
        if (!await store.AddAsync(key, cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"A key with the kid '{key.KeyId}' exists."); // a fresh random key: never
        }

        return key;
    }

    /// <summary>
    /// Removes the key <paramref name="keyId"/> from the store, and refreshes the ring: tokens it signed stop verifying
    /// (their clients refresh and get tokens signed by the current key). The key that signs is refused: rotate first.
    /// </summary>
    public async Task<RetireResult> RetireAsync(string keyId, CancellationToken cancellationToken)
    {
        RetireResult result = await RetireAsync(Store, keyId, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        if (result == RetireResult.Retired)
        {
            await RefreshAsync(cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    /// <summary>The retirement itself, for callers without a ring (the CLI).</summary>
    public static async Task<RetireResult> RetireAsync(ISigningKeyStore store, string keyId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        IReadOnlyList<SigningKeyRecord> records = await store.ListAsync(cancellationToken).ConfigureAwait(false);
        if (!records.Any(r => r.KeyId == keyId))
        {
            return RetireResult.NotFound;
        }

        if (ChooseSigningKey(records, now)?.KeyId == keyId)
        {
            return RetireResult.SignsNow;
        }

        return await store.RemoveAsync(keyId, cancellationToken).ConfigureAwait(false) ? RetireResult.Retired : RetireResult.NotFound;
    }

    /// <summary>Releases the refresh lock; the store is the caller's.</summary>
    public void Dispose() => _gate.Dispose();

    /// <summary>Everything the ring holds at one moment, swapped as a whole.</summary>
    private sealed record State(IReadOnlyList<SigningKeyRecord> Records, JwtKeySet Keys, JwtKey Signing, SigningKeyRecord? SigningRecord)
    {
        /// <summary>Before the first refresh, which <see cref="OpenAsync"/> makes before returning the ring.</summary>
        public static readonly State Empty = new([], new JwtKeySet(), null!, null);
    }
}

/// <summary>How the ring follows its store: <c>Tessera:KeyRefreshInterval</c> and <c>Tessera:KeyActivationDelay</c>.</summary>
/// <param name="RefreshInterval">How often each node reads the store (default 30 s): the longest a change waits to be seen.</param>
/// <param name="ActivationDelay">
/// How long after its rotation a new key starts signing (default 6 min): at least <paramref name="RefreshInterval"/>, so
/// every node verifies a key before any signs with it, and by default longer than JWKS's 5-minute cache lifetime, so
/// resource servers have it too.
/// </param>
internal sealed record SigningKeyRingOptions(TimeSpan RefreshInterval, TimeSpan ActivationDelay)
{
    public static readonly SigningKeyRingOptions Default = new(TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(6));
}
