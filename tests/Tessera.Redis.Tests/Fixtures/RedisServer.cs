using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Tessera.Redis.Tests.Fixtures;

/// <summary>
/// A real redis-server process on a free loopback port with its own temporary data folder, started for tests and
/// stopped by its PID. It can be killed (SIGKILL), stopped (SIGTERM) and restarted on the same port and folder, to
/// test what a store does when Redis goes away and comes back.
/// </summary>
/// <remarks>
/// Nothing is persisted unless <c>appendOnly</c> is set: RDB snapshots are off (<c>--save ''</c>), so without the
/// AOF a restarted server is empty, even after a graceful stop. The server's own log is <c>redis.log</c> in
/// <see cref="DataDirectory"/>; its tail is in every start failure.
/// </remarks>
public sealed class RedisServer : IAsyncDisposable
{
    /// <summary>Long enough for a loaded 2-core machine (a start normally takes tens of milliseconds).</summary>
    private static readonly TimeSpan s_readyTimeout = TimeSpan.FromSeconds(15);

    private static readonly TimeSpan s_exitTimeout = TimeSpan.FromSeconds(10);

    /// <summary>A bind that fails because someone else took the port is retried on another port this often.</summary>
    private const int BindAttempts = 5;

    private readonly IReadOnlyList<string> _extraArguments;
    private readonly bool _ownsDirectory;
    private readonly BoundedLog _output = new(100);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Process? _process;
    private bool _disposed;

    private RedisServer(int port, string dataDirectory, IReadOnlyList<string> extraArguments, bool ownsDirectory)
    {
        Port = port;
        DataDirectory = dataDirectory;
        _extraArguments = extraArguments;
        _ownsDirectory = ownsDirectory;
    }

    public int Port { get; }

    /// <summary>The PID of the current redis-server process (of the last one, once it has been killed or stopped).</summary>
    public int ProcessId { get; private set; }

    public string DataDirectory { get; }

    public string Endpoint => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// A StackExchange.Redis configuration string: abortConnect=false so that a client created while the server is
    /// down (or killed by a test) keeps reconnecting instead of throwing; a short connect timeout for loopback.
    /// </summary>
    public string Configuration => $"{Endpoint},abortConnect=false,connectTimeout=2000";

    public bool IsRunning => _process is { HasExited: false };

    internal string LogFile => Path.Combine(DataDirectory, "redis.log");

    /// <summary>
    /// Starts redis-server on a free loopback port in a new temporary folder and waits until it answers PING.
    /// </summary>
    /// <param name="appendOnly">
    /// Starts with <c>--appendonly yes --appendfsync always</c>: every acknowledged write is on disk before the reply,
    /// so a <see cref="KillAsync"/> (kill -9) loses nothing that a client was told had succeeded.
    /// </param>
    public static Task<RedisServer> StartAsync(bool appendOnly = false) =>
        StartOnFreePortAsync(appendOnly ? ["--appendonly", "yes", "--appendfsync", "always"] : []);

