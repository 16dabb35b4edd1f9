using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Tessera.AspNetCore.Tests;

/// <summary>The session-data endpoints, HttpContext.Session in app code, and roles through [Authorize].</summary>
public sealed class SessionDataEndpointTests
{
    [Fact]
    public async Task SessionData_PutGetListDelete_RoundTripsJson()
    {
        using var app = new TesseraAppFactory();
        using HttpClient client = app.Client();
        string token = (await TesseraAppFactory.LoginAsync(client)).GetProperty("access_token").GetString()!;

        Assert.Equal(HttpStatusCode.NoContent, (await Send(client, HttpMethod.Put, "/auth/session/cart", token, "{\"items\":[1,2],\"total\":\"3.50\"}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await Send(client, HttpMethod.Put, "/auth/session/theme", token, "\"dark\"")).StatusCode);

        HttpResponseMessage one = await Send(client, HttpMethod.Get, "/auth/session/cart", token);
        HttpResponseMessage all = await Send(client, HttpMethod.Get, "/auth/session", token);

        Assert.Equal("application/json", one.Content.Headers.ContentType?.MediaType);
        Assert.Equal("{\"items\":[1,2],\"total\":\"3.50\"}", await one.Content.ReadAsStringAsync());
        Assert.Equal("{\"cart\":{\"items\":[1,2],\"total\":\"3.50\"},\"theme\":\"dark\"}", await all.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.NoContent, (await Send(client, HttpMethod.Delete, "/auth/session/cart", token)).StatusCode);
        HttpResponseMessage gone = await Send(client, HttpMethod.Get, "/auth/session/cart", token);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal("not_found", (await gone.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await Send(client, HttpMethod.Delete, "/auth/session/never-set", token)).StatusCode);
    }

    [Theory]
    [InlineData("not json", HttpStatusCode.BadRequest)]
    [InlineData("{\"a\":1} {}", HttpStatusCode.BadRequest)]
    [InlineData("", HttpStatusCode.BadRequest)]
    public async Task SessionData_PutInvalidJson_400AndNothingStored(string body, HttpStatusCode status)
    {
        using var app = new TesseraAppFactory();
        using HttpClient client = app.Client();
        string token = (await TesseraAppFactory.LoginAsync(client)).GetProperty("access_token").GetString()!;

        HttpResponseMessage response = await Send(client, HttpMethod.Put, "/auth/session/k", token, body);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("invalid_request", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await Send(client, HttpMethod.Get, "/auth/session/k", token)).StatusCode);
    }

    [Fact]
    public async Task SessionData_OverSizeLimits_413()
    {
        using var app = new TesseraAppFactory();
        using HttpClient client = app.Client();
        string token = (await TesseraAppFactory.LoginAsync(client)).GetProperty("access_token").GetString()!;

        HttpResponseMessage overValue = await Send(client, HttpMethod.Put, "/auth/session/big", token, "\"" + new string('x', 17 * 1024) + "\"");
        HttpResponseMessage overBody = await Send(client, HttpMethod.Put, "/auth/session/huge", token, "\"" + new string('x', 2 * 1024 * 1024) + "\"");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, overValue.StatusCode);
        Assert.Equal("payload_too_large", (await overValue.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, overBody.StatusCode);
    }

    [Fact]
    public async Task SessionData_NoToken_401()
    {
        using var app = new TesseraAppFactory();
        using HttpClient client = app.Client();

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/auth/session")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PutAsync("/auth/session/k", TesseraAppFactory.Json("1"))).StatusCode);
    }

    [Fact]
    public async Task SessionData_ConcurrentWritesOfDifferentKeys_AllSurvive()
    {
        using var app = new TesseraAppFactory();
        using HttpClient client = app.Client();
        string token = (await TesseraAppFactory.LoginAsync(client)).GetProperty("access_token").GetString()!;

        HttpResponseMessage[] writes = await Task.WhenAll(Enumerable.Range(0, 32).Select(i =>
            Send(client, HttpMethod.Put, "/auth/session/k" + i, token, i.ToString(System.Globalization.CultureInfo.InvariantCulture))));

        Assert.All(writes, w => Assert.Equal(HttpStatusCode.NoContent, w.StatusCode));
        JsonElement all = await (await Send(client, HttpMethod.Get, "/auth/session", token)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(32, all.EnumerateObject().Count());
        for (int i = 0; i < 32; i++)
        {
            Assert.Equal(i, all.GetProperty("k" + i).GetInt32());
        }
    }

    [Fact]
    public async Task HttpContextSession_AppCodeUnchanged_ReadsAndWritesTheTokenSession()
    {
        using var app = new TesseraAppFactory();
        using HttpClient client = app.Client();
        string token = (await TesseraAppFactory.LoginAsync(client)).GetProperty("access_token").GetString()!;

        JsonElement first = await (await Send(client, HttpMethod.Get, "/api/orders", token)).Content.ReadFromJsonAsync<JsonElement>();
        JsonElement second = await (await Send(client, HttpMethod.Get, "/api/orders", token)).Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal("alice", first.GetProperty("user").GetString());
        Assert.Equal(1, first.GetProperty("visits").GetInt32());
        Assert.Equal(2, second.GetProperty("visits").GetInt32());
        // SetString stored a JSON string, visible through the HTTP API as such.
        Assert.Equal("\"2\"", await (await Send(client, HttpMethod.Get, "/auth/session/visits", token)).Content.ReadAsStringAsync());

        // Another session of the same user has its own data.
        string other = (await TesseraAppFactory.LoginAsync(client)).GetProperty("access_token").GetString()!;
        JsonElement fresh = await (await Send(client, HttpMethod.Get, "/api/orders", other)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, fresh.GetProperty("visits").GetInt32());
    }

    [Fact]
    public async Task AuthorizeRoles_ReaderForbiddenAdminAllowed()
    {
        using var app = new TesseraAppFactory();
        using HttpClient client = app.Client();
        string reader = (await TesseraAppFactory.LoginAsync(client)).GetProperty("access_token").GetString()!;
        string admin = (await TesseraAppFactory.LoginAsync(client, "admin")).GetProperty("access_token").GetString()!;

        HttpResponseMessage forbidden = await Send(client, HttpMethod.Get, "/api/admin", reader);
        HttpResponseMessage allowed = await Send(client, HttpMethod.Get, "/api/admin", admin);
        HttpResponseMessage anonymous = await client.GetAsync("/api/admin");

        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal("insufficient_scope", (await forbidden.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal("admin", (await allowed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("admin").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);
    }

    private static Task<HttpResponseMessage> Send(HttpClient client, HttpMethod method, string path, string token, string? json = null) =>
        client.SendAsync(TesseraAppFactory.Request(method, path, token, json is null ? null : TesseraAppFactory.Json(json)));
}
