using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Tessera.AspNetCore.Tests;

/// <summary>Cookie mode for browsers: cookie attributes, CSRF proof on unsafe methods, refresh and logout from cookies.</summary>
public sealed class CookieModeTests
{
    private const string SameOrigin = "http://localhost";

    [Fact]
    public async Task LoginCookieMode_SetsHardenedCookiesAndNamesCsrfHeader()
    {
        using var app = new TesseraAppFactory();
        using HttpClient client = app.Client();

        HttpResponseMessage response = await client.SendAsync(LoginRequest("alice", TesseraAppFactory.AlicePassword, SameOrigin));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        string[] cookies = [.. response.Headers.GetValues("Set-Cookie")];
        string access = Assert.Single(cookies, c => c.StartsWith("__Host-tessera-access=", StringComparison.Ordinal));
        string refresh = Assert.Single(cookies, c => c.StartsWith("__Secure-tessera-refresh=", StringComparison.Ordinal));
        foreach (string cookie in new[] { access, refresh })
        {
            Assert.Contains("; secure", cookie, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("; httponly", cookie, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("; samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("domain=", cookie, StringComparison.OrdinalIgnoreCase);
        }

        Assert.Contains("; path=/;", access + ";", StringComparison.OrdinalIgnoreCase);
        Assert.Contains("; path=/auth/refresh", refresh, StringComparison.OrdinalIgnoreCase);
        JsonElement body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("cookie", body.GetProperty("token_type").GetString());
        Assert.Equal("X-CSRF-Token", body.GetProperty("csrf_header").GetString());
        Assert.Equal(43, body.GetProperty("csrf_token").GetString()!.Length);
        Assert.False(body.TryGetProperty("access_token", out _)); // the tokens stay out of reach of scripts
        Assert.False(body.TryGetProperty("refresh_token", out _));
    }

    [Fact]
    public async Task CookieSession_SafeMethodsNeedNoCsrf_MeReturnsTheToken()
    {
        using var app = new TesseraAppFactory();
        using HttpClient client = app.Client();
        Browser browser = await Browser.LoginAsync(client);

        HttpResponseMessage me = await client.SendAsync(browser.Request(HttpMethod.Get, "/auth/me"));

        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        JsonElement body = await me.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("cookie", body.GetProperty("transport").GetString());
        Assert.Equal(browser.Csrf, body.GetProperty("csrf_token").GetString());
    }

    [Fact]
    public async Task CookieSession_SameOriginWithHeader_Passes()
    {
        using var app = new TesseraAppFactory();
        using HttpClient client = app.Client();
        Browser browser = await Browser.LoginAsync(client);

        HttpRequestMessage fetch = browser.Request(HttpMethod.Put, "/auth/session/theme", "\"dark\"", csrf: browser.Csrf, origin: SameOrigin, fetchSite: "same-origin");
        HttpRequestMessage viaOrigin = browser.Request(HttpMethod.Put, "/auth/session/lang", "\"en\"", csrf: browser.Csrf, origin: SameOrigin);

        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(fetch)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(viaOrigin)).StatusCode);
        Assert.Equal("\"dark\"", await (await client.SendAsync(browser.Request(HttpMethod.Get, "/auth/session/theme"))).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task CookieSession_CrossSiteFormPost_Refused()
    {
        using var app = new TesseraAppFactory();
        using HttpClient client = app.Client();
        Browser browser = await Browser.LoginAsync(client);

        // What a browser sends for a form on another site posting here: the cookies ride along, no custom header.
        HttpRequestMessage form = browser.Request(HttpMethod.Post, "/auth/logout", origin: "https://evil.example", fetchSite: "cross-site");
        form.Content = new FormUrlEncodedContent([new("scope", "all")]);
        HttpResponseMessage response = await client.SendAsync(form);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("csrf_failed", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(browser.Request(HttpMethod.Get, "/auth/me"))).StatusCode); // still signed in

        // Even with the right token, a cross-site origin is refused.
        HttpRequestMessage withToken = browser.Request(HttpMethod.Post, "/auth/logout", csrf: browser.Csrf, origin: "https://evil.example", fetchSite: "cross-site");
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(withToken)).StatusCode);
    }

