using System.Diagnostics;
using System.Globalization;

namespace Tessera.Benchmarks;

/// <summary>
/// Runs one measurement of the console modes in a fresh process of this program, so that measurements do not
/// share a heap, and reads back its <c>RESULT key=value …</c> line.
/// </summary>
internal static class ChildProcess
{
    /// <summary>The prefix of the line a child prints its numbers on.</summary>
    public const string ResultPrefix = "RESULT ";

    /// <summary>Prints a result line for the parent to read.</summary>
    public static void PrintResult(params (string Key, double Value)[] values) =>
        Console.WriteLine(ResultPrefix + string.Join(' ', values.Select(v => v.Key + "=" + v.Value.ToString("R", CultureInfo.InvariantCulture))));

    /// <summary>Runs this program with <paramref name="arguments"/>, echoing its output indented, and returns its result.</summary>
    /// <exception cref="InvalidOperationException">The child failed or printed no result.</exception>
    public static Dictionary<string, double> Run(params string[] arguments)
    {
        string self = Environment.ProcessPath ?? throw new InvalidOperationException("The path of this process is unknown.");
        var start = new ProcessStartInfo(self)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
        };

        // Started as `dotnet Tessera.Benchmarks.dll`: pass the assembly again.
        if (string.Equals(Path.GetFileNameWithoutExtension(self), "dotnet", StringComparison.OrdinalIgnoreCase))
        {
            start.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);
        }

        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Console.WriteLine($"--- {string.Join(' ', arguments)} (fresh process)");
        using Process child = Process.Start(start) ?? throw new InvalidOperationException("Could not start a child process.");
        Dictionary<string, double>? result = null;
        while (child.StandardOutput.ReadLine() is { } line)
        {
            Console.WriteLine("    " + line);
            if (line.StartsWith(ResultPrefix, StringComparison.Ordinal))
            {
                result = Parse(line[ResultPrefix.Length..]);
            }
        }

        child.WaitForExit();
        if (child.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{string.Join(' ', arguments)}' failed with exit code {child.ExitCode}.");
        }

        return result ?? throw new InvalidOperationException($"'{string.Join(' ', arguments)}' printed no result.");
    }

    /// <summary>The median of <paramref name="values"/>.</summary>
    public static double Median(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static Dictionary<string, double> Parse(string text)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (string pair in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = pair.IndexOf('=', StringComparison.Ordinal);
            values[pair[..equals]] = double.Parse(pair[(equals + 1)..], CultureInfo.InvariantCulture);
        }

        return values;
    }
}
