using System.Diagnostics;
using System.Runtime;
using Microsoft.AspNetCore.Session;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Tessera.Sessions;

namespace Tessera.Benchmarks;

/// <summary>
/// The <c>collect</c> mode: how long each stack takes to remove 1,000,000 (<see cref="SessionBench.Sessions"/>)
/// expired sessions, and the worst latency a concurrent reader of other, live sessions sees meanwhile. Not a
/// BenchmarkDotNet benchmark.
/// </summary>
/// <remarks>
/// <para>Setup, in a fresh process per run: a <see cref="ManualTimeProvider"/> clock; 1,000,000 sessions with the
/// two keys and a 20-minute idle timeout, all created at one instant; one second later, 1,000 more with a one-day
/// idle timeout (they stay live); a full blocking collection. A reader thread then loops over the 1,000 live
/// sessions (Tessera: <c>TouchAsync</c> + <c>Data.TryGetValue("cart")</c>; ASP.NET Core: <c>Create</c> +
/// <c>LoadAsync</c> + <c>TryGetValue("cart")</c>, as in <see cref="SessionGetBenchmarks"/>), timing each call with
/// <see cref="Stopwatch.GetTimestamp"/>. Its worst call is recorded over a quiet second first, then over the removal
/// window (every call overlapping it counts). Every read must find its session.</para>
/// <para>What is timed, from just before the clock moves 21 minutes forward:</para>
/// <list type="bullet">
/// <item><b>tessera</b>: <c>SweepExpired()</c> on the measuring thread (what the collector timer calls; the timer
/// is off, <c>CollectionInterval = 0</c>), until it returns.</item>
/// <item><b>aspnet</b>: MemoryCache's own expiration scan, as in production: the first cache access after
/// <c>ExpirationScanFrequency</c> (default 1 minute) has passed on its clock (<c>MemoryCacheOptions.Clock</c>, fed
/// by the manual clock) schedules <c>ScanForExpiredItems</c> on the thread pool; the measuring thread makes that
/// access (<c>cache.Get</c> of a live key; the reader may get there first) and then polls the cache's entry count
/// every millisecond until only the live sessions remain. So: scheduling + scan + up to ~1 ms of polling.</item>
/// <item><b>aspnet-compact</b>: <c>MemoryCache.Compact(0.0)</c> called on the measuring thread, with the background
/// scan disabled (<c>ExpirationScanFrequency</c> = 365 days): it walks every entry, collects the expired ones and
/// removes them — the same work as the scan, timed exactly. The inner <see cref="MemoryCache"/> and its count
/// are reached by reflection (<see cref="SessionBench.InnerCache"/>).</item>
/// </list>
/// <para><c>collect</c> runs the three, three times each (rotating the order), each in a fresh process, and prints
/// the medians and the ratios. The machine has two cores: measuring (or scanning) thread and reader each get one.</para>
/// </remarks>
internal static class SessionCollectMeasurement
{
    private const int LiveSessions = 1000;
    private const int Repetitions = 3;
    private const string Tessera = "tessera";
    private const string AspNetScan = "aspnet";
    private const string AspNetCompact = "aspnet-compact";

    private static readonly DateTimeOffset s_start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan s_liveIdle = TimeSpan.FromDays(1);
    private static readonly TimeSpan s_pastExpiry = SessionBench.IdleTimeout + TimeSpan.FromMinutes(1);
    private static readonly TimeSpan s_scanTimeout = TimeSpan.FromMinutes(2);

    /// <summary>Runs the mode; <paramref name="arguments"/> is empty (all, repeated) or one of
    /// <c>tessera</c>, <c>aspnet</c>, <c>aspnet-compact</c> (one run in this process).</summary>
    public static int Run(string[] arguments)
    {
        string stack = arguments.Length > 0 ? arguments[0] : "";
        switch (stack)
        {
            case Tessera:
                MeasureTessera(SessionBench.Sessions);
                return 0;
            case AspNetScan:
            case AspNetCompact:
                MeasureAspNet(SessionBench.Sessions, compact: stack == AspNetCompact);
                return 0;
            case "":
                return RunAll();
            default:
                Console.Error.WriteLine($"Unknown stack '{stack}': use 'collect', 'collect {Tessera}', 'collect {AspNetScan}' or 'collect {AspNetCompact}'.");
                return 2;
        }
    }