    [Fact]
    public async Task CookieSession_MissingOrStolenCsrfToken_Refused()
    {
        using var app = new TesseraAppFactory();
        using HttpClient client = app.Client();
        Browser victim = await Browser.LoginAsync(client);
        Browser attacker = await Browser.LoginAsync(client, "admin");

        HttpRequestMessage missing = victim.Request(HttpMethod.Put, "/auth/session/x", "1", origin: SameOrigin, fetchSite: "same-origin");
        HttpRequestMessage stolen = victim.Request(HttpMethod.Put, "/auth/session/x", "1", csrf: attacker.Csrf, origin: SameOrigin, fetchSite: "same-origin");
        HttpRequestMessage garbage = victim.Request(HttpMethod.Put, "/auth/session/x", "1", csrf: "AAAA", origin: SameOrigin, fetchSite: "same-origin");
        HttpRequestMessage noOrigin = victim.Request(HttpMethod.Put, "/auth/session/x", "1", csrf: victim.Csrf);

        foreach (HttpRequestMessage request in new[] { missing, stolen, garbage, noOrigin })
        {
            HttpResponseMessage response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await client.SendAsync(victim.Request(HttpMethod.Get, "/auth/session/x"))).StatusCode);
    }

    [Fact]
    public async Task BearerRequests_NeedNoCsrf()
    {
        using var app = new TesseraAppFactory();
        using HttpClient client = app.Client();
        string token = (await TesseraAppFactory.LoginAsync(client)).GetProperty("access_token").GetString()!;

        HttpRequestMessage request = TesseraAppFactory.Request(HttpMethod.Put, "/auth/session/x", token, TesseraAppFactory.Json("1"));
        request.Headers.Add("Origin", "https://elsewhere.example");

        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task CookieRefresh_WithCsrf_RotatesCookies_WithoutIsRefused()
    {
        using var app = new TesseraAppFactory();
        using HttpClient client = app.Client();
        Browser browser = await Browser.LoginAsync(client);

        HttpResponseMessage refused = await client.SendAsync(browser.Request(HttpMethod.Post, "/auth/refresh", origin: SameOrigin, fetchSite: "same-origin", sendRefresh: true));
        HttpResponseMessage refreshed = await client.SendAsync(browser.Request(HttpMethod.Post, "/auth/refresh", csrf: browser.Csrf, origin: SameOrigin, fetchSite: "same-origin", sendRefresh: true));

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        Browser next = Browser.From(refreshed, (await refreshed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("csrf_token").GetString()!);
        Assert.NotEqual(browser.Refresh, next.Refresh);
        Assert.Equal(browser.Csrf, next.Csrf); // same session, same CSRF token
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(next.Request(HttpMethod.Get, "/auth/me"))).StatusCode);
    }

    [Fact]
    public async Task CookieLogout_EndsSessionAndClearsCookies()
    {
        using var app = new TesseraAppFactory();
        using HttpClient client = app.Client();
        Browser browser = await Browser.LoginAsync(client);

        HttpResponseMessage response = await client.SendAsync(browser.Request(HttpMethod.Post, "/auth/logout", csrf: browser.Csrf, origin: SameOrigin, fetchSite: "same-origin"));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        string[] cleared = [.. response.Headers.GetValues("Set-Cookie")];
        Assert.Contains(cleared, c => c.StartsWith("__Host-tessera-access=;", StringComparison.Ordinal) && c.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(cleared, c => c.StartsWith("__Secure-tessera-refresh=;", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(browser.Request(HttpMethod.Get, "/auth/me"))).StatusCode);
    }

    [Theory]
    [InlineData("https://evil.example", "cross-site")] // a form on another site, posted by the victim's browser
    [InlineData("https://evil.example", null)] // a browser without fetch metadata
    [InlineData(null, null)] // no proof of origin at all: refused, closed
    public async Task LoginCookieMode_NotFromTheAppsOrigin_RefusedWithoutCookies(string? origin, string? fetchSite)
    {
        using var app = new TesseraAppFactory();
        using HttpClient client = app.Client();
        HttpRequestMessage request = LoginRequest("alice", TesseraAppFactory.AlicePassword, origin);
        if (fetchSite is not null)
        {
            request.Headers.Add("Sec-Fetch-Site", fetchSite);
        }

        HttpResponseMessage response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("csrf_failed", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        Assert.False(response.Headers.Contains("Set-Cookie"));
        // A token-mode login carries no cookie, so it needs no origin.
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/auth/login", new { username = "alice", password = TesseraAppFactory.AlicePassword })).StatusCode);
    }

    private static HttpRequestMessage LoginRequest(string user, string password, string? origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/auth/login?mode=cookie") { Content = JsonContent.Create(new { username = user, password }) };
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        return request;
    }

    /// <summary>The cookies and CSRF token a browser would hold after a cookie-mode login.</summary>
    private sealed record Browser(string Access, string Refresh, string Csrf)
    {
        public static async Task<Browser> LoginAsync(HttpClient client, string user = "alice")
        {
            HttpResponseMessage response = await client.SendAsync(LoginRequest(user, user == "admin" ? TesseraAppFactory.AdminPassword : TesseraAppFactory.AlicePassword, SameOrigin));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return From(response, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("csrf_token").GetString()!);
        }

        public static Browser From(HttpResponseMessage response, string csrf)
        {
            string[] cookies = [.. response.Headers.GetValues("Set-Cookie")];
            return new Browser(Value(cookies, "__Host-tessera-access"), Value(cookies, "__Secure-tessera-refresh"), csrf);
        }

        public HttpRequestMessage Request(HttpMethod method, string path, string? json = null, string? csrf = null, string? origin = null, string? fetchSite = null, bool sendRefresh = false)
        {
            var request = new HttpRequestMessage(method, path) { Content = json is null ? null : TesseraAppFactory.Json(json) };
            // The browser sends the refresh cookie only to its path.
            request.Headers.Add("Cookie", sendRefresh ? $"__Host-tessera-access={Access}; __Secure-tessera-refresh={Refresh}" : $"__Host-tessera-access={Access}");
            if (csrf is not null)
            {
                request.Headers.Add("X-CSRF-Token", csrf);
            }

            if (origin is not null)
            {
                request.Headers.Add("Origin", origin);
            }

            if (fetchSite is not null)
            {
                request.Headers.Add("Sec-Fetch-Site", fetchSite);
            }

            return request;
        }

        private static string Value(string[] cookies, string name) =>
            cookies.Single(c => c.StartsWith(name + "=", StringComparison.Ordinal)).Split(';')[0][(name.Length + 1)..];
    }
}
