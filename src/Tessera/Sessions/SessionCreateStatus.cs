namespace Tessera.Sessions;

/// <summary>The outcome of <see cref="ISessionStore.CreateAsync"/>. Values are stable.</summary>
public enum SessionCreateStatus
{
    /// <summary>The session was created.</summary>
    Created = 0,

    /// <summary>The user is at <see cref="NewSession.MaxSessionsPerUser"/> and the policy is
    /// <see cref="SessionLimitPolicy.RefuseNew"/>. Nothing changed.</summary>
    UserLimitReached = 1,

    /// <summary>The store is at its capacity and does not evict (or found nothing it may evict). Nothing changed.</summary>
    StoreFull = 2,
}
