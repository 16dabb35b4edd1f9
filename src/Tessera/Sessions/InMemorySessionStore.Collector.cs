using Tessera.Sessions.InMemory;

namespace Tessera.Sessions;

public sealed partial class InMemorySessionStore
{
    // Sessions handled per lock hold: long enough to amortise the lock, short enough that a creation waits
    // microseconds, not milliseconds, behind a collection of a million sessions.
    private const int SweepBatch = 256;

    // A sweep that removes at least this many sessions, and at least an eighth of the store, rebuilds the tables
    // from the survivors instead of removing one session at a time.
    private const int BulkSweepMinimum = 10_000;

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

            // The detached lists belong to this sweep: nobody else follows their links.
            var expired = new List<InMemorySession>();
            var refile = new List<InMemorySession>();
            foreach (InMemorySession head in due)
            {
                for (InMemorySession? session = head; session is not null;)
                {
                    InMemorySession? next = session.NextInExpiry;
                    session.NextInExpiry = null;
                    if (Volatile.Read(ref session.State) == InMemorySession.Live)
                    {
                        (now >= session.ExpiresAtTicks ? expired : refile).Add(session);
                    }

                    session = next;
                }
            }

            int removed = expired.Count >= BulkSweepMinimum && expired.Count * 8 >= _table.Count
                ? SettleInBulk(expired, now)
                : Settle(expired, now);
            Settle(refile, now);
            lock (_sync)
            {
                _table.Compact();
                _userChains.Compact();
            }

            return removed;
        }
    }

    /// <summary>
    /// Removes a large share of the store at once (a mass expiry): flags each session removed, then rebuilds the id
    /// table and the user index from the survivors in two sequential passes, instead of a random-access removal per
    /// session. Holds the store lock throughout (creations wait; readers never do: they keep probing the old array
    /// and see the removed flag).
    /// </summary>
    private int SettleInBulk(List<InMemorySession> expired, long now)
    {
        int removed = 0;
        lock (_sync)
        {
            foreach (InMemorySession session in expired)
            {
                if (session.State != InMemorySession.Live)
                {
                    continue;
                }

                if (now >= session.ExpiresAtTicks)
                {
                    MarkRemovedLocked(session);
                    removed++;
                }
                else
                {
                    _wheel.Schedule(session);
                }
            }

            _table.RemoveFlagged();
            _users = _userChains.RemoveFlagged();
        }

        return removed;
    }

    /// <summary>Removes the sessions that have expired and refiles the rest, <see cref="SweepBatch"/> per lock hold.</summary>
    private int Settle(List<InMemorySession> sessions, long now)
    {
        int removed = 0;
        for (int start = 0; start < sessions.Count; start += SweepBatch)
        {
            lock (_sync)
            {
                for (int i = start; i < Math.Min(start + SweepBatch, sessions.Count); i++)
                {
                    InMemorySession session = sessions[i];
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
        }

        return removed;
    }
}
