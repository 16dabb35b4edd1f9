namespace Tessera.Sessions;

/// <summary>
/// Persists sessions: the server-side half of stateful JWT. Every member is safe for concurrent use, and every
/// store passes the same contract test suite.
/// </summary>
/// <remarks>
/// <para>Clauses every implementation keeps:</para>
/// <list type="bullet">
/// <item>A session expires at <c>min(last seen + idle timeout, absolute expiry)</c> and is invisible from that
/// instant to every member (reads, writes, rotation, lists, counts after <see cref="SweepExpiredAsync"/>), whether or
/// not a collector has removed it.</item>
/// <item>Expected outcomes are results: a missing, expired or removed session, a spent refresh hash, a limit. Members
/// throw only for misuse (<see cref="ArgumentException"/>), cancellation, or a failure of the backend (I/O):
/// "not found" and "unreachable" are never confused.</item>
/// <item>A write either applies entirely or changes nothing.</item>
/// <item>Session ids are chosen by the store; a malformed id reads as missing.</item>
/// <item>Data writes check in a fixed order: null arguments, then the limits that need no session
/// (<see cref="SessionWriteStatus.KeyInvalid"/>, <see cref="SessionWriteStatus.ValueTooLarge"/>, so an oversized value
/// is never parsed), then the JSON (invalid JSON throws), then the session.</item>
/// <item>A cancelled token throws <see cref="OperationCanceledException"/> before any change; once a write has been
/// applied it is not undone.</item>
/// </list>
/// </remarks>
public interface ISessionStore
{
    /// <summary>
    /// Creates a session with a new id for <see cref="NewSession.UserId"/>, last seen now, holding
    /// <see cref="NewSession.Data"/> (checked against the store's data limits; refused data throws).
    /// The per-user limit is enforced atomically with the creation: concurrent creations for one user never leave
    /// more than <see cref="NewSession.MaxSessionsPerUser"/> live sessions.
    /// </summary>
    /// <returns><see cref="SessionCreateStatus.Created"/> with the session, or why not (nothing changed then),
    /// plus the ids of any sessions ended to make room.</returns>
    ValueTask<SessionCreateResult> CreateAsync(NewSession session, CancellationToken cancellationToken);

    /// <summary>Reads a session without touching it.</summary>
    /// <returns>The session, or null if missing, malformed, expired or removed. Throws only on I/O failure.</returns>
    ValueTask<SessionRecord?> GetAsync(string sessionId, CancellationToken cancellationToken);

    /// <summary>
    /// Reads a session and, if it is alive, sets its last-seen time to now (sliding the idle expiry; never past
    /// the absolute expiry, and never backwards).
    /// </summary>
    /// <returns>The session, or null if missing, malformed, expired or removed. Throws only on I/O failure.</returns>
    ValueTask<SessionRecord?> TouchAsync(string sessionId, CancellationToken cancellationToken);

    /// <summary>
    /// Sets one data key. Writes are per key: concurrent writes to different keys both survive, and concurrent
    /// writes to one key leave one of the values whole. Does not touch the session.
    /// </summary>
    /// <param name="sessionId">The session.</param>
    /// <param name="key">The key (ordinal).</param>
    /// <param name="utf8Json">Exactly one JSON value, UTF-8 encoded.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><see cref="SessionWriteStatus.Ok"/>, or why nothing changed (limits, missing session).</returns>
    /// <exception cref="ArgumentException"><paramref name="utf8Json"/> is not one valid JSON value.</exception>
    ValueTask<SessionWriteStatus> SetValueAsync(string sessionId, string key, ReadOnlyMemory<byte> utf8Json, CancellationToken cancellationToken);

    /// <summary>Removes one data key; removing an absent key succeeds. Other keys are untouched.</summary>
    /// <returns><see cref="SessionWriteStatus.Ok"/>, <see cref="SessionWriteStatus.KeyInvalid"/> or
    /// <see cref="SessionWriteStatus.SessionNotFound"/>.</returns>
    ValueTask<SessionWriteStatus> RemoveValueAsync(string sessionId, string key, CancellationToken cancellationToken);

    /// <summary>Removes every data key of a session.</summary>
    /// <returns><see cref="SessionWriteStatus.Ok"/> or <see cref="SessionWriteStatus.SessionNotFound"/>.</returns>
    ValueTask<SessionWriteStatus> ClearValuesAsync(string sessionId, CancellationToken cancellationToken);

    /// <summary>
    /// Rotates the refresh hash by compare-and-swap: when <paramref name="expected"/> is the current hash, it
    /// becomes the retired hash (kept with <paramref name="recoveryEnvelope"/> and the time), <paramref name="replacement"/>
    /// becomes current, the generation increases and the session is touched. Of N concurrent calls with the same
    /// <paramref name="expected"/> hash exactly one returns <see cref="RotationStatus.Rotated"/>.
    /// </summary>
    /// <param name="sessionId">The session.</param>
    /// <param name="expected">The hash of the secret the client presented.</param>
    /// <param name="replacement">The hash of the successor secret; must not be empty.</param>
    /// <param name="recoveryEnvelope">Opaque bytes (at most 1 KiB) returned with <see cref="RotationStatus.Retired"/>
    /// when <paramref name="expected"/> is presented again; callers put the successor there, encrypted under a key
    /// derived from the old secret, so that the store alone reveals nothing.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Rotated; Retired (the presented hash was retired by the latest rotation, nothing changed); Mismatch;
    /// or SessionNotFound. An empty current hash never matches.</returns>
    ValueTask<RotationResult> RotateRefreshAsync(string sessionId, RefreshHash expected, RefreshHash replacement, ReadOnlyMemory<byte> recoveryEnvelope, CancellationToken cancellationToken);

    /// <summary>Removes one session. Removing a missing session is not an error.</summary>
    /// <returns>True when a live session was removed.</returns>
    ValueTask<bool> RemoveAsync(string sessionId, CancellationToken cancellationToken);

    /// <summary>Removes all of a user's sessions, optionally except one, atomically with respect to creation.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="exceptSessionId">A session of the user to keep (e.g. "log out my other devices"); null keeps none.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The ids of the live sessions removed.</returns>
    ValueTask<IReadOnlyList<string>> RemoveUserSessionsAsync(string userId, string? exceptSessionId, CancellationToken cancellationToken);

    /// <summary>Lists a user's live sessions, newest first.</summary>
    ValueTask<IReadOnlyList<SessionRecord>> ListUserSessionsAsync(string userId, CancellationToken cancellationToken);

    /// <summary>
    /// Lists live sessions in ordinal order of their ids, one page at a time. A session alive during the whole
    /// paging appears exactly once; sessions created or removed meanwhile may or may not appear.
    /// </summary>
    /// <param name="after">The previous page's <see cref="SessionPage.NextCursor"/>, or null for the first page.</param>
    /// <param name="limit">Page size, 1 to 1000.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    ValueTask<SessionPage> ListAsync(string? after, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Live sessions, distinct users with a live session, and sessions active within the store's active window,
    /// from counters (no scan). Sessions that expired since the last <see cref="SweepExpiredAsync"/> may still be
    /// counted; each store documents how long that can last.
    /// </summary>
    ValueTask<SessionCounts> GetCountsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Removes expired sessions now (stores also do this in the background), freeing their memory and updating
    /// the counts. Never scans live sessions to find the expired ones, and never blocks readers.
    /// </summary>
    /// <returns>The number of sessions removed.</returns>
    ValueTask<int> SweepExpiredAsync(CancellationToken cancellationToken);
}
