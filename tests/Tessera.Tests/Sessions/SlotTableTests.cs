using System.Security.Cryptography;
using Tessera.Sessions;
using Tessera.Sessions.InMemory;

namespace Tessera.Tests.Sessions;

/// <summary>The in-memory store's open-addressing tables: removal by backward shift, and lock-free reads racing it.</summary>
public sealed class SlotTableTests
{
    private static readonly NewSession Template = new() { UserId = "u", IdleTimeout = TimeSpan.FromMinutes(1), AbsoluteLifetime = TimeSpan.FromMinutes(1) };

    private static InMemorySession NewEntry(long tag = 0)
    {
        Span<byte> bytes = stackalloc byte[SessionKey.ByteLength];
        RandomNumberGenerator.Fill(bytes);
        BitConverter.TryWriteBytes(bytes, tag);
        if (tag == 0)
        {
            RandomNumberGenerator.Fill(bytes[..8]);
        }

        return new InMemorySession(new SessionKey(bytes), Template, 0);
    }

    [Fact]
    public void AddRemove_RandomChurn_MatchesAReferenceSet()
    {
        var table = new SessionTable();
        var present = new List<InMemorySession>();
        var removed = new List<InMemorySession>();
        var random = new Random(7);
        for (int step = 0; step < 50_000; step++)
        {
            if (present.Count == 0 || random.Next(3) > 0)
            {
                InMemorySession entry = NewEntry();
                table.Add(entry);
                present.Add(entry);
            }
            else
            {
                int index = random.Next(present.Count);
                table.Remove(present[index]);
                removed.Add(present[index]);
                present.RemoveAt(index);
            }

            if (step % 5_000 == 0)
            {
                table.Compact();
            }
        }

        Assert.Equal(present.Count, table.Count);
        Assert.All(present, e => Assert.Same(e, table.Find(e.Key)));
        Assert.All(removed, e => Assert.Null(table.Find(e.Key)));
        Assert.Equal(present.Count, table.Slots.Count(s => s is not null));
    }

    [Fact]
    public async Task Find_WhileAnotherThreadRemovesAndAdds_NeverMissesAPresentEntry()
    {
        var table = new SessionTable();
        InMemorySession[] permanent = Enumerable.Range(0, 400).Select(_ => NewEntry()).ToArray();
        foreach (InMemorySession entry in permanent)
        {
            table.Add(entry);
        }

        using var stop = new CancellationTokenSource();
        int misses = 0;
        var reader = Task.Run(() =>
        {
            var random = new Random(1);
            while (!stop.IsCancellationRequested)
            {
                InMemorySession expected = permanent[random.Next(permanent.Length)];
                if (!ReferenceEquals(table.Find(expected.Key), expected))
                {
                    Interlocked.Increment(ref misses);
                }
            }
        });

        // The only writer, so it needs no lock; each removal shifts probe runs the reader may be walking.
        var churn = new Queue<InMemorySession>();
        for (int round = 0; round < 200_000; round++)
        {
            InMemorySession entry = NewEntry();
            table.Add(entry);
            churn.Enqueue(entry);
            if (churn.Count > 100)
            {
                table.Remove(churn.Dequeue());
            }
        }

        await stop.CancelAsync();
        await reader;
        Assert.Equal(0, misses);
        Assert.Equal(500, table.Count);
    }

    [Fact]
    public void UserIndex_PushAndUnlink_KeepsChainsPerTagNewestFirst()
    {
        var index = new UserIndex();
        InMemorySession a1 = NewEntry(tag: 11), a2 = NewEntry(tag: 11), a3 = NewEntry(tag: 11), b1 = NewEntry(tag: 22);
        foreach (InMemorySession entry in new[] { a1, b1, a2, a3 })
        {
            index.Push(entry);
        }

        Assert.Equal([a3, a2, a1], Chain(index.Head(11)));
        Assert.Equal([b1], Chain(index.Head(22)));

        index.Unlink(a2);
        Assert.Equal([a3, a1], Chain(index.Head(11)));
        index.Unlink(a3);
        Assert.Equal([a1], Chain(index.Head(11)));
        index.Unlink(a1);
        Assert.Null(index.Head(11));
        Assert.Same(b1, index.Head(22));
        Assert.Equal(1, index.Count);
    }

    private static List<InMemorySession> Chain(InMemorySession? head)
    {
        var chain = new List<InMemorySession>();
        for (InMemorySession? s = head; s is not null; s = s.NextOfUser)
        {
            chain.Add(s);
        }

        return chain;
    }
}
