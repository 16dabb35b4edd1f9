using System.Diagnostics;
using System.Security.Cryptography;
using Tessera.Sessions;

namespace Tessera.Tokens;

/// <content>Sign-in: a new session and its first tokens.</content>
public sealed partial class SessionTokenService
{
    /// <summary>
    /// Signs in a user whose credentials the caller has verified: creates a new session (the store picks its id; a
    /// client-supplied id is never used), and issues an access token and the first refresh token.
    /// </summary>
    /// <param name="user">The verified user; their name, roles and claims go into every access token of the session.</param>
    /// <param name="client">What the server saw of the client (IP, user agent, device label), for session lists; or null.</param>
    /// <param name="cancellationToken">Cancels the store call.</param>
    /// <returns>The tokens and session, or <see cref="SignInError.SessionLimitReached"/> /
    /// <see cref="SignInError.StoreFull"/> (nothing changed then).</returns>
    public async ValueTask<SignInResult> SignInAsync(SessionUser user, SessionClientInfo? client = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        using Activity? activity = TokenMetrics.ActivitySource.StartActivity("tessera.sign_in");
        byte[] secret = new byte[RefreshToken.SecretBytes];
        try
        {
            RefreshToken.NewSecret(secret);
            var request = new NewSession
            {
                UserId = user.Id,
                IdleTimeout = _options.IdleTimeout,
                AbsoluteLifetime = _options.AbsoluteLifetime,
                Client = client,
                RefreshHash = RefreshHash.FromSecret(RefreshToken.SecretText(secret)),
                TokenClaims = user.TokenClaims,
                MaxSessionsPerUser = _options.MaxSessionsPerUser,
                LimitPolicy = _options.SessionLimitPolicy,
            };
            SessionCreateResult created = await _store.CreateAsync(request, cancellationToken).ConfigureAwait(false);
            RememberEnded(created.EvictedSessionIds, "evicted"); // the per-user limit or the store's capacity policy
            SignInResult result = created.Session is { } session
                ? new SignInResult(SignInError.None, Issue(session, RefreshToken.Format(session.Id, secret), session.CreatedAt, _time.GetUtcNow()), session, created.EvictedSessionIds)
                : SignInResult.Fail(created.Status == SessionCreateStatus.UserLimitReached ? SignInError.SessionLimitReached : SignInError.StoreFull);
            RecordSignIn(result.Error);
            if (activity is not null)
            {
                activity.SetTag("tessera.result", result.ErrorCode ?? "success");
                activity.SetTag("tessera.session_id", result.Tokens?.SessionId);
                activity.SetStatus(result.Succeeded ? ActivityStatusCode.Ok : ActivityStatusCode.Error);
            }

            return result;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <summary>Counts a sign-in attempt by its outcome (also for failures decided before a session is created).</summary>
    internal void RecordSignIn(SignInError error) => _metrics.SignIn(SignInResult.Fail(error).ErrorCode ?? "success");
}
