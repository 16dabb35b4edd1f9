namespace Tessera.Tokens;

/// <summary>
/// The sessions this service ended recently, so that a token of one reads <see cref="AuthenticationError.SessionRevoked"/>
/// rather than <see cref="AuthenticationError.SessionExpired"/>: a store cannot tell "removed" from "expired" once the
/// session is gone. Only labels a failure that the store lookup already decided; never consulted for a decision.
/// </summary>
/// <remarks>
/// An entry lasts as long as an access token can (its lifetime plus clock skew): after that every token of the session
/// has expired and reads <see cref="AuthenticationError.TokenExpired"/> first. Entries expire in insertion order (one
/// lifetime for all), so a queue holds them; past the capacity the oldest label is forgotten, which only turns a later
/// answer into <c>session_expired</c>. Thread-safe (one lock; revocations are rare).
/// </remarks>
internal sealed class RecentRevocations(TimeSpan retention, TimeProvider timeProvider, int capacity = 65_536)
{
    private readonly Queue<(string SessionId, long ExpiresTicks)> _order = new();
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
    private readonly Lock _sync = new();

    /// <summary>Remembers that these sessions were revoked now.</summary>
    public void Add(IEnumerable<string> sessionIds)
    {
        long now = timeProvider.GetUtcNow().UtcTicks;
        lock (_sync)
        {
            Prune(now);
            foreach (string id in sessionIds)
            {
                if (_ids.Count >= capacity)
                {
                    _ids.Remove(_order.Dequeue().SessionId);
                }

                if (_ids.Add(id))
                {
                    _order.Enqueue((id, now + retention.Ticks));
                }
            }
        }
    }

    /// <summary>True when this service revoked the session within the retention.</summary>
    public bool Contains(string sessionId)
    {
        long now = timeProvider.GetUtcNow().UtcTicks;
        lock (_sync)
        {
            Prune(now);
            return _ids.Contains(sessionId);
        }
    }

    private void Prune(long now)
    {
        while (_order.TryPeek(out var head) && head.ExpiresTicks <= now)
        {
            _ids.Remove(_order.Dequeue().SessionId);
        }
    }
}
