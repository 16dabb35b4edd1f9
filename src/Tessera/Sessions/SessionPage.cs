namespace Tessera.Sessions;

/// <summary>One page of <see cref="ISessionStore.ListAsync"/>.</summary>
/// <param name="Sessions">The sessions, in ordinal order of their ids.</param>
/// <param name="NextCursor">Pass as <c>after</c> to read the next page; null when this page is the last.</param>
public sealed record SessionPage(IReadOnlyList<SessionRecord> Sessions, string? NextCursor);
