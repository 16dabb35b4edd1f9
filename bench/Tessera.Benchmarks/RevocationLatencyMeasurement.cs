using System.Diagnostics;
using System.Globalization;
using StackExchange.Redis;
using Tessera.Redis;
using Tessera.Sessions;

namespace Tessera.Benchmarks;

/// <summary>
/// The <c>revocation</c> mode: how long after one node removes a session another node's near cache stops answering
/// for it. Not a BenchmarkDotNet benchmark.
/// </summary>
/// <remarks>
/// <para>Setup: a <c>redis-server</c> started for the run (<see cref="RedisServerProcess"/>), two
/// <see cref="RedisSessionStore"/> instances, A and B, each on its own <see cref="ConnectionMultiplexer"/> (as two
/// processes would be), same key prefix, near cache on (5 seconds, the default), collector off; both measured only
/// once <see cref="RedisSessionStore.IsNearCacheActive"/>.</para>
/// <para>For each of N sessions (default 2,000), one after another: A creates it; B reads it (so B caches it) and
/// reads it again, which must complete synchronously (a near-cache hit); then the time from just before
/// <c>A.RemoveAsync(id)</c> is called until B's <c>EvictionApplied</c> fires for that id (both
/// <see cref="Stopwatch.GetTimestamp"/>, the second taken first thing in the handler, on StackExchange.Redis's
/// pub/sub delivery thread); then <c>B.GetAsync(id)</c> must return null. An eviction that does not arrive within
/// 5 seconds fails the run. Bounded: N sessions or 60 seconds, whichever comes first.</para>
/// <para>What the figure includes: A's removal script and its fire-and-forget <c>PUBLISH</c> (sent on A's connection
/// right after the script's reply), Redis's fan-out, and B's subscription connection reading and dispatching the
/// message. Both clients and Redis share the machine's cores, so it is a loopback lower bound, not a network figure.</para>
/// </remarks>
internal static class RevocationLatencyMeasurement
{
    private const int DefaultSessions = 2000;
    private static readonly TimeSpan s_budget = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan s_evictionTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan s_nearCacheWait = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan s_nearCacheDuration = TimeSpan.FromSeconds(5);

    /// <summary>Runs the mode; <paramref name="arguments"/> is empty or the number of sessions.</summary>
    public static int Run(string[] arguments)
    {
        int sessions = DefaultSessions;
        if (arguments.Length > 0 && (!int.TryParse(arguments[0], NumberStyles.None, CultureInfo.InvariantCulture, out sessions) || sessions < 1))
        {
            Console.Error.WriteLine($"Usage: revocation [sessions]  (a positive whole number; default {DefaultSessions}; was '{arguments[0]}').");
            return 2;
        }

        try
        {
            return MeasureAsync(sessions).GetAwaiter().GetResult();
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine("revocation failed: " + e.Message);
            return 1;
        }
    }

    private static async Task<int> MeasureAsync(int sessions)
    {
        Console.WriteLine($"command: dotnet run -c Release --project bench/Tessera.Benchmarks -- revocation {sessions.ToString(CultureInfo.InvariantCulture)}");
        Console.WriteLine($"process: {Environment.CommandLine}");
        using RedisServerProcess server = RedisServerProcess.Start();
        await using ConnectionMultiplexer redisA = await ConnectionMultiplexer.ConnectAsync(server.Configuration).ConfigureAwait(false);
        await using ConnectionMultiplexer redisB = await ConnectionMultiplexer.ConnectAsync(server.Configuration).ConfigureAwait(false);
        string version = redisA.GetServer(redisA.GetEndPoints()[0]).Version.ToString();
        Console.WriteLine($"redis-server {version} on {server.Configuration} (pid {server.ProcessId.ToString(CultureInfo.InvariantCulture)}), two connections; near cache {s_nearCacheDuration.TotalSeconds} s on both stores");

        await using var a = new RedisSessionStore(redisA, Options(), TimeProvider.System);
        await using var b = new RedisSessionStore(redisB, Options(), TimeProvider.System);
        await WaitForNearCacheAsync(a, "A").ConfigureAwait(false);
        await WaitForNearCacheAsync(b, "B").ConfigureAwait(false);

        Waiter? waiting = null;
        b.EvictionApplied += id =>
        {
            long stamp = Stopwatch.GetTimestamp();
            Waiter? current = Volatile.Read(ref waiting);
            if (current is not null && string.Equals(current.Id, id, StringComparison.Ordinal))
            {
                current.Arrived(stamp);
            }
        };

        var latencies = new List<double>(sessions);
        var removeCalls = new List<double>(sessions);
        long started = Stopwatch.GetTimestamp();
        bool outOfTime = false;
        for (int i = 0; i < sessions; i++)
        {
            if (Stopwatch.GetElapsedTime(started) > s_budget)
            {
                outOfTime = true;
                break;
            }

            SessionCreateResult created = await a.CreateAsync(SessionBench.NewTesseraSession(SessionBench.UserId(i + 1), SessionBench.IdleTimeout), CancellationToken.None).ConfigureAwait(false);
            string id = created.Session?.Id ?? throw new InvalidOperationException($"A refused session {i + 1}: {created.Status}.");
            _ = await b.GetAsync(id, CancellationToken.None).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"B does not see session {id} that A created.");
            ValueTask<SessionRecord?> again = b.GetAsync(id, CancellationToken.None);
            if (!again.IsCompletedSuccessfully || again.Result is null)
            {
                throw new InvalidOperationException($"B's second read of {id} was not a near-cache hit (near cache active: {b.IsNearCacheActive}).");
            }

            var waiter = new Waiter(id);
            Volatile.Write(ref waiting, waiter);
            long before = Stopwatch.GetTimestamp();
            bool removed = await a.RemoveAsync(id, CancellationToken.None).ConfigureAwait(false);
            long returned = Stopwatch.GetTimestamp();
            if (!removed)
            {
                throw new InvalidOperationException($"A.RemoveAsync({id}) found no live session.");
            }

            try
            {
                await waiter.Task.WaitAsync(s_evictionTimeout).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw new InvalidOperationException($"B's eviction of {id} did not arrive within {s_evictionTimeout.TotalSeconds} s (after {latencies.Count} good ones).");
            }

            latencies.Add(Milliseconds(waiter.Stamp - before));
            removeCalls.Add(Milliseconds(returned - before));
            if (await b.GetAsync(id, CancellationToken.None).ConfigureAwait(false) is not null)
            {
                throw new InvalidOperationException($"B still returns session {id} after its eviction.");
            }
        }

