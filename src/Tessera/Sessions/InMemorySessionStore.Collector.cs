using Tessera.Sessions.InMemory;

namespace Tessera.Sessions;

public sealed partial class InMemorySessionStore
{
    // Sessions handled per lock hold: long enough to amortise the lock, short enough that a creation waits
    // microseconds, not milliseconds, behind a collection of a million sessions.
    private const int SweepBatch = 256;

    private readonly Lock _sweepGate = new();

    /// <summary>
    /// Removes the sessions that have expired by now and returns how many. Called by the background timer; call it
    /// directly when the timer is off or in tests. Visits only sessions whose filed expiry has passed (touched ones
    /// are refiled), in batches under the store lock; reads are never blocked. Concurrent calls run one at a time.
    /// </summary>
    public int SweepExpired()
    {
        lock (_sweepGate)
        {
            long now = NowTicks();
            List<InMemorySession> due;
            lock (_sync)
            {
                due = _wheel.TakeDue(now);
            }

            int removed = 0;
            var batch = new List<InMemorySession>(SweepBatch);
            foreach (InMemorySession head in due)
            {
                // The detached lists belong to this sweep: nobody else follows their links.
                for (InMemorySession? session = head; session is not null;)
                {
                    InMemorySession? next = session.NextInExpiry;
                    session.NextInExpiry = null;
                    if (Volatile.Read(ref session.State) == InMemorySession.Live)
                    {
                        batch.Add(session);
                        if (batch.Count == SweepBatch)
                        {
                            removed += Settle(batch, now);
                        }
                    }

                    session = next;
                }
            }

            removed += Settle(batch, now);
            lock (_sync)
            {
                _table.Compact();
            }

            return removed;
        }
    }

    /// <summary>Removes the expired sessions of a batch and refiles the rest under their current expiry.</summary>
    private int Settle(List<InMemorySession> batch, long now)
    {
        int removed = 0;
        lock (_sync)
        {
            foreach (InMemorySession session in batch)
            {
                if (session.State != InMemorySession.Live)
                {
                    continue;
                }

                if (now >= session.ExpiresAtTicks)
                {
                    RemoveLocked(session);
                    removed++;
                }
                else
                {
                    _wheel.Schedule(session);
                }
            }
        }

        batch.Clear();
        return removed;
    }
}
