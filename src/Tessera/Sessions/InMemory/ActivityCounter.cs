namespace Tessera.Sessions.InMemory;

/// <summary>
/// Counts sessions last seen within the active window without scanning: the window is cut into 30 slots, and each
/// live session is counted in the slot of its last-seen time. A touch that moves a session to a newer slot moves
/// its count (at most once per slot length per session); a query sums the slots in the window.
/// </summary>
/// <remarks>
/// Precision: the count covers between 29 and 30 slot lengths back from now, i.e. the window to within 1/30.
/// Each ring entry packs (slot + 1, count) into one 64-bit word, updated by compare-and-swap, so a stale entry is
/// recognised and restarted instead of being decremented by a session counted long ago.
/// </remarks>
internal sealed class ActivityCounter
{
    private const int WindowSlots = 30;
    private const int RingSize = 32; // > WindowSlots, and a power of two

    private readonly long[] _ring = new long[RingSize];
    private readonly long _epochTicks;
    private readonly long _slotTicks;

    public ActivityCounter(long epochTicks, TimeSpan window)
    {
        _epochTicks = epochTicks;
        _slotTicks = Math.Max(1, window.Ticks / WindowSlots);
    }

    public int SlotOf(long ticks) => (int)Math.Clamp((ticks - _epochTicks) / _slotTicks, 0, int.MaxValue - 1);

    public void Add(int slot)
    {
        ref long entry = ref _ring[slot & (RingSize - 1)];
        while (true)
        {
            long current = Volatile.Read(ref entry);
            (int owner, int count) = Unpack(current);
            long next;
            if (owner == slot)
            {
                next = Pack(slot, count + 1);
            }
            else if (owner < slot)
            {
                next = Pack(slot, 1); // the entry belonged to a slot that has left the window
            }
            else
            {
                return; // this slot already left the window: nothing to count
            }

            if (Interlocked.CompareExchange(ref entry, next, current) == current)
            {
                return;
            }
        }
    }

    public void Remove(int slot)
    {
        ref long entry = ref _ring[slot & (RingSize - 1)];
        while (true)
        {
            long current = Volatile.Read(ref entry);
            (int owner, int count) = Unpack(current);
            if (owner != slot || count == 0)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref entry, Pack(slot, count - 1), current) == current)
            {
                return;
            }
        }
    }

    public long Count(long nowTicks)
    {
        int now = SlotOf(nowTicks);
        long total = 0;
        for (int slot = now; slot > now - WindowSlots && slot >= 0; slot--)
        {
            (int owner, int count) = Unpack(Volatile.Read(ref _ring[slot & (RingSize - 1)]));
            if (owner == slot)
            {
                total += count;
            }
        }

        return total;
    }

    private static long Pack(int slot, int count) => ((long)(slot + 1) << 32) | (uint)count;

    private static (int Slot, int Count) Unpack(long entry) => ((int)(entry >> 32) - 1, (int)entry);
}
