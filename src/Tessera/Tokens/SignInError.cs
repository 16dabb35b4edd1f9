namespace Tessera.Tokens;

/// <summary>Why a sign-in failed. Values are stable.</summary>
public enum SignInError
{
    /// <summary>No error: a session was created and tokens issued.</summary>
    None = 0,

    /// <summary><c>invalid_credentials</c>: unknown user, wrong password or disabled account — deliberately one answer.</summary>
    InvalidCredentials = 1,

    /// <summary><c>session_limit_reached</c>: the user has <see cref="SessionTokenOptions.MaxSessionsPerUser"/> live
    /// sessions and the policy refuses new ones. Nothing changed.</summary>
    SessionLimitReached = 2,

    /// <summary><c>temporarily_unavailable</c>: the session store is at capacity and refuses new sessions. Nothing changed.</summary>
    StoreFull = 3,
}