    private static int RunAll()
    {
        string[] stacks = [Tessera, AspNetScan, AspNetCompact];
        var results = stacks.ToDictionary(s => s, _ => new List<Dictionary<string, double>>(), StringComparer.Ordinal);
        for (int repetition = 0; repetition < Repetitions; repetition++)
        {
            for (int i = 0; i < stacks.Length; i++)
            {
                string stack = stacks[(i + repetition) % stacks.Length];
                results[stack].Add(ChildProcess.Run("collect", stack));
            }
        }

        double Median(string stack, string key) => ChildProcess.Median(results[stack].Select(r => r[key]));

        Console.WriteLine();
        Console.WriteLine($"Removing {Median(Tessera, "removed"):N0} expired sessions while a reader loops over {LiveSessions:N0} live ones");
        Console.WriteLine($"(median of {Repetitions} runs per line, each in a fresh process):");
        Console.WriteLine();
        Console.WriteLine("| stack | removal (ms) | reader worst call during removal (µs) | reader calls during removal | reader worst call, quiet second (µs) |");
        Console.WriteLine("|---|--:|--:|--:|--:|");
        foreach ((string stack, string name) in new[]
        {
            (AspNetScan, "ASP.NET Core: MemoryCache expiration scan"),
            (AspNetCompact, "ASP.NET Core: MemoryCache.Compact(0)"),
            (Tessera, "Tessera: SweepExpired()"),
        })
        {
            Console.WriteLine($"| {name} | {Median(stack, "removal_ms"):N1} | {Median(stack, "reader_worst_us"):N1} | {Median(stack, "reader_calls"):N0} | {Median(stack, "quiet_worst_us"):N1} |");
        }

        Console.WriteLine();
        Console.WriteLine($"removal time, Tessera / ASP.NET Core scan:    {Median(Tessera, "removal_ms") / Median(AspNetScan, "removal_ms"):N3}");
        Console.WriteLine($"removal time, Tessera / ASP.NET Core Compact: {Median(Tessera, "removal_ms") / Median(AspNetCompact, "removal_ms"):N3}");
        return 0;
    }

    private static void MeasureTessera(int sessions)
    {
        var clock = new ManualTimeProvider(s_start);
        var populate = Stopwatch.StartNew();
        using var store = new InMemorySessionStore(SessionBench.TesseraOptions(sessions), clock);
        SessionBench.PopulateTessera(store, sessions, 1, SessionBench.IdleTimeout, keepIds: false);
        clock.Advance(TimeSpan.FromSeconds(1));
        string[] live = SessionBench.PopulateTessera(store, LiveSessions, sessions + 1, s_liveIdle, keepIds: true);
        SessionBench.VerifyTessera(store, live, sessions + LiveSessions);
        populate.Stop();

        var reader = new Reader(live.Length, i =>
        {
            SessionRecord? record = SessionBench.Sync(store.TouchAsync(live[i], CancellationToken.None));
            return record is not null && record.Data.TryGetValue(SessionBench.CartKey, out _);
        });

        int removed = 0;
        Measure(reader, "Tessera SweepExpired()", populate.Elapsed, () =>
        {
            clock.Advance(s_pastExpiry);
            removed = store.SweepExpired();
            return removed;
        });

        long left = SessionBench.Sync(store.GetCountsAsync(CancellationToken.None)).Sessions;
        if (removed != sessions || left != LiveSessions)
        {
            throw new InvalidOperationException($"Tessera removed {removed} sessions and kept {left}; expected {sessions} and {LiveSessions}.");
        }
    }

    private static void MeasureAspNet(int sessions, bool compact)
    {
        var clock = new ManualTimeProvider(s_start);
        var populate = Stopwatch.StartNew();
        MemoryDistributedCache cache = SessionBench.NewAspNetCache(o =>
        {
            o.Clock = new ManualSystemClock(clock);
            if (compact)
            {
                o.ExpirationScanFrequency = TimeSpan.FromDays(365);
            }
        });
        DistributedSessionStore store = SessionBench.NewAspNetStore(cache);
        SessionBench.PopulateAspNet(store, sessions, SessionBench.IdleTimeout, keepKeys: false);
        clock.Advance(TimeSpan.FromSeconds(1));
        string[] live = SessionBench.PopulateAspNet(store, LiveSessions, s_liveIdle, keepKeys: true);
        SessionBench.VerifyAspNet(cache, store, live, sessions + LiveSessions);
        MemoryCache inner = SessionBench.InnerCache(cache);
        populate.Stop();

        var reader = new Reader(live.Length, i =>
        {
            var session = store.Create(live[i], s_liveIdle, SessionBench.IoTimeout, SessionBench.TryEstablish, isNewSessionKey: false);
            session.LoadAsync().GetAwaiter().GetResult();
            return session.TryGetValue(SessionBench.CartKey, out _);
        });

        string name = compact ? "ASP.NET Core MemoryCache.Compact(0)" : "ASP.NET Core MemoryCache expiration scan";
        int before = inner.Count;
        Measure(reader, name, populate.Elapsed, () =>
        {
            clock.Advance(s_pastExpiry);
            if (compact)
            {
                inner.Compact(0.0);
            }
            else
            {
                // The first access after ExpirationScanFrequency has passed schedules the scan on the thread pool.
                _ = cache.Get(live[0]);
                var waited = Stopwatch.StartNew();
                while (inner.Count > LiveSessions)
                {
                    if (waited.Elapsed > s_scanTimeout)
                    {
                        throw new InvalidOperationException($"The expiration scan left {inner.Count} entries after {s_scanTimeout}.");
                    }

                    Thread.Sleep(1);
                }
            }

            return before - inner.Count;
        });

        if (inner.Count != LiveSessions)
        {
            throw new InvalidOperationException($"ASP.NET Core kept {inner.Count} sessions; expected {LiveSessions}.");
        }

        GC.KeepAlive(store);
    }