    /// <summary>SIGKILLs the process (a crash: nothing is flushed) and waits until it has exited.</summary>
    public async Task KillAsync()
    {
        await _gate.WaitAsync();
        try
        {
            await KillCoreAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Stops the server gracefully with SIGTERM (redis-server then fsyncs the AOF and closes clients) and waits until
    /// it has exited; SIGKILLs it and throws when it does not exit within 10 seconds.
    /// </summary>
    public async Task StopAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_process is not { HasExited: false } process)
            {
                ForgetProcess(); // it may have exited (crashed) on its own
                return;
            }

            ChildProcesses.Signal(process, ChildProcesses.SigTerm);
            using var timeout = new CancellationTokenSource(s_exitTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                await KillCoreAsync();
                throw new TimeoutException($"redis-server {Endpoint} (pid {ProcessId}) did not exit within {s_exitTimeout.TotalSeconds} s of SIGTERM; killed it.\n{Diagnostics()}");
            }

            ForgetProcess();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Starts the server again on the same port and data folder, after <see cref="KillAsync"/> or
    /// <see cref="StopAsync"/>, and waits until it answers PING (which answers LOADING until the AOF is loaded).
    /// </summary>
    public async Task RestartAsync()
    {
        await _gate.WaitAsync();
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (IsRunning)
            {
                throw new InvalidOperationException($"redis-server {Endpoint} is still running (pid {ProcessId}): kill or stop it first.");
            }

            ForgetProcess(); // when it exited on its own rather than by KillAsync or StopAsync

            // The port was ours a moment ago, but nothing reserves it while the server is down: another process may
            // have taken it meanwhile. Retried a few times; this is rare, and then usually short-lived (a client's
            // ephemeral port).
            for (int attempt = 1; attempt <= BindAttempts; attempt++)
            {
                if (await TryLaunchAsync())
                {
                    return;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt));
            }

            throw new InvalidOperationException($"redis-server could not bind {Endpoint} again after a restart ({BindAttempts} attempts): the port is taken.\n{Diagnostics()}");
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Kills the process if it is running and deletes the data folder.</summary>
    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            await KillCoreAsync();
            if (_ownsDirectory)
            {
                DeleteDirectory(DataDirectory);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public override string ToString() => $"redis-server {Endpoint} (pid {ProcessId}, {DataDirectory})";

    /// <summary>
    /// Starts redis-server with <paramref name="extraArguments"/> on a free port in a new folder, retrying on another
    /// port (and folder) when the bind fails because another process took the port between our check and the bind.
    /// </summary>
    internal static async Task<RedisServer> StartOnFreePortAsync(IReadOnlyList<string> extraArguments)
    {
        RedisExecutables.RequireServer();
        var taken = new List<int>();
        for (int attempt = 1; attempt <= BindAttempts; attempt++)
        {
            int port = FreePorts.One();
            if (await TryStartAsync(port, extraArguments) is { } server)
            {
                return server;
            }

            taken.Add(port);
        }

        throw new InvalidOperationException($"redis-server found each of {BindAttempts} free ports taken by the time it bound it: {string.Join(", ", taken)}.");
    }

    /// <summary>
    /// Starts redis-server on <paramref name="port"/> in a new temporary folder. Null when the port (or the cluster bus
    /// port) turned out to be taken, so the caller can retry with other ports; throws for any other failure.
    /// </summary>
    internal static async Task<RedisServer?> TryStartAsync(int port, IReadOnlyList<string> extraArguments)
    {
        RedisExecutables.RequireServer();
        string directory = Directory.CreateTempSubdirectory("tessera-redis-").FullName;
        var server = new RedisServer(port, directory, extraArguments, ownsDirectory: true);
        bool started = false;
        try
        {
            started = await server.TryLaunchAsync();
            return started ? server : null;
        }
        finally
        {
            if (!started)
            {
                await server.DisposeAsync();
            }
        }
    }

    /// <summary>The tails of redis.log and of the process's stdout/stderr, for failure messages.</summary>
    internal string Diagnostics()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"--- {LogFile} (tail) ---\n");
        text.Append(TailOfLogFile(40));
        text.Append("--- stdout/stderr (tail) ---\n");
        text.Append(_output.Text());
        return text.ToString();
    }

    /// <summary>
    /// Launches the process and waits until it answers PING. False when it exited because the port was taken;
    /// throws (with the log tail) when it exited for another reason or never answered.
    /// </summary>
    private async Task<bool> TryLaunchAsync()
    {
        var start = ChildProcesses.StartInfo(RedisExecutables.RequireServer(), DataDirectory);
        foreach (string argument in (string[])[
            "--port", Port.ToString(CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1",
            "--dir", DataDirectory,
            "--logfile", LogFile,
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
        ])
        {
            start.ArgumentList.Add(argument);
        }

        // Later options win, so "--appendonly yes" here overrides the default "no" above.
        foreach (string argument in _extraArguments)
        {
            start.ArgumentList.Add(argument);
        }

        _output.Add($"--- start on port {Port} ---");
        Process process = await ChildProcesses.StartAsync(start, _output.Add);
        _process = process;
        ProcessId = process.Id;

        var elapsed = Stopwatch.StartNew();
        string lastAnswer = "no answer yet";
        while (elapsed.Elapsed < s_readyTimeout)
        {
            if (process.HasExited)
            {
                await process.WaitForExitAsync(); // drains stdout/stderr into the log buffer
                int exitCode = process.ExitCode;
                ForgetProcess();
                string diagnostics = Diagnostics();
                if (diagnostics.Contains("Address already in use", StringComparison.Ordinal))
                {
                    return false;
                }

                throw new InvalidOperationException($"redis-server {Endpoint} exited with code {exitCode} before answering PING.\n{diagnostics}");
            }

            try
            {
                // Short: were another process listening on the port, it might accept the connection and never answer,
                // while ours exits with "Address already in use" (seen on the next turn of this loop).
                RedisReply reply = await RedisWire.CommandAsync(Port, TimeSpan.FromMilliseconds(500), "PING");
                if (reply is { IsError: false, Text: "PONG" })
                {
                    await EnsureItIsOursAsync(process);
                    return true;
                }

                lastAnswer = reply.ToString(); // "-LOADING Redis is loading the dataset in memory" while the AOF loads
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
            {
                lastAnswer = e.Message; // connection refused until it listens
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20));
        }

        await KillCoreAsync();
        throw new TimeoutException($"redis-server {Endpoint} did not answer PING within {s_readyTimeout.TotalSeconds} s (last answer: {lastAnswer}); killed it.\n{Diagnostics()}");
    }

    /// <summary>
    /// A PONG proves that some Redis listens on the port, not that it is ours: if another one had taken the port first,
    /// ours would be about to exit with "Address already in use". INFO names the PID of the one that answered.
    /// </summary>
    private async Task EnsureItIsOursAsync(Process process)
    {
        RedisReply info = await RedisWire.CommandAsync(Port, TimeSpan.FromSeconds(2), "INFO", "server");
        string expected = $"process_id:{process.Id.ToString(CultureInfo.InvariantCulture)}\r\n";
        if (!info.IsError && info.Text.Contains(expected, StringComparison.Ordinal))
        {
            return;
        }

        await KillCoreAsync();
        throw new InvalidOperationException($"Another Redis answers on {Endpoint}, not the redis-server started here (pid {process.Id}).\n{Diagnostics()}");
    }

    private async Task KillCoreAsync()
    {
        if (_process is not { } process)
        {
            return;
        }

        if (!process.HasExited)
        {
            ChildProcesses.Kill(process);
            using var timeout = new CancellationTokenSource(s_exitTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"redis-server {Endpoint} (pid {process.Id}) did not exit within {s_exitTimeout.TotalSeconds} s of SIGKILL.");
            }
        }

        ForgetProcess();
    }

