using Tessera.Tokens;

namespace Tessera.Server.Keys;

/// <summary>
/// Binds the token service to the <see cref="SigningKeyRing"/> and refreshes the ring every
/// <see cref="SigningKeyRingOptions.RefreshInterval"/> for as long as the server runs; a failed refresh is logged and
/// the current keys stay.
/// </summary>
internal sealed class SigningKeyRingService(SigningKeyRing ring, SessionTokenService tokens, TimeProvider time, ILogger<SigningKeyRingService> logger) : BackgroundService
{
    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ring.Bind(tokens, logger);
        using var timer = new PeriodicTimer(ring.Options.RefreshInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await ring.RefreshAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                ServerLog.SigningKeysRefreshFailed(logger, e, ring.Store.Description);
            }
        }
    }
}
