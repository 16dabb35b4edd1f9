using System.Diagnostics;
using System.Reflection;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Order;
using BenchmarkDotNet.Validators;

namespace Tessera.Benchmarks;

/// <summary>
/// The one configuration every benchmark runs with: BenchmarkDotNet's defaults (out-of-process toolchain,
/// default job unless <c>--job</c> says otherwise, GitHub-markdown/CSV/HTML exporters) plus allocation
/// counts, methods reported in declaration order, and a hard refusal of non-optimized builds.
/// </summary>
public sealed class BenchConfig : ManualConfig
{
    /// <summary>Creates the configuration.</summary>
    /// <exception cref="InvalidOperationException">The benchmarks were compiled without optimizations (Debug).</exception>
    public BenchConfig()
    {
        if (!IsOptimizedBuild)
        {
            throw new InvalidOperationException(DebugBuildMessage);
        }

        Add(DefaultConfig.Instance);
        AddDiagnoser(MemoryDiagnoser.Default);

        // Fails the run when this assembly or any it references (Tessera, the peers) was compiled without optimizations.
        AddValidator(JitOptimizationsValidator.FailOnError);

        // Runs every [GlobalSetup] and benchmark once in this process before building anything, so a broken
        // comparison (a peer that rejects the shared token) stops the run in seconds, with its reason. BenchmarkDotNet's
        // own ExecutionValidator does the same but refuses targeted setups ([GlobalSetup(Targets = …)]), which the
        // session benchmarks use to populate each stack only for its own benchmarks.
        AddValidator(TargetedExecutionValidator.FailOnError);
        WithOrderer(new DefaultOrderer(SummaryOrderPolicy.Declared));
    }

    /// <summary>Why a Debug build is refused.</summary>
    public const string DebugBuildMessage =
        "Tessera.Benchmarks was compiled without optimizations (Debug); its numbers would be meaningless. Run it with -c Release.";

    /// <summary>True when this assembly was compiled with optimizations (a Release build).</summary>
    public static bool IsOptimizedBuild =>
        typeof(BenchConfig).Assembly.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled != true;
}
