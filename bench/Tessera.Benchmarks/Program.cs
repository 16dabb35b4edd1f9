using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Tessera.Benchmarks;

/// <summary>Entry point: pick benchmarks with <c>--filter</c>, e.g. <c>--filter '*Hs256Validate*'</c>; see bench/README.md.</summary>
internal static class Program
{
    /// <summary>Runs the selected benchmarks; exits 1 when any failed (a [GlobalSetup] check included), 2 for a Debug build.</summary>
    public static int Main(string[] args)
    {
        if (!BenchConfig.IsOptimizedBuild)
        {
            Console.Error.WriteLine(BenchConfig.DebugBuildMessage);
            return 2;
        }

        Summary[] summaries = [.. BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, new BenchConfig())];
        bool failed = summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success));
        return failed ? 1 : 0;
    }
}
