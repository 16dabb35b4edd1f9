namespace Tessera.Sessions;

/// <summary>What <see cref="ISessionStore.CreateAsync"/> does when a user already has
/// <see cref="NewSession.MaxSessionsPerUser"/> live sessions.</summary>
public enum SessionLimitPolicy
{
    /// <summary>Refuse the new session (<see cref="SessionCreateStatus.UserLimitReached"/>); the existing ones stay.</summary>
    RefuseNew = 0,

    /// <summary>End the user's oldest sessions (by creation order) to make room; their ids are reported in
    /// <see cref="SessionCreateResult.EvictedSessionIds"/>.</summary>
    EvictOldest = 1,
}
