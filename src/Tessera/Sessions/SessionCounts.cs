namespace Tessera.Sessions;

/// <summary>Counters served by <see cref="ISessionStore.GetCountsAsync"/>, cheap enough for a metrics gauge.</summary>
/// <param name="Sessions">Live sessions.</param>
/// <param name="Users">Distinct users with at least one live session ("online").</param>
/// <param name="ActiveSessions">Live sessions last seen within <paramref name="ActiveWindow"/>.</param>
/// <param name="ActiveWindow">The window <paramref name="ActiveSessions"/> covers (a store option).</param>
public readonly record struct SessionCounts(long Sessions, long Users, long ActiveSessions, TimeSpan ActiveWindow);
