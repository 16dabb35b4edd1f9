using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Session;
using Microsoft.Extensions.Caching.Distributed;
using Tessera.Sessions;

namespace Tessera.Benchmarks;

/// <summary>
/// The <c>create-pauses</c> mode: how much of creating a session is the garbage collector's pauses, in each stack.
/// Not a BenchmarkDotNet benchmark: it reads the runtime's own accounting (<see cref="GC.GetTotalPauseDuration"/>)
/// around the same calls <see cref="SessionCreateBenchmarks"/> times.
/// </summary>
/// <remarks>
/// In a fresh process per stack: a store of 1,000,000 sessions (<see cref="SessionBench.Sessions"/>) with the two
/// keys; then <see cref="Rounds"/> rounds of <see cref="PerRound"/> creations with the same two keys (Tessera: given
/// at creation, <see cref="SessionBench.CreateTesseraWithInitialData"/>; ASP.NET Core: <see
/// cref="SessionBench.CreateAspNet"/>), each round's sessions removed after it. Per round: wall time and GC pause
/// time per creation, the collections, and the process's minor page faults (Linux, <c>/proc/self/stat</c>): the first
/// touches of fresh allocation memory. Pauses are the time the runtime stopped this thread; a background gen2
/// collection's work on the other core is not in them, nor the page faults.
/// <para>Before each round a probe times first touches outside the GC (<see cref="FreshPageProbe"/>): what a fresh
/// page costs the process at that moment, so a round's time can be set against the machine's memory, not only against
/// the store's code.</para>
/// </remarks>
internal static class SessionCreatePauseMeasurement
{
    private const int PerRound = SessionCreateBenchmarks.Invocations;
    private const int Rounds = 9;
    private const string Tessera = "tessera";
    private const string AspNet = "aspnet";

    /// <summary>Runs the mode; <paramref name="arguments"/> is empty (both, each in a fresh process) or one stack.</summary>
    public static int Run(string[] arguments)
    {
        switch (arguments.Length > 0 ? arguments[0] : "")
        {
            case Tessera:
                MeasureTessera(SessionBench.Sessions);
                return 0;
            case AspNet:
                MeasureAspNet(SessionBench.Sessions);
                return 0;
            case "":
                return RunBoth();
            default:
                Console.Error.WriteLine($"Unknown stack '{arguments[0]}': use 'create-pauses', 'create-pauses {Tessera}' or 'create-pauses {AspNet}'.");
                return 2;
        }
    }

    private static int RunBoth()
    {
        Dictionary<string, double> aspNet = ChildProcess.Run("create-pauses", AspNet);
        Dictionary<string, double> tessera = ChildProcess.Run("create-pauses", Tessera);
        Console.WriteLine();
        Console.WriteLine($"Creating a session with two keys in a store of {SessionBench.Sessions:N0}, medians of {Rounds} rounds of {PerRound:N0}:");
        Console.WriteLine();
        Console.WriteLine("| stack | per creation (ns) | of which GC pauses (ns) | pauses' share | outside the pauses (ns) | a fresh page (ns) |");
        Console.WriteLine("|---|--:|--:|--:|--:|--:|");
        foreach ((string name, Dictionary<string, double> r) in new[] { ("ASP.NET Core", aspNet), ("Tessera", tessera) })
        {
            Console.WriteLine($"| {name} | {r["total_ns"]:N0} | {r["pause_ns"]:N0} | {r["pause_ns"] / r["total_ns"]:P0} | {r["outside_ns"]:N0} | {(double.IsNaN(r["page_ns"]) ? "n/a" : r["page_ns"].ToString("N0", CultureInfo.InvariantCulture))} |");
        }

        Console.WriteLine();
        Console.WriteLine($"Tessera / ASP.NET Core: per creation {tessera["total_ns"] / aspNet["total_ns"]:N2}, outside the pauses {tessera["outside_ns"] / aspNet["outside_ns"]:N2}");
        return 0;
    }

    private static void MeasureTessera(int sessions)
    {
        InMemorySessionStoreOptions options = SessionBench.TesseraOptions(sessions);
        options.MaxSessions = Math.Max(options.MaxSessions, sessions + (2 * PerRound));
        using var store = new InMemorySessionStore(options);
        SessionBench.PopulateTessera(store, sessions, 1, SessionBench.BenchIdleTimeout, keepIds: false);
        string[] users = [.. Enumerable.Range(sessions + 1, PerRound).Select(SessionBench.UserId)];
        var created = new string[PerRound];
        Measure(
            () =>
            {
                for (int i = 0; i < PerRound; i++)
                {
                    created[i] = SessionBench.CreateTesseraWithInitialData(store, users[i], SessionBench.BenchIdleTimeout).Id;
                }
            },
            () =>
            {
                foreach (string id in created)
                {
                    if (!SessionBench.Sync(store.RemoveAsync(id, CancellationToken.None)))
                    {
                        throw new InvalidOperationException("A session created by the round was not found to remove.");
                    }
                }
            });
    }

