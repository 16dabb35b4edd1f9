using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Tessera.Redis.Tests.Fixtures;

namespace Tessera.Server.Tests;

/// <summary>The real server process with its sessions in a real redis-server (<c>Tessera__Store=redis</c>).</summary>
public sealed class ServerRedisTests
{
    [Fact]
    public async Task RedisStore_SessionsSurviveAServerRestart_AndARedisOutageFailsClosedThenRecovers()
    {
        await using RedisServer redis = await RedisServer.StartAsync(appendOnly: true);
        var environment = new Dictionary<string, string?>
        {
            ["Tessera__Store"] = "redis",
            ["Tessera__Redis"] = redis.Endpoint + ",syncTimeout=1000,asyncTimeout=1000,connectTimeout=1000",
        };
        string data = ServerProcess.NewDataFolder();
        string access;
        await using (ServerProcess first = await ServerProcess.StartAsync(data, environment))
        {
            using HttpClient client = first.Client();
            access = (await ServerProcess.LoginAsync(client, "admin", ServerProcess.AdminPassword)).GetProperty("access_token").GetString()!;
            Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(ServerProcess.Request(HttpMethod.Put, "/auth/session/theme", access, "dark"))).StatusCode);
        }

        // The sessions are in Redis, not in the process: a new server process (same keys) accepts the token.
        await using ServerProcess server = await ServerProcess.StartAsync(data, environment);
        using HttpClient http = server.Client();
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/me", access))).StatusCode);
        Assert.Equal("\"dark\"", await (await http.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/session/theme", access))).Content.ReadAsStringAsync());
        JsonElement stats = await (await http.SendAsync(ServerProcess.Request(HttpMethod.Get, "/admin/api/stats", access))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, stats.GetProperty("sessions").GetInt64());

        // Redis goes away: health is 503 and the token is refused with 503 (never accepted, never a 401 that
        // would tell the client to sign in again).
        await redis.KillAsync();
        await EventuallyAsync(async () => (await http.GetAsync("/healthz")).StatusCode == HttpStatusCode.ServiceUnavailable);
        for (int i = 0; i < 3; i++)
        {
            HttpResponseMessage refused = await http.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/me", access));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("temporarily_unavailable", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
            Assert.NotNull(refused.Headers.RetryAfter);
        }

        // Redis comes back (AOF on): the server recovers by itself and the session is still there.
        await redis.RestartAsync();
        await EventuallyAsync(async () => (await http.GetAsync("/healthz")).StatusCode == HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/me", access))).StatusCode);
    }

    [Fact]
    public async Task CliUserDisableAndPasswd_WithSessionsInRedis_EndTheirLiveSessionsOnTheRunningServer()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        var environment = new Dictionary<string, string?>
        {
            ["Tessera__Store"] = "redis",
            ["Tessera__Redis"] = redis.Endpoint,
        };
        string data = ServerProcess.NewDataFolder();
        await using ServerProcess server = await ServerProcess.StartAsync(data, environment);
        using HttpClient http = server.Client();
        string admin = (await ServerProcess.LoginAsync(http, "admin", ServerProcess.AdminPassword)).GetProperty("access_token").GetString()!;
        Assert.Equal(0, (await ServerProcess.CliWithEnvironmentAsync(data, environment, "erin-password", "user", "add", "erin")).ExitCode);
        string[] erin = new string[2];
        for (int i = 0; i < erin.Length; i++)
        {
            erin[i] = (await ServerProcess.LoginAsync(http, "erin", "erin-password")).GetProperty("access_token").GetString()!;
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/me", erin[i]))).StatusCode); // in the near cache now
        }

        (int exitCode, string output) = await ServerProcess.CliWithEnvironmentAsync(data, environment, null, "user", "disable", "erin");

        Assert.True(exitCode == 0, output);
        Assert.Contains("ended 2 live session(s)", output, StringComparison.Ordinal);
        foreach (string token in erin)
        {
            HttpResponseMessage refused = await http.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/me", token));
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsJsonAsync("/auth/login", new { username = "erin", password = "erin-password" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/me", admin))).StatusCode);

        // A password reset from the CLI ends the user's sessions too: an intruder who knew the old one is out.
        Assert.Equal(0, (await ServerProcess.CliWithEnvironmentAsync(data, environment, "finn-password", "user", "add", "finn")).ExitCode);
        string finn = (await ServerProcess.LoginAsync(http, "finn", "finn-password")).GetProperty("access_token").GetString()!;
        (exitCode, output) = await ServerProcess.CliWithEnvironmentAsync(data, environment, "finn-new-password", "user", "passwd", "finn");
        Assert.True(exitCode == 0, output);
        Assert.Contains("password changed for finn and ended 1 live session(s)", output, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/me", finn))).StatusCode);
        await ServerProcess.LoginAsync(http, "finn", "finn-new-password");

        // Redis unreachable: the user is still disabled, and the CLI says the sessions were not ended (exit 1).
        var unreachable = new Dictionary<string, string?>(environment) { ["Tessera__Redis"] = "127.0.0.1:1,connectTimeout=500,connectRetry=0" };
        (exitCode, output) = await ServerProcess.CliWithEnvironmentAsync(data, unreachable, null, "user", "disable", "admin");
        Assert.Equal(1, exitCode);
        Assert.Contains("disabled admin, but Redis could not be reached", output, StringComparison.Ordinal);
        string adminLine = (await ServerProcess.CliAsync(data, null, "user", "list")).Output.Split('\n').Single(l => l.StartsWith("admin\t", StringComparison.Ordinal));
        Assert.Contains("\tdisabled\t", adminLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RedisStoreWithoutConfiguration_ServerRefusesToStartAndSaysWhy()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ServerProcess.StartAsync(environment: new Dictionary<string, string?> { ["Tessera__Store"] = "redis" }));
        Assert.Contains("Tessera:Redis", error.Message, StringComparison.Ordinal);
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "The condition did not come true within 30 seconds.");
            await Task.Delay(100);
        }
    }
}
