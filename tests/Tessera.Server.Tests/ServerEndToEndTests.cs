using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Tessera.Server.Tests;

/// <summary>The real server process over HTTP: the user's lifecycle, admin actions, restarts and the CLI.</summary>
public sealed class ServerEndToEndTests
{
    [Fact]
    public async Task Lifecycle_LoginMeDataRefreshThenReuse_SessionRevoked()
    {
        await using ServerProcess server = await ServerProcess.StartAsync();
        using HttpClient client = server.Client();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);

        JsonElement login = await ServerProcess.LoginAsync(client, "admin", ServerProcess.AdminPassword);
        string access = login.GetProperty("access_token").GetString()!;
        string refresh = login.GetProperty("refresh_token").GetString()!;

        JsonElement me = await (await client.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/me", access))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("admin", me.GetProperty("username").GetString());
        Assert.Contains("admin", me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));

        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(ServerProcess.Request(HttpMethod.Put, "/auth/session/theme", access, "dark"))).StatusCode);
        Assert.Equal("\"dark\"", await (await client.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/session/theme", access))).Content.ReadAsStringAsync());

        HttpResponseMessage refreshed = await client.PostAsJsonAsync("/auth/refresh", new { refresh_token = refresh });
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        string newAccess = (await refreshed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/me", newAccess))).StatusCode);

        // The grace period is 30 s of real time: the repeat right away gets the successor, not a revocation.
        HttpResponseMessage repeat = await client.PostAsJsonAsync("/auth/refresh", new { refresh_token = refresh });
        Assert.Equal(HttpStatusCode.OK, repeat.StatusCode);

        // Logging out ends the session: both access tokens fail, and the old refresh token too.
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(ServerProcess.Request(HttpMethod.Post, "/auth/logout", newAccess))).StatusCode);
        HttpResponseMessage after = await client.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/me", access));
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Equal("session_revoked", (await after.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/auth/refresh", new { refresh_token = refresh })).StatusCode);
    }

    [Fact]
    public async Task Refresh_ReuseOfTheOldRefreshToken_RevokesTheSession()
    {
        // No grace, so the repeat is reuse at once (the default 30 s grace would hand out the successor).
        await using ServerProcess server = await ServerProcess.StartAsync(environment: new Dictionary<string, string?> { ["Tessera__RefreshReuseGracePeriod"] = "00:00:00" });
        using HttpClient client = server.Client();
        JsonElement login = await ServerProcess.LoginAsync(client, "admin", ServerProcess.AdminPassword);
        string refresh = login.GetProperty("refresh_token").GetString()!;
        HttpResponseMessage rotated = await client.PostAsJsonAsync("/auth/refresh", new { refresh_token = refresh });
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        string newAccess = (await rotated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;

        HttpResponseMessage reuse = await client.PostAsJsonAsync("/auth/refresh", new { refresh_token = refresh });

        Assert.Equal(HttpStatusCode.Unauthorized, reuse.StatusCode);
        Assert.Equal("invalid_grant", (await reuse.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        HttpResponseMessage me = await client.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/me", newAccess));
        Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);
        Assert.Equal("session_revoked", (await me.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Admin_CreatesUserKicksThem_TheirNextRequestIs401()
    {
        await using ServerProcess server = await ServerProcess.StartAsync();
        using HttpClient client = server.Client();
        string admin = (await ServerProcess.LoginAsync(client, "admin", ServerProcess.AdminPassword)).GetProperty("access_token").GetString()!;

        HttpResponseMessage created = await client.SendAsync(ServerProcess.Request(HttpMethod.Post, "/admin/api/users", admin, new { username = "bob", password = "bob-password", roles = new[] { "reader" } }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await client.SendAsync(ServerProcess.Request(HttpMethod.Post, "/admin/api/users", admin, new { username = "BOB", password = "bob-password" }))).StatusCode);
        var notJson = ServerProcess.Request(HttpMethod.Post, "/admin/api/users", admin);
        notJson.Content = new StringContent("not json", System.Text.Encoding.UTF8, "application/json");
        Assert.Equal(HttpStatusCode.BadRequest, (await client.SendAsync(notJson)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.SendAsync(ServerProcess.Request(HttpMethod.Post, "/admin/api/users", admin, new { username = "x" }))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.SendAsync(ServerProcess.Request(HttpMethod.Post, "/admin/api/users", admin, new { username = "y", password = "long-enough", roles = new[] { "" } }))).StatusCode);
        // Roles too large for a session's claims: refused at creation, not by a 500 at every sign-in later.
        string[] hugeRoles = [.. Enumerable.Range(0, 300).Select(i => $"role-{i:D15}")];
        Assert.Equal(HttpStatusCode.BadRequest, (await client.SendAsync(ServerProcess.Request(HttpMethod.Post, "/admin/api/users", admin, new { username = "z", password = "long-enough", roles = hugeRoles }))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/auth/login", new { username = "z", password = "long-enough" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(ServerProcess.Request(HttpMethod.Get, "/admin/api/sessions?page=not-a-cursor", admin))).StatusCode);

        string bob = (await ServerProcess.LoginAsync(client, "bob", "bob-password")).GetProperty("access_token").GetString()!;
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(ServerProcess.Request(HttpMethod.Get, "/admin/api/stats", bob))).StatusCode);

        JsonElement stats = await (await client.SendAsync(ServerProcess.Request(HttpMethod.Get, "/admin/api/stats", admin))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, stats.GetProperty("sessions").GetInt64());
        Assert.Equal(2, stats.GetProperty("users_online").GetInt64());
        JsonElement bobs = await (await client.SendAsync(ServerProcess.Request(HttpMethod.Get, "/admin/api/sessions?user=bob", admin))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("bob", Assert.Single(bobs.GetProperty("sessions").EnumerateArray()).GetProperty("username").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(ServerProcess.Request(HttpMethod.Delete, "/admin/api/users/bob/sessions", admin))).StatusCode);

        HttpResponseMessage kicked = await client.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/me", bob));
        Assert.Equal(HttpStatusCode.Unauthorized, kicked.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/me", admin))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.SendAsync(ServerProcess.Request(HttpMethod.Delete, "/admin/api/users/nobody/sessions", admin))).StatusCode);
    }

    [Fact]
    public async Task Restart_SameDataFolder_UsersAndKeysSurvive()
    {
        string data = ServerProcess.NewDataFolder();
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(data, (UnixFileMode)0b111_101_101); // 755, as a plain `mkdir data` makes it
        }

        string kidBefore;
        await using (ServerProcess first = await ServerProcess.StartAsync(data))
        {
            using HttpClient client = first.Client();
            string admin = (await ServerProcess.LoginAsync(client, "admin", ServerProcess.AdminPassword)).GetProperty("access_token").GetString()!;
            Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(ServerProcess.Request(HttpMethod.Post, "/admin/api/users", admin, new { username = "carol", password = "carol-password" }))).StatusCode);
            kidBefore = Kid(await client.GetStringAsync("/.well-known/jwks.json"));
        }

        Assert.True(File.Exists(Path.Combine(data, "tessera.db")));
        string keyFile = Assert.Single(Directory.GetFiles(Path.Combine(data, "keys"), "*.jwk"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile)); // owner only
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(data)); // made owner-only
        }

        await using ServerProcess second = await ServerProcess.StartAsync(data, new Dictionary<string, string?> { ["TESSERA_ADMIN_PASSWORD"] = "ignored-now" });
        using HttpClient again = second.Client();
        Assert.Equal(kidBefore, Kid(await again.GetStringAsync("/.well-known/jwks.json")));
        await ServerProcess.LoginAsync(again, "carol", "carol-password");
        await ServerProcess.LoginAsync(again, "admin", ServerProcess.AdminPassword); // the first admin was not re-created
    }

    [Fact]
    public async Task FirstStart_NoAdminPassword_GeneratedOnePrintedOnceAndWorks()
    {
        await using ServerProcess server = await ServerProcess.StartAsync(environment: new Dictionary<string, string?> { ["TESSERA_ADMIN_PASSWORD"] = null, ["TESSERA_ADMIN_USER"] = "root" });
        string line = Assert.Single(server.Output.Split('\n'), l => l.StartsWith("First admin: ", StringComparison.Ordinal));
        string password = line.Split(' ')[4];

        using HttpClient client = server.Client();
        await ServerProcess.LoginAsync(client, "root", password);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/auth/login", new { username = "root", password = "wrong-password" })).StatusCode);
    }

    [Fact]
    public async Task FirstStart_AdminPasswordTooShort_RefusesToStartAndSaysWhy()
    {
        string data = ServerProcess.NewDataFolder();

        InvalidOperationException refused = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            ServerProcess.StartAsync(data, new Dictionary<string, string?> { ["TESSERA_ADMIN_PASSWORD"] = "short" }));

        Assert.Contains("TESSERA_ADMIN_PASSWORD must be 8 to 1024 characters", refused.Message, StringComparison.Ordinal);
        (int listed, string users) = await ServerProcess.CliAsync(data, null, "user", "list");
        Assert.Equal(0, listed);
        Assert.DoesNotContain("admin", users, StringComparison.Ordinal); // no admin the API would refuse
    }

    [Fact]
    public async Task Cli_UserAddDisableAndKeys_SeenByTheServer()
    {
        string data = ServerProcess.NewDataFolder();
        (int added, string addOutput) = await ServerProcess.CliAsync(data, "dave-password", "user", "add", "dave", "--roles", "reader,ops");
        Assert.True(added == 0, addOutput);
        Assert.Equal(1, (await ServerProcess.CliAsync(data, "dave-password", "user", "add", "dave")).ExitCode);
        Assert.Equal(2, (await ServerProcess.CliAsync(data, "eve-password", "user", "add", "eve", "--role", "admin")).ExitCode); // not --roles
        Assert.Equal(2, (await ServerProcess.CliAsync(data, "eve-password", "user", "add", "eve", "--roles", string.Join(',', Enumerable.Range(0, 300).Select(i => $"role-{i:D15}")))).ExitCode);
        Assert.Equal(2, (await ServerProcess.CliAsync(data, null, "user", "frobnicate")).ExitCode);
        (int listed, string list) = await ServerProcess.CliAsync(data, null, "user", "list");
        Assert.Equal(0, listed);
        Assert.Contains("dave", list, StringComparison.Ordinal);
        Assert.Contains("reader,ops", list, StringComparison.Ordinal);
        Assert.DoesNotContain("eve", list, StringComparison.Ordinal); // the refused adds created nobody

        await using (ServerProcess server = await ServerProcess.StartAsync(data))
        {
            using HttpClient client = server.Client();
            JsonElement login = await ServerProcess.LoginAsync(client, "dave", "dave-password");
            (int decoded, string decodedOutput) = await ServerProcess.CliAsync(data, null, "token", "decode", login.GetProperty("access_token").GetString()!);
            Assert.Equal(0, decoded);
            Assert.Contains("signature: verified", decodedOutput, StringComparison.Ordinal);

            Assert.Equal(0, (await ServerProcess.CliAsync(data, "dave-new-password", "user", "passwd", "dave")).ExitCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/auth/login", new { username = "dave", password = "dave-password" })).StatusCode);
            await ServerProcess.LoginAsync(client, "dave", "dave-new-password");
            Assert.Equal(1, (await ServerProcess.CliAsync(data, "some-password", "user", "passwd", "nobody")).ExitCode);

            Assert.Equal(0, (await ServerProcess.CliAsync(data, null, "user", "disable", "dave")).ExitCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/auth/login", new { username = "dave", password = "dave-new-password" })).StatusCode);
        }

        // Keys: a rotation by the CLI reaches the running server without a restart, as a pending key that verifies.
        await using ServerProcess running = await ServerProcess.StartAsync(data, new Dictionary<string, string?> { ["Tessera__KeyRefreshInterval"] = "00:00:00.200" });
        using HttpClient after = running.Client();
        string signing = Kid(await after.GetStringAsync("/.well-known/jwks.json"));
        (int rotated, string rotateOutput) = await ServerProcess.CliAsync(data, null, "keys", "rotate");
        Assert.True(rotated == 0, rotateOutput);
        (_, string keys) = await ServerProcess.CliAsync(data, null, "keys", "list");
        string[] lines = keys.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith($"{signing}\tES256\tsigning\t", lines[0], StringComparison.Ordinal);
        Assert.Contains("\tpending\t", lines[1], StringComparison.Ordinal);
        string pending = lines[1].Split('\t')[0];
        JsonElement jwks = default;
        for (long started = System.Diagnostics.Stopwatch.GetTimestamp(); System.Diagnostics.Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(10); await Task.Delay(100))
        {
            jwks = JsonDocument.Parse(await after.GetStringAsync("/.well-known/jwks.json")).RootElement;
            if (jwks.GetProperty("keys").GetArrayLength() == 2)
            {
                break;
            }
        }

        Assert.Equal([signing, pending], jwks.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()));
        Assert.Equal(0, (await ServerProcess.CliAsync(data, "erin-password", "user", "add", "erin")).ExitCode);
        string token = (await ServerProcess.LoginAsync(after, "erin", "erin-password")).GetProperty("access_token").GetString()!;
        Assert.Contains($"\"kid\":\"{signing}\"", (await ServerProcess.CliAsync(data, null, "token", "decode", token)).Output, StringComparison.Ordinal); // pending: not signing yet
        Assert.Equal(1, (await ServerProcess.CliAsync(data, null, "keys", "retire", signing)).ExitCode); // the signing key stays
        Assert.Equal(1, (await ServerProcess.CliAsync(data, null, "keys", "retire", "no-such-kid")).ExitCode);
        Assert.Equal(0, (await ServerProcess.CliAsync(data, null, "keys", "retire", pending)).ExitCode);
        Assert.Single((await ServerProcess.CliAsync(data, null, "keys", "list")).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(1, (await ServerProcess.CliAsync(data, null, "token", "decode", "not.a.token")).ExitCode);
    }

    [Fact]
    public async Task PasswordChange_GuessingTheCurrentPassword_LimitedLikeLogin()
    {
        await using ServerProcess server = await ServerProcess.StartAsync();
        using HttpClient client = server.Client();
        string admin = (await ServerProcess.LoginAsync(client, "admin", ServerProcess.AdminPassword)).GetProperty("access_token").GetString()!;
        await client.SendAsync(ServerProcess.Request(HttpMethod.Post, "/admin/api/users", admin, new { username = "gus", password = "gus-password" }));
        string stolen = (await ServerProcess.LoginAsync(client, "gus", "gus-password")).GetProperty("access_token").GetString()!;

        for (int guess = 0; guess < 5; guess++) // login's default: 5 attempts per user per minute
        {
            HttpResponseMessage wrong = await client.SendAsync(ServerProcess.Request(HttpMethod.Post, "/auth/password", stolen, new { current_password = "guess-" + guess, new_password = "taken-over" }));
            Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        }

        HttpResponseMessage limited = await client.SendAsync(ServerProcess.Request(HttpMethod.Post, "/auth/password", stolen, new { current_password = "gus-password", new_password = "taken-over" }));
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        await ServerProcess.LoginAsync(client, "gus", "gus-password"); // unchanged; login has its own count
    }

    [Fact]
    public async Task PasswordChange_EndsOtherSessionsKeepsThisOne_AndTheNewPasswordWorks()
    {
        await using ServerProcess server = await ServerProcess.StartAsync();
        using HttpClient client = server.Client();
        string admin = (await ServerProcess.LoginAsync(client, "admin", ServerProcess.AdminPassword)).GetProperty("access_token").GetString()!;
        await client.SendAsync(ServerProcess.Request(HttpMethod.Post, "/admin/api/users", admin, new { username = "erin", password = "erin-password" }));
        string laptop = (await ServerProcess.LoginAsync(client, "erin", "erin-password")).GetProperty("access_token").GetString()!;
        string phone = (await ServerProcess.LoginAsync(client, "erin", "erin-password")).GetProperty("access_token").GetString()!;

        HttpResponseMessage wrong = await client.SendAsync(ServerProcess.Request(HttpMethod.Post, "/auth/password", laptop, new { current_password = "nope", new_password = "erin-new-password" }));
        HttpResponseMessage tooShort = await client.SendAsync(ServerProcess.Request(HttpMethod.Post, "/auth/password", laptop, new { current_password = "erin-password", new_password = "short" }));
        Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, tooShort.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/me", phone))).StatusCode);

        HttpResponseMessage changed = await client.SendAsync(ServerProcess.Request(HttpMethod.Post, "/auth/password", laptop, new { current_password = "erin-password", new_password = "erin-new-password" }));

        Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/me", laptop))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/me", phone))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/auth/login", new { username = "erin", password = "erin-password" })).StatusCode);
        await ServerProcess.LoginAsync(client, "erin", "erin-new-password");
    }

    [Fact]
    public async Task AdminDisable_KillsSessionsAtOnceAndRefusesSignIn_EnableRestores()
    {
        await using ServerProcess server = await ServerProcess.StartAsync();
        using HttpClient client = server.Client();
        string admin = (await ServerProcess.LoginAsync(client, "admin", ServerProcess.AdminPassword)).GetProperty("access_token").GetString()!;
        await client.SendAsync(ServerProcess.Request(HttpMethod.Post, "/admin/api/users", admin, new { username = "frank", password = "frank-password" }));
        string frank = (await ServerProcess.LoginAsync(client, "frank", "frank-password")).GetProperty("access_token").GetString()!;

        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(ServerProcess.Request(HttpMethod.Post, "/admin/api/users/frank/disable", admin))).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/me", frank))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/auth/login", new { username = "frank", password = "frank-password" })).StatusCode);
        JsonElement users = await (await client.SendAsync(ServerProcess.Request(HttpMethod.Get, "/admin/api/users", admin))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(users.EnumerateArray().Single(u => u.GetProperty("username").GetString() == "frank").GetProperty("disabled").GetBoolean());

        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(ServerProcess.Request(HttpMethod.Post, "/admin/api/users/frank/enable", admin))).StatusCode);
        await ServerProcess.LoginAsync(client, "frank", "frank-password");
        Assert.Equal(HttpStatusCode.NotFound, (await client.SendAsync(ServerProcess.Request(HttpMethod.Post, "/admin/api/users/nobody/disable", admin))).StatusCode);

        HttpResponseMessage self = await client.SendAsync(ServerProcess.Request(HttpMethod.Post, "/admin/api/users/admin/disable", admin));
        Assert.Equal(HttpStatusCode.Conflict, self.StatusCode);
        Assert.Equal("cannot_disable_self", (await self.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/me", admin))).StatusCode);
    }

    [Fact]
    public async Task OpenApi_DocumentListsTheApi_AndTheUiIsServed()
    {
        await using ServerProcess server = await ServerProcess.StartAsync();
        using HttpClient client = server.Client();

        JsonElement document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json")).RootElement;
        HttpResponseMessage ui = await client.GetAsync("/openapi/ui/index.html");

        Assert.StartsWith("3.", document.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        JsonElement paths = document.GetProperty("paths");
        foreach (string path in new[] { "/auth/login", "/auth/refresh", "/auth/me", "/auth/session/{key}", "/admin/api/stats", "/auth/introspect", "/.well-known/jwks.json" })
        {
            Assert.True(paths.TryGetProperty(path, out _), path);
        }

        Assert.Equal(HttpStatusCode.OK, ui.StatusCode);
    }

    [Fact]
    public async Task HmacSecretConfigured_SignsWithIt_AndJwksPublishesNoSecret()
    {
        string secret = System.Buffers.Text.Base64Url.EncodeToString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        await using ServerProcess server = await ServerProcess.StartAsync(environment: new Dictionary<string, string?> { ["Tessera__HmacSecret"] = secret });
        using HttpClient client = server.Client();

        string token = (await ServerProcess.LoginAsync(client, "admin", ServerProcess.AdminPassword)).GetProperty("access_token").GetString()!;

        Assert.Equal("HS256", JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(token.Split('.')[0])).RootElement.GetProperty("alg").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/me", token))).StatusCode);
        Assert.Equal("{\"keys\":[]}", await client.GetStringAsync("/.well-known/jwks.json"));
    }

    [Fact]
    public async Task Logs_AfterAFullLifecycle_HoldNoTokenSecretOrPassword()
    {
        await using ServerProcess server = await ServerProcess.StartAsync();
        using HttpClient client = server.Client();
        JsonElement login = await ServerProcess.LoginAsync(client, "admin", ServerProcess.AdminPassword);
        string access = login.GetProperty("access_token").GetString()!;
        string refresh = login.GetProperty("refresh_token").GetString()!;
        await client.PostAsJsonAsync("/auth/login", new { username = "admin", password = "a-wrong-password" });
        await client.PostAsJsonAsync("/auth/refresh", new { refresh_token = refresh });
        await client.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/me", access + "x"));
        await client.SendAsync(ServerProcess.Request(HttpMethod.Post, "/auth/logout", access));

        string logs = server.Output;

        Assert.Contains(login.GetProperty("session_id").GetString()!, logs, StringComparison.Ordinal); // session ids are logged
        foreach (string secret in new[] { access.Split('.')[2], refresh.Split('.')[1], ServerProcess.AdminPassword, "a-wrong-password" })
        {
            Assert.DoesNotContain(secret, logs, StringComparison.Ordinal);
        }
    }

    private static string Kid(string jwks) => JsonDocument.Parse(jwks).RootElement.GetProperty("keys")[0].GetProperty("kid").GetString()!;
}
