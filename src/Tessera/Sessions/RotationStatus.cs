namespace Tessera.Sessions;

/// <summary>The outcome of <see cref="ISessionStore.RotateRefreshAsync"/>. Values are stable.</summary>
public enum RotationStatus
{
    /// <summary>The expected hash was current; the new hash replaced it and the expected one is now retired.</summary>
    Rotated = 0,

    /// <summary>
    /// The expected hash is the one the latest rotation retired: the token was already used. The result carries
    /// when that happened and the recovery envelope stored with it, so the caller can apply its grace rule (hand
    /// out the successor) or treat it as reuse and revoke the session. Nothing changed.
    /// </summary>
    Retired = 1,

    /// <summary>The expected hash is neither current nor the latest retired one. Nothing changed.</summary>
    Mismatch = 2,

    /// <summary>The session does not exist, has expired or was removed.</summary>
    SessionNotFound = 3,
}
