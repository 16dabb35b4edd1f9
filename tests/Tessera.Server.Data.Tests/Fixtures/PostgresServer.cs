using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Tessera.Server.Data.Tests.Fixtures;

/// <summary>
/// A real PostgreSQL server (Debian's binaries in <c>/usr/lib/postgresql/&lt;version&gt;/bin</c>) in a new temporary
/// folder on a free loopback port, started for tests and stopped on dispose. It depends on PostgreSQL's own programs
/// only (<c>initdb</c>, <c>pg_ctl</c>, <c>psql</c>), not on a client library, so other test projects can compile it in.
/// </summary>
/// <remarks>
/// <para>
/// The folder holds the cluster (<c>data/</c>), the server's log (<c>server.log</c>, whose tail is in every failure)
/// and the Unix socket. initdb refuses to run as root, so as root (CI) the folder is given to the <c>postgres</c> OS
/// user and the programs run through <c>runuser -u postgres --</c>; as anyone else they run as that user. Trust
/// authentication, superuser <c>postgres</c>, listening on 127.0.0.1 only. Durability is off (<c>fsync</c>,
/// <c>synchronous_commit</c>, <c>full_page_writes</c>): a test never survives a crash of the server, and the shared
/// machine is spared the syncs.
/// </para>
/// <para>
/// <c>pg_ctl start</c> detaches the postmaster (its own session), so it is not a child that dies with the test host.
/// It is stopped by <see cref="DisposeAsync"/> (<c>pg_ctl -m fast stop</c>, then SIGKILL by its PID if that fails), by
/// a handler at the test host's normal exit (SIGQUIT: immediate shutdown), and, after a crash of the test host, by the
/// next <see cref="StartAsync"/>, which stops the servers of folders whose owning test host is gone and deletes them.
/// </para>
/// </remarks>
public sealed class PostgresServer : IAsyncDisposable
{
    public const string InstallHint = "run ./test.sh, which installs it, or apt-get install postgresql";

    private const string FolderPrefix = "tessera-pg-";
    private const string OwnerFile = "owner.pid";
    private const string SuperUser = "postgres";

    /// <summary>A bind that fails because another process took the port meanwhile is retried on another port this often.</summary>
    private const int BindAttempts = 5;

    /// <summary>Long enough for a loaded 2-core machine (initdb takes about a second, a start a fraction).</summary>
    private static readonly TimeSpan s_commandTimeout = TimeSpan.FromSeconds(60);

    /// <summary>How long the postmaster may take to exit after <c>pg_ctl stop</c> saw its pid file deleted.</summary>
    private static readonly TimeSpan s_exitGrace = TimeSpan.FromSeconds(10);

    private static readonly ConcurrentDictionary<PostgresServer, bool> s_live = new();
    private static int s_exitHandlerInstalled;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _disposed;

    private PostgresServer(string binDirectory, string folder, int port)
    {
        BinDirectory = binDirectory;
        Folder = folder;
        Port = port;
    }

    /// <summary>The folder of initdb, pg_ctl, postgres and psql.</summary>
    public string BinDirectory { get; }

    /// <summary>The temporary folder: <c>data/</c>, <c>server.log</c>, the socket. Deleted on dispose.</summary>
    public string Folder { get; }

    public string DataDirectory => Path.Combine(Folder, "data");

    public string LogFile => Path.Combine(Folder, "server.log");

    public int Port { get; private set; }

    /// <summary>The postmaster's PID (from <c>postmaster.pid</c>), or 0 before it started.</summary>
    public int ProcessId { get; private set; }

    /// <summary>An Npgsql connection string for the <c>postgres</c> database as the superuser.</summary>
    public string ConnectionString => ConnectionStringFor("postgres");

    /// <summary>
    /// Finds the binaries, runs initdb in a new temporary folder and starts the server on a free loopback port; waits
    /// until it accepts connections (<c>pg_ctl -w</c>). Throws, saying how to install PostgreSQL, when it is missing.
    /// </summary>
    public static async Task<PostgresServer> StartAsync()
    {
        string bin = PostgresBinaries.Require();
        InstallExitHandler();
        await SweepAbandonedAsync();

        string folder = Directory.CreateTempSubdirectory(FolderPrefix).FullName;
        var server = new PostgresServer(bin, folder, 0);
        bool started = false;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder, OwnerFile), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
            if (AsPostgresUser)
            {
                await RunAsync("chown", ["-R", $"{SuperUser}:{SuperUser}", folder]);
            }

