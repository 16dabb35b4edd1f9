using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Tessera.Benchmarks;

/// <summary>
/// A throw-away <c>redis-server</c> for the Redis benchmarks and measurements: started on a free loopback port in a
/// new temp folder, with persistence off (<c>--save '' --appendonly no</c>), and stopped by its PID — never by name —
/// with the folder deleted on <see cref="Dispose"/> (or when this process exits, if nobody called it).
/// </summary>
/// <remarks><c>redis-server</c> is found on the PATH, or at <see cref="ExecutableVariable"/> when that is set.</remarks>
internal sealed class RedisServerProcess : IDisposable
{
    /// <summary>The environment variable that names the <c>redis-server</c> executable (default: the one on the PATH).</summary>
    public const string ExecutableVariable = "TESSERA_BENCH_REDIS_SERVER";

    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(15);

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private int _disposed;

    private RedisServerProcess(Process process, int port, string folder)
    {
        _process = process;
        Port = port;
        Folder = folder;
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    /// <summary>The loopback port the server listens on.</summary>
    public int Port { get; }

    /// <summary>The server's working folder (deleted on dispose).</summary>
    public string Folder { get; }

    /// <summary>The server's process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>A StackExchange.Redis configuration string for this server.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    /// <summary>Starts a server and waits until it answers <c>PING</c>; tries a few ports if one was taken meanwhile.</summary>
    /// <exception cref="InvalidOperationException">The server did not start; the message holds its output.</exception>
    public static RedisServerProcess Start()
    {
        string executable = Environment.GetEnvironmentVariable(ExecutableVariable) is { Length: > 0 } configured ? configured : "redis-server";
        InvalidOperationException? last = null;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            int port = FreePort();
            string folder = Directory.CreateTempSubdirectory("tessera-bench-redis-").FullName;
            var start = new ProcessStartInfo(executable)
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = folder,
            };
            foreach (string argument in (string[])["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
                "--dir", folder, "--save", "", "--appendonly", "no", "--daemonize", "no"])
            {
                start.ArgumentList.Add(argument);
            }

            Process process;
            try
            {
                process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {executable}.");
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                Directory.Delete(folder, recursive: true);
                throw new InvalidOperationException($"Could not start {executable} (install redis-server, or set {ExecutableVariable}): {e.Message}", e);
            }

            var server = new RedisServerProcess(process, port, folder);
            process.OutputDataReceived += server.OnOutput;
            process.ErrorDataReceived += server.OnOutput;
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                server.WaitUntilReady();
                return server;
            }
            catch (InvalidOperationException e)
            {
                server.Dispose();
                last = e;
            }
        }

        throw last!;
    }

    /// <summary>Stops the server by its PID and deletes its folder.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }

            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // Exited already.
        }

        _process.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open (the process is gone, so this is rare): leave the temp folder.
        }
    }

    private void OnProcessExit(object? sender, EventArgs e) => Dispose();

    private void OnOutput(object sender, DataReceivedEventArgs e)
    {
        if (e.Data is not null)
        {
            lock (_output)
            {
                _output.AppendLine(e.Data);
            }
        }
    }

    private void WaitUntilReady()
    {
        long deadline = Stopwatch.GetTimestamp() + (long)(s_startTimeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited with code {_process.ExitCode} on port {Port}:\n{Output()}");
            }

            if (Ping())
            {
                return;
            }

            Thread.Sleep(50);
        }

        throw new InvalidOperationException($"redis-server did not answer PING on port {Port} within {s_startTimeout.TotalSeconds} s:\n{Output()}");
    }

    /// <summary>True when the server on <see cref="Port"/> answers and is this process (<c>INFO server</c> reports its
    /// <c>process_id</c>), not another server that held the port.</summary>
    private bool Ping()
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, Port);
            client.ReceiveTimeout = 1000;
            NetworkStream stream = client.GetStream();
            stream.Write("INFO server\r\n"u8);
            string expected = "process_id:" + _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\r\n";
            var reply = new StringBuilder();
            byte[] buffer = new byte[4096];
            while (reply.Length < 64 * 1024)
            {
                int read = stream.Read(buffer);
                if (read == 0)
                {
                    return false;
                }

                reply.Append(Encoding.ASCII.GetString(buffer, 0, read));
                string text = reply.ToString();
                if (text.Contains(expected, StringComparison.Ordinal))
                {
                    return true;
                }

                if (text.Contains("\r\nprocess_id:", StringComparison.Ordinal) && text.Contains("\r\nprocess_supervised:", StringComparison.Ordinal))
                {
                    return false; // another server answered on this port
                }
            }

            return false;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private string Output()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