    private void ForgetProcess()
    {
        if (_process is { } process)
        {
            ChildProcesses.Forget(process);
            process.Dispose();
            _process = null;
        }
    }

    private string TailOfLogFile(int lines)
    {
        try
        {
            // redis-server may still be writing it: open it shared.
            using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            string[] all = reader.ReadToEnd().Split('\n');
            return string.Join('\n', all.TakeLast(lines + 1)); // + the empty string after the last newline
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return "(no log file: redis-server did not get as far as opening it)\n";
        }
    }

    private static void DeleteDirectory(string directory)
    {
        // The process has exited, so nothing holds the files; a second try covers a slow file system. A folder left in
        // /tmp is harmless, so a failure here does not fail a test that passed.
        for (int attempt = 1; attempt <= 2; attempt++)
        {
            try
            {
                Directory.Delete(directory, recursive: true);
                return;
            }
            catch (DirectoryNotFoundException)
            {
                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Thread.Sleep(100);
            }
        }
    }
}

/// <summary>Finds redis-server and redis-cli on PATH, or says how to install them: the tests never skip silently.</summary>
internal static class RedisExecutables
{
    public const string InstallHint = "apt-get install redis-server redis-tools, or run ./test.sh, which installs it";

    private static readonly Lazy<string> s_server = new(() => Require("redis-server", Environment.GetEnvironmentVariable("PATH")));
    private static readonly Lazy<string> s_cli = new(() => Require("redis-cli", Environment.GetEnvironmentVariable("PATH")));

    public static string RequireServer() => s_server.Value;

    public static string RequireCli() => s_cli.Value;

    /// <summary>The full path of <paramref name="name"/> in <paramref name="path"/> (a PATH value); throws when absent.</summary>
    internal static string Require(string name, string? path)
    {
        foreach (string directory in (path ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            $"{name} was not found on PATH ({path}). The Redis tests run against a real Redis 7 server and need redis-server and redis-cli: {InstallHint}.");
    }
}

/// <summary>Free loopback ports, found by letting the OS pick one for a listener that is then closed.</summary>
internal static class FreePorts
{
    /// <summary>Redis Cluster's bus listens on the client port + 10000.</summary>
    public const int ClusterBusOffset = 10000;

