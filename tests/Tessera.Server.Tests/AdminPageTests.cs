using System.Net;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Tessera.Server.Tests;

/// <summary>The admin page in real headless Chromium (Debian's, installed by the test command) against the real server.</summary>
public sealed class AdminPageTests
{
    private const string ChromiumPath = "/usr/bin/chromium";

    [Fact]
    public async Task AdminPage_SignInSeeCountKickUser_RowDisappearsAndTheirTokenIsRejected()
    {
        Assert.True(File.Exists(ChromiumPath), $"{ChromiumPath} is missing: run ./test.sh, which installs Debian's chromium (apt-get install chromium).");
        await using ServerProcess server = await ServerProcess.StartAsync();
        using HttpClient client = server.Client();
        string admin = (await ServerProcess.LoginAsync(client, "admin", ServerProcess.AdminPassword)).GetProperty("access_token").GetString()!;
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(ServerProcess.Request(HttpMethod.Post, "/admin/api/users", admin, new { username = "grace", password = "grace-password" }))).StatusCode);
        string grace = (await ServerProcess.LoginAsync(client, "grace", "grace-password")).GetProperty("access_token").GetString()!;

        using IPlaywright playwright = await Playwright.CreateAsync();
        await using IBrowser browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        IPage page = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(server.BaseAddress, "/admin").ToString());

        // A wrong password first: the page says so and stays on the form.
        await page.FillAsync("#username", "admin");
        await page.FillAsync("#password", "wrong-password");
        await page.ClickAsync("#sign-in button[type=submit]");
        await Expect(page.Locator("#sign-in-error")).ToHaveTextAsync("Wrong user name or password.");
        await Expect(page.Locator("#dashboard")).ToBeHiddenAsync();

        await page.FillAsync("#password", ServerProcess.AdminPassword);
        await page.ClickAsync("#sign-in button[type=submit]");
        await Expect(page.Locator("#dashboard")).ToBeVisibleAsync();
        await Expect(page.Locator("#sign-in")).ToBeHiddenAsync();
        await Expect(page.Locator("#users-online")).ToHaveTextAsync("2"); // admin (API and this page) and grace
        ILocator graceRow = page.Locator("tr[data-user='grace']");
        await Expect(graceRow).ToHaveCountAsync(1);
        await Expect(graceRow.Locator("td").Nth(2)).ToHaveTextAsync("127.0.0.1");

        // docs/admin-page.png is made by this step: TESSERA_SCREENSHOT=$PWD/docs/admin-page.png dotnet test --filter AdminPage
        if (Environment.GetEnvironmentVariable("TESSERA_SCREENSHOT") is { Length: > 0 } screenshot)
        {
            await page.SetViewportSizeAsync(1100, 520);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        }

        // The tokens live in HttpOnly cookies: the page's script cannot read them.
        string cookies = await page.EvaluateAsync<string>("() => document.cookie");
        Assert.DoesNotContain("tessera", cookies, StringComparison.Ordinal);

        await graceRow.Locator("button.kick-user").ClickAsync();

        await Expect(graceRow).ToHaveCountAsync(0);
        await Expect(page.Locator("#users-online")).ToHaveTextAsync("1");
        HttpResponseMessage rejected = await client.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/me", grace));
        Assert.Equal(HttpStatusCode.Unauthorized, rejected.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(ServerProcess.Request(HttpMethod.Get, "/auth/me", admin))).StatusCode);
    }

    [Fact]
    public async Task AdminPage_ServedWithStrictContentSecurityPolicy()
    {
        await using ServerProcess server = await ServerProcess.StartAsync();
        using HttpClient client = server.Client();

        HttpResponseMessage page = await client.GetAsync("/admin");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("default-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Contains("<title>Tessera admin</title>", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/admin/admin.js")).StatusCode);

        // Routing ignores case, so the headers must too: a framable /ADMIN would undo frame-ancestors.
        foreach (string path in new[] { "/admin", "/ADMIN", "/Admin", "/admin/admin.js" })
        {
            HttpResponseMessage response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        }
    }
}
