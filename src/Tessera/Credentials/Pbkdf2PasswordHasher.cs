using System.Globalization;
using System.Security.Cryptography;
using System.Buffers.Text;
using Tessera.Jwt;

namespace Tessera.Credentials;

/// <summary>
/// Password hashing with PBKDF2-HMAC-SHA256 (BCL only): a 16-byte random salt, a 32-byte derived key, and a configurable
/// iteration count. Safe for concurrent use.
/// </summary>
/// <remarks>
/// Format (version 1): <c>pbkdf2-sha256$&lt;iterations&gt;$&lt;salt&gt;$&lt;key&gt;</c>, salt and key in unpadded base64url.
/// A hash with fewer iterations than configured verifies and reports <see cref="PasswordVerification.SuccessRehashNeeded"/>,
/// so raising <see cref="Iterations"/> upgrades stored hashes as users sign in.
/// </remarks>
public sealed class Pbkdf2PasswordHasher : IPasswordHasher
{
    /// <summary>The default iteration count: 600,000 (OWASP's 2023 figure for PBKDF2-HMAC-SHA256).</summary>
    public const int DefaultIterations = 600_000;

    /// <summary>The fewest iterations accepted. Far too few for production; there for tests that hash many passwords.</summary>
    public const int MinIterations = 1_000;

    private const string Prefix = "pbkdf2-sha256";
    private const int SaltBytes = 16;
    private const int KeyBytes = 32;
    private const int MaxIterations = 100_000_000;

    /// <summary>Creates a hasher.</summary>
    /// <param name="iterations">Iterations for new hashes; at least <see cref="MinIterations"/>. Default: <see cref="DefaultIterations"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">Fewer than <see cref="MinIterations"/> or more than 100,000,000.</exception>
    public Pbkdf2PasswordHasher(int iterations = DefaultIterations)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, MinIterations);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(iterations, MaxIterations);
        Iterations = iterations;
    }

    /// <summary>The iteration count of new hashes.</summary>
    public int Iterations { get; }

    /// <inheritdoc/>
    public string Hash(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        Span<byte> salt = stackalloc byte[SaltBytes];
        RandomNumberGenerator.Fill(salt);
        Span<byte> key = stackalloc byte[KeyBytes];
        Rfc2898DeriveBytes.Pbkdf2(password, salt, key, Iterations, HashAlgorithmName.SHA256);
        return string.Create(CultureInfo.InvariantCulture, $"{Prefix}${Iterations}${Base64Url.EncodeToString(salt)}${Base64Url.EncodeToString(key)}");
    }

    /// <inheritdoc/>
    public PasswordVerification Verify(string passwordHash, string password)
    {
        ArgumentNullException.ThrowIfNull(passwordHash);
        ArgumentNullException.ThrowIfNull(password);
        string[] parts = passwordHash.Split('$');
        if (parts.Length != 4 || parts[0] != Prefix
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int iterations)
            || iterations is < MinIterations or > MaxIterations
            || Base64UrlStrict.DecodeToArray(parts[2]) is not { Length: SaltBytes } salt
            || Base64UrlStrict.DecodeToArray(parts[3]) is not { Length: KeyBytes } expected)
        {
            return PasswordVerification.Failed;
        }

        Span<byte> actual = stackalloc byte[KeyBytes];
        Rfc2898DeriveBytes.Pbkdf2(password, salt, actual, iterations, HashAlgorithmName.SHA256);
        if (!CryptographicOperations.FixedTimeEquals(actual, expected))
        {
            return PasswordVerification.Failed;
        }

        return iterations < Iterations ? PasswordVerification.SuccessRehashNeeded : PasswordVerification.Success;
    }
}
