using System.Diagnostics;
using System.Runtime;
using Microsoft.AspNetCore.Session;
using Microsoft.Extensions.Caching.Distributed;
using Tessera.Sessions;

namespace Tessera.Benchmarks;

/// <summary>
/// The <c>memory</c> mode: managed heap per session with 1,000,000 sessions (<see cref="SessionBench.Sessions"/>),
/// each holding the two keys, for Tessera's store and for ASP.NET Core's. Not a BenchmarkDotNet benchmark.
/// </summary>
/// <remarks>
/// <para>Each stack runs in a fresh process (<c>memory tessera</c>, <c>memory aspnet</c>); <c>memory</c> runs both
/// and prints the ratio. In each: full blocking compacting collection, <see cref="GC.GetTotalMemory"/> (which
/// collects until stable), build the store and populate it exactly as the benchmarks do (Tessera:
/// <c>CreateAsync</c> + two <c>SetValueAsync</c>; ASP.NET Core: new key, <c>Create</c>, two <c>Set</c>,
/// <c>CommitAsync</c>), measure again the same way, keep the store alive. The difference over the number of
/// sessions is the store's cost per session: sessions, data, keys and user ids (Tessera keeps the user id; ASP.NET
/// Core sessions have none), indexes and tables. No array of ids is kept, so nothing else is counted.</para>
/// <para>Tessera's capacity limits are raised so they never refuse; ASP.NET Core's cache keeps its defaults (its
/// 200 MB size limit is above the ~85 MB it counts here), and the run checks that every session is present.</para>
/// </remarks>
internal static class SessionMemoryMeasurement
{
    /// <summary>Runs the mode; <paramref name="arguments"/> is empty (both stacks), <c>tessera</c> or <c>aspnet</c>.</summary>
    public static int Run(string[] arguments)
    {
        string stack = arguments.Length > 0 ? arguments[0] : "";
        switch (stack)
        {
            case "tessera":
                MeasureTessera(SessionBench.Sessions);
                return 0;
            case "aspnet":
                MeasureAspNet(SessionBench.Sessions);
                return 0;
            case "":
                return RunBoth();
            default:
                Console.Error.WriteLine($"Unknown stack '{stack}': use 'memory', 'memory tessera' or 'memory aspnet'.");
                return 2;
        }
    }

    private static int RunBoth()
    {
        Dictionary<string, double> tessera = ChildProcess.Run("memory", "tessera");
        Dictionary<string, double> aspNet = ChildProcess.Run("memory", "aspnet");
        double t = tessera["bytes_per_session"];
        double a = aspNet["bytes_per_session"];
        Console.WriteLine();
        Console.WriteLine($"Managed heap per session, {tessera["sessions"]:N0} sessions with two keys:");
        Console.WriteLine($"  ASP.NET Core (DistributedSession over MemoryDistributedCache): {a,8:N1} B");
        Console.WriteLine($"  Tessera InMemorySessionStore:                                  {t,8:N1} B");
        Console.WriteLine($"  ratio Tessera / ASP.NET Core: {t / a:N3}");
        return 0;
    }

    private static void MeasureTessera(int sessions)
    {
        // Touch everything the loop uses before the first measurement, so that no lazily created static is counted.
        _ = SessionBench.CartJson.Length + SessionBench.ThemeJson.Length + SessionBench.InitialRefresh.GetHashCode();
        long before = ManagedHeap();
        long workingSetBefore = WorkingSet();
        var watch = Stopwatch.StartNew();

        var store = new InMemorySessionStore(SessionBench.TesseraOptions(sessions));
        SessionBench.PopulateTessera(store, sessions, 1, SessionBench.IdleTimeout, keepIds: false);

        watch.Stop();
        long after = ManagedHeap();
        long workingSet = WorkingSet() - workingSetBefore;
        SessionBench.VerifyTessera(store, [], sessions);
        Report("Tessera InMemorySessionStore", sessions, after - before, workingSet, watch.Elapsed);
        Console.WriteLine($"store's own estimate (ApproximateBytes): {store.ApproximateBytes / (double)sessions:N1} B/session");
        GC.KeepAlive(store);
    }

    private static void MeasureAspNet(int sessions)
    {
        _ = SessionBench.CartJson.Length + SessionBench.ThemeUtf8.Length + SessionBench.TryEstablish.GetHashCode();
        long before = ManagedHeap();
        long workingSetBefore = WorkingSet();
        var watch = Stopwatch.StartNew();

        MemoryDistributedCache cache = SessionBench.NewAspNetCache();
        DistributedSessionStore store = SessionBench.NewAspNetStore(cache);
        SessionBench.PopulateAspNet(store, sessions, SessionBench.IdleTimeout, keepKeys: false);

        watch.Stop();
        long after = ManagedHeap();
        long workingSet = WorkingSet() - workingSetBefore;
        SessionBench.VerifyAspNet(cache, store, [], sessions);
        Report("ASP.NET Core DistributedSessionStore + MemoryDistributedCache", sessions, after - before, workingSet, watch.Elapsed);
        GC.KeepAlive(store);
        GC.KeepAlive(cache);
    }

    private static void Report(string name, int sessions, long heapBytes, long workingSetBytes, TimeSpan populate)
    {
        double perSession = heapBytes / (double)sessions;
        Console.WriteLine($"{name}: {sessions:N0} sessions, populated in {populate.TotalSeconds:N1} s");
        Console.WriteLine($"managed heap: +{heapBytes / 1048576.0:N1} MiB = {perSession:N1} B/session");
        Console.WriteLine($"working set:  +{workingSetBytes / 1048576.0:N1} MiB (process, informative: includes GC segments not yet returned)");
        ChildProcess.PrintResult(("sessions", sessions), ("bytes_per_session", perSession), ("heap_bytes", heapBytes), ("working_set_bytes", workingSetBytes));
    }

    /// <summary>Live managed bytes after a full, blocking, compacting collection (large object heap included).</summary>
    private static long ManagedHeap()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static long WorkingSet()
    {
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }
}
