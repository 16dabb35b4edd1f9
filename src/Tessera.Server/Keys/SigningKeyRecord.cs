using Tessera.Jwt;

namespace Tessera.Server.Keys;

/// <summary>
/// One signing key as a key store holds it: its <c>kid</c> and algorithm, when it was made, from when it signs, and
/// the private JWK (RFC 7517). Every stored key verifies from the moment a node loads it; the newest one whose
/// <see cref="ActivatesAt"/> has passed signs (see <see cref="SigningKeyRing"/>).
/// </summary>
/// <remarks><see cref="ToString"/> leaves the private key out, so a record can be logged.</remarks>
internal sealed record SigningKeyRecord(string KeyId, JwtAlgorithm Algorithm, DateTimeOffset CreatedAt, DateTimeOffset ActivatesAt, string PrivateJwk)
{
    /// <summary>The algorithm new keys use: ES256 (small tokens, fast verification, no shared secret).</summary>
    public const JwtAlgorithm DefaultAlgorithm = JwtAlgorithm.ES256;

    /// <summary>
    /// Generates a new <see cref="DefaultAlgorithm"/> key made at <paramref name="now"/> that signs from
    /// <paramref name="activatesAt"/>. Times are cut to whole milliseconds (UTC), which every store keeps exactly.
    /// </summary>
    public static SigningKeyRecord Generate(DateTimeOffset now, DateTimeOffset activatesAt)
    {
        using JwtKey key = JwtKey.Generate(DefaultAlgorithm);
        return new SigningKeyRecord(key.KeyId!, key.Algorithm, ToMilliseconds(now), ToMilliseconds(activatesAt), key.ToJwk(includePrivateParameters: true));
    }

    /// <summary>Reads <see cref="PrivateJwk"/>; the caller disposes the key.</summary>
    /// <exception cref="InvalidDataException">The JWK is not a private key of <see cref="Algorithm"/> with <see cref="KeyId"/>.</exception>
    public JwtKey ToKey()
    {
        JwtKey key;
        try
        {
            key = JwtKey.FromJwk(PrivateJwk, Algorithm);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or System.Text.Json.JsonException or System.Security.Cryptography.CryptographicException)
        {
            throw new InvalidDataException($"The signing key '{KeyId}' is not a valid private JWK: {e.Message}", e);
        }

        if (key.KeyId != KeyId || !key.CanSign)
        {
            key.Dispose();
            throw new InvalidDataException($"The signing key '{KeyId}' holds {(key.CanSign ? $"the key '{key.KeyId}'" : "a public key only")}.");
        }

        return key;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{KeyId} ({Algorithm}, created {CreatedAt:O}, signs from {ActivatesAt:O})";

    private static DateTimeOffset ToMilliseconds(DateTimeOffset time) =>
        DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds());
}
