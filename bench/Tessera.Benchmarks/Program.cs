using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Tessera.Benchmarks;

/// <summary>
/// Entry point: pick benchmarks with <c>--filter</c>, e.g. <c>--filter '*Hs256Validate*'</c>; or run one of the
/// measurements that are not BenchmarkDotNet benchmarks: <c>memory</c> (heap per session), <c>collect</c> (removal of
/// expired sessions), <c>create-pauses</c> (the GC's share of creating a session) and <c>revocation [sessions]</c>
/// (Redis store: removal on one node until another node's near cache drops the session). See bench/README.md.
/// </summary>
internal static class Program
{
    /// <summary>Runs the selected benchmarks or measurement; exits 1 when any failed (a [GlobalSetup] check included),
    /// 2 for a Debug build or an unknown measurement.</summary>
    public static int Main(string[] args)
    {
        if (!BenchConfig.IsOptimizedBuild)
        {
            Console.Error.WriteLine(BenchConfig.DebugBuildMessage);
            return 2;
        }

        switch (args.Length > 0 ? args[0] : "")
        {
            case "memory":
                return SessionMemoryMeasurement.Run(args[1..]);
            case "collect":
                return SessionCollectMeasurement.Run(args[1..]);
            case "create-pauses":
                return SessionCreatePauseMeasurement.Run(args[1..]);
            case "revocation":
                return RevocationLatencyMeasurement.Run(args[1..]);
        }

        Summary[] summaries = [.. BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, new BenchConfig())];
        bool failed = summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success));
        return failed ? 1 : 0;
    }
}