    /// <summary>Runs the reader through a quiet second, then through <paramref name="removal"/>, and prints both.</summary>
    private static void Measure(Reader reader, string name, TimeSpan populate, Func<int> removal)
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();

        reader.Start();
        int removed = 0;
        Reader.Window quiet = reader.Measure(() => Thread.Sleep(1000));
        Reader.Window during = reader.Measure(() => removed = removal());
        long misses = reader.Stop();
        if (misses > 0)
        {
            throw new InvalidOperationException($"The reader missed {misses} live sessions.");
        }

        double removalMs = during.Elapsed.TotalMilliseconds;
        Console.WriteLine($"{name}: populated in {populate.TotalSeconds:N1} s");
        Console.WriteLine($"removed {removed:N0} expired sessions in {removalMs:N1} ms ({removed / during.Elapsed.TotalSeconds / 1e6:N2} M/s)");
        Console.WriteLine($"reader, {LiveSessions:N0} live sessions: worst call {during.WorstMicroseconds:N1} µs over {during.Calls:N0} calls during the removal; "
            + $"{quiet.WorstMicroseconds:N1} µs over {quiet.Calls:N0} calls in a quiet second before");
        ChildProcess.PrintResult(
            ("removal_ms", removalMs),
            ("removed", removed),
            ("reader_worst_us", during.WorstMicroseconds),
            ("reader_calls", during.Calls),
            ("quiet_worst_us", quiet.WorstMicroseconds),
            ("quiet_calls", quiet.Calls),
            ("populate_s", populate.TotalSeconds));
    }

    /// <summary>
    /// A thread that reads live sessions in a loop and keeps, for the current measuring window, its worst call and
    /// the number of calls overlapping the window.
    /// </summary>
    private sealed class Reader(int count, Func<int, bool> read)
    {
        private readonly Thread _thread = new(static state => ((Reader)state!).Loop()) { IsBackground = true, Name = "session reader" };
        private volatile bool _stop;
        private long _windowStart = long.MaxValue;
        private long _windowEnd = long.MaxValue;
        private long _lastCallStart = long.MinValue;
        private long _worst;
        private long _calls;
        private long _misses;

        /// <summary>What the reader saw during one window.</summary>
        public readonly record struct Window(TimeSpan Elapsed, double WorstMicroseconds, long Calls);

        public void Start()
        {
            _thread.Start(this);
            while (Volatile.Read(ref _lastCallStart) == long.MinValue)
            {
                Thread.Sleep(1);
            }
        }

        /// <summary>Runs <paramref name="work"/> on this thread while the reader records the window around it.</summary>
        public Window Measure(Action work)
        {
            // Outside a window the reader updates nothing, so the counters can be reset before opening the next one.
            _worst = 0;
            _calls = 0;
            long start = Stopwatch.GetTimestamp();
            Volatile.Write(ref _windowStart, start);
            Volatile.Write(ref _windowEnd, long.MaxValue);
            work();
            long end = Stopwatch.GetTimestamp();
            Volatile.Write(ref _windowEnd, end);

            // Once a call that started after the window has finished, every call overlapping it has been counted.
            while (Volatile.Read(ref _lastCallStart) <= end)
            {
                Thread.Sleep(1);
            }

            return new Window(
                Stopwatch.GetElapsedTime(start, end),
                Volatile.Read(ref _worst) * 1e6 / Stopwatch.Frequency,
                Volatile.Read(ref _calls));
        }

        /// <summary>Stops the thread and returns how many reads did not find their session.</summary>
        public long Stop()
        {
            _stop = true;
            _thread.Join();
            return _misses;
        }

        private void Loop()
        {
            int index = 0;
            while (!_stop)
            {
                long start = Stopwatch.GetTimestamp();
                bool found = read(index);
                long end = Stopwatch.GetTimestamp();
                if (!found)
                {
                    _misses++;
                }

                if (end >= Volatile.Read(ref _windowStart) && start <= Volatile.Read(ref _windowEnd))
                {
                    _calls++;
                    if (end - start > _worst)
                    {
                        Volatile.Write(ref _worst, end - start);
                    }
                }

                Volatile.Write(ref _lastCallStart, start);
                index = index + 1 == count ? 0 : index + 1;
            }
        }
    }
}
