using System.Diagnostics;
using System.Diagnostics.Metrics;
using Tessera.Tokens;

namespace Tessera.Tests.Tokens;

/// <summary>The service's meter and activity source report what happened, and never a token.</summary>
public sealed class TokenObservabilityTests
{
    [Fact]
    public async Task Metrics_Lifecycle_CountedByOutcomeAndGaugesReadTheStore()
    {
        // Every service in the process reports to a meter named "Tessera": a factory of our own tells this one's apart.
        using var meters = new ScopedMeterFactory();
        using var host = new TokenTestHost(meterFactory: meters);
        var measurements = new List<(string Instrument, long Value, string? Tag)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == SessionTokenService.MeterName && ReferenceEquals(instrument.Meter.Scope, meters))
            {
                l.EnableMeasurementEvents(instrument, host);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, state) =>
        {
            if (ReferenceEquals(state, host))
            {
                string? tag = tags.Length > 0 ? tags[0].Value as string : null;
                lock (measurements)
                {
                    measurements.Add((instrument.Name, value, tag));
                }
            }
        });
        listener.Start();

        IssuedTokens alice = await host.SignInAsync("alice");
        await host.SignInAsync("alice");
        IssuedTokens bob = await host.SignInAsync("bob");
        IssuedTokens rotated = await host.RefreshAsync(alice.RefreshToken);
        await host.RefreshAsync(alice.RefreshToken); // grace repeat
        await host.Service.RefreshAsync("garbage");
        await host.Service.AuthenticateAsync("garbage");
        listener.RecordObservableInstruments();
        host.Time.Advance(TimeSpan.FromMinutes(1));
        await host.Service.RefreshAsync(alice.RefreshToken); // reuse: revokes alice's first session
        await host.Service.RevokeUserSessionsAsync("alice");
        await host.Service.AuthenticateAsync(rotated.AccessToken);
        await host.Service.AuthenticateAsync(bob.AccessToken);

        Assert.Equal(3, Sum(measurements, "tessera.sign_ins", "success"));
        Assert.Equal(1, Sum(measurements, "tessera.refreshes", "rotated"));
        Assert.Equal(1, Sum(measurements, "tessera.refreshes", "grace"));
        Assert.Equal(1, Sum(measurements, "tessera.refreshes", "malformed"));
        Assert.Equal(1, Sum(measurements, "tessera.refreshes", "reused"));
        Assert.Equal(1, Sum(measurements, "tessera.refresh_reuse_detections", null));
        Assert.Equal(1, Sum(measurements, "tessera.revocations", "refresh_reuse"));
        Assert.Equal(1, Sum(measurements, "tessera.revocations", "kick")); // the other session of alice
        Assert.Equal(1, Sum(measurements, "tessera.authentication_failures", "invalid_token"));
        Assert.Equal(1, Sum(measurements, "tessera.authentication_failures", "session_revoked"));
        Assert.Equal(3, Sum(measurements, "tessera.sessions.active", null));
        Assert.Equal(2, Sum(measurements, "tessera.users.online", null));
    }

    [Fact]
    public async Task Activities_SignInAndRefresh_TaggedWithResultAndSessionNeverTokens()
    {
        using var host = new TokenTestHost();
        var activities = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == SessionTokenService.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { lock (activities) { activities.Add(a); } },
        };
        ActivitySource.AddActivityListener(listener);

        IssuedTokens tokens = await host.SignInAsync();
        IssuedTokens next = await host.RefreshAsync(tokens.RefreshToken);
        await host.Service.SignOutAsync(next.SessionId);

        Activity[] mine;
        lock (activities)
        {
            mine = [.. activities.Where(a => (a.GetTagItem("tessera.session_id") as string) == tokens.SessionId)];
        }

        Assert.Contains(mine, a => a.OperationName == "tessera.sign_in" && (string?)a.GetTagItem("tessera.result") == "success");
        Assert.Contains(mine, a => a.OperationName == "tessera.refresh" && (string?)a.GetTagItem("tessera.result") == "rotated");
        Assert.Contains(mine, a => a.OperationName == "tessera.revoke" && (string?)a.GetTagItem("tessera.reason") == "sign_out");
        foreach (Activity activity in mine)
        {
            foreach (KeyValuePair<string, string?> tag in activity.Tags)
            {
                Assert.DoesNotContain(tokens.RefreshToken.Split('.')[1], tag.Value ?? "", StringComparison.Ordinal);
                Assert.DoesNotContain(next.AccessToken, tag.Value ?? "", StringComparison.Ordinal);
            }
        }
    }

    private sealed class ScopedMeterFactory : IMeterFactory
    {
        private readonly List<Meter> _meters = [];

        public Meter Create(MeterOptions options)
        {
            options.Scope = this;
            var meter = new Meter(options);
            _meters.Add(meter);
            return meter;
        }

        public void Dispose() => _meters.ForEach(m => m.Dispose());
    }

    private static long Sum(List<(string Instrument, long Value, string? Tag)> measurements, string instrument, string? tag)
    {
        lock (measurements)
        {
            return measurements.Where(m => m.Instrument == instrument && m.Tag == tag).Sum(m => m.Value);
        }
    }
}
