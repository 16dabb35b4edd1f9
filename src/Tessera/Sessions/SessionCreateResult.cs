namespace Tessera.Sessions;

/// <summary>The outcome of <see cref="ISessionStore.CreateAsync"/>.</summary>
public readonly struct SessionCreateResult
{
    private readonly IReadOnlyList<string>? _evicted;

    /// <summary>Creates a result.</summary>
    /// <param name="status">What happened.</param>
    /// <param name="session">The new session when <paramref name="status"/> is <see cref="SessionCreateStatus.Created"/>.</param>
    /// <param name="evictedSessionIds">Sessions ended to make room for this one; null means none.</param>
    public SessionCreateResult(SessionCreateStatus status, SessionRecord? session, IReadOnlyList<string>? evictedSessionIds)
    {
        Status = status;
        Session = session;
        _evicted = evictedSessionIds;
    }

    /// <summary>What happened.</summary>
    public SessionCreateStatus Status { get; }

    /// <summary>True when the session was created.</summary>
    public bool IsCreated => Status == SessionCreateStatus.Created;

    /// <summary>The new session, or null when it was not created.</summary>
    public SessionRecord? Session { get; }

    /// <summary>
    /// Ids of sessions the store ended to make room (the user's oldest under
    /// <see cref="SessionLimitPolicy.EvictOldest"/>, or the store's own capacity policy). Callers that cache
    /// session liveness must drop these. Never null.
    /// </summary>
    public IReadOnlyList<string> EvictedSessionIds => _evicted ?? [];
}
