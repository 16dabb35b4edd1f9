namespace Tessera.Sessions;

/// <summary>
/// What <see cref="ISessionStore.CreateAsync"/> needs to create a session. The store chooses the session id;
/// a client never supplies one. Each property checks its value when set, so an instance is always valid.
/// </summary>
public sealed class NewSession
{
    /// <summary>The longest accepted <see cref="UserId"/>, in characters.</summary>
    public const int MaxUserIdLength = 256;

    /// <summary>The largest accepted <see cref="TokenClaims"/>, in bytes.</summary>
    public const int MaxTokenClaimsBytes = 4096;

    private readonly string _userId = "";
    private readonly TimeSpan _idleTimeout;
    private readonly TimeSpan _absoluteLifetime;
    private readonly int _maxSessionsPerUser;
    private readonly SessionLimitPolicy _limitPolicy;
    private readonly byte[]? _tokenClaims;

    /// <summary>The user the session belongs to: 1 to 256 characters, compared ordinally.</summary>
    /// <exception cref="ArgumentException">Empty, too long, or not valid UTF-16.</exception>
    public required string UserId
    {
        get => _userId;
        init
        {
            ArgumentException.ThrowIfNullOrEmpty(value);
            if (value.Length > MaxUserIdLength || !SessionText.IsValidUtf16(value))
            {
                throw new ArgumentException($"A user id is at most {MaxUserIdLength} characters of valid UTF-16.", nameof(value));
            }

            _userId = value;
        }
    }

    /// <summary>How long the session lives without being touched. Must be positive.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not positive.</exception>
    public required TimeSpan IdleTimeout
    {
        get => _idleTimeout;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero);
            _idleTimeout = value;
        }
    }

    /// <summary>How long the session lives at most from its creation, however often it is touched. Must be positive.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not positive.</exception>
    public required TimeSpan AbsoluteLifetime
    {
        get => _absoluteLifetime;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero);
            _absoluteLifetime = value;
        }
    }

    /// <summary>What the server saw of the client; null when unknown. Default: null.</summary>
    public SessionClientInfo? Client { get; init; }

    /// <summary>
    /// Data the session starts with, stored atomically with its creation (one step instead of a write per key);
    /// build it with <see cref="SessionData.Create(ReadOnlySpan{KeyValuePair{string, ReadOnlyMemory{byte}}})"/>. Default: empty. The store checks it against its limits and
    /// throws <see cref="ArgumentException"/> when a key, a value or the total is refused.
    /// </summary>
    public SessionData Data { get; init; }

    /// <summary>
    /// Claims every access token of the session carries besides the registered ones (the user's name, roles, ...):
    /// one JSON object, UTF-8, at most <see cref="MaxTokenClaimsBytes"/> bytes, kept unchanged for the session's life
    /// so a refresh can mint the same claims without asking the user database. Empty (the default) means none. The
    /// store keeps the bytes as given (copied) and never interprets them; unlike <see cref="Data"/>, nothing can
    /// change them after creation.
    /// </summary>
    /// <exception cref="ArgumentException">Not one JSON object, or too large.</exception>
    public ReadOnlyMemory<byte> TokenClaims
    {
        get => _tokenClaims;
        init
        {
            if (value.Length > MaxTokenClaimsBytes)
            {
                throw new ArgumentException($"Token claims are at most {MaxTokenClaimsBytes} bytes.", nameof(value));
            }

            if (value.IsEmpty)
            {
                _tokenClaims = null;
                return;
            }

            SessionDataRules.ThrowIfNotJsonObject(value.Span);
            _tokenClaims = value.ToArray();
        }
    }

    /// <summary>The private copy behind <see cref="TokenClaims"/> (null when empty), adopted by stores that keep bytes.</summary>
    internal byte[]? TokenClaimsArray => _tokenClaims;

    /// <summary>The hash of the first refresh secret; default (empty) when the session has no refresh token.</summary>
    public RefreshHash RefreshHash { get; init; }

    /// <summary>
    /// The most live sessions the user may have, this one included; 0 (the default) means no limit. Enforced
    /// atomically: concurrent creations for one user never exceed it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative.</exception>
    public int MaxSessionsPerUser
    {
        get => _maxSessionsPerUser;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _maxSessionsPerUser = value;
        }
    }

    /// <summary>What to do when the user is at <see cref="MaxSessionsPerUser"/>. Default: <see cref="SessionLimitPolicy.RefuseNew"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a defined policy.</exception>
    public SessionLimitPolicy LimitPolicy
    {
        get => _limitPolicy;
        init
        {
            if (!Enum.IsDefined(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Unknown session limit policy.");
            }

            _limitPolicy = value;
        }
    }
}
