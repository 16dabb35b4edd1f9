namespace Tessera.Sessions;

/// <summary>
/// A session as a store returns it: who it belongs to, when it expires, what client created it, its refresh
/// state and its data.
/// </summary>
/// <remarks>
/// <para>
/// Expiry is <c>min(LastSeenAt + IdleTimeout, AbsoluteExpiresAt)</c>; at that instant the session is gone, whether
/// or not a collector has removed it yet.
/// </para>
/// <para>
/// A record may be a live view (the in-memory store returns its own entry, so <see cref="LastSeenAt"/> and
/// <see cref="Data"/> can move on after it was read) or a snapshot (a remote store). Read it again through the
/// store when an up-to-date value matters; never write through it. Members are safe to read from any thread.
/// </para>
/// </remarks>
public abstract class SessionRecord
{
    /// <summary>Lets stores define their own records.</summary>
    protected SessionRecord()
    {
    }

    /// <summary>The session id: a routing tag derived from the user id followed by 144 random bits, 32 URL-safe
    /// characters (see <see cref="SessionIdFactory"/>).</summary>
    public abstract string Id { get; }

    /// <summary>The user the session belongs to.</summary>
    public abstract string UserId { get; }

    /// <summary>When the session was created.</summary>
    public abstract DateTimeOffset CreatedAt { get; }

    /// <summary>When the session was last touched (created, read with touch, or refreshed).</summary>
    public abstract DateTimeOffset LastSeenAt { get; }

    /// <summary>How long the session lives without being touched.</summary>
    public abstract TimeSpan IdleTimeout { get; }

    /// <summary>When the session ends however often it is touched.</summary>
    public abstract DateTimeOffset AbsoluteExpiresAt { get; }

    /// <summary>What the server saw of the client at creation, or null.</summary>
    public abstract SessionClientInfo? Client { get; }

    /// <summary>The hash of the current refresh secret; empty when the session has no refresh token.</summary>
    public abstract RefreshHash RefreshHash { get; }

    /// <summary>How many times the refresh token was rotated (0 for a new session). Orders tokens without clocks.</summary>
    public abstract int RefreshGeneration { get; }

    /// <summary>
    /// When the current refresh hash was set: <see cref="CreatedAt"/> until the first rotation, then the time of the
    /// latest rotation. The token service measures the refresh window from here.
    /// </summary>
    public abstract DateTimeOffset RefreshIssuedAt { get; }

    /// <summary>The claims given at creation (<see cref="NewSession.TokenClaims"/>), unchanged; empty when none.</summary>
    public abstract ReadOnlyMemory<byte> TokenClaims { get; }

    /// <summary>The session's data at the time of reading.</summary>
    public abstract SessionData Data { get; }

    /// <summary>When the session expires if not touched again: <c>min(LastSeenAt + IdleTimeout, AbsoluteExpiresAt)</c>.</summary>
    public DateTimeOffset ExpiresAt
    {
        get
        {
            DateTimeOffset lastSeen = LastSeenAt;
            DateTimeOffset absolute = AbsoluteExpiresAt;
            // Compared as a span first, so a huge idle timeout (TimeSpan.MaxValue) cannot overflow the date.
            return IdleTimeout < absolute - lastSeen ? lastSeen + IdleTimeout : absolute;
        }
    }

    /// <summary>True when the session has expired at <paramref name="now"/> (expiry is exclusive: at <see cref="ExpiresAt"/> it is gone).</summary>
    public bool IsExpiredAt(DateTimeOffset now) => now >= ExpiresAt;
}
