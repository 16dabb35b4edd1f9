using System.Diagnostics;
using System.Diagnostics.Metrics;
using Tessera.Sessions;

namespace Tessera.Tokens;

/// <summary>
/// The service's instruments (meter <see cref="SessionTokenService.MeterName"/>) and activity source
/// (<see cref="SessionTokenService.ActivitySourceName"/>). Tags carry outcomes and reasons, never tokens or secrets.
/// </summary>
internal sealed class TokenMetrics : IDisposable
{
    public static readonly ActivitySource ActivitySource = new(SessionTokenService.ActivitySourceName);

    private readonly Meter _meter;
    private readonly Counter<long> _signIns;
    private readonly Counter<long> _refreshes;
    private readonly Counter<long> _reuseDetections;
    private readonly Counter<long> _revocations;
    private readonly Counter<long> _authenticationFailures;
    private readonly bool _ownsMeter;

    public TokenMetrics(IMeterFactory? meterFactory, ISessionStore store)
    {
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(SessionTokenService.MeterName) ?? new Meter(SessionTokenService.MeterName);
        _signIns = _meter.CreateCounter<long>("tessera.sign_ins", "{sign-in}", "Sign-in attempts, by tessera.result (success or the error code).");
        _refreshes = _meter.CreateCounter<long>("tessera.refreshes", "{refresh}", "Refresh attempts, by tessera.result (rotated, grace, or the refresh error).");
        _reuseDetections = _meter.CreateCounter<long>("tessera.refresh_reuse_detections", "{detection}", "Rotated refresh tokens presented after the grace period; each revoked its session.");
        _revocations = _meter.CreateCounter<long>("tessera.revocations", "{session}", "Sessions ended by the service, by tessera.reason.");
        _authenticationFailures = _meter.CreateCounter<long>("tessera.authentication_failures", "{request}", "Refused access tokens, by tessera.error.");
        _meter.CreateObservableGauge("tessera.sessions.active", () => Counts(store).Sessions, "{session}", "Live sessions in the store.");
        _meter.CreateObservableGauge("tessera.users.online", () => Counts(store).Users, "{user}", "Distinct users with a live session.");
        _meter.CreateObservableGauge("tessera.sessions.recently_active", () => Counts(store).ActiveSessions, "{session}", "Sessions used within the store's active window.");
    }

    public void SignIn(string result) => _signIns.Add(1, new KeyValuePair<string, object?>("tessera.result", result));

    public void Refresh(string result) => _refreshes.Add(1, new KeyValuePair<string, object?>("tessera.result", result));

    public void ReuseDetected() => _reuseDetections.Add(1);

    public void Revoked(int sessions, string reason)
    {
        if (sessions > 0)
        {
            _revocations.Add(sessions, new KeyValuePair<string, object?>("tessera.reason", reason));
        }
    }

    public void AuthenticationFailed(AuthenticationError error) =>
        _authenticationFailures.Add(1, new KeyValuePair<string, object?>("tessera.error", AuthenticationResult.CodeOf(error)));

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    // A gauge callback is synchronous; the in-memory store answers synchronously, a remote store's answer is awaited here.
    private static SessionCounts Counts(ISessionStore store)
    {
        ValueTask<SessionCounts> counts = store.GetCountsAsync(CancellationToken.None);
        return counts.IsCompletedSuccessfully ? counts.Result : counts.AsTask().GetAwaiter().GetResult();
    }
}
