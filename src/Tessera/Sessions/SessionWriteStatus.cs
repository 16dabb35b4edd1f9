namespace Tessera.Sessions;

/// <summary>The outcome of a session data write. Values are stable; every status but <see cref="Ok"/> changed nothing.</summary>
public enum SessionWriteStatus
{
    /// <summary>The write was applied (removing an absent key also counts as applied).</summary>
    Ok = 0,

    /// <summary>The session does not exist, has expired or was removed.</summary>
    SessionNotFound = 1,

    /// <summary>The key is empty, longer than <see cref="SessionDataLimits.MaxKeyLength"/>, or holds control
    /// characters or unpaired surrogates.</summary>
    KeyInvalid = 2,

    /// <summary>The value is longer than <see cref="SessionDataLimits.MaxValueBytes"/>.</summary>
    ValueTooLarge = 3,

    /// <summary>The session's data would exceed <see cref="SessionDataLimits.MaxDataBytes"/> or
    /// <see cref="SessionDataLimits.MaxKeys"/>.</summary>
    DataTooLarge = 4,

    /// <summary>The store is at its byte capacity.</summary>
    StoreFull = 5,
}
