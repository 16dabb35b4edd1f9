using System.Collections.Concurrent;
using Tessera.Sessions;

namespace Tessera.Redis;

/// <summary>
/// A short, bounded local cache of sessions read from Redis, so most authenticated requests need no round trip.
/// Correct only while every change reaches it: the store evicts on its own writes and on every id published by
/// other processes, and the cache answers nothing while the subscription is down (fail closed).
/// </summary>
/// <remarks>
/// A read that raced an eviction must not put back what the eviction removed. Every eviction bumps
/// <see cref="Version"/> before removing; a reader takes the version before asking Redis and adds its answer only if
/// no eviction happened meanwhile, checking again after the add (an eviction between the check and the add is undone
/// by that second check, one after it removes the entry itself).
/// </remarks>
internal sealed class NearCache
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly long _durationTicks;
    private readonly int _capacity;
    private long _version;
    private int _added;
    private volatile bool _usable;

    public NearCache(TimeSpan duration, int capacity)
    {
        _durationTicks = duration.Ticks;
        _capacity = capacity;
    }

    /// <summary>Changes whenever anything is evicted; see the remarks.</summary>
    public long Version => Volatile.Read(ref _version);

    /// <summary>False while the subscription that carries evictions is not known to work.</summary>
    public bool IsUsable => _usable;

    public SessionRecord? TryGet(string sessionId, DateTimeOffset now)
    {
        if (!_usable || !_entries.TryGetValue(sessionId, out Entry? entry))
        {
            return null;
        }

        if (now.UtcTicks >= entry.CachedUntilTicks || entry.Record.IsExpiredAt(now))
        {
            _entries.TryRemove(new KeyValuePair<string, Entry>(sessionId, entry));
            return null;
        }

        return entry.Record;
    }

    /// <summary>Caches a record read from Redis, unless something was evicted since <paramref name="versionBeforeRead"/>.</summary>
    public void Add(SessionRecord record, long versionBeforeRead, DateTimeOffset now)
    {
        if (!_usable || Version != versionBeforeRead)
        {
            return;
        }

        if (Interlocked.Increment(ref _added) > _capacity)
        {
            // Bounded the simple way: start over. Entries are cheap to refill and live seconds anyway.
            Interlocked.Exchange(ref _added, 0);
            _entries.Clear();
        }

        var entry = new Entry(record, now.UtcTicks + _durationTicks);
        _entries[record.Id] = entry;
        if (Version != versionBeforeRead)
        {
            _entries.TryRemove(new KeyValuePair<string, Entry>(record.Id, entry));
        }
    }

    public void Evict(string sessionId)
    {
        Interlocked.Increment(ref _version);
        _entries.TryRemove(sessionId, out _);
    }

    public void EvictAll()
    {
        Interlocked.Increment(ref _version);
        _entries.Clear();
    }

    /// <summary>Stops answering (the subscription went down) and forgets everything: evictions may be missed.</summary>
    public void Suspend()
    {
        _usable = false;
        EvictAll();
    }

    /// <summary>Answers again: the subscription was seen delivering a message published after it came up.</summary>
    public void Resume()
    {
        EvictAll();
        _usable = true;
    }

    private sealed record Entry(SessionRecord Record, long CachedUntilTicks);
}
