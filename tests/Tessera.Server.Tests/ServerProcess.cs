using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Tessera.Server.Tests;

/// <summary>
/// The real Tessera.Server process on a free loopback port (<c>--urls http://127.0.0.1:0</c>), with its own data
/// folder; stopped by its PID on dispose. The folder can be handed to a second process to test a restart.
/// </summary>
internal sealed partial class ServerProcess : IAsyncDisposable
{
    public const string AdminPassword = "admin-password-for-tests";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly List<string> _output = [];

    private ServerProcess(Process process, string dataFolder)
    {
        _process = process;
        DataFolder = dataFolder;
    }

    public string DataFolder { get; }

    public Uri BaseAddress { get; private set; } = null!;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output);
            }
        }
    }

    public static string NewDataFolder() => Directory.CreateTempSubdirectory("tessera-e2e-").FullName;

    /// <summary>The folder that holds Tessera.slnx, found from the tests' own folder.</summary>
    public static string RepositoryRoot
    {
        get
        {
            DirectoryInfo? root = new(AppContext.BaseDirectory);
            while (root is not null && !File.Exists(Path.Combine(root.FullName, "Tessera.slnx")))
            {
                root = root.Parent;
            }

            return root?.FullName ?? throw new InvalidOperationException("Tessera.slnx not found above the test folder.");
        }
    }

    /// <summary>The built server program: src/Tessera.Server/bin/&lt;the tests' configuration&gt;/net10.0/Tessera.Server.dll.</summary>
    public static string ServerDll
    {
        get
        {
            string configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name; // bin/<configuration>/net10.0/
            string dll = Path.Combine(RepositoryRoot, "src", "Tessera.Server", "bin", configuration, "net10.0", "Tessera.Server.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException("Build the solution first (./test.sh does).", dll);
        }
    }

    public static async Task<ServerProcess> StartAsync(string? dataFolder = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        dataFolder ??= NewDataFolder();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(ServerDll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add("http://127.0.0.1:0");
        start.Environment["Tessera__DataDir"] = dataFolder;
        start.Environment["TESSERA_ADMIN_PASSWORD"] = AdminPassword;
        start.Environment.Remove("ASPNETCORE_URLS");
        foreach ((string key, string? value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(key);
            }
            else
            {
                start.Environment[key] = value;
            }
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var server = new ServerProcess(process, dataFolder);
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (server._output)
            {
                server._output.Add(line);
            }

            if (ListeningLine().Match(line) is { Success: true } match)
            {
                listening.TrySetResult(new Uri(match.Groups[1].Value));
            }
        }

        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) =>
        {
            // Exited can fire before the last lines are read; the parameterless wait drains the redirected output,
            // so the failure message below holds what the server said before it exited.
            process.WaitForExit();
            listening.TrySetException(new InvalidOperationException("The server exited before listening."));
        };
        try
        {
            server.BaseAddress = await listening.Task.WaitAsync(StartTimeout);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            await server.DisposeAsync();
            throw new InvalidOperationException("The server did not start:\n" + server.Output, e);
        }

        return server;
    }

    public HttpClient Client() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    public static async Task<JsonElement> LoginAsync(HttpClient client, string user, string password)
    {
        HttpResponseMessage response = await client.PostAsJsonAsync("/auth/login", new { username = user, password });
        Assert.True(response.IsSuccessStatusCode, $"login {user}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public static HttpRequestMessage Request(HttpMethod method, string path, string? token, object? json = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = json is null ? null : JsonContent.Create(json) };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return request;
    }

    /// <summary>Runs the CLI (the same program) against a data folder; returns its exit code and output.</summary>
    public static Task<(int ExitCode, string Output)> CliAsync(string dataFolder, string? stdin, params string[] args) =>
        CliWithEnvironmentAsync(dataFolder, null, stdin, args);

    /// <summary>Runs the CLI with the server's settings in <paramref name="environment"/> (e.g. its session store).</summary>
    public static async Task<(int ExitCode, string Output)> CliWithEnvironmentAsync(string dataFolder, IReadOnlyDictionary<string, string?>? environment, string? stdin, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        start.ArgumentList.Add(ServerDll);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["Tessera__DataDir"] = dataFolder;
        foreach ((string name, string? value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        if (stdin is not null)
        {
            await process.StandardInput.WriteLineAsync(stdin);
        }

        process.StandardInput.Close();
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();
}
