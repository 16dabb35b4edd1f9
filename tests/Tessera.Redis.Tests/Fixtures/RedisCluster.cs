using System.Diagnostics;
using System.Globalization;

namespace Tessera.Redis.Tests.Fixtures;

/// <summary>
/// A real Redis Cluster of three masters and no replicas on loopback, each a <see cref="RedisServer"/> with cluster
/// mode on and its own folder, joined with <c>redis-cli --cluster create</c>. For tests that the store keeps every
/// multi-key step (Lua scripts, transactions) within one hash slot, as a cluster requires.
/// </summary>
public sealed class RedisCluster : IAsyncDisposable
{
    /// <summary>A port race (one of six ports taken between the check and the bind) is retried with new ports.</summary>
    private const int Attempts = 3;

    private static readonly TimeSpan s_createTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_stateOkTimeout = TimeSpan.FromSeconds(20);

    private readonly RedisServer[] _nodes;

    private RedisCluster(RedisServer[] nodes)
    {
        _nodes = nodes;
        Endpoints = [.. nodes.Select(node => node.Endpoint)];
    }

    /// <summary>The three masters, "127.0.0.1:P" each.</summary>
    public IReadOnlyList<string> Endpoints { get; }

    /// <summary>
    /// The masters as servers, for a test that kills or restarts one (its nodes-P.conf stays in its folder, so it comes
    /// back as the same node with the same slots).
    /// </summary>
    public IReadOnlyList<RedisServer> Nodes => _nodes;

    /// <summary>
    /// A StackExchange.Redis configuration string with all three endpoints (any one would do, the client discovers the
    /// rest, but with all three it also connects while one is down); abortConnect=false as for a single server.
    /// </summary>
    public string Configuration => string.Join(',', Endpoints) + ",abortConnect=false,connectTimeout=2000";

    /// <summary>Starts three masters, creates the cluster, and waits until every node says cluster_state:ok.</summary>
    public static async Task<RedisCluster> StartAsync()
    {
        RedisExecutables.RequireServer();
        string cli = RedisExecutables.RequireCli();
        for (int attempt = 1; ; attempt++)
        {
            int[] ports = FreePorts.ForCluster(3);

            // In parallel: each one is mostly waiting for its process to listen. Each gets a new folder, as create
            // refuses a node that already knows a cluster (a leftover nodes-P.conf).
            RedisServer?[] nodes = await Task.WhenAll(ports.Select(port => RedisServer.TryStartAsync(port, NodeArguments(port))));
            if (nodes.Any(node => node is null))
            {
                await DisposeAllAsync(nodes);
                if (attempt == Attempts)
                {
                    throw new InvalidOperationException($"redis-server found no free cluster ports (P and P + {FreePorts.ClusterBusOffset}) in {Attempts} attempts.");
                }

                continue;
            }

            var cluster = new RedisCluster([.. nodes.Select(node => node!)]);
            try
            {
                await cluster.CreateAsync(cli);
                await cluster.WaitForStateOkAsync();
                return cluster;
            }
            catch
            {
                await cluster.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>Kills the three processes by PID and deletes their folders.</summary>
    public async ValueTask DisposeAsync() => await DisposeAllAsync(_nodes);

    public override string ToString() => $"Redis Cluster {string.Join(' ', Endpoints)}";

    private static string[] NodeArguments(int port) =>
    [
        "--cluster-enabled", "yes",
        "--cluster-config-file", $"nodes-{port.ToString(CultureInfo.InvariantCulture)}.conf", // in --dir
        "--cluster-node-timeout", "5000",
    ];

    private static async Task DisposeAllAsync(IEnumerable<RedisServer?> nodes) =>
        await Task.WhenAll(nodes.OfType<RedisServer>().Select(node => node.DisposeAsync().AsTask()));

    /// <summary>
    /// <c>redis-cli --cluster create</c>: splits the 16384 slots over the three, gives each its own config epoch, and
    /// introduces them to each other (CLUSTER MEET); it returns once all agree, about a second later.
    /// </summary>
    private async Task CreateAsync(string cli)
    {
        var start = new ProcessStartInfo(cli) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("--cluster");
        start.ArgumentList.Add("create");
        foreach (string endpoint in Endpoints)
        {
            start.ArgumentList.Add(endpoint);
        }

        start.ArgumentList.Add("--cluster-replicas");
        start.ArgumentList.Add("0");
        start.ArgumentList.Add("--cluster-yes");

        var output = new BoundedLog(200);
        Process process = await ChildProcesses.StartAsync(start, output.Add);
        try
        {
            using var timeout = new CancellationTokenSource(s_createTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                ChildProcesses.Kill(process);
                await process.WaitForExitAsync();
                throw new TimeoutException($"redis-cli --cluster create did not finish within {s_createTimeout.TotalSeconds} s.\n{output.Text()}{NodeDiagnostics()}");
            }

            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"redis-cli --cluster create failed with exit code {process.ExitCode}.\n{output.Text()}{NodeDiagnostics()}");
            }
        }
        finally
        {
            ChildProcesses.Forget(process);
            process.Dispose();
        }
    }

    /// <summary>
    /// Until every node has all slots served (cluster_state:ok in CLUSTER INFO), a command can be refused with
    /// CLUSTERDOWN; create returns when the configuration agrees, which can be a little earlier.
    /// </summary>
    private async Task WaitForStateOkAsync()
    {
        var elapsed = Stopwatch.StartNew();
        var notOk = new List<string>(Endpoints);
        string lastInfo = "";
        while (true)
        {
            foreach (RedisServer node in _nodes.Where(node => notOk.Contains(node.Endpoint)).ToArray())
            {
                RedisReply info = await RedisWire.CommandAsync(node.Port, TimeSpan.FromSeconds(2), "CLUSTER", "INFO");
                if (!info.IsError && info.Text.Contains("cluster_state:ok", StringComparison.Ordinal))
                {
                    notOk.Remove(node.Endpoint);
                }
                else
                {
                    lastInfo = $"{node.Endpoint}: {info}";
                }
            }

            if (notOk.Count == 0)
            {
                return;
            }

            if (elapsed.Elapsed > s_stateOkTimeout)
            {
                throw new TimeoutException($"The cluster was not ok on {string.Join(", ", notOk)} within {s_stateOkTimeout.TotalSeconds} s of create; last CLUSTER INFO: {lastInfo}\n{NodeDiagnostics()}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }
    }

    private string NodeDiagnostics() => string.Concat(_nodes.Select(node => $"=== {node} ===\n{node.Diagnostics()}"));
}
