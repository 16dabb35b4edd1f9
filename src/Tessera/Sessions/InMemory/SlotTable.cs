namespace Tessera.Sessions.InMemory;

/// <summary>
/// An open-addressing hash table of sessions with linear probing, the key kept in the session itself: against a
/// <c>Dictionary</c> or <c>ConcurrentDictionary</c> this saves the node or entry per item (tens of bytes per
/// session at a million sessions) and one dependent memory load per lookup. Subclasses say what the key is.
/// </summary>
/// <remarks>
/// <para>
/// Writers hold the store lock. Removal shifts later entries of the probe run back (no tombstones, so the load
/// never creeps up under churn and the table is rebuilt only to grow or shrink). The load stays at most one half.
/// </para>
/// <para>
/// Readers may probe without a lock (<see cref="SessionTable"/> does): a rebuild publishes a new array and leaves
/// the old one intact for readers still on it, and a removal bumps <see cref="ShiftVersion"/> before and after
/// moving entries, so a reader that missed while entries moved (odd or changed version) probes again.
/// </para>
/// </remarks>
internal abstract class SlotTable
{
    private const int MinCapacity = 1024;

    private InMemorySession?[] _slots = new InMemorySession?[MinCapacity];
    private int _shiftVersion;

    /// <summary>Entries held. Written under the store lock, read anywhere.</summary>
    public int Count { get; private set; }

    /// <summary>The current slot array (entries may be null), for scans and lock-free probes.</summary>
    public InMemorySession?[] Slots => Volatile.Read(ref _slots);

    /// <summary>Odd while a removal moves entries; changes with every removal.</summary>
    protected int ShiftVersion => Volatile.Read(ref _shiftVersion);

    /// <summary>Adds an entry whose key is not present. Caller holds the store lock.</summary>
    public void Add(InMemorySession session)
    {
        if ((Count + 1) * 2 > _slots.Length)
        {
            Rebuild(Count + 1);
        }

        InMemorySession?[] slots = _slots;
        int mask = slots.Length - 1;
        int i = HashOf(session) & mask;
        while (slots[i] is not null)
        {
            i = (i + 1) & mask;
        }

        Volatile.Write(ref slots[i], session);
        Count++;
    }

    /// <summary>Removes an entry (by reference), shifting its probe run back. Caller holds the store lock.</summary>
    public void Remove(InMemorySession session)
    {
        InMemorySession?[] slots = _slots;
        int i = IndexOf(session);
        if (i < 0)
        {
            return;
        }

        int mask = slots.Length - 1;
        Interlocked.Increment(ref _shiftVersion);
        while (true)
        {
            // Find the next entry of the run that may move into the hole at i: one whose home is not in (i, j].
            int j = i;
            InMemorySession? next;
            while (true)
            {
                j = (j + 1) & mask;
                next = slots[j];
                if (next is null)
                {
                    break;
                }

                int home = HashOf(next) & mask;
                bool homeBetween = i <= j ? i < home && home <= j : i < home || home <= j;
                if (!homeBetween)
                {
                    break;
                }
            }

            // Copy first, then clear the old place on the next round: a reader sees the entry at least once or
            // sees the version change.
            Volatile.Write(ref slots[i], next);
            if (next is null)
            {
                break;
            }

            i = j;
        }

        Interlocked.Increment(ref _shiftVersion);
        Count--;
    }

    /// <summary>Shrinks the array when it is far larger than needed (after mass expiry). Caller holds the store lock.</summary>
    public void Compact()
    {
        if (_slots.Length > MinCapacity && Count * 8 < _slots.Length)
        {
            Rebuild(Count);
        }
    }

    /// <summary>
    /// Rebuilds the array from what <paramref name="keep"/> makes of each entry (null drops it), in one sequential
    /// pass. Caller holds the store lock.
    /// </summary>
    protected void RebuildFrom(Func<InMemorySession, InMemorySession?> keep)
    {
        var kept = new List<InMemorySession>(Count);
        foreach (InMemorySession? entry in _slots)
        {
            if (entry is not null && keep(entry) is { } survivor)
            {
                kept.Add(survivor);
            }
        }

        Count = kept.Count;
        Rebuild(kept, kept.Count);
    }

    /// <summary>Puts <paramref name="replacement"/>, which has the same key, in place of <paramref name="current"/>.</summary>
    protected void Replace(InMemorySession current, InMemorySession replacement)
    {
        int i = IndexOf(current);
        Volatile.Write(ref _slots[i], replacement);
    }

    /// <summary>The entry's hash; its low bits pick the home slot.</summary>
    protected abstract int HashOf(InMemorySession session);

    private int IndexOf(InMemorySession session)
    {
        InMemorySession?[] slots = _slots;
        int mask = slots.Length - 1;
        for (int i = HashOf(session) & mask; slots[i] is not null; i = (i + 1) & mask)
        {
            if (ReferenceEquals(slots[i], session))
            {
                return i;
            }
        }

        return -1;
    }

    private void Rebuild(int entries) => Rebuild(_slots, entries);

    private void Rebuild(IEnumerable<InMemorySession?> entriesToPlace, int entries)
    {
        int capacity = MinCapacity;
        while (capacity < entries * 2)
        {
            capacity *= 2;
        }

        var slots = new InMemorySession?[capacity];
        int mask = capacity - 1;
        foreach (InMemorySession? session in entriesToPlace)
        {
            if (session is not null)
            {
                int i = HashOf(session) & mask;
                while (slots[i] is not null)
                {
                    i = (i + 1) & mask;
                }

                slots[i] = session;
            }
        }

        Volatile.Write(ref _slots, slots); // publishes the filled array
    }
}
