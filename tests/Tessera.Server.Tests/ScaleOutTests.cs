using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Tessera.Redis.Tests.Fixtures;
using Tessera.Server.Data.Tests.Fixtures;

namespace Tessera.Server.Tests;

/// <summary>
/// Two real server processes (nodes A and B), each with its own data folder, sharing one PostgreSQL database (users
/// and signing keys) and one Redis (sessions), as <c>docs/scale-out.md</c> describes: any node answers for any
/// session, and a key rotated on one node reaches the other through the store.
/// </summary>
public sealed partial class ScaleOutTests
{
    private static readonly TimeSpan KeyRefreshInterval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan KeyActivationDelay = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task TwoNodes_ShareUsersSessionsRefreshAndKicks()
    {
        await WithTwoNodesAsync(async nodes =>
        {
            HttpClient a = nodes.A, b = nodes.B;

            // A user made on A signs in on B: the user database is shared.
            await CreateUserAsync(a, nodes.AdminToken, "alice");
            JsonElement login = await ServerProcess.LoginAsync(b, "alice", "alice-password");
            string sessionId = login.GetProperty("session_id").GetString()!;
            string access0 = login.GetProperty("access_token").GetString()!;
            string refresh0 = login.GetProperty("refresh_token").GetString()!;

            // B's token works on A, naming the same user and session.
            JsonElement me = await GetJsonAsync(a, "/auth/me", access0);
            Assert.Equal("alice", me.GetProperty("username").GetString());
            Assert.Equal(sessionId, me.GetProperty("sid").GetString());

            // Session data written on B is read on A.
            Assert.Equal(HttpStatusCode.NoContent, (await a.SendAsync(ServerProcess.Request(HttpMethod.Put, "/auth/session/seed", access0, 1))).StatusCode);
            Assert.Equal(HttpStatusCode.NoContent, (await b.SendAsync(ServerProcess.Request(HttpMethod.Put, "/auth/session/theme", access0, new { color = "dark", size = 3 }))).StatusCode);
            HttpResponseMessage theme = await a.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/session/theme", access0));
            Assert.Equal(HttpStatusCode.OK, theme.StatusCode);
            JsonElement value = await theme.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("dark", value.GetProperty("color").GetString());
            Assert.Equal(3, value.GetProperty("size").GetInt32());

            // Refresh on B; its access token works on A; then A rotates the successor (the session's refresh state is
            // shared), and the original token, now spent twice over, is refused on A without ending the session.
            JsonElement refreshedOnB = await RefreshAsync(b, refresh0);
            string access1 = refreshedOnB.GetProperty("access_token").GetString()!;
            string refresh1 = refreshedOnB.GetProperty("refresh_token").GetString()!;
            Assert.NotEqual(refresh0, refresh1);
            Assert.Equal(sessionId, refreshedOnB.GetProperty("session_id").GetString());
            Assert.Equal(HttpStatusCode.OK, (await a.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/me", access1))).StatusCode);

            JsonElement refreshedOnA = await RefreshAsync(a, refresh1);
            string access2 = refreshedOnA.GetProperty("access_token").GetString()!;
            string refresh2 = refreshedOnA.GetProperty("refresh_token").GetString()!;
            Assert.NotEqual(refresh1, refresh2);
            await AssertInvalidGrantAsync(a, refresh0);
            Assert.Equal(HttpStatusCode.OK, (await b.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/me", access2))).StatusCode);

            // Both nodes count the same sessions (admin + alice).
            (JsonElement statsA, JsonElement statsB) = await StatsAsync(nodes);
            Assert.Equal(2, statsA.GetProperty("sessions").GetInt64());
            AssertSameStats(statsA, statsB);

            // B has just served alice's token (its near cache may hold the session). A kick on A makes the very next
            // request on B fail: no waiting for the near cache to expire.
            Assert.Equal(HttpStatusCode.OK, (await b.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/me", access2))).StatusCode);
            Assert.Equal(HttpStatusCode.NoContent, (await a.SendAsync(ServerProcess.Request(HttpMethod.Delete, "/admin/api/users/alice/sessions", nodes.AdminToken))).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await b.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/me", access2))).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await b.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/session/theme", access1))).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await a.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/me", access0))).StatusCode);
            await AssertInvalidGrantAsync(b, refresh2);

            // The admin's own session is untouched, and both nodes agree on the counts after the kick.
            (statsA, statsB) = await StatsAsync(nodes);
            Assert.Equal(1, statsA.GetProperty("sessions").GetInt64());
            Assert.Equal(1, statsA.GetProperty("users_online").GetInt64());
            AssertSameStats(statsA, statsB);
        });
    }

    [Fact]
    public async Task TwoNodes_SameRefreshTokenRacedOnBoth_RotatesOnce()
    {
        const int Trials = 5;
        await WithTwoNodesAsync(async nodes =>
        {
            await CreateUserAsync(nodes.A, nodes.AdminToken, "racer");
            for (int trial = 0; trial < Trials; trial++)
            {
                // Sign-ins alternate between the nodes (the per-user login limit counts per node).
                JsonElement login = await ServerProcess.LoginAsync(trial % 2 == 0 ? nodes.A : nodes.B, "racer", "racer-password");
                string sessionId = login.GetProperty("session_id").GetString()!;
                string original = login.GetProperty("refresh_token").GetString()!;

                // The same refresh token at A and B at once.
                string body = JsonSerializer.Serialize(new { refresh_token = original });
                var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                async Task<(HttpStatusCode Status, string Body)> RaceAsync(HttpClient node)
                {
                    using var content = new StringContent(body, Encoding.UTF8, "application/json");
                    await go.Task;
                    using HttpResponseMessage response = await node.PostAsync("/auth/refresh", content);
                    return (response.StatusCode, await response.Content.ReadAsStringAsync());
                }

                Task<(HttpStatusCode Status, string Body)> onA = RaceAsync(nodes.A), onB = RaceAsync(nodes.B);
                go.SetResult();
                (HttpStatusCode Status, string Body)[] answers = await Task.WhenAll(onA, onB);

                // One rotation: the loser, a repeat of the just-rotated token within the 30 s grace, is handed the
                // successor the winner made (docs/architecture.md, "Refresh is read, check the window, compare-and-swap").
                string trace = $"trial {trial}: A {(int)answers[0].Status} {answers[0].Body} | B {(int)answers[1].Status} {answers[1].Body}";
                Assert.All(answers, answer => Assert.True(answer.Status == HttpStatusCode.OK, trace));
                JsonElement[] tokens = [.. answers.Select(answer => JsonSerializer.Deserialize<JsonElement>(answer.Body))];
                string successor = tokens[0].GetProperty("refresh_token").GetString()!;
                Assert.True(successor == tokens[1].GetProperty("refresh_token").GetString(), "Two different successors: the token rotated twice. " + trace);
                Assert.NotEqual(original, successor);
                Assert.All(tokens, t => Assert.Equal(sessionId, t.GetProperty("session_id").GetString()));

                // Both access tokens are good on either node.
                Assert.Equal(HttpStatusCode.OK, (await nodes.B.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/me", tokens[0].GetProperty("access_token").GetString()))).StatusCode);
                Assert.Equal(HttpStatusCode.OK, (await nodes.A.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/me", tokens[1].GetProperty("access_token").GetString()))).StatusCode);

                // Afterwards only the successor moves the session on: it rotates (on the node that did not sign in),
                // and the original is then refused on both nodes, leaving the session alive.
                JsonElement next = await RefreshAsync(trial % 2 == 0 ? nodes.B : nodes.A, successor);
                Assert.NotEqual(successor, next.GetProperty("refresh_token").GetString());
                await AssertInvalidGrantAsync(nodes.A, original);
                await AssertInvalidGrantAsync(nodes.B, original);
                Assert.Equal(HttpStatusCode.OK, (await nodes.A.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/me", next.GetProperty("access_token").GetString()))).StatusCode);
            }

            // Counted by the nodes themselves: per trial one rotation and one grace answer in the race, plus the
            // successor's rotation; no reuse was detected.
            var clock = Stopwatch.StartNew();
            (long Rotated, long Grace, long Reused) counts;
            while (true)
            {
                counts = Add(await RefreshCountsAsync(nodes.A), await RefreshCountsAsync(nodes.B));
                if (counts.Rotated + counts.Grace >= 3 * Trials || clock.Elapsed > TimeSpan.FromSeconds(10))
                {
                    break;
                }

                await Task.Delay(100); // the Prometheus exporter caches its scrape briefly
            }

            Assert.Equal<(long, long, long)>((2 * Trials, Trials, 0), counts);
        });
    }

    [Fact]
    public async Task TwoNodes_KeyRotatedOnA_IsPublishedOnBBeforeItSigns_AndBothVerifyOldAndNew()
    {
        await WithTwoNodesAsync(async nodes =>
        {
            HttpClient a = nodes.A, b = nodes.B;
            string oldToken = nodes.AdminToken;
            string oldKid = KeyId(oldToken);

            byte[] jwksA = await a.GetByteArrayAsync("/.well-known/jwks.json");
            Assert.Equal(jwksA, await b.GetByteArrayAsync("/.well-known/jwks.json"));
            Assert.Equal([oldKid], JwksKeyIds(jwksA));
            JsonElement keysA = await GetJsonAsync(a, "/admin/api/keys", nodes.AdminToken);
            Assert.Equal([(oldKid, "signing")], KeyStates(keysA));

            // Rotate on A (no body): the new key is pending for KeyActivationDelay.
            HttpResponseMessage rotated = await a.SendAsync(ServerProcess.Request(HttpMethod.Post, "/admin/api/keys", nodes.AdminToken));
            Assert.Equal(HttpStatusCode.Created, rotated.StatusCode);
            JsonElement created = await rotated.Content.ReadFromJsonAsync<JsonElement>();
            string newKid = created.GetProperty("kid").GetString()!;
            DateTimeOffset activatesAt = created.GetProperty("activates_at").GetDateTimeOffset();
            Assert.NotEqual(oldKid, newKid);
            Assert.Equal("pending", created.GetProperty("state").GetString());
            Assert.Equal("ES256", created.GetProperty("alg").GetString());
            Assert.Equal(KeyActivationDelay, activatesAt - created.GetProperty("created_at").GetDateTimeOffset());

            // A pending key does not sign yet.
            string beforeActivation = (await ServerProcess.LoginAsync(a, "admin", ServerProcess.AdminPassword)).GetProperty("access_token").GetString()!;
            Assert.Equal(oldKid, KeyId(beforeActivation));

            // B publishes it within a few refresh intervals, and lists it as pending there too.
            var clock = Stopwatch.StartNew();
            byte[] jwksB;
            while (!JwksKeyIds(jwksB = await b.GetByteArrayAsync("/.well-known/jwks.json")).Contains(newKid))
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"B's JWKS did not list {newKid} within 2 s.\n{Encoding.UTF8.GetString(jwksB)}");
                await Task.Delay(50);
            }

            Assert.Equal([oldKid, newKid], JwksKeyIds(jwksB)); // oldest first
            Assert.Equal(await a.GetByteArrayAsync("/.well-known/jwks.json"), jwksB);
            Assert.Equal([(oldKid, "signing"), (newKid, "pending")], KeyStates(await GetJsonAsync(b, "/admin/api/keys", nodes.AdminToken)));

            // At its activation time A switches to it (never before).
            clock.Restart();
            while (KeyStates(keysA = await GetJsonAsync(a, "/admin/api/keys", nodes.AdminToken)).Last() != (newKid, "signing"))
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"A did not sign with {newKid} within 15 s: {keysA}");
                await Task.Delay(100);
            }

            Assert.True(TimeProvider.System.GetUtcNow() >= activatesAt, $"A signed with {newKid} before its activation time {activatesAt:O}.");
            Assert.Equal([(oldKid, "verifying"), (newKid, "signing")], KeyStates(keysA));

            // A token of the new key works on B at the first try; tokens of the old key still work on both.
            string newToken = (await ServerProcess.LoginAsync(a, "admin", ServerProcess.AdminPassword)).GetProperty("access_token").GetString()!;
            Assert.Equal(newKid, KeyId(newToken));
            Assert.Equal(HttpStatusCode.OK, (await b.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/me", newToken))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await a.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/me", newToken))).StatusCode);
            foreach (string token in new[] { oldToken, beforeActivation })
            {
                Assert.Equal(HttpStatusCode.OK, (await a.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/me", token))).StatusCode);
                Assert.Equal(HttpStatusCode.OK, (await b.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/me", token))).StatusCode);
            }

            // B switches by its own clock as well, and both still publish the same two keys.
            clock.Restart();
            JsonElement keysB;
            while (KeyStates(keysB = await GetJsonAsync(b, "/admin/api/keys", nodes.AdminToken)).Last() != (newKid, "signing"))
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"B did not sign with {newKid} within 5 s of A: {keysB}");
                await Task.Delay(100);
            }

            Assert.Equal(await a.GetByteArrayAsync("/.well-known/jwks.json"), await b.GetByteArrayAsync("/.well-known/jwks.json"));
        });
    }

    [Fact]
    public async Task TwoNodes_RedisGone_BothFailClosedWith503()
    {
        await WithTwoNodesAsync(async nodes =>
        {
            await CreateUserAsync(nodes.A, nodes.AdminToken, "carol");
            JsonElement login = await ServerProcess.LoginAsync(nodes.B, "carol", "carol-password");
            string carol = login.GetProperty("access_token").GetString()!;
            string carolRefresh = login.GetProperty("refresh_token").GetString()!;
            Assert.Equal(HttpStatusCode.NoContent, (await nodes.B.SendAsync(ServerProcess.Request(HttpMethod.Put, "/auth/session/theme", carol, "dark"))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await nodes.A.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/session/theme", carol))).StatusCode);

            // Valid everywhere, and just served by both nodes (so their near caches may hold the sessions).
            foreach (HttpClient node in nodes.Both())
            {
                Assert.Equal(HttpStatusCode.OK, (await node.GetAsync("/healthz")).StatusCode);
                foreach (string token in new[] { nodes.AdminToken, carol })
                {
                    Assert.Equal(HttpStatusCode.OK, (await node.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/me", token))).StatusCode);
                }
            }

            await nodes.Redis.KillAsync();
            var sinceKill = Stopwatch.StartNew();

            // A node learns that Redis is gone when its client sees the socket close; until then (tens of milliseconds
            // here) its near cache may still answer. Each node must notice within a second, and never say 401.
            await Task.WhenAll(nodes.Both().Select(async node =>
            {
                while (true)
                {
                    TimeSpan sent = sinceKill.Elapsed;
                    using HttpResponseMessage response = await node.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/me", nodes.AdminToken));
                    if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                    {
                        return;
                    }

                    Assert.True(
                        response.StatusCode == HttpStatusCode.OK && sent < TimeSpan.FromSeconds(1),
                        $"{node.BaseAddress}, {sent.TotalMilliseconds:F0} ms after Redis died: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }
            }));

            // From then on, every request that needs a session, on both nodes, sent together (twice): never a 200 from
            // what a node remembers, never a 401 that would sign the client out, but 503 with Retry-After (and /healthz
            // 503, so a balancer takes the node out).
            for (int round = 0; round < 2; round++)
            {
                var requests = new List<(string What, Task<HttpResponseMessage> Answer)>();
                foreach ((HttpClient node, string name) in new[] { (nodes.A, "A"), (nodes.B, "B") })
                {
                    requests.Add(($"{name} /auth/me (admin)", node.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/me", nodes.AdminToken))));
                    requests.Add(($"{name} /auth/me (carol)", node.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/me", carol))));
                    requests.Add(($"{name} /auth/session/theme", node.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/session/theme", carol))));
                    requests.Add(($"{name} /auth/refresh", node.PostAsJsonAsync("/auth/refresh", new { refresh_token = carolRefresh })));
                    requests.Add(($"{name} /healthz", node.GetAsync("/healthz")));
                }

                foreach ((string what, Task<HttpResponseMessage> answer) in requests)
                {
                    using HttpResponseMessage response = await answer;
                    string text = await response.Content.ReadAsStringAsync();
                    Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"round {round}, {what}: {(int)response.StatusCode} {text}");
                    if (!what.EndsWith("/healthz", StringComparison.Ordinal))
                    {
                        Assert.Equal("temporarily_unavailable", JsonSerializer.Deserialize<JsonElement>(text).GetProperty("error").GetString());
                        Assert.NotNull(response.Headers.RetryAfter);
                    }
                }
            }
        });
    }

    [Fact]
    public async Task TwoNodes_PostgresGone_BothKeepTheirKeysAndKeepAuthenticating()
    {
        await WithTwoNodesAsync(async nodes =>
        {
            await CreateUserAsync(nodes.A, nodes.AdminToken, "dave");
            JsonElement login = await ServerProcess.LoginAsync(nodes.B, "dave", "dave-password");
            byte[] jwks = await nodes.A.GetByteArrayAsync("/.well-known/jwks.json");

            await nodes.Postgres.DisposeAsync();

            // Both nodes notice at their next key refresh, and keep the keys they have.
            var clock = Stopwatch.StartNew();
            while (!nodes.NodeA.Output.Contains("Could not read the signing keys", StringComparison.Ordinal)
                || !nodes.NodeB.Output.Contains("Could not read the signing keys", StringComparison.Ordinal))
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), "A node did not log a failed key refresh within 15 s.");
                await Task.Delay(100);
            }

            foreach (HttpClient node in nodes.Both())
            {
                Assert.Equal(jwks, await node.GetByteArrayAsync("/.well-known/jwks.json"));
                Assert.Equal(HttpStatusCode.OK, (await node.GetAsync("/healthz")).StatusCode);
                Assert.Equal(HttpStatusCode.OK, (await node.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/me", login.GetProperty("access_token").GetString()))).StatusCode);
            }

            // Refresh needs no user database: rotated on B, used on A; sign-ins are 503 (the password was not checked).
            JsonElement refreshed = await RefreshAsync(nodes.B, login.GetProperty("refresh_token").GetString()!);
            Assert.Equal(HttpStatusCode.OK, (await nodes.A.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/me", refreshed.GetProperty("access_token").GetString()))).StatusCode);
            HttpResponseMessage signIn = await nodes.B.PostAsJsonAsync("/auth/login", new { username = "dave", password = "dave-password" });
            Assert.Equal(HttpStatusCode.ServiceUnavailable, signIn.StatusCode);
        });
    }

    /// <summary>
    /// Starts Redis, PostgreSQL (one fresh database) and the two nodes, A first (it makes the schema, the first key and
    /// the first admin), then B; signs the admin in on A; runs <paramref name="test"/>; stops everything.
    /// </summary>
    private static async Task WithTwoNodesAsync(Func<Nodes, Task> test)
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        await using PostgresServer postgres = await PostgresServer.StartAsync();
        string database = await postgres.CreateDatabaseAsync();
        var environment = new Dictionary<string, string?>
        {
            ["Tessera__Database"] = "postgres",
            ["Tessera__Postgres"] = database + ";Timeout=2;Command Timeout=2",
            ["Tessera__Store"] = "redis",
            ["Tessera__Redis"] = redis.Endpoint + ",syncTimeout=2000,asyncTimeout=2000,connectTimeout=2000",
            ["Tessera__KeyRefreshInterval"] = KeyRefreshInterval.ToString("c", CultureInfo.InvariantCulture),
            ["Tessera__KeyActivationDelay"] = KeyActivationDelay.ToString("c", CultureInfo.InvariantCulture),
        };

        await using ServerProcess nodeA = await ServerProcess.StartAsync(ServerProcess.NewDataFolder(), environment);
        await using ServerProcess nodeB = await ServerProcess.StartAsync(ServerProcess.NewDataFolder(), environment);
        Assert.Contains("first admin", nodeA.Output, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("first admin", nodeB.Output, StringComparison.OrdinalIgnoreCase);
        using HttpClient a = nodeA.Client();
        using HttpClient b = nodeB.Client();
        string admin = (await ServerProcess.LoginAsync(a, "admin", ServerProcess.AdminPassword)).GetProperty("access_token").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await b.GetAsync("/healthz")).StatusCode); // B's connection is warm too
        try
        {
            await test(new Nodes(nodeA, nodeB, a, b, admin, redis, postgres));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new InvalidOperationException($"{e.Message}\n--- node A ---\n{Tail(nodeA.Output)}\n--- node B ---\n{Tail(nodeB.Output)}", e);
        }
    }

    private static string Tail(string output) => output.Length <= 4000 ? output : output[^4000..];

    private static async Task CreateUserAsync(HttpClient node, string adminToken, string name)
    {
        HttpResponseMessage response = await node.SendAsync(ServerProcess.Request(HttpMethod.Post, "/admin/api/users", adminToken, new { username = name, password = name + "-password", roles = new[] { "reader" } }));
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"create {name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient node, string path, string token)
    {
        HttpResponseMessage response = await node.SendAsync(ServerProcess.Request(HttpMethod.Get, path, token));
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task<JsonElement> RefreshAsync(HttpClient node, string refreshToken)
    {
        HttpResponseMessage response = await node.PostAsJsonAsync("/auth/refresh", new { refresh_token = refreshToken });
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"refresh: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task AssertInvalidGrantAsync(HttpClient node, string refreshToken)
    {
        HttpResponseMessage response = await node.PostAsJsonAsync("/auth/refresh", new { refresh_token = refreshToken });
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"refresh with a spent token: {(int)response.StatusCode} {text}");
        Assert.Equal("invalid_grant", JsonSerializer.Deserialize<JsonElement>(text).GetProperty("error").GetString());
    }

    private static async Task<(JsonElement A, JsonElement B)> StatsAsync(Nodes nodes) =>
        (await GetJsonAsync(nodes.A, "/admin/api/stats", nodes.AdminToken), await GetJsonAsync(nodes.B, "/admin/api/stats", nodes.AdminToken));

    private static void AssertSameStats(JsonElement a, JsonElement b)
    {
        foreach (string name in new[] { "sessions", "users_online", "active_last_5m" })
        {
            Assert.True(a.GetProperty(name).GetInt64() == b.GetProperty(name).GetInt64(), $"{name}: A {a} B {b}");
        }
    }

    /// <summary>The <c>kid</c> of a JWT's protected header (base64url JSON), decoded here rather than by the server.</summary>
    private static string KeyId(string jwt)
    {
        JsonElement json = JsonSerializer.Deserialize<JsonElement>(System.Buffers.Text.Base64Url.DecodeFromChars(jwt.Split('.')[0]));
        Assert.Equal("ES256", json.GetProperty("alg").GetString());
        return json.GetProperty("kid").GetString()!;
    }

    private static string[] JwksKeyIds(byte[] jwks) =>
        [.. JsonSerializer.Deserialize<JsonElement>(jwks).GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()!)];

    private static (string Kid, string State)[] KeyStates(JsonElement keys) =>
        [.. keys.EnumerateArray().Select(k => (k.GetProperty("kid").GetString()!, k.GetProperty("state").GetString()!))];

    private static async Task<(long Rotated, long Grace, long Reused)> RefreshCountsAsync(HttpClient node)
    {
        string metrics = await node.GetStringAsync("/metrics");
        long Count(string result) => RefreshesLine().Matches(metrics)
            .Where(m => m.Groups["result"].Value == result)
            .Sum(m => (long)double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));
        return (Count("rotated"), Count("grace"), Count("reused"));
    }

    private static (long, long, long) Add((long, long, long) x, (long, long, long) y) => (x.Item1 + y.Item1, x.Item2 + y.Item2, x.Item3 + y.Item3);

    [GeneratedRegex(@"^tessera_refreshes_total\{[^}]*tessera_result=""(?<result>[a-z_]+)""[^}]*\} (?<value>[0-9.e+]+)", RegexOptions.Multiline)]
    private static partial Regex RefreshesLine();

    /// <summary>The two running nodes (processes and clients), the admin's token (signed in on A) and the shared stores.</summary>
    private sealed record Nodes(ServerProcess NodeA, ServerProcess NodeB, HttpClient A, HttpClient B, string AdminToken, RedisServer Redis, PostgresServer Postgres)
    {
        public IEnumerable<HttpClient> Both()
        {
            yield return A;
            yield return B;
        }
    }
}

