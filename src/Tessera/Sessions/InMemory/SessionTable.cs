namespace Tessera.Sessions.InMemory;

/// <summary>
/// Id → session, read without locks on every request. The hash is the id's random part, which no client chooses,
/// so probe runs stay short whatever ids are looked up.
/// </summary>
internal sealed class SessionTable : SlotTable
{
    public InMemorySession? Find(in SessionKey key)
    {
        while (true)
        {
            int version = ShiftVersion;
            InMemorySession?[] slots = Slots;
            int mask = slots.Length - 1;
            for (int i = key.Hash & mask; ; i = (i + 1) & mask)
            {
                // Acquire reads: a slot written by a concurrent removal is seen only with its version bump.
                InMemorySession? candidate = Volatile.Read(ref slots[i]);
                if (candidate is null)
                {
                    break;
                }

                if (candidate.Key.Equals(key))
                {
                    return candidate;
                }
            }

            if ((version & 1) == 0 && version == ShiftVersion)
            {
                return null;
            }

            // A removal moved entries while we probed; the entry may have moved past us. Probe again.
        }
    }

    /// <summary>Drops every session flagged removed, in one rebuild. Caller holds the store lock.</summary>
    public void RemoveFlagged() => RebuildFrom(static s => s.State == InMemorySession.Live ? s : null);

    protected override int HashOf(InMemorySession session) => session.Key.Hash;
}
