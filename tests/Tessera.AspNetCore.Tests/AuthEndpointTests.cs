using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Tessera.AspNetCore.Tests;

/// <summary>Login, refresh, logout, me and sessions over Bearer tokens, success and failure paths (API.md).</summary>
public sealed class AuthEndpointTests
{
    [Fact]
    public async Task Login_RightPassword_TokenResponseWithRfc6749NamesAndNoStore()
    {
        using var app = new TesseraAppFactory();
        using HttpClient client = app.Client();

        HttpResponseMessage response = await client.PostAsJsonAsync("/auth/login", new { username = "alice", password = TesseraAppFactory.AlicePassword });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        JsonElement body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Bearer", body.GetProperty("token_type").GetString());
        Assert.Equal(300, body.GetProperty("expires_in").GetInt64());
        Assert.True(body.GetProperty("refresh_expires_in").GetInt64() > 0);
        string sid = body.GetProperty("session_id").GetString()!;
        Assert.StartsWith(sid + ".", body.GetProperty("refresh_token").GetString(), StringComparison.Ordinal);
        Assert.Equal(3, body.GetProperty("access_token").GetString()!.Split('.').Length);
    }

    [Fact]
    public async Task Login_UnknownUserOrWrongPassword_SameProblem401()
    {
        using var app = new TesseraAppFactory();
        using HttpClient client = app.Client();

        HttpResponseMessage unknown = await client.PostAsJsonAsync("/auth/login", new { username = "nobody", password = "x" });
        HttpResponseMessage wrong = await client.PostAsJsonAsync("/auth/login", new { username = "alice", password = "x" });

        foreach (HttpResponseMessage response in new[] { unknown, wrong })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        Assert.Equal(await unknown.Content.ReadAsStringAsync(), await wrong.Content.ReadAsStringAsync());
        Assert.Equal("invalid_credentials", (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"username\":\"alice\"")]
    [InlineData("{\"username\":\"alice\"}")]
    [InlineData("{\"username\":5,\"password\":\"x\"}")]
    [InlineData("[]")]
    [InlineData("")]
    [InlineData("{\"username\":\"\",\"password\":\"x\"}")]
    public async Task Login_MalformedBody_400InvalidRequest(string body)
    {
        using var app = new TesseraAppFactory();
        using HttpClient client = app.Client();

        HttpResponseMessage response = await client.PostAsync("/auth/login", TesseraAppFactory.Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Login_HugeBodyOrBadMode_413Or400()
    {
        using var app = new TesseraAppFactory();
        using HttpClient client = app.Client();

        HttpResponseMessage huge = await client.PostAsync("/auth/login", TesseraAppFactory.Json("{\"username\":\"" + new string('a', 20_000) + "\",\"password\":\"x\"}"));
        HttpResponseMessage mode = await client.PostAsJsonAsync("/auth/login?mode=soap", new { username = "alice", password = TesseraAppFactory.AlicePassword });

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, mode.StatusCode);
    }

    [Fact]
    public async Task Me_WithToken_UserSessionAndRoles()
    {
        using var app = new TesseraAppFactory();
        using HttpClient client = app.Client();
        JsonElement login = await TesseraAppFactory.LoginAsync(client, "admin");

        HttpResponseMessage response = await client.SendAsync(TesseraAppFactory.Request(HttpMethod.Get, "/auth/me", login.GetProperty("access_token").GetString()));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonElement me = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("u-admin", me.GetProperty("sub").GetString());
        Assert.Equal("admin", me.GetProperty("username").GetString());
        Assert.Equal(login.GetProperty("session_id").GetString(), me.GetProperty("sid").GetString());
        Assert.Equal(["reader", "admin"], me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.False(me.TryGetProperty("csrf_token", out _));
    }

    [Fact]
    public async Task Me_NoToken_401BearerChallengeWithoutErrorCode()
    {
        using var app = new TesseraAppFactory();
        using HttpClient client = app.Client();

        HttpResponseMessage response = await client.GetAsync("/auth/me");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("a.b.c")]
    public async Task Me_BadToken_401InvalidToken(string token)
    {
        using var app = new TesseraAppFactory();
        using HttpClient client = app.Client();

        HttpResponseMessage response = await client.SendAsync(TesseraAppFactory.Request(HttpMethod.Get, "/auth/me", token));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.StartsWith("Bearer error=\"invalid_token\", error_description=", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal("invalid_token", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("Bearer {0}", 200, null)]
    [InlineData("bearer {0}", 200, null)] // the scheme name is case-insensitive (RFC 9110 §11.1)
    [InlineData("Bearer   {0}  ", 200, null)]
    [InlineData("Bearer {0}x", 401, "invalid_token")]
    [InlineData("Bearer ", 401, "")] // a field value loses its trailing whitespace: "Bearer" alone carries no token
    [InlineData("Bearer", 401, "")]
    [InlineData("Basic {0}", 401, "")] // another scheme's credential: no Bearer token at all
    public async Task Me_AuthorizationHeaderForms(string header, int status, string? error)
    {
        using var app = new TesseraAppFactory();
        using HttpClient client = app.Client();
        string token = (await TesseraAppFactory.LoginAsync(client)).GetProperty("access_token").GetString()!;
        using var request = new HttpRequestMessage(HttpMethod.Get, "/auth/me");
        Assert.True(request.Headers.TryAddWithoutValidation("Authorization", string.Format(CultureInfo.InvariantCulture, header, token)));

        HttpResponseMessage response = await client.SendAsync(request);

        Assert.Equal(status, (int)response.StatusCode);
        if (error is "")
        {
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
        }
        else if (error is not null)
        {
            Assert.StartsWith($"Bearer error=\"{error}\"", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Me_TokenPastExp_401TokenExpired()
    {
        using var app = new TesseraAppFactory(new() { ["Tessera:IdleTimeout"] = "01:00:00" });
        using HttpClient client = app.Client();
        string token = (await TesseraAppFactory.LoginAsync(client)).GetProperty("access_token").GetString()!;

        app.Time.Advance(TimeSpan.FromMinutes(6));
        HttpResponseMessage response = await client.SendAsync(TesseraAppFactory.Request(HttpMethod.Get, "/auth/me", token));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("token_expired", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Refresh_BodyToken_NewTokensOldSpentThenReuseRevokes()
    {
        using var app = new TesseraAppFactory();
        using HttpClient client = app.Client();
        JsonElement login = await TesseraAppFactory.LoginAsync(client);
        string first = login.GetProperty("refresh_token").GetString()!;

        HttpResponseMessage refreshed = await client.PostAsJsonAsync("/auth/refresh", new { refresh_token = first });
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        Assert.Equal("no-store", refreshed.Headers.CacheControl?.ToString());
        JsonElement next = await refreshed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.NotEqual(first, next.GetProperty("refresh_token").GetString());

        app.Time.Advance(TimeSpan.FromMinutes(1)); // past the 30 s grace
        HttpResponseMessage reuse = await client.PostAsJsonAsync("/auth/refresh", new { refresh_token = first });
        HttpResponseMessage me = await client.SendAsync(TesseraAppFactory.Request(HttpMethod.Get, "/auth/me", next.GetProperty("access_token").GetString()));

        Assert.Equal(HttpStatusCode.Unauthorized, reuse.StatusCode);
        Assert.Equal("invalid_grant", (await reuse.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);
        Assert.Equal("session_revoked", (await me.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("{\"refresh_token\":\"nope\"}", HttpStatusCode.Unauthorized, "invalid_grant")]
    [InlineData("{\"refresh_token\":5}", HttpStatusCode.BadRequest, "invalid_request")]
    [InlineData("{}", HttpStatusCode.BadRequest, "invalid_request")]
    [InlineData("", HttpStatusCode.BadRequest, "invalid_request")]
    [InlineData("{", HttpStatusCode.BadRequest, "invalid_request")]
    public async Task Refresh_BadInput_ProblemWithStableError(string body, HttpStatusCode status, string error)
    {
        using var app = new TesseraAppFactory();
        using HttpClient client = app.Client();

        HttpResponseMessage response = await client.PostAsync("/auth/refresh", TesseraAppFactory.Json(body));

        Assert.Equal(status, response.StatusCode);
        Assert.Equal(error, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Logout_Scopes_EndTheRightSessions()
    {
        using var app = new TesseraAppFactory();
        using HttpClient client = app.Client();
        string a = (await TesseraAppFactory.LoginAsync(client)).GetProperty("access_token").GetString()!;
        string b = (await TesseraAppFactory.LoginAsync(client)).GetProperty("access_token").GetString()!;
        string c = (await TesseraAppFactory.LoginAsync(client)).GetProperty("access_token").GetString()!;
        string admin = (await TesseraAppFactory.LoginAsync(client, "admin")).GetProperty("access_token").GetString()!;

        Assert.Equal(HttpStatusCode.BadRequest, (await client.SendAsync(TesseraAppFactory.Request(HttpMethod.Post, "/auth/logout?scope=some", a))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(TesseraAppFactory.Request(HttpMethod.Post, "/auth/logout?scope=others", a))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(TesseraAppFactory.Request(HttpMethod.Get, "/auth/me", a))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(TesseraAppFactory.Request(HttpMethod.Get, "/auth/me", b))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(TesseraAppFactory.Request(HttpMethod.Get, "/auth/me", c))).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(TesseraAppFactory.Request(HttpMethod.Post, "/auth/logout", a))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(TesseraAppFactory.Request(HttpMethod.Get, "/auth/me", a))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(TesseraAppFactory.Request(HttpMethod.Get, "/auth/me", admin))).StatusCode);

        string d = (await TesseraAppFactory.LoginAsync(client)).GetProperty("access_token").GetString()!;
        string e = (await TesseraAppFactory.LoginAsync(client)).GetProperty("access_token").GetString()!;
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(TesseraAppFactory.Request(HttpMethod.Post, "/auth/logout?scope=all", d))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(TesseraAppFactory.Request(HttpMethod.Get, "/auth/me", d))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(TesseraAppFactory.Request(HttpMethod.Get, "/auth/me", e))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(TesseraAppFactory.Request(HttpMethod.Post, "/auth/logout", d))).StatusCode);
    }

    [Theory]
    [InlineData("/auth/me")]
    [InlineData("/auth/sessions")]
    [InlineData("/auth/session")]
    [InlineData("/auth/session/absent")]
    public async Task AuthenticatedAnswers_AreNeverCached(string path)
    {
        using var app = new TesseraAppFactory();
        using HttpClient client = app.Client();
        string token = (await TesseraAppFactory.LoginAsync(client)).GetProperty("access_token").GetString()!;

        HttpResponseMessage response = await client.SendAsync(TesseraAppFactory.Request(HttpMethod.Get, path, token));

        Assert.NotEqual(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.True(response.Headers.CacheControl?.NoStore, $"{path}: Cache-Control is '{response.Headers.CacheControl}'");
    }

    [Theory]
    [InlineData("/auth/logout")]
    [InlineData("/auth/logout?scope=all")]
    public async Task Logout_ClientLeavesJustBeforeTheRemoval_StillSignsOut(string path)
    {
        using var leaving = new ClientLeavesBeforeRemoval();
        using var app = new TesseraAppFactory(configureServices: leaving.Install);
        using HttpClient client = app.Client();
        string token = (await TesseraAppFactory.LoginAsync(client)).GetProperty("access_token").GetString()!;
        HttpRequestMessage logout = TesseraAppFactory.Request(HttpMethod.Post, path, token);
        logout.Headers.Add(ClientLeavesBeforeRemoval.Header, "1");

        HttpResponseMessage response = await client.SendAsync(logout);

        Assert.True(leaving.Left);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(TesseraAppFactory.Request(HttpMethod.Get, "/auth/me", token))).StatusCode);
    }

    [Fact]
    public async Task Sessions_ListOwnAndEndOne_OthersSessionsAre404()
    {
        using var app = new TesseraAppFactory();
        using HttpClient client = app.Client();
        JsonElement current = await TesseraAppFactory.LoginAsync(client);
        JsonElement other = await TesseraAppFactory.LoginAsync(client);
        JsonElement admin = await TesseraAppFactory.LoginAsync(client, "admin");
        string token = current.GetProperty("access_token").GetString()!;

        HttpResponseMessage list = await client.SendAsync(TesseraAppFactory.Request(HttpMethod.Get, "/auth/sessions", token));
        JsonElement[] sessions = [.. (await list.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray()];

        Assert.Equal(2, sessions.Length);
        Assert.Single(sessions, s => s.GetProperty("current").GetBoolean() && s.GetProperty("session_id").GetString() == current.GetProperty("session_id").GetString());
        Assert.All(sessions, s => Assert.True(s.TryGetProperty("created_at", out _) && s.TryGetProperty("last_seen_at", out _) && s.TryGetProperty("ip", out _) && s.TryGetProperty("user_agent", out _)));

        HttpResponseMessage foreign = await client.SendAsync(TesseraAppFactory.Request(HttpMethod.Delete, "/auth/sessions/" + admin.GetProperty("session_id").GetString(), token));
        HttpResponseMessage unknown = await client.SendAsync(TesseraAppFactory.Request(HttpMethod.Delete, "/auth/sessions/nope", token));
        HttpResponseMessage own = await client.SendAsync(TesseraAppFactory.Request(HttpMethod.Delete, "/auth/sessions/" + other.GetProperty("session_id").GetString(), token));

        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, own.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(TesseraAppFactory.Request(HttpMethod.Get, "/auth/me", other.GetProperty("access_token").GetString()))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(TesseraAppFactory.Request(HttpMethod.Get, "/auth/me", admin.GetProperty("access_token").GetString()))).StatusCode);
    }

    [Fact]
    public async Task Kick_ThroughTheService_NextRequestIs401SessionRevoked()
    {
        using var app = new TesseraAppFactory();
        using HttpClient client = app.Client();
        string token = (await TesseraAppFactory.LoginAsync(client)).GetProperty("access_token").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(TesseraAppFactory.Request(HttpMethod.Get, "/api/orders", token))).StatusCode);

        await app.Tokens.RevokeUserSessionsAsync("u-alice");

        HttpResponseMessage response = await client.SendAsync(TesseraAppFactory.Request(HttpMethod.Get, "/api/orders", token));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("session_revoked", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Login_Throttled_429WithRetryAfter()
    {
        using var app = new TesseraAppFactory(new() { ["Tessera:LoginLimits:PerUser"] = "3" });
        using HttpClient client = app.Client();
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/auth/login", new { username = "alice", password = "guess" })).StatusCode);
        }

        HttpResponseMessage throttled = await client.PostAsJsonAsync("/auth/login", new { username = "ALICE", password = TesseraAppFactory.AlicePassword });
        HttpResponseMessage otherUser = await client.PostAsJsonAsync("/auth/login", new { username = "admin", password = TesseraAppFactory.AdminPassword });

        Assert.Equal((HttpStatusCode)429, throttled.StatusCode);
        Assert.True(throttled.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal("too_many_requests", (await throttled.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.OK, otherUser.StatusCode);
    }

    [Fact]
    public async Task Login_ThrottledPerClient_429()
    {
        using var app = new TesseraAppFactory(new() { ["Tessera:LoginLimits:PerClient"] = "2" });
        using HttpClient client = app.Client();
        await client.PostAsJsonAsync("/auth/login", new { username = "a", password = "x" });
        await client.PostAsJsonAsync("/auth/login", new { username = "b", password = "x" });

        HttpResponseMessage response = await client.PostAsJsonAsync("/auth/login", new { username = "alice", password = TesseraAppFactory.AlicePassword });

        Assert.Equal((HttpStatusCode)429, response.StatusCode);
    }

    [Fact]
    public void Startup_BadOptions_OneErrorListingEveryProblem()
    {
        using var app = new TesseraAppFactory(new()
        {
            ["Tessera:Issuer"] = "",
            ["Tessera:AccessTokenLifetime"] = "00:00:00",
            ["Tessera:Cookies:SameSite"] = "None",
            ["Tessera:HmacSecret"] = "short",
        });

        Exception error = Assert.ThrowsAny<Exception>(() => app.Client());

        string message = error.ToString();
        foreach (string part in new[] { "Issuer", "AccessTokenLifetime", "SameSite", "HmacSecret" })
        {
            Assert.Contains(part, message, StringComparison.Ordinal);
        }
    }
}
