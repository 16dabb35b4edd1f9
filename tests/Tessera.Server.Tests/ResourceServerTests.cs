using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Tessera.Server.Tests;

/// <summary>Introspection (RFC 7662), revocation (RFC 7009) and /metrics on the real server process.</summary>
public sealed class ResourceServerTests
{
    private const string ClientSecret = "resource-secret-for-tests";
    private static readonly Dictionary<string, string?> Client = new()
    {
        ["Tessera__ResourceClient__Id"] = "orders-api",
        ["Tessera__ResourceClient__Secret"] = ClientSecret,
    };

    [Fact]
    public async Task Introspect_AccessAndRefreshTokens_ActiveUntilTheSessionEnds()
    {
        await using ServerProcess server = await ServerProcess.StartAsync(environment: Client);
        using HttpClient client = server.Client();
        JsonElement login = await ServerProcess.LoginAsync(client, "admin", ServerProcess.AdminPassword);
        string access = login.GetProperty("access_token").GetString()!;
        string refresh = login.GetProperty("refresh_token").GetString()!;

        JsonElement active = await IntrospectAsync(client, access, "orders-api", ClientSecret);
        Assert.True(active.GetProperty("active").GetBoolean());
        Assert.Equal("access_token", active.GetProperty("token_type").GetString());
        Assert.Equal(login.GetProperty("session_id").GetString(), active.GetProperty("sid").GetString());
        Assert.Equal("admin", active.GetProperty("username").GetString());
        Assert.True(active.GetProperty("exp").GetInt64() > active.GetProperty("iat").GetInt64());
        JsonElement refreshInfo = await IntrospectAsync(client, refresh, "orders-api", ClientSecret, hint: "refresh_token");
        Assert.True(refreshInfo.GetProperty("active").GetBoolean());
        Assert.Equal("refresh_token", refreshInfo.GetProperty("token_type").GetString());
        long refreshLifetime = refreshInfo.GetProperty("exp").GetInt64() - refreshInfo.GetProperty("iat").GetInt64();
        Assert.InRange(refreshLifetime, login.GetProperty("refresh_expires_in").GetInt64() - 1, login.GetProperty("refresh_expires_in").GetInt64() + 1); // the refresh window, not the session's idle expiry

        // A wrong hint only orders the search (RFC 7662 §2.1): both tokens are still found.
        Assert.Equal("access_token", (await IntrospectAsync(client, access, "orders-api", ClientSecret, hint: "refresh_token")).GetProperty("token_type").GetString());
        Assert.Equal("refresh_token", (await IntrospectAsync(client, refresh, "orders-api", ClientSecret, hint: "access_token")).GetProperty("token_type").GetString());

        JsonElement garbage = await IntrospectAsync(client, "garbage", "orders-api", ClientSecret);
        Assert.Equal("{\"active\":false}", garbage.GetRawText());

        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(ServerProcess.Request(HttpMethod.Post, "/auth/logout", access))).StatusCode);
        Assert.Equal("{\"active\":false}", (await IntrospectAsync(client, access, "orders-api", ClientSecret)).GetRawText());
        Assert.Equal("{\"active\":false}", (await IntrospectAsync(client, refresh, "orders-api", ClientSecret)).GetRawText());
    }

    [Fact]
    public async Task IntrospectAndRevoke_WithoutTheClientSecret_401InvalidClient()
    {
        await using ServerProcess server = await ServerProcess.StartAsync(environment: Client);
        using HttpClient client = server.Client();
        string access = (await ServerProcess.LoginAsync(client, "admin", ServerProcess.AdminPassword)).GetProperty("access_token").GetString()!;

        foreach (string path in new[] { "/auth/introspect", "/auth/revoke" })
        {
            foreach ((string id, string secret) in new[] { ("orders-api", "wrong"), ("other", ClientSecret) })
            {
                HttpResponseMessage response = await client.SendAsync(Form(path, access, id, secret));
                Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
                Assert.Equal("invalid_client", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
            }

            Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsync(path, new FormUrlEncodedContent([new("token", access)]))).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/me", access))).StatusCode); // nothing revoked
    }

    [Fact]
    public async Task Introspect_NoSecretConfigured_RefusedToEveryone()
    {
        await using ServerProcess server = await ServerProcess.StartAsync();
        using HttpClient client = server.Client();

        HttpResponseMessage response = await client.SendAsync(Form("/auth/introspect", "x", "resource-server", ""));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Revoke_RefreshOrAccessToken_EndsTheSession_UnknownTokenIs200()
    {
        await using ServerProcess server = await ServerProcess.StartAsync(environment: Client);
        using HttpClient client = server.Client();
        JsonElement first = await ServerProcess.LoginAsync(client, "admin", ServerProcess.AdminPassword);
        JsonElement second = await ServerProcess.LoginAsync(client, "admin", ServerProcess.AdminPassword);

        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Form("/auth/revoke", "unknown-token", "orders-api", ClientSecret))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Form("/auth/revoke", first.GetProperty("refresh_token").GetString()!, "orders-api", ClientSecret))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Form("/auth/revoke", second.GetProperty("access_token").GetString()!, "orders-api", ClientSecret))).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/me", first.GetProperty("access_token").GetString()))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/me", second.GetProperty("access_token").GetString()))).StatusCode);
    }

    [Fact]
    public async Task Metrics_PrometheusText_CountsSignInsAndLiveSessions()
    {
        await using ServerProcess server = await ServerProcess.StartAsync();
        using HttpClient client = server.Client();
        await ServerProcess.LoginAsync(client, "admin", ServerProcess.AdminPassword);
        await client.PostAsJsonAsync("/auth/login", new { username = "admin", password = "wrong-password" });

        string text = await client.GetStringAsync("/metrics");
        for (int attempt = 0; attempt < 20 && !text.Contains("tessera_sessions_active", StringComparison.Ordinal); attempt++)
        {
            await Task.Delay(250); // the exporter collects on scrape; the first scrape may race the meter's registration
            text = await client.GetStringAsync("/metrics");
        }

        Assert.Contains("tessera_sign_ins_total{", text, StringComparison.Ordinal);
        Assert.Matches(@"tessera_sign_ins_total\{[^}]*tessera_result=""success""[^}]*\} 1", text);
        Assert.Matches(@"tessera_sign_ins_total\{[^}]*tessera_result=""invalid_credentials""[^}]*\} 1", text);
        Assert.Matches(@"tessera_sessions_active(_sessions)?(\{[^}]*\})? 1", text);
        Assert.DoesNotContain(ServerProcess.AdminPassword, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IntrospectAndRevoke_BodiesThatAreNotASmallUrlEncodedForm_400NotA500()
    {
        await using ServerProcess server = await ServerProcess.StartAsync(environment: Client);
        using HttpClient client = server.Client();
        string access = (await ServerProcess.LoginAsync(client, "admin", ServerProcess.AdminPassword)).GetProperty("access_token").GetString()!;
        var bodies = new Func<HttpContent>[]
        {
            () => new StringContent("token=" + access, Encoding.UTF8, "multipart/form-data"), // no boundary
            () => new StringContent("{\"token\":\"" + access + "\"}", Encoding.UTF8, "application/json"),
            () => new ChunkedForm("token=" + new string('a', 64 * 1024)), // no Content-Length, past the limit
        };

        foreach (string path in new[] { "/auth/introspect", "/auth/revoke" })
        {
            foreach (Func<HttpContent> body in bodies)
            {
                HttpRequestMessage request = Form(path, access, "orders-api", ClientSecret);
                request.Content = body();
                HttpResponseMessage response = await client.SendAsync(request);
                Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
                Assert.Equal("invalid_request", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
            }
        }

        Assert.True((await IntrospectAsync(client, access, "orders-api", ClientSecret)).GetProperty("active").GetBoolean()); // nothing was revoked
    }

    private static async Task<JsonElement> IntrospectAsync(HttpClient client, string token, string id, string secret, string? hint = null)
    {
        HttpResponseMessage response = await client.SendAsync(Form("/auth/introspect", token, id, secret, hint));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static HttpRequestMessage Form(string path, string token, string id, string secret, string? hint = null)
    {
        var fields = new List<KeyValuePair<string, string>> { new("token", token) };
        if (hint is not null)
        {
            fields.Add(new("token_type_hint", hint));
        }

        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(fields) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(id + ":" + secret)));
        return request;
    }
}

/// <summary>A URL-encoded form sent without Content-Length (chunked), as a client streaming its body would.</summary>
internal sealed class ChunkedForm : HttpContent
{
    private readonly byte[] _body;

    public ChunkedForm(string body)
    {
        _body = Encoding.UTF8.GetBytes(body);
        Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
    }

    protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) => stream.WriteAsync(_body).AsTask();

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false; // so the request is chunked
    }
}
