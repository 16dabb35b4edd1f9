using System.Diagnostics;
using System.Net.Sockets;
using StackExchange.Redis;

namespace Tessera.Redis.Tests.Fixtures;

/// <summary>The shared server is a working Redis that a StackExchange.Redis client reaches with its configuration.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisServerFixtureTests(RedisServerFixture fixture)
{
    [Fact]
    public async Task Server_AnswersPingAndSetGet()
    {
        RedisServer server = fixture.Server;
        Assert.True(server.IsRunning);
        Assert.Equal($"127.0.0.1:{server.Port}", server.Endpoint);
        Assert.Equal(new RedisReply(false, "PONG"), await RedisWire.CommandAsync(server.Port, TimeSpan.FromSeconds(5), "PING"));

        await using ConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync(server.Configuration);
        IDatabase db = redis.GetDatabase();
        Assert.True((await db.PingAsync()) < TimeSpan.FromSeconds(5));
        string key = "fixture-test:" + Guid.NewGuid().ToString("N"); // the server is shared with the store's tests
        Assert.True(await db.StringSetAsync(key, "value", TimeSpan.FromMinutes(1)));
        Assert.Equal("value", (string?)await db.StringGetAsync(key));
    }
}

/// <summary>Kill, stop and restart, each on a server of its own (the shared one is never killed).</summary>
public sealed class RedisServerLifecycleTests
{
    [Fact]
    public async Task AppendOnly_KillThenRestart_KeepsAcknowledgedWrites_OnANewProcess()
    {
        await using RedisServer server = await RedisServer.StartAsync(appendOnly: true);
        int firstPid = server.ProcessId;
        await using (ConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync(server.Configuration))
        {
            Assert.True(await redis.GetDatabase().StringSetAsync("before-kill", "kept"));
        }

        await server.KillAsync();
        Assert.False(server.IsRunning);
        Assert.False(IsAlive(firstPid));

        await server.RestartAsync();
        Assert.True(server.IsRunning);
        Assert.NotEqual(firstPid, server.ProcessId);
        await using (ConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync(server.Configuration))
        {
            Assert.Equal("kept", (string?)await redis.GetDatabase().StringGetAsync("before-kill"));
            Assert.True(await redis.GetDatabase().StringSetAsync("before-stop", "kept too"));
        }

        // The graceful way round: SIGTERM, then the same folder again.
        int secondPid = server.ProcessId;
        await server.StopAsync();
        Assert.False(server.IsRunning);
        Assert.False(IsAlive(secondPid));
        await server.RestartAsync();
        await using (ConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync(server.Configuration))
        {
            IDatabase db = redis.GetDatabase();
            Assert.Equal("kept", (string?)await db.StringGetAsync("before-kill"));
            Assert.Equal("kept too", (string?)await db.StringGetAsync("before-stop"));
        }
    }

    [Fact]
    public async Task WithoutAppendOnly_RestartedServerIsEmpty()
    {
        // No RDB snapshots and no AOF: a test that needs data to survive a restart must ask for appendOnly.
        await using RedisServer server = await RedisServer.StartAsync();
        await using (ConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync(server.Configuration))
        {
            Assert.True(await redis.GetDatabase().StringSetAsync("k", "v"));
        }

        await server.StopAsync();
        await server.RestartAsync();
        await using (ConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync(server.Configuration))
        {
            Assert.False(await redis.GetDatabase().KeyExistsAsync("k"));
        }
    }

    [Fact]
    public async Task Restart_WhileRunning_Throws_AndDispose_KillsTheProcessAndDeletesTheFolder()
    {
        RedisServer server = await RedisServer.StartAsync();
        int pid = server.ProcessId;
        string folder = server.DataDirectory;
        Assert.True(File.Exists(Path.Combine(folder, "redis.log")));

        await Assert.ThrowsAsync<InvalidOperationException>(server.RestartAsync);

        await server.DisposeAsync();
        Assert.False(server.IsRunning);
        Assert.False(IsAlive(pid));
        Assert.False(Directory.Exists(folder));
        await server.DisposeAsync(); // twice is fine
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false; // no such process
        }
    }
}

