using System.Text.Json;
using Tessera.Jwt;

namespace Tessera.Server.Keys;

/// <summary>
/// Read-only signing keys from configuration, for teams that keep private keys in a secret store (an environment
/// variable, a mounted configuration file, a vault's configuration provider): <c>Tessera:SigningKeys</c> is a JWK Set
/// (<c>{"keys":[...]}</c>) or one JWK, private keys with their <c>kid</c> and <c>alg</c>; <c>Tessera:SigningKeyId</c> names
/// the one that signs (needed when there are several). The others verify.
/// </summary>
/// <remarks>
/// Read again on every <see cref="ListAsync"/>, so a configuration provider that reloads changes the ring without a
/// restart. To rotate: add the new key to every node's set first, then — once every node has it — point
/// <c>Tessera:SigningKeyId</c> at it, then drop the old key after the access-token lifetime. Configuration holds no
/// times: every key reads as made at the Unix epoch, and the signing key as activated a millisecond later than the
/// others, which is what makes it the one that signs.
/// </remarks>
internal sealed class ConfiguredSigningKeyStore(IConfiguration configuration) : ISigningKeyStore
{
    public const string KeysSetting = "Tessera:SigningKeys";
    public const string SigningKeySetting = "Tessera:SigningKeyId";

    /// <inheritdoc/>
    public string Description => $"configuration ({KeysSetting})";

    /// <inheritdoc/>
    public bool IsReadOnly => true;

    /// <inheritdoc/>
    public Task<IReadOnlyList<SigningKeyRecord>> ListAsync(CancellationToken cancellationToken) => Task.FromResult(Read());

    /// <inheritdoc/>
    public Task<bool> AddAsync(SigningKeyRecord key, CancellationToken cancellationToken) => throw ReadOnly();

    /// <inheritdoc/>
    public Task<bool> AddIfEmptyAsync(SigningKeyRecord key, CancellationToken cancellationToken) => throw ReadOnly();

    /// <inheritdoc/>
    public Task<bool> RemoveAsync(string keyId, CancellationToken cancellationToken) => throw ReadOnly();

    /// <summary>Nothing to release.</summary>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static InvalidOperationException ReadOnly() =>
        new($"The signing keys come from configuration ({KeysSetting}); change them there, not through Tessera.");

    private IReadOnlyList<SigningKeyRecord> Read()
    {
        string? text = configuration[KeysSetting];
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new InvalidDataException($"Tessera:KeyStore is 'configuration' but {KeysSetting} (a JWK Set of private keys) is not set.");
        }

        var keys = new List<(string Kid, JwtAlgorithm Algorithm, string Jwk)>();
        try
        {
            using JsonDocument document = JsonDocument.Parse(text);
            JsonElement root = document.RootElement;
            IEnumerable<JsonElement> items = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("keys", out JsonElement set) && set.ValueKind == JsonValueKind.Array
                ? set.EnumerateArray()
                : [root];
            foreach (JsonElement item in items)
            {
                string jwk = item.GetRawText();
                using JwtKey key = JwtKey.FromJwk(jwk);
                if (!key.CanSign || key.IsSymmetric)
                {
                    throw new InvalidDataException($"{KeysSetting}: the key '{key.KeyId}' is {(key.IsSymmetric ? "an HMAC secret (use Tessera:HmacSecret for those)" : "a public key; a signing key needs its private part")}.");
                }

                if (keys.Any(k => k.Kid == key.KeyId))
                {
                    throw new InvalidDataException($"{KeysSetting}: two keys have the kid '{key.KeyId}'.");
                }

                keys.Add((key.KeyId!, key.Algorithm, jwk));
            }
        }
        catch (Exception e) when (e is JsonException or ArgumentException or FormatException or System.Security.Cryptography.CryptographicException)
        {
            // The message names the problem, never the key material.
            throw new InvalidDataException($"{KeysSetting} is not a JWK Set of private keys: {e.Message}", e);
        }

        if (keys.Count == 0)
        {
            throw new InvalidDataException($"{KeysSetting} holds no key.");
        }

        string? signing = configuration[SigningKeySetting];
        if (string.IsNullOrEmpty(signing))
        {
            signing = keys.Count == 1
                ? keys[0].Kid
                : throw new InvalidDataException($"{KeysSetting} holds {keys.Count} keys; set {SigningKeySetting} to the kid of the one that signs.");
        }
        else if (!keys.Any(k => k.Kid == signing))
        {
            throw new InvalidDataException($"{SigningKeySetting} is '{signing}', which is not a kid in {KeysSetting}.");
        }

        DateTimeOffset epoch = DateTimeOffset.UnixEpoch;
        return [.. keys
            .Select(k => new SigningKeyRecord(k.Kid, k.Algorithm, epoch, k.Kid == signing ? epoch.AddMilliseconds(1) : epoch, k.Jwk))
            .OrderBy(k => k.KeyId, StringComparer.Ordinal)];
    }
}
