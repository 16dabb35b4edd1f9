using System.Diagnostics;
using System.Security.Cryptography;
using Tessera.Sessions;

namespace Tessera.Tokens;

/// <content>Refresh: one-time refresh tokens, rotation, the grace rule and reuse detection.</content>
public sealed partial class SessionTokenService
{
    /// <summary>
    /// Exchanges a refresh token for a new access token and a new refresh token. The presented token is spent: the
    /// session's refresh hash is swapped atomically (of N concurrent calls with one token exactly one rotates), and
    /// the session's idle expiry slides.
    /// </summary>
    /// <remarks>
    /// <list type="bullet">
    /// <item>A repeat of the token just rotated, within <see cref="SessionTokenOptions.RefreshReuseGracePeriod"/>
    /// of that rotation, gets the successor that rotation issued (decrypted from the recovery envelope with the
    /// presented secret) and a fresh access token: no second rotation.</item>
    /// <item>A repeat after the grace period is reuse (RFC 9700 §4.14): the session is revoked, so the access and
    /// refresh tokens of whoever holds it fail from now on. Cancelling the call does not stop that revocation.</item>
    /// <item>A malformed or unknown token, an expired refresh window, or a gone session: <c>invalid_grant</c>, and
    /// nothing changes. Only the latest rotated-out token counts as a repeat; older ones are unknown.</item>
    /// </list>
    /// </remarks>
    /// <param name="refreshToken">The refresh token text.</param>
    /// <param name="cancellationToken">Cancels the store calls, but not the revocation once reuse is established.</param>
    /// <returns>The new tokens, or why not (every failure is <c>invalid_grant</c> to the client).</returns>
    public async ValueTask<RefreshResult> RefreshAsync(string? refreshToken, CancellationToken cancellationToken = default)
    {
        using Activity? activity = TokenMetrics.ActivitySource.StartActivity("tessera.refresh");
        RefreshResult result = await RefreshCoreAsync(refreshToken, cancellationToken).ConfigureAwait(false);
        string outcome = result.Succeeded ? (result.IsGraceRepeat ? "grace" : "rotated") : ResultName(result.Error);
        _metrics.Refresh(outcome);
        if (activity is not null)
        {
            activity.SetTag("tessera.result", outcome);
            activity.SetTag("tessera.session_id", result.Tokens?.SessionId);
            activity.SetStatus(result.Succeeded ? ActivityStatusCode.Ok : ActivityStatusCode.Error);
        }

        return result;
    }

    private async ValueTask<RefreshResult> RefreshCoreAsync(string? refreshToken, CancellationToken cancellationToken)
    {
        if (!RefreshToken.TryParse(refreshToken, out RefreshToken token))
        {
            return RefreshResult.Fail(RefreshError.Malformed);
        }

        string sessionId = token.SessionId.ToString();
        RefreshHash presented = RefreshHash.FromSecret(token.Secret);
        byte[] oldSecret = new byte[RefreshToken.SecretBytes];
        byte[] successor = new byte[RefreshToken.SecretBytes];
        try
        {
            token.DecodeSecret(oldSecret);
            SessionRecord? session = await _store.GetAsync(sessionId, cancellationToken).ConfigureAwait(false);
            if (session is null)
            {
                return RefreshResult.Fail(RefreshError.SessionNotFound);
            }

            DateTimeOffset now = _time.GetUtcNow();
            if (session.RefreshHash == presented && now >= RefreshTokenExpiresAt(session))
            {
                return RefreshResult.Fail(RefreshError.Expired);
            }

            // Prepared whatever the outcome, so every presented token costs the same work.
            RefreshToken.NewSecret(successor);
            string successorText = RefreshToken.SecretText(successor);
            byte[] envelope = RefreshToken.Seal(oldSecret, sessionId, successor);
            RotationResult rotation = await _store.RotateRefreshAsync(
                sessionId, presented, RefreshHash.FromSecret(successorText), envelope, cancellationToken).ConfigureAwait(false);
            switch (rotation.Status)
            {
                case RotationStatus.Rotated:
                    return new RefreshResult(RefreshError.None, Issue(session, sessionId + "." + successorText, now, now), isGraceRepeat: false);
                case RotationStatus.Retired:
                    return await RepeatAsync(session, rotation, oldSecret, successor, now).ConfigureAwait(false);
                case RotationStatus.SessionNotFound:
                    return RefreshResult.Fail(RefreshError.SessionNotFound);
                default:
                    return RefreshResult.Fail(RefreshError.UnknownToken);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(oldSecret);
            CryptographicOperations.ZeroMemory(successor);
        }
    }

    /// <summary>The presented token was rotated out by the latest rotation: the grace answer, or reuse.</summary>
    private async ValueTask<RefreshResult> RepeatAsync(
        SessionRecord session, RotationResult rotation, byte[] oldSecret, byte[] successor, DateTimeOffset now)
    {
        TimeSpan grace = _options.RefreshReuseGracePeriod;
        if (grace > TimeSpan.Zero && now - rotation.RetiredAt <= grace)
        {
            if (now >= RefreshExpiry(rotation.RetiredAt, session.AbsoluteExpiresAt))
            {
                return RefreshResult.Fail(RefreshError.Expired);
            }

            // Fails only if the store's envelope was altered: refuse (closed), but it is no proof of reuse.
            return RefreshToken.TryOpen(rotation.RecoveryEnvelope.Span, oldSecret, session.Id, successor)
                ? new RefreshResult(RefreshError.None, Issue(session, RefreshToken.Format(session.Id, successor), rotation.RetiredAt, now), isGraceRepeat: true)
                : RefreshResult.Fail(RefreshError.UnknownToken);
        }

        _metrics.ReuseDetected();
        // Not the caller's token: whoever presented the old token (perhaps the thief) must not be able to call the
        // revocation off by going away, so it runs to the end once reuse is established.
        await EndSessionAsync(session.Id, "refresh_reuse", CancellationToken.None).ConfigureAwait(false);
        return RefreshResult.Fail(RefreshError.Reused);
    }

    private static string ResultName(RefreshError error) => error switch
    {
        RefreshError.Malformed => "malformed",
        RefreshError.SessionNotFound => "session_not_found",
        RefreshError.UnknownToken => "unknown_token",
        RefreshError.Expired => "expired",
        RefreshError.Reused => "reused",
        _ => "none",
    };
}