/// <summary>The ways a start fails: each says why, none is skipped.</summary>
public sealed class RedisServerStartFailureTests
{
    [Fact]
    public void MissingExecutable_SaysHowToInstallIt()
    {
        var e = Assert.Throws<InvalidOperationException>(() => RedisExecutables.Require("redis-server", "/nonexistent-a:/nonexistent-b"));
        Assert.Contains("redis-server was not found on PATH", e.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install redis-server redis-tools, or run ./test.sh, which installs it", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PortTaken_IsReportedForARetry_AndLeavesNothingBehind()
    {
        using var squatter = new TcpListener(System.Net.IPAddress.Loopback, 0);
        squatter.Start();
        int port = ((System.Net.IPEndPoint)squatter.LocalEndpoint).Port;

        Assert.Null(await RedisServer.TryStartAsync(port, []));

        // Its folder (with a redis.log that says so) is gone. Other tests create and delete folders meanwhile, so
        // this looks for that log line rather than comparing listings.
        string bindFailure = $"127.0.0.1:{port}: bind: Address already in use";
        Assert.DoesNotContain(Directory.GetDirectories(Path.GetTempPath(), "tessera-redis-*"), folder => LogSays(folder, bindFailure));
    }

    [Fact]
    public async Task ServerThatExits_FailsWithTheTailOfItsOutput()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => RedisServer.StartOnFreePortAsync(["--no-such-directive", "x"]));
        Assert.Contains("exited with code 1 before answering PING", e.Message, StringComparison.Ordinal);
        Assert.Contains("Bad directive or wrong number of arguments", e.Message, StringComparison.Ordinal); // redis-server's own words
    }

    private static bool LogSays(string folder, string text)
    {
        try
        {
            return File.ReadAllText(Path.Combine(folder, "redis.log")).Contains(text, StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // not (or no longer) there
        }
    }
}

/// <summary>The shared cluster: three masters that split the slots, and refuse a script across slots.</summary>
[Collection(RedisClusterCollection.Name)]
public sealed class RedisClusterFixtureTests(RedisClusterFixture fixture)
{
    [Fact]
    public async Task Cluster_IsOk_AndKeysLandOnAllThreeMasters()
    {
        RedisCluster cluster = fixture.Cluster;
        Assert.Equal(3, cluster.Endpoints.Count);
        Assert.Equal(3, cluster.Endpoints.Distinct().Count());

        // allowAdmin: CLUSTER commands sent to a chosen server are admin commands to StackExchange.Redis.
        await using ConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync(cluster.Configuration + ",allowAdmin=true");
        foreach (string endpoint in cluster.Endpoints)
        {
            IServer server = redis.GetServer(endpoint);
            Assert.Contains("cluster_state:ok", (string?)await server.ExecuteAsync("CLUSTER", "INFO"), StringComparison.Ordinal);
            Assert.Equal(3, server.ClusterConfiguration!.Nodes.Count(node => !node.IsReplica));
        }

        // Keys are routed by the hash tag in braces; these ten tags spread over all three slot ranges.
        IDatabase db = redis.GetDatabase();
        string id = Guid.NewGuid().ToString("N"); // the cluster is shared with the store's tests
        var owners = new HashSet<string>();
        foreach (char tag in "abcdefghij")
        {
            string key = $"{{{tag}}}fixture-test:{id}";
            Assert.True(await db.StringSetAsync(key, tag.ToString(), TimeSpan.FromMinutes(1)));
            Assert.Equal(tag.ToString(), (string?)await db.StringGetAsync(key));

            // The key is really stored on the master that owns its slot.
            IServer owner = redis.GetServer((RedisKey)key); // not the GetServer("host:port") overload
            int slot = redis.HashSlot(key);
            string[] keysInSlot = (string[])(await owner.ExecuteAsync("CLUSTER", "GETKEYSINSLOT", slot, 1000))!;
            Assert.Contains(key, keysInSlot);
            owners.Add(owner.EndPoint.ToString()!);
        }

        Assert.Equal(cluster.Endpoints.Order(StringComparer.Ordinal), owners.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ScriptOnKeysInDifferentSlots_IsRefused()
    {
        RedisCluster cluster = fixture.Cluster;
        await using ConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync(cluster.Configuration);
        RedisKey[] keys = ["{a}cross-slot", "{b}cross-slot"];
        Assert.NotEqual(redis.HashSlot(keys[0]), redis.HashSlot(keys[1]));

        // StackExchange.Redis refuses it before sending; were it sent, the server would answer CROSSSLOT.
        Exception e = await Assert.ThrowsAnyAsync<Exception>(() => redis.GetDatabase().ScriptEvaluateAsync("return redis.call('MGET', KEYS[1], KEYS[2])", keys));
        Assert.True(e is RedisCommandException || (e is RedisServerException && e.Message.Contains("CROSSSLOT", StringComparison.Ordinal)), e.ToString());

        // And the server itself: a raw EVAL, past any client-side check.
        RedisReply reply = await RedisWire.CommandAsync(
            int.Parse(cluster.Endpoints[0].Split(':')[1], System.Globalization.CultureInfo.InvariantCulture),
            TimeSpan.FromSeconds(5),
            "EVAL", "return redis.call('MGET', KEYS[1], KEYS[2])", "2", (string)keys[0]!, (string)keys[1]!);
        Assert.True(reply.IsError, reply.ToString());
        Assert.StartsWith("CROSSSLOT", reply.Text, StringComparison.Ordinal);
    }
}
