using Tessera.Sessions.InMemory;

namespace Tessera.Sessions;

public sealed partial class InMemorySessionStore
{
    private SessionCreateResult Create(InMemorySession created, NewSession request, long now)
    {
        long tag = created.Key.Tag;
        int bytes = created.BaseBytes + (created.DataBlob?.Length ?? 0);
        List<string>? evicted = null;
        lock (_sync)
        {
            // Decide everything before changing anything, so a refusal leaves the store as it was.
            List<InMemorySession>? userVictims = null;
            if (request.MaxSessionsPerUser > 0)
            {
                List<InMemorySession> live = LiveUserSessionsLocked(tag, request.UserId, now);
                int excess = live.Count - request.MaxSessionsPerUser + 1;
                if (excess > 0)
                {
                    if (request.LimitPolicy == SessionLimitPolicy.RefuseNew)
                    {
                        return new SessionCreateResult(SessionCreateStatus.UserLimitReached, null, null);
                    }

                    // Chains run newest first, so the oldest are at the end.
                    userVictims = live.GetRange(live.Count - excess, excess);
                }
            }

            // Not `foreach (… in userVictims ?? [])`: that allocates an empty list on every creation.
            long freedBytes = 0;
            if (userVictims is not null)
            {
                foreach (InMemorySession victim in userVictims)
                {
                    freedBytes += victim.BaseBytes + (Volatile.Read(ref victim.DataBlob)?.Length ?? 0);
                }
            }

            bool fits = _table.Count - (userVictims?.Count ?? 0) < _maxSessions && Volatile.Read(ref _bytes) - freedBytes + bytes <= _maxBytes;
            if (!fits && _capacityPolicy == StoreCapacityPolicy.Refuse)
            {
                return new SessionCreateResult(SessionCreateStatus.StoreFull, null, null);
            }

            if (userVictims is not null)
            {
                evicted = userVictims.ConvertAll(static victim => victim.Id);
                foreach (InMemorySession victim in userVictims)
                {
                    RemoveLocked(victim);
                }
            }

            while (_table.Count >= _maxSessions || Volatile.Read(ref _bytes) + bytes > _maxBytes)
            {
                InMemorySession? victim = _wheel.TakeSoonest();
                if (victim is null)
                {
                    return new SessionCreateResult(SessionCreateStatus.StoreFull, null, evicted);
                }

                (evicted ??= []).Add(victim.Id);
                RemoveLocked(victim);
                _evicted++;
            }

            InsertLocked(created, tag, now);
            Interlocked.Add(ref _bytes, bytes);
        }

        return new SessionCreateResult(SessionCreateStatus.Created, created, evicted);
    }

    private void InsertLocked(InMemorySession session, long tag, long now)
    {
        _table.Add(session);
        if (!HasUserSessionLocked(tag, session.UserId, except: null))
        {
            _users++;
        }

        _userChains.Push(session);
        _wheel.Schedule(session);
        int slot = _activity.SlotOf(now);
        session.ActivitySlot = slot;
        _activity.Add(slot);
    }

    /// <summary>Unlinks a session from every structure and releases its bytes. Idempotent. Caller holds the lock.</summary>
    private void RemoveLocked(InMemorySession session)
    {
        if (!MarkRemovedLocked(session))
        {
            return;
        }

        _table.Remove(session);
        _userChains.Unlink(session);
        if (!HasUserSessionLocked(session.Key.Tag, session.UserId, except: null))
        {
            _users--;
        }
    }

    /// <summary>
    /// Flags a session removed (every reader sees it gone from here on), drops its data and releases its bytes and
    /// activity count, leaving the tables to the caller. Returns false when it was already removed.
    /// </summary>
    private bool MarkRemovedLocked(InMemorySession session)
    {
        if (session.State != InMemorySession.Live)
        {
            return false;
        }

        Volatile.Write(ref session.State, InMemorySession.Removed);
        byte[]? data = Interlocked.Exchange(ref session.DataBlob, InMemorySession.RemovedData);
        Interlocked.Add(ref _bytes, -(session.BaseBytes + (data?.Length ?? 0)));
        int slot = Interlocked.Exchange(ref session.ActivitySlot, -1);
        if (slot >= 0)
        {
            _activity.Remove(slot);
        }

        return true;
    }

    private bool HasUserSessionLocked(long tag, string userId, InMemorySession? except)
    {
        for (InMemorySession? s = _userChains.Head(tag); s is not null; s = s.NextOfUser)
        {
            if (!ReferenceEquals(s, except) && string.Equals(s.UserId, userId, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The user's sessions in the chain (newest first), expired ones included. Caller holds the lock.</summary>
    private List<InMemorySession> UserSessionsLocked(long tag, string userId)
    {
        var sessions = new List<InMemorySession>();
        for (InMemorySession? s = _userChains.Head(tag); s is not null; s = s.NextOfUser)
        {
            // Tags of different users can collide: the user id decides.
            if (string.Equals(s.UserId, userId, StringComparison.Ordinal))
            {
                sessions.Add(s);
            }
        }

        return sessions;
    }

    /// <summary>The user's live sessions, newest first; expired ones met on the way are removed. Caller holds the lock.</summary>
    private List<InMemorySession> LiveUserSessionsLocked(long tag, string userId, long now)
    {
        List<InMemorySession> sessions = UserSessionsLocked(tag, userId);
        sessions.RemoveAll(s =>
        {
            if (s.IsLiveAt(now))
            {
                return false;
            }

            RemoveLocked(s);
            return true;
        });
        return sessions;
    }
}