    private static void MeasureAspNet(int sessions)
    {
        MemoryDistributedCache cache = SessionBench.NewAspNetCache(o => o.ExpirationScanFrequency = TimeSpan.FromDays(1));
        DistributedSessionStore store = SessionBench.NewAspNetStore(cache);
        SessionBench.PopulateAspNet(store, sessions, SessionBench.BenchIdleTimeout, keepKeys: false);
        var created = new string[PerRound];
        Measure(
            () =>
            {
                for (int i = 0; i < PerRound; i++)
                {
                    created[i] = SessionBench.CreateAspNet(store, SessionBench.BenchIdleTimeout);
                }
            },
            () =>
            {
                foreach (string key in created)
                {
                    cache.Remove(key);
                }
            });
    }

    /// <summary>Runs <paramref name="round"/> <see cref="Rounds"/> times (then <paramref name="cleanup"/>, untimed), printing each and the medians.</summary>
    private static void Measure(Action round, Action cleanup)
    {
        var totals = new List<double>();
        var pauses = new List<double>();
        var outside = new List<double>();
        var probes = new List<double>();
        for (int r = 1; r <= Rounds; r++)
        {
            double probe = FreshPageProbe();
            TimeSpan pausedBefore = GC.GetTotalPauseDuration();
            int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
            long faultsBefore = MinorFaults();
            long start = Stopwatch.GetTimestamp();
            round();
            double total = Stopwatch.GetElapsedTime(start).TotalNanoseconds / PerRound;
            long faults = faultsBefore < 0 ? -1 : MinorFaults() - faultsBefore;
            double paused = (GC.GetTotalPauseDuration() - pausedBefore).TotalNanoseconds / PerRound;
            Console.WriteLine($"round {r}: {total:N0} ns per creation, GC pauses {paused:N0} ns ({paused / total:P0}); collections gen0/1/2 " +
                $"{GC.CollectionCount(0) - gen0}/{GC.CollectionCount(1) - gen1}/{GC.CollectionCount(2) - gen2}; minor page faults {(faults < 0 ? "n/a" : faults.ToString("N0", CultureInfo.InvariantCulture))}; " +
                $"a fresh page before it {(double.IsNaN(probe) ? "n/a" : probe.ToString("N0", CultureInfo.InvariantCulture) + " ns")}");
            if (!double.IsNaN(probe))
            {
                probes.Add(probe);
            }

            totals.Add(total);
            pauses.Add(paused);
            outside.Add(total - paused);
            cleanup();
        }

        ChildProcess.PrintResult(
            ("total_ns", ChildProcess.Median(totals)),
            ("pause_ns", ChildProcess.Median(pauses)),
            ("outside_ns", ChildProcess.Median(outside)),
            ("page_ns", probes.Count > 0 ? ChildProcess.Median(probes) : double.NaN));
    }

    /// <summary>
    /// Nanoseconds per first touch of a fresh page outside the managed heap, or NaN where faults cannot be counted:
    /// 64 MiB from the C allocator (above glibc's largest mmap threshold, so fresh pages from the kernel every time), one
    /// write per page, freed again. Divided by the faults counted, so pages the allocator happened to reuse do not
    /// flatter it.
    /// </summary>
    private static double FreshPageProbe()
    {
        const int Bytes = 64 << 20;
        int page = Environment.SystemPageSize;
        long faultsBefore = MinorFaults();
        if (faultsBefore < 0)
        {
            return double.NaN;
        }

        IntPtr memory = Marshal.AllocHGlobal(Bytes);
        try
        {
            long start = Stopwatch.GetTimestamp();
            for (int offset = 0; offset < Bytes; offset += page)
            {
                Marshal.WriteByte(memory, offset, 1);
            }

            double elapsed = Stopwatch.GetElapsedTime(start).TotalNanoseconds;
            long faults = MinorFaults() - faultsBefore;
            return faults < Bytes / page / 2 ? double.NaN : elapsed / faults;
        }
        finally
        {
            Marshal.FreeHGlobal(memory);
        }
    }

    /// <summary>The process's minor page faults so far (field 10 of <c>/proc/self/stat</c>), or -1 where there is none.</summary>
    private static long MinorFaults()
    {
        const string Stat = "/proc/self/stat";
        if (!File.Exists(Stat))
        {
            return -1;
        }

        // The command name (field 2) is in parentheses and may hold spaces: count the fields after its closing one.
        string stat = File.ReadAllText(Stat);
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[7], CultureInfo.InvariantCulture); // field 10: fields 3.. start at index 0
    }
}
