namespace Tessera.Credentials;

/// <summary>The outcome of <see cref="IPasswordHasher.Verify"/>. Values are stable.</summary>
public enum PasswordVerification
{
    /// <summary>The password does not match, or the hash is not one this hasher reads.</summary>
    Failed = 0,

    /// <summary>The password matches.</summary>
    Success = 1,

    /// <summary>The password matches, and the hash should be replaced by <see cref="IPasswordHasher.Hash"/> of it (weaker parameters than today's).</summary>
    SuccessRehashNeeded = 2,
}
