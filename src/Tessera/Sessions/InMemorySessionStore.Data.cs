using Tessera.Sessions.InMemory;

namespace Tessera.Sessions;

public sealed partial class InMemorySessionStore
{
    private enum DataWrite
    {
        Set,
        Remove,
        Clear,
    }

    /// <summary>
    /// Applies one data write by compare-and-swap on the session's encoded map: the new map is built from the map
    /// current at that instant, so a concurrent write to another key is never lost (it makes the swap fail and this
    /// write retry on top of it). Bytes are reserved before the swap, so the capacity is never passed.
    /// </summary>
    private SessionWriteStatus WriteData(InMemorySession session, DataWrite write, ReadOnlySpan<byte> utf8Key, ReadOnlySpan<byte> value)
    {
        while (true)
        {
            byte[]? old = Volatile.Read(ref session.DataBlob);
            if (ReferenceEquals(old, InMemorySession.RemovedData))
            {
                return SessionWriteStatus.SessionNotFound;
            }

            byte[]? next;
            switch (write)
            {
                case DataWrite.Set:
                    SessionWriteStatus status = SessionDataRules.CheckSession(old, utf8Key, value.Length, _limits);
                    if (status != SessionWriteStatus.Ok)
                    {
                        return status;
                    }

                    next = SessionDataCodec.With(old, utf8Key, value);
                    break;
                case DataWrite.Remove:
                    next = old is null ? null : SessionDataCodec.Without(old, utf8Key);
                    break;
                default:
                    next = null;
                    break;
            }

            if (ReferenceEquals(next, old))
            {
                return SessionWriteStatus.Ok; // nothing to change
            }

            long delta = (long)(next?.Length ?? 0) - (old?.Length ?? 0);
            if (delta > 0 && Interlocked.Add(ref _bytes, delta) > _maxBytes)
            {
                Interlocked.Add(ref _bytes, -delta);
                return SessionWriteStatus.StoreFull;
            }

            if (ReferenceEquals(Interlocked.CompareExchange(ref session.DataBlob, next, old), old))
            {
                if (delta < 0)
                {
                    Interlocked.Add(ref _bytes, delta);
                }

                return SessionWriteStatus.Ok;
            }

            if (delta > 0)
            {
                Interlocked.Add(ref _bytes, -delta);
            }
        }
    }
}