    public static int One()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// <paramref name="count"/> distinct ports P whose P + 10000 is free too. All are held until all are found, so the
    /// OS cannot hand out one of them twice; they are free again (to be raced for) once this returns.
    /// </summary>
    public static int[] ForCluster(int count)
    {
        var held = new List<TcpListener>();
        var ports = new List<int>();
        try
        {
            for (int tries = 0; ports.Count < count; tries++)
            {
                if (tries == 200)
                {
                    throw new InvalidOperationException($"No {count} free loopback ports P with P + {ClusterBusOffset} free as well in 200 tries.");
                }

                var client = new TcpListener(IPAddress.Loopback, 0);
                client.Start();
                held.Add(client); // held even when unusable, so the next try gets another port
                int port = ((IPEndPoint)client.LocalEndpoint).Port;
                if (port + ClusterBusOffset > IPEndPoint.MaxPort)
                {
                    continue;
                }

                var bus = new TcpListener(IPAddress.Loopback, port + ClusterBusOffset);
                try
                {
                    bus.Start();
                }
                catch (SocketException)
                {
                    bus.Dispose();
                    continue;
                }

                held.Add(bus);
                ports.Add(port);
            }

            return [.. ports];
        }
        finally
        {
            foreach (TcpListener listener in held)
            {
                listener.Dispose();
            }
        }
    }
}

/// <summary>
/// Starts and ends the child processes of the tests so that none outlives the test host, even when it crashes.
/// </summary>
/// <remarks>
/// <para>
/// On Linux every child is started through <c>setpriv --pdeathsig KILL</c> (util-linux), which sets the parent-death
/// signal and then execs the program (so the PID is the program's own): the kernel SIGKILLs the child when its parent
/// dies, however it dies, kill -9 included. The "parent" is the thread that forked, not the process, so all children
/// are started from one dedicated thread that lives as long as the test host: a thread-pool thread would retire after
/// a while of idleness and take its children with it.
/// </para>
/// <para>
/// Where setpriv is missing, children are still killed on a normal exit of the test host (ProcessExit), and by their
/// owners' DisposeAsync.
/// </para>
/// </remarks>
internal static class ChildProcesses
{
    public const int SigTerm = 15;

    private static readonly ConcurrentDictionary<int, Process> s_live = new();
    private static readonly BlockingCollection<(Process Process, TaskCompletionSource Started)> s_queue = [];
    private static readonly Lazy<string?> s_setpriv = new(FindSetprivWithPdeathsig);
    private static readonly Lazy<Thread> s_launcher = new(StartLauncher);

    public static ProcessStartInfo StartInfo(string program, string workingDirectory)
    {
        var start = new ProcessStartInfo
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        if (s_setpriv.Value is { } setpriv)
        {
            start.FileName = setpriv;
            start.ArgumentList.Add("--pdeathsig");
            start.ArgumentList.Add("KILL");
            start.ArgumentList.Add("--");
            start.ArgumentList.Add(program);
        }
        else
        {
            start.FileName = program;
        }

        return start;
    }

    /// <summary>Starts the process on the launcher thread and forwards each line it writes to <paramref name="onLine"/>.</summary>
    public static async Task<Process> StartAsync(ProcessStartInfo start, Action<string> onLine)
    {
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                onLine(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                onLine(e.Data);
            }
        };

        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = s_launcher.Value;
        s_queue.Add((process, started));
        try
        {
            await started.Task;
        }
        catch
        {
            process.Dispose();
            throw;
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>SIGKILLs the process (and any child it forked, such as an AOF rewrite).</summary>
    public static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited meanwhile.
        }
    }

    public static void Signal(Process process, int signal)
    {
        if (Sys.Kill(process.Id, signal) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (!process.HasExited)
            {
                throw new Win32Exception(errno, $"kill({process.Id}, {signal}) failed");
            }
        }
    }

    /// <summary>The process has exited and is no longer ours to kill at the test host's exit.</summary>
    public static void Forget(Process process) => s_live.TryRemove(process.Id, out _);

    private static Thread StartLauncher()
    {
        // A normal exit of the test host with a fixture left undisposed (a failed test run, Ctrl+C) still ends them.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (Process process in s_live.Values)
            {
                Kill(process);
            }
        };

        var thread = new Thread(() =>
        {
            foreach ((Process process, TaskCompletionSource started) in s_queue.GetConsumingEnumerable())
            {
                try
                {
                    process.Start();
                    s_live[process.Id] = process;
                    started.SetResult();
                }
                catch (Exception e) when (e is Win32Exception or InvalidOperationException)
                {
                    started.SetException(new InvalidOperationException($"Could not start {process.StartInfo.FileName} {string.Join(' ', process.StartInfo.ArgumentList)}: {e.Message}", e));
                }
            }
        })
        {
            IsBackground = true, // never blocks the exit; its end (with the process) is what signals the children
            Name = "Redis test process launcher",
        };
        thread.Start();
        return thread;
    }

    /// <summary>setpriv from PATH when it knows --pdeathsig (util-linux 2.33+); null elsewhere (then no such guard).</summary>
    private static string? FindSetprivWithPdeathsig()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        string? setpriv;
        try
        {
            setpriv = RedisExecutables.Require("setpriv", Environment.GetEnvironmentVariable("PATH"));
        }
        catch (InvalidOperationException)
        {
            return null;
        }

        var start = new ProcessStartInfo(setpriv, "--help") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        using Process? help = Process.Start(start);
        if (help is null)
        {
            return null;
        }

        Task<string> error = help.StandardError.ReadToEndAsync();
        string output = help.StandardOutput.ReadToEnd();
        help.WaitForExit();
        return (output + error.GetAwaiter().GetResult()).Contains("--pdeathsig", StringComparison.Ordinal) ? setpriv : null;
    }

    private static class Sys
    {
        // libc's kill(2): .NET can send SIGKILL (Process.Kill) but has no API for SIGTERM. "libc" is mapped to the
        // platform's C library by the runtime.
        [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        public static extern int Kill(int pid, int signal);
    }
}