        Volatile.Write(ref waiting, null);
        double elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        Console.WriteLine();
        Console.WriteLine($"Revocation: A.RemoveAsync(id) called → B's EvictionApplied(id), {latencies.Count:N0} sessions one after another in {elapsed:N1} s"
            + (outOfTime ? $" (stopped at the {s_budget.TotalSeconds} s bound before {sessions:N0})" : ""));
        Console.WriteLine("after every eviction B.GetAsync(id) returned null; before it, B's read was a near-cache hit");
        Console.WriteLine();
        Console.WriteLine("| measure | count | p50 (ms) | p90 (ms) | p99 (ms) | max (ms) |");
        Console.WriteLine("|---|--:|--:|--:|--:|--:|");
        Console.WriteLine(Row("remove called → B evicted", latencies));
        Console.WriteLine(Row("A.RemoveAsync call (context)", removeCalls));
        ChildProcess.PrintResult(
            ("count", latencies.Count),
            ("p50_ms", Percentile(latencies, 0.50)),
            ("p90_ms", Percentile(latencies, 0.90)),
            ("p99_ms", Percentile(latencies, 0.99)),
            ("max_ms", latencies.Count == 0 ? double.NaN : latencies.Max()));
        return latencies.Count > 0 ? 0 : 1;
    }

    private static RedisSessionStoreOptions Options() => new()
    {
        NearCacheDuration = s_nearCacheDuration,
        CollectionInterval = TimeSpan.Zero,
    };

    private static async Task WaitForNearCacheAsync(RedisSessionStore store, string name)
    {
        long started = Stopwatch.GetTimestamp();
        while (!store.IsNearCacheActive)
        {
            if (Stopwatch.GetElapsedTime(started) > s_nearCacheWait)
            {
                throw new InvalidOperationException($"Store {name}'s near cache did not become active within {s_nearCacheWait.TotalSeconds} s.");
            }

            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    private static double Milliseconds(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    private static string Row(string name, List<double> values) => values.Count == 0
        ? $"| {name} | 0 | | | | |"
        : $"| {name} | {values.Count:N0} | {Percentile(values, 0.50):N3} | {Percentile(values, 0.90):N3} | {Percentile(values, 0.99):N3} | {values.Max():N3} |";

    /// <summary>The nearest-rank percentile.</summary>
    private static double Percentile(List<double> values, double fraction)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        double[] sorted = [.. values.Order()];
        int rank = (int)Math.Ceiling(fraction * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    /// <summary>One awaited eviction: its id, and when the handler saw it.</summary>
    private sealed class Waiter(string id)
    {
        private readonly TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _stamp;

        public string Id => id;

        public long Stamp => Volatile.Read(ref _stamp);

        public Task Task => _arrived.Task;

        public void Arrived(long stamp)
        {
            if (Interlocked.CompareExchange(ref _stamp, stamp, 0) == 0)
            {
                _arrived.TrySetResult();
            }
        }
    }
}
