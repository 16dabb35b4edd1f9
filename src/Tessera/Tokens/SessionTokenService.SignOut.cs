using System.Diagnostics;
using Tessera.Sessions;

namespace Tessera.Tokens;

/// <content>Sign-out and revocation: every one ends sessions in the store, so their tokens fail on the next call.</content>
public sealed partial class SessionTokenService
{
    /// <summary>Signs out one session (typically the caller's own, <see cref="AuthenticationResult.SessionId"/>).</summary>
    /// <returns>True when a live session was ended.</returns>
    public ValueTask<bool> SignOutAsync(string sessionId, CancellationToken cancellationToken = default) =>
        EndSessionAsync(sessionId, "sign_out", cancellationToken);

    /// <summary>Signs out every session of <paramref name="userId"/> except <paramref name="currentSessionId"/> ("log out my other devices").</summary>
    /// <returns>The ids of the sessions ended.</returns>
    public ValueTask<IReadOnlyList<string>> SignOutOtherSessionsAsync(string userId, string currentSessionId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(currentSessionId);
        return EndUserSessionsAsync(userId, currentSessionId, "sign_out_others", cancellationToken);
    }

    /// <summary>Signs out every session of <paramref name="userId"/>, the current one included ("log out everywhere").</summary>
    /// <returns>The ids of the sessions ended.</returns>
    public ValueTask<IReadOnlyList<string>> SignOutEverywhereAsync(string userId, CancellationToken cancellationToken = default) =>
        EndUserSessionsAsync(userId, null, "sign_out_all", cancellationToken);

    /// <summary>Revokes one session by id (an administrator ending a device's session).</summary>
    /// <returns>True when a live session was ended.</returns>
    public ValueTask<bool> RevokeSessionAsync(string sessionId, CancellationToken cancellationToken = default) =>
        EndSessionAsync(sessionId, "revoke", cancellationToken);

    /// <summary>Kicks a user: revokes every session of <paramref name="userId"/>. Do it also when disabling the user.</summary>
    /// <returns>The ids of the sessions ended.</returns>
    public ValueTask<IReadOnlyList<string>> RevokeUserSessionsAsync(string userId, CancellationToken cancellationToken = default) =>
        EndUserSessionsAsync(userId, null, "kick", cancellationToken);

    /// <summary>
    /// Revokes the session of a refresh token (RFC 7009) when the token is its current one. Any other token — malformed,
    /// unknown, already rotated — changes nothing (RFC 7009 answers success either way).
    /// </summary>
    /// <returns>True when a session was ended.</returns>
    public async ValueTask<bool> RevokeRefreshTokenAsync(string? refreshToken, CancellationToken cancellationToken = default) =>
        await FindRefreshSessionAsync(refreshToken, cancellationToken).ConfigureAwait(false) is { } session
        && await EndSessionAsync(session.Id, "refresh_token_revoked", cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// The live session whose current refresh token <paramref name="refreshToken"/> is, without using or changing it
    /// (for introspection and revocation); null for a malformed, unknown or already rotated token. The refresh window
    /// is not considered: compare <see cref="RefreshTokenExpiresAt"/> with the clock for that.
    /// </summary>
    public async ValueTask<SessionRecord?> FindRefreshSessionAsync(string? refreshToken, CancellationToken cancellationToken = default)
    {
        if (!RefreshToken.TryParse(refreshToken, out RefreshToken token))
        {
            return null;
        }

        string sessionId = token.SessionId.ToString();
        RefreshHash presented = RefreshHash.FromSecret(token.Secret);
        SessionRecord? session = await _store.GetAsync(sessionId, cancellationToken).ConfigureAwait(false);
        return session is not null && session.RefreshHash == presented ? session : null;
    }

    private async ValueTask<bool> EndSessionAsync(string sessionId, string reason, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        using Activity? activity = StartRevocation(reason);
        activity?.SetTag("tessera.session_id", sessionId);
        bool ended = await _store.RemoveAsync(sessionId, cancellationToken).ConfigureAwait(false);
        if (ended)
        {
            RememberEnded([sessionId], reason);
        }

        activity?.SetTag("tessera.sessions_ended", ended ? 1 : 0);
        return ended;
    }

    private async ValueTask<IReadOnlyList<string>> EndUserSessionsAsync(string userId, string? exceptSessionId, string reason, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        using Activity? activity = StartRevocation(reason);
        IReadOnlyList<string> ended = await _store.RemoveUserSessionsAsync(userId, exceptSessionId, cancellationToken).ConfigureAwait(false);
        RememberEnded(ended, reason);
        activity?.SetTag("tessera.sessions_ended", ended.Count);
        return ended;
    }

    private void RememberEnded(IReadOnlyList<string> sessionIds, string reason)
    {
        if (sessionIds.Count > 0)
        {
            _revocations.Add(sessionIds);
            _metrics.Revoked(sessionIds.Count, reason);
        }
    }

    private static Activity? StartRevocation(string reason)
    {
        Activity? activity = TokenMetrics.ActivitySource.StartActivity("tessera.revoke");
        activity?.SetTag("tessera.reason", reason);
        return activity;
    }
}