/// <summary>A reply of <see cref="RedisWire"/>: the text of a simple string, error, integer or bulk string.</summary>
internal readonly record struct RedisReply(bool IsError, string Text)
{
    public override string ToString() => IsError ? "-" + Text : Text;
}

/// <summary>
/// Just enough of the Redis protocol (RESP2) to send a command on a fresh loopback connection and read a non-array
/// reply: readiness checks without the cost of a ConnectionMultiplexer, and raw commands that a client library would
/// refuse before sending (a script on keys of different slots).
/// </summary>
internal static class RedisWire
{
    public static async Task<RedisReply> CommandAsync(int port, TimeSpan timeout, params string[] arguments)
    {
        using var cancel = new CancellationTokenSource(timeout);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancel.Token);
        await using var stream = new NetworkStream(socket, ownsSocket: false);

        var request = new StringBuilder();
        request.Append(CultureInfo.InvariantCulture, $"*{arguments.Length}\r\n");
        foreach (string argument in arguments)
        {
            request.Append(CultureInfo.InvariantCulture, $"${Encoding.UTF8.GetByteCount(argument)}\r\n{argument}\r\n");
        }

        await stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToString()), cancel.Token);

        var reader = new ReplyReader(stream);
        string line = await reader.ReadLineAsync(cancel.Token);
        if (line.Length == 0)
        {
            throw new IOException("An empty reply line.");
        }

        string rest = line[1..];
        switch (line[0])
        {
            case '+' or ':':
                return new RedisReply(false, rest);
            case '-':
                return new RedisReply(true, rest);
            case '$':
                int length = int.Parse(rest, CultureInfo.InvariantCulture);
                return new RedisReply(false, length < 0 ? "" : Encoding.UTF8.GetString(await reader.ReadExactlyAsync(length + 2, cancel.Token), 0, length));
            default:
                throw new NotSupportedException($"RedisWire reads no '{line[0]}' replies: {line}");
        }
    }

    private sealed class ReplyReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[8192];
        private int _start;
        private int _end;

        public async Task<string> ReadLineAsync(CancellationToken cancellationToken)
        {
            var line = new List<byte>();
            while (true)
            {
                while (_start < _end)
                {
                    byte b = _buffer[_start++];
                    if (b == '\n' && line.Count > 0 && line[^1] == '\r')
                    {
                        return Encoding.UTF8.GetString([.. line], 0, line.Count - 1);
                    }

                    line.Add(b);
                }

                await FillAsync(cancellationToken);
            }
        }

        public async Task<byte[]> ReadExactlyAsync(int count, CancellationToken cancellationToken)
        {
            byte[] result = new byte[count];
            int done = 0;
            while (done < count)
            {
                if (_start == _end)
                {
                    await FillAsync(cancellationToken);
                }

                int n = Math.Min(count - done, _end - _start);
                Array.Copy(_buffer, _start, result, done, n);
                _start += n;
                done += n;
            }

            return result;
        }

        private async Task FillAsync(CancellationToken cancellationToken)
        {
            _start = 0;
            _end = await stream.ReadAsync(_buffer, cancellationToken);
            if (_end == 0)
            {
                throw new IOException("Redis closed the connection before a whole reply.");
            }
        }
    }
}

/// <summary>The last lines a process wrote (stdout and stderr interleaved), for failure messages.</summary>
internal sealed class BoundedLog(int capacity)
{
    private readonly Queue<string> _lines = new();

    public void Add(string line)
    {
        lock (_lines)
        {
            _lines.Enqueue(line);
            while (_lines.Count > capacity)
            {
                _lines.Dequeue();
            }
        }
    }

    public string Text()
    {
        lock (_lines)
        {
            return _lines.Count == 0 ? "(nothing)\n" : string.Join('\n', _lines) + "\n";
        }
    }
}
