using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Tessera.Server.Data.Tests.Fixtures;

namespace Tessera.Server.Tests;

/// <summary>The real server process and its CLI with the users in a real PostgreSQL (<c>Tessera__Database=postgres</c>).</summary>
public sealed class ServerPostgresTests
{
    [Fact]
    public async Task PostgresGone_LoginsAre503_ExistingTokensStillWork()
    {
        PostgresServer postgres = await PostgresServer.StartAsync();
        await using (postgres)
        {
            string connectionString = await postgres.CreateDatabaseAsync();
            await using ServerProcess server = await ServerProcess.StartAsync(environment: new Dictionary<string, string?>
            {
                ["Tessera__Database"] = "postgres",
                ["Tessera__Postgres"] = connectionString + ";Timeout=2;Command Timeout=2",
            });
            using HttpClient client = server.Client();
            string access = (await ServerProcess.LoginAsync(client, "admin", ServerProcess.AdminPassword)).GetProperty("access_token").GetString()!;

            await postgres.DisposeAsync(); // the database is gone; sessions and tokens do not need it

            HttpResponseMessage login = await client.PostAsJsonAsync("/auth/login", new { username = "admin", password = ServerProcess.AdminPassword });
            Assert.Equal(HttpStatusCode.ServiceUnavailable, login.StatusCode);
            Assert.Equal("temporarily_unavailable", (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/me", access))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        }
    }

    [Fact]
    public async Task PostgresUsers_ServerAndCliShareThem_AndANewNodeFindsThem()
    {
        await using PostgresServer postgres = await PostgresServer.StartAsync();
        string connectionString = await postgres.CreateDatabaseAsync();
        var environment = new Dictionary<string, string?> { ["Tessera__Database"] = "postgres", ["Tessera__Postgres"] = connectionString };
        string[] cliSettings = ["--Tessera:Database=postgres", $"--Tessera:Postgres={connectionString}"];
        string data = ServerProcess.NewDataFolder();

        await using (ServerProcess server = await ServerProcess.StartAsync(data, environment))
        {
            using HttpClient client = server.Client();
            string admin = (await ServerProcess.LoginAsync(client, "ADMIN", ServerProcess.AdminPassword)).GetProperty("access_token").GetString()!;
            Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(ServerProcess.Request(HttpMethod.Post, "/admin/api/users", admin, new { username = "Bob", password = "bob-password", roles = new[] { "reader" } }))).StatusCode);
            Assert.Equal(HttpStatusCode.Conflict, (await client.SendAsync(ServerProcess.Request(HttpMethod.Post, "/admin/api/users", admin, new { username = "bob", password = "bob-password" }))).StatusCode);

            // The CLI, given the same settings, works on the same users while the server runs.
            Assert.Equal(0, (await ServerProcess.CliAsync(data, "carol-password", ["user", "add", "carol", .. cliSettings])).ExitCode);
            (int listed, string list) = await ServerProcess.CliAsync(data, null, ["user", "list", .. cliSettings]);
            Assert.Equal(0, listed);
            Assert.Equal(["admin", "Bob", "carol"], list.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split('\t')[0]));
            await ServerProcess.LoginAsync(client, "CAROL", "carol-password");

            Assert.Equal(0, (await ServerProcess.CliAsync(data, null, ["user", "disable", "bob", .. cliSettings])).ExitCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/auth/login", new { username = "bob", password = "bob-password" })).StatusCode);
        }

        Assert.False(File.Exists(Path.Combine(data, "tessera.db")), "With Tessera:Database=postgres no SQLite file is made.");

        // Another node (a data folder of its own) on the same database: the users are there, no second first admin.
        await using ServerProcess other = await ServerProcess.StartAsync(ServerProcess.NewDataFolder(), environment);
        Assert.DoesNotContain("first admin", other.Output, StringComparison.OrdinalIgnoreCase);
        using HttpClient http = other.Client();
        string token = (await ServerProcess.LoginAsync(http, "admin", ServerProcess.AdminPassword)).GetProperty("access_token").GetString()!;
        JsonElement users = await (await http.SendAsync(ServerProcess.Request(HttpMethod.Get, "/admin/api/users", token))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(3, users.GetArrayLength());
    }

    [Fact]
    public async Task PostgresUnreachable_ServerRefusesToStartAndSaysWhy()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ServerProcess.StartAsync(environment: new Dictionary<string, string?>
        {
            ["Tessera__Database"] = "postgres",
            ["Tessera__Postgres"] = "Host=127.0.0.1;Port=1;Username=tessera;Password=secret-123;Database=tessera;Timeout=5",
        }));

        Assert.Contains("The user database in PostgreSQL (Host=127.0.0.1; Port=1; Database=tessera; Username=tessera) could not be opened", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-123", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostgresWithoutConfiguration_ServerRefusesToStartAndSaysWhy()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ServerProcess.StartAsync(environment: new Dictionary<string, string?> { ["Tessera__Database"] = "postgres" }));
        Assert.Contains("Tessera:Postgres", error.Message, StringComparison.Ordinal);
    }
}
