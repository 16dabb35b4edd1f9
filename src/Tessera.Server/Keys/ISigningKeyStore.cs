namespace Tessera.Server.Keys;

/// <summary>
/// Where the server's signing keys live: <see cref="FileSigningKeyStore"/> (the embedded default, files in the data
/// folder), <see cref="PostgresSigningKeyStore"/> (several nodes on one database) — both pass the same contract tests
/// (<c>SigningKeyStoreContractTests</c>) — or <see cref="ConfiguredSigningKeyStore"/> (read-only keys from
/// configuration, for teams that keep them in a secret store). Chosen by <see cref="SigningKeyStoreSetup"/>.
/// </summary>
/// <remarks>
/// <para>
/// Every member is thread-safe, and what one call (or another instance on the same storage: the CLI next to a running
/// server, another node) writes is visible to every later call. Records read back equal the ones added, field by field.
/// </para>
/// <para>
/// <see cref="ListAsync"/> returns every key, oldest first (by <see cref="SigningKeyRecord.CreatedAt"/>, then
/// <see cref="SigningKeyRecord.KeyId"/> ordinally). <see cref="AddAsync"/> adds a key and returns false, adding nothing,
/// when a key with its id exists. <see cref="AddIfEmptyAsync"/> adds the key only when the store holds none, atomically:
/// of several callers at once on an empty store (nodes starting together) exactly one adds. <see cref="RemoveAsync"/>
/// removes the key with that id and returns whether there was one. A read-only store (<see cref="IsReadOnly"/>) throws
/// <see cref="InvalidOperationException"/> from every write and never changes.
/// </para>
/// </remarks>
internal interface ISigningKeyStore : IAsyncDisposable
{
    /// <summary>Where the keys are, for messages (never a secret).</summary>
    string Description { get; }

    /// <summary>Whether the keys come from outside (configuration) and cannot be added or removed here.</summary>
    bool IsReadOnly { get; }

    /// <summary>Every key, oldest first.</summary>
    /// <exception cref="InvalidDataException">The storage holds something that is not a key this store wrote.</exception>
    Task<IReadOnlyList<SigningKeyRecord>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Adds <paramref name="key"/>; false when a key with its id exists.</summary>
    Task<bool> AddAsync(SigningKeyRecord key, CancellationToken cancellationToken);

    /// <summary>Adds <paramref name="key"/> when the store holds no key, atomically; false when it holds one.</summary>
    Task<bool> AddIfEmptyAsync(SigningKeyRecord key, CancellationToken cancellationToken);

    /// <summary>Removes the key with id <paramref name="keyId"/>; false when there is none.</summary>
    Task<bool> RemoveAsync(string keyId, CancellationToken cancellationToken);
}
