namespace Tessera.Sessions;

/// <summary>The outcome of <see cref="ISessionStore.RotateRefreshAsync"/>.</summary>
/// <param name="Status">What happened.</param>
/// <param name="Generation">The session's rotation count after the call (0 before the first rotation); 0 when the
/// session was not found.</param>
/// <param name="RetiredAt">When <see cref="Status"/> is <see cref="RotationStatus.Retired"/>: when the presented
/// hash was retired. Otherwise default.</param>
/// <param name="RecoveryEnvelope">When <see cref="Status"/> is <see cref="RotationStatus.Retired"/>: the opaque bytes
/// passed to the rotation that retired the presented hash. Otherwise empty.</param>
public readonly record struct RotationResult(
    RotationStatus Status,
    int Generation,
    DateTimeOffset RetiredAt,
    ReadOnlyMemory<byte> RecoveryEnvelope)
{
    /// <summary>The session did not exist.</summary>
    public static RotationResult SessionNotFound { get; } = new(RotationStatus.SessionNotFound, 0, default, default);
}
