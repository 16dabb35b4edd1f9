namespace Tessera.Sessions;

/// <summary>What the in-memory store does when a new session would exceed its capacity.</summary>
public enum StoreCapacityPolicy
{
    /// <summary>Refuse the new session with <see cref="SessionCreateStatus.StoreFull"/>; existing sessions stay.</summary>
    Refuse = 0,

    /// <summary>
    /// End the live sessions that would expire soonest (to the second) until the new one fits, and report their ids
    /// in <see cref="SessionCreateResult.EvictedSessionIds"/> and <see cref="InMemorySessionStore.EvictedCount"/>.
    /// </summary>
    EvictSoonestExpiring = 1,
}
