namespace Tessera.Sessions.InMemory;

/// <summary>
/// Orders sessions for the collector without scanning: sessions are filed in one-second buckets by the expiry they
/// had when filed, linked through <see cref="InMemorySession.NextInExpiry"/> (no per-session allocation).
/// </summary>
/// <remarks>
/// A touch never refiles a session (it only moves its last-seen time), so touches stay lock-free. Expiry only moves
/// later, so a session's real expiry is never earlier than its bucket: the collector takes the buckets that are due,
/// removes what has really expired and refiles the rest under their new expiry. A live session is visited about
/// once per idle timeout; removed sessions are dropped when their bucket comes due. Every member is called under
/// the store lock.
/// </remarks>
internal sealed class ExpiryWheel
{
    private static readonly long s_slotTicks = TimeSpan.TicksPerSecond;

    private readonly Dictionary<long, InMemorySession> _heads = [];
    private readonly SortedSet<long> _slots = [];
    private long _takenThrough = long.MinValue; // every slot up to this one has been handed to a collector

    /// <summary>Files a live session under its current expiry.</summary>
    public void Schedule(InMemorySession session)
    {
        long slot = Math.Max(session.ExpiresAtTicks / s_slotTicks, _takenThrough + 1);
        if (_heads.TryGetValue(slot, out InMemorySession? head))
        {
            session.NextInExpiry = head;
        }
        else
        {
            session.NextInExpiry = null;
            _slots.Add(slot);
        }

        _heads[slot] = session;
    }

    /// <summary>
    /// Detaches every bucket whose slot has begun by <paramref name="nowTicks"/> and returns their lists. Sessions
    /// refiled afterwards land in the current slot or later, so one collection never sees a session twice.
    /// </summary>
    public List<InMemorySession> TakeDue(long nowTicks)
    {
        long nowSlot = nowTicks / s_slotTicks;
        var due = new List<InMemorySession>();
        while (_slots.Count > 0 && _slots.Min <= nowSlot)
        {
            long slot = _slots.Min;
            _slots.Remove(slot);
            _heads.Remove(slot, out InMemorySession? head);
            due.Add(head!);
        }

        // The current slot may still receive sessions expiring later within it; the next collection takes them.
        _takenThrough = Math.Max(_takenThrough, nowSlot - 1);
        return due;
    }

    /// <summary>
    /// Unfiles and returns the live session that expires soonest (to the second), refiling touched sessions and
    /// dropping removed ones on the way; null when nothing is filed.
    /// </summary>
    public InMemorySession? TakeSoonest()
    {
        while (_slots.Count > 0)
        {
            long slot = _slots.Min;
            InMemorySession? session = _heads[slot];
            _slots.Remove(slot);
            _heads.Remove(slot);

            while (session is not null)
            {
                InMemorySession? next = session.NextInExpiry;
                session.NextInExpiry = null;
                if (session.State == InMemorySession.Live)
                {
                    if (session.ExpiresAtTicks / s_slotTicks <= slot)
                    {
                        // Put back the rest of this bucket and hand out the victim.
                        for (InMemorySession? rest = next; rest is not null;)
                        {
                            InMemorySession? after = rest.NextInExpiry;
                            Schedule(rest);
                            rest = after;
                        }

                        return session;
                    }

                    Schedule(session); // touched since it was filed: it belongs to a later bucket
                }

                session = next;
            }
        }

        return null;
    }
}