            await server.RunBinAsync("initdb", ["-D", server.DataDirectory, "-A", "trust", "-U", SuperUser, "-E", "UTF8", "--no-sync", "--no-instructions"]);
            var taken = new List<int>();
            for (int attempt = 1; attempt <= BindAttempts; attempt++)
            {
                server.Port = FreePort();
                if (await server.TryLaunchAsync())
                {
                    started = true;
                    s_live[server] = true;
                    return server;
                }

                taken.Add(server.Port);
            }

            throw new InvalidOperationException($"PostgreSQL found each of {BindAttempts} free ports taken by the time it bound it: {string.Join(", ", taken)}.\n{server.Diagnostics()}");
        }
        finally
        {
            if (!started)
            {
                await server.DisposeAsync();
            }
        }
    }

    /// <summary>An Npgsql connection string for <paramref name="database"/> as the superuser, over TCP.</summary>
    public string ConnectionStringFor(string database) =>
        $"Host=127.0.0.1;Port={Port.ToString(CultureInfo.InvariantCulture)};Username={SuperUser};Database={database};Timeout=15;Command Timeout=60";

    /// <summary>Creates a new empty database (<c>t_</c> plus random hex) and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        string name = "t_" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));
        await PsqlAsync("postgres", $"CREATE DATABASE {name};");
        return ConnectionStringFor(name);
    }

    /// <summary>Runs SQL with psql in <paramref name="database"/> and returns its unaligned, tuples-only output.</summary>
    public async Task<string> PsqlAsync(string database, string sql)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        (int exitCode, string output) = await RunAsync(Path.Combine(BinDirectory, "psql"),
            ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", SuperUser, "-d", database, "-c", sql],
            check: false);
        return exitCode == 0 ? output.TrimEnd('\n') : throw new InvalidOperationException($"psql failed ({exitCode}) on {database}: {sql}\n{output}");
    }

    /// <summary>
    /// Stops the server (<c>pg_ctl -m fast stop</c>; SIGKILL by PID when that fails) and deletes the folder. Throws
    /// after cleaning up when the graceful stop failed, so a test notices.
    /// </summary>
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
            s_live.TryRemove(this, out _);
            string? failure = null;
            if (ProcessId != 0)
            {
                try
                {
                    await RunBinAsync("pg_ctl", ["-D", DataDirectory, "-m", "fast", "-w", "-t", "30", "stop"]);
                }
                catch (Exception e) when (e is InvalidOperationException or TimeoutException)
                {
                    failure = e.Message;
                }

                // pg_ctl -w returns once postmaster.pid is gone, which the postmaster deletes in its exit handlers,
                // just before it exits: on a loaded machine it may still run for a moment. After a failed stop there
                // is nothing to wait for.
                bool running = failure is null ? !await ExitedAsync(ProcessId, s_exitGrace) : IsAlive(ProcessId);
                if (running)
                {
                    Signal(ProcessId, Sys.SigKill);
                    failure ??= $"pg_ctl stop returned but postmaster {ProcessId} still ran {s_exitGrace.TotalSeconds} s later; killed it.";
                }
            }

            DeleteFolder(Folder);
            if (failure is not null)
            {
                throw new InvalidOperationException($"PostgreSQL on port {Port} did not stop cleanly: {failure}");
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public override string ToString() => $"PostgreSQL 127.0.0.1:{Port} (pid {ProcessId}, {Folder})";

    /// <summary>The tail of the server's log, for failure messages.</summary>
    internal string Diagnostics()
    {
        try
        {
            using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            string[] lines = reader.ReadToEnd().Split('\n');
            return $"--- {LogFile} (tail) ---\n" + string.Join('\n', lines[Math.Max(0, lines.Length - 40)..]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"--- {LogFile}: {e.Message} ---";
        }
    }

    /// <summary>Root cannot run initdb or postgres: then every PostgreSQL program runs as the postgres OS user.</summary>
    private static bool AsPostgresUser => OperatingSystem.IsLinux() && Sys.GetEuid() == 0;

    /// <summary>
    /// <c>pg_ctl start -w</c> on <see cref="Port"/>. False when the server exited because the port was taken (the
    /// caller retries on another); throws for any other failure.
    /// </summary>
    private async Task<bool> TryLaunchAsync()
    {
        string options = string.Join(' ', (string[])[
            "-p", Port.ToString(CultureInfo.InvariantCulture),
            "-h", "127.0.0.1",
            "-k", Folder,
            "-c", "fsync=off",
            "-c", "synchronous_commit=off",
            "-c", "full_page_writes=off",
            "-c", "max_connections=200",
        ]);
        try
        {
            await RunBinAsync("pg_ctl", ["-D", DataDirectory, "-l", LogFile, "-w", "-t", "30", "-o", options, "start"]);
        }
        catch (InvalidOperationException) when (Diagnostics().Contains("could not bind", StringComparison.Ordinal) || Diagnostics().Contains("Address already in use", StringComparison.Ordinal))
        {
            // The log is kept across attempts; a fresh line tells this attempt from an earlier one.
            await File.AppendAllTextAsync(LogFile, $"--- tessera fixture: port {Port} was taken, trying another ---\n");
            return false;
        }

        string pidFile = Path.Combine(DataDirectory, "postmaster.pid");
        ProcessId = int.Parse((await File.ReadAllLinesAsync(pidFile))[0], CultureInfo.InvariantCulture);

        // pg_ctl -w waited for "ready"; a query proves that this server (not another on the port) answers.
        string dataDirectory = await PsqlAsync("postgres", "SHOW data_directory;");
        if (!string.Equals(Path.GetFullPath(dataDirectory), Path.GetFullPath(DataDirectory), StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Another PostgreSQL answers on port {Port} (data directory {dataDirectory}).\n{Diagnostics()}");
        }

        return true;
    }

    /// <summary>Runs one of PostgreSQL's programs (as the postgres OS user when we are root); throws with its output and the log's tail on failure.</summary>
    private async Task RunBinAsync(string program, IReadOnlyList<string> arguments)
    {
        string path = Path.Combine(BinDirectory, program);
        (int exitCode, string output) = AsPostgresUser
            ? await RunAsync("runuser", ["-u", SuperUser, "--", path, .. arguments], check: false)
            : await RunAsync(path, arguments, check: false);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed with exit code {exitCode}:\n{output}\n{Diagnostics()}");
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, IReadOnlyList<string> arguments, bool check = true)
    {
        var start = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true, // never waits on the test host's standard input
            WorkingDirectory = Path.GetTempPath(), // somewhere the postgres OS user may be
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Remove("PGPASSWORD");
        start.Environment.Remove("PGSERVICE");
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        process.StandardInput.Close();
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(s_commandTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish within {s_commandTimeout.TotalSeconds} s; killed it.");
        }

        string text = await output + await error;
        if (check && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed with exit code {process.ExitCode}:\n{text}");
        }

        return (process.ExitCode, text);
    }

    /// <summary>
    /// Stops and deletes what crashed test hosts left: folders of this fixture whose owning process is gone. The
    /// postmaster is killed only when its command line names that folder, so no other PostgreSQL is touched.
    /// </summary>
    private static async Task SweepAbandonedAsync()
    {
        foreach (string folder in Directory.GetDirectories(Path.GetTempPath(), FolderPrefix + "*"))
        {
            try
            {
                string ownerFile = Path.Combine(folder, OwnerFile);
                if (!File.Exists(ownerFile) || !int.TryParse(await File.ReadAllTextAsync(ownerFile), CultureInfo.InvariantCulture, out int owner) || IsAlive(owner))
                {
                    continue; // not ours to judge, or still in use
                }

                string pidFile = Path.Combine(folder, "data", "postmaster.pid");
                if (File.Exists(pidFile) && int.TryParse((await File.ReadAllLinesAsync(pidFile))[0], CultureInfo.InvariantCulture, out int postmaster)
                    && IsAlive(postmaster) && CommandLine(postmaster).Contains(folder, StringComparison.Ordinal))
                {
                    Signal(postmaster, Sys.SigKill);
                    await ExitedAsync(postmaster, s_exitGrace);
                }

                DeleteFolder(folder);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                // Another test host may be sweeping the same folder: leave it.
            }
        }
    }

    private static void InstallExitHandler()
    {
        if (Interlocked.Exchange(ref s_exitHandlerInstalled, 1) == 1)
        {
            return;
        }

        // A normal exit of the test host with a server left undisposed (a failed run, Ctrl+C): immediate shutdown.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (PostgresServer server in s_live.Keys)
            {
                if (server.ProcessId != 0)
                {
                    Signal(server.ProcessId, Sys.SigQuit);
                }
            }
        };
    }

    /// <summary>Sends a signal; false when the process is gone (or not ours to signal).</summary>
    private static bool Signal(int pid, int signal) => Sys.Kill(pid, signal) == 0;

    /// <summary>Polls until <paramref name="pid"/> has exited; false when it still runs after <paramref name="within"/>.</summary>
    private static async Task<bool> ExitedAsync(int pid, TimeSpan within)
    {
        long deadline = Environment.TickCount64 + (long)within.TotalMilliseconds;
        while (IsAlive(pid))
        {
            if (Environment.TickCount64 >= deadline)
            {
                return false;
            }

            await Task.Delay(50);
        }

        return true;
    }

    private static bool IsAlive(int pid)
    {
        // kill(pid, 0) says whether the process exists; a zombie (exited, not yet reaped) is not alive.
        if (Sys.Kill(pid, 0) != 0)
        {
            return false;
        }

        try
        {
            string stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            int close = stat.LastIndexOf(')');
            return close < 0 || close + 2 >= stat.Length || stat[close + 2] != 'Z';
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cmdline").Replace('\0', ' ');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void DeleteFolder(string folder)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                if (Directory.Exists(folder))
                {
                    Directory.Delete(folder, recursive: true);
                }

                return;
            }
            catch (Exception e) when ((e is IOException or UnauthorizedAccessException) && attempt < 20)
            {
                Thread.Sleep(100); // a server that is still exiting may write its last log lines
            }
        }
    }

    private static class Sys
    {
        public const int SigKill = 9;
        public const int SigQuit = 3;

        [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        public static extern int Kill(int pid, int signal);

        [DllImport("libc", EntryPoint = "geteuid")]
        public static extern uint GetEuid();
    }
}

/// <summary>
/// Finds Debian's PostgreSQL binaries (<c>/usr/lib/postgresql/&lt;version&gt;/bin</c>, the newest version), or says how to
/// install them: the tests never skip. <c>/usr/local/bin</c> and PATH are not searched: a fresh machine has only
/// what the postgresql package installs, and the tests must find what it will find.
/// </summary>
internal static class PostgresBinaries
{
    public const string Root = "/usr/lib/postgresql";

    private static readonly Lazy<string> s_bin = new(() => Find(Root));

    public static string Require() => s_bin.Value;

    /// <summary>The bin folder of the newest version under <paramref name="root"/> that has initdb, pg_ctl, postgres and psql; throws when none does.</summary>
    internal static string Find(string root)
    {
        string[] needed = ["initdb", "pg_ctl", "postgres", "psql"];
        IEnumerable<string> versions = Directory.Exists(root) ? Directory.GetDirectories(root) : [];
        string? best = versions
            .Select(v => (Folder: Path.Combine(v, "bin"), Version: int.TryParse(Path.GetFileName(v), CultureInfo.InvariantCulture, out int n) ? n : -1))
            .Where(v => v.Version >= 0 && needed.All(program => File.Exists(Path.Combine(v.Folder, program))))
            .OrderByDescending(v => v.Version)
            .Select(v => v.Folder)
            .FirstOrDefault();
        return best ?? throw new InvalidOperationException(
            $"PostgreSQL was not found in {root}/<version>/bin (initdb, pg_ctl, postgres, psql). The tests of the PostgreSQL user database run against a real server: {PostgresServer.InstallHint}.");
    }
}

/// <summary>One PostgreSQL server for a whole test collection; each test makes its own database in it.</summary>
/// <remarks>
/// If PostgreSQL is missing, <see cref="InitializeAsync"/> throws and every test of the collection fails, saying how to
/// install it. A failure to stop it fails the run too; since the test runner prints only the exception's type for a
/// collection's clean-up, the message also goes out as a diagnostic message (shown: xunit.runner.json).
/// </remarks>
public sealed class PostgresServerFixture(Xunit.Abstractions.IMessageSink diagnostics) : IAsyncLifetime
{
    private PostgresServer? _server;

    public PostgresServer Server => _server ?? throw new InvalidOperationException("The PostgreSQL fixture is not initialized.");

    public async Task InitializeAsync() => _server = await PostgresServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is null)
        {
            return;
        }

        try
        {
            await _server.DisposeAsync();
        }
        catch (Exception e)
        {
            diagnostics.OnMessage(new Xunit.Sdk.DiagnosticMessage($"{nameof(PostgresServerFixture)} clean-up failed: {e}"));
            throw;
        }
    }
}

/// <summary>The tests that share one PostgreSQL server; xunit runs them one after another, in parallel with other collections.</summary>
[CollectionDefinition(Name)]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "An xunit collection definition: the suffix is what it is.")]
public sealed class PostgresCollection : ICollectionFixture<PostgresServerFixture>
{
    public const string Name = "postgres";
}
