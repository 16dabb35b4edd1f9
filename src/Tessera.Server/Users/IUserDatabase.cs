using Tessera.Credentials;

namespace Tessera.Server.Users;

/// <summary>
/// The server's users: the <see cref="ICredentialStore"/> the login endpoint checks against, and what the CLI and the
/// admin API manage. Implemented by <see cref="SqliteUserDatabase"/> (the embedded default, <c>tessera.db</c> in the
/// data folder) and <see cref="PostgresUserDatabase"/> (several server nodes on one database); both pass the same
/// contract tests (<c>UserDatabaseContractTests</c>). Every member is thread-safe, and what one call (or another
/// instance on the same storage: the CLI next to a running server, another node) writes is visible to every later call.
/// </summary>
/// <remarks>
/// <para>
/// <b>Names.</b> A user name is unique ignoring the case of the ASCII letters A–Z only: <c>Alice</c>, <c>ALICE</c> and
/// <c>alice</c> are one user, found by any of those spellings, while <c>É</c> and <c>é</c> (and every other non-ASCII
/// letter) compare exactly, as SQLite's <c>NOCASE</c> does. The name is stored and returned as it was spelled when the
/// user was created. Names are compared exactly otherwise: no trimming, no Unicode normalization.
/// </para>
/// <para>
/// <b>Ids</b> are <c>u-</c> plus 16 random lowercase hex characters, chosen at creation and never changed; they compare
/// exactly (case-sensitively). Members that take an id find nothing for any other string.
/// </para>
/// <para>
/// <b>Records.</b> <see cref="UserRecord.CreatedAt"/> is the <see cref="TimeProvider"/>'s UTC time at creation; the record
/// <see cref="AddAsync"/> returns equals the one read back later, field by field (PostgreSQL keeps microseconds, so
/// that implementation truncates to whole microseconds before returning). Roles keep their order, duplicates included.
/// </para>
/// <para>
/// <b>Sign-in</b> (<see cref="ICredentialStore"/>). <see cref="ICredentialStore.FindByNameAsync"/> finds the user with
/// that name in any ASCII case — id, name as stored, roles — with their hash and disabled flag, in one query, and null
/// when there is none. A disabled user is returned (with <see cref="StoredCredential.IsDisabled"/> set): refusing them is
/// the sign-in service's job, after the same work as for a wrong password.
/// <see cref="ICredentialStore.UpdatePasswordHashAsync"/> replaces the hash of the user with that id (a rehash after
/// sign-in, a password change) and does nothing, without throwing, when no user has that id.
/// </para>
/// <para>
/// Disposing releases the connections (PostgreSQL's pool, SQLite's pooled handles); no other member may be called after.
/// </para>
/// </remarks>
internal interface IUserDatabase : ICredentialStore, IAsyncDisposable
{
    /// <summary>Creates an enabled user with a new id, the given hash and roles, created now.</summary>
    /// <returns>
    /// The new user; null, with nothing changed, when a user with that name in any ASCII case exists. Of concurrent
    /// calls with one name (in any case) exactly one succeeds.
    /// </returns>
    Task<UserRecord?> AddAsync(string userName, string passwordHash, IReadOnlyList<string> roles, CancellationToken cancellationToken);

    /// <summary>Every user (disabled ones included), ordered by name ignoring ASCII case (ordinal otherwise); empty when there are none.</summary>
    Task<IReadOnlyList<UserRecord>> ListAsync(CancellationToken cancellationToken);

    /// <summary>The stored password hash of the user with this id; null when no user has that id.</summary>
    Task<string?> PasswordHashAsync(string userId, CancellationToken cancellationToken);

    /// <summary>
    /// The names of the given user ids in one query (for a page of sessions): a dictionary (ordinal keys) from each id
    /// that has a user to that user's name. Ids without a user are left out; repeated ids appear once; an empty list
    /// gives an empty dictionary without touching the database.
    /// </summary>
    Task<IReadOnlyDictionary<string, string>> NamesAsync(IReadOnlyList<string> userIds, CancellationToken cancellationToken);

    /// <summary>The user with this name in any ASCII case (disabled or not); null when there is none.</summary>
    Task<UserRecord?> FindAsync(string userName, CancellationToken cancellationToken);

    /// <summary>
    /// Disables (<paramref name="disabled"/> true) or enables the user with this name in any ASCII case. Idempotent:
    /// disabling a disabled user succeeds. It does not end their sessions (the admin API does that).
    /// </summary>
    /// <returns>True when the user exists (whether or not the flag changed); false, with nothing changed, when not.</returns>
    Task<bool> SetDisabledAsync(string userName, bool disabled, CancellationToken cancellationToken);

    /// <summary>Replaces the password hash of the user with this name in any ASCII case.</summary>
    /// <returns>True when the user exists; false, with nothing changed, when not.</returns>
    Task<bool> SetPasswordHashAsync(string userName, string passwordHash, CancellationToken cancellationToken);

    /// <summary>The number of users, disabled ones included.</summary>
    Task<long> CountAsync(CancellationToken cancellationToken);
}

/// <summary>A user as the server keeps them (the hash stays in the database).</summary>
internal sealed record UserRecord(string Id, string UserName, string[] Roles, bool Disabled, DateTimeOffset CreatedAt);
