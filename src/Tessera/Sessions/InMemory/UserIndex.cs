namespace Tessera.Sessions.InMemory;

/// <summary>
/// Routing tag → the newest session of the users with that tag; the rest of each user's sessions hang off it
/// through <see cref="InMemorySession.NextOfUser"/>, newest first. Tags of different users can collide, so a
/// chain may mix users and readers always compare the user id. Used only under the store lock.
/// </summary>
internal sealed class UserIndex : SlotTable
{
    public InMemorySession? Head(long tag)
    {
        InMemorySession?[] slots = Slots;
        int mask = slots.Length - 1;
        for (int i = Hash(tag) & mask; slots[i] is { } candidate; i = (i + 1) & mask)
        {
            if (candidate.Key.Tag == tag)
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Makes <paramref name="session"/> the newest of its tag's chain.</summary>
    public void Push(InMemorySession session)
    {
        InMemorySession? head = Head(session.Key.Tag);
        session.NextOfUser = head;
        if (head is null)
        {
            Add(session);
        }
        else
        {
            Replace(head, session);
        }
    }

    /// <summary>Unlinks <paramref name="session"/> from its tag's chain.</summary>
    public void Unlink(InMemorySession session)
    {
        InMemorySession? previous = null;
        for (InMemorySession? current = Head(session.Key.Tag); current is not null; current = current.NextOfUser)
        {
            if (ReferenceEquals(current, session))
            {
                if (previous is not null)
                {
                    previous.NextOfUser = session.NextOfUser;
                }
                else if (session.NextOfUser is { } next)
                {
                    Replace(session, next);
                }
                else
                {
                    Remove(session);
                }

                session.NextOfUser = null;
                return;
            }

            previous = current;
        }
    }

    /// <summary>
    /// Unlinks every session flagged removed from its chain and drops emptied chains, in one rebuild; returns the
    /// number of distinct users left. Caller holds the store lock.
    /// </summary>
    public int RemoveFlagged()
    {
        int users = 0;
        RebuildFrom(head =>
        {
            InMemorySession? first = null, last = null;
            for (InMemorySession? session = head; session is not null;)
            {
                InMemorySession? next = session.NextOfUser;
                session.NextOfUser = null;
                if (session.State == InMemorySession.Live)
                {
                    if (last is null)
                    {
                        first = session;
                    }
                    else
                    {
                        last.NextOfUser = session;
                    }

                    last = session;
                    if (!HasEarlier(first!, session))
                    {
                        users++;
                    }
                }

                session = next;
            }

            return first;
        });
        return users;
    }

    protected override int HashOf(InMemorySession session) => Hash(session.Key.Tag);

    // True when a session before `session` in the chain starting at `first` belongs to the same user.
    private static bool HasEarlier(InMemorySession first, InMemorySession session)
    {
        for (InMemorySession? s = first; !ReferenceEquals(s, session); s = s!.NextOfUser)
        {
            if (string.Equals(s!.UserId, session.UserId, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    // The tag is 48 bits of a keyed PRF: any slice of it is uniform.
    private static int Hash(long tag) => (int)tag ^ (int)(tag >> 32);
}
