using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using Tessera.Credentials;
using Tessera.Tokens;

namespace Tessera.AspNetCore.Tests;

/// <summary>
/// The sample app (samples/Tessera.Samples.AspNetCore) in an in-memory test host, with a fake clock and a cheap
/// password hasher; everything else is the app as it ships. Cookies are carried explicitly by the tests.
/// </summary>
public sealed class TesseraAppFactory : WebApplicationFactory<Program>
{
    public const string AlicePassword = "alice-password";
    public const string AdminPassword = "admin-password";

    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _configureServices;

    /// <param name="settings">Configuration set on the host.</param>
    /// <param name="configureServices">Runs after the app's and the factory's own registrations.</param>
    public TesseraAppFactory(Dictionary<string, string?>? settings = null, Action<IServiceCollection>? configureServices = null)
    {
        _settings = settings ?? [];
        _configureServices = configureServices;
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public SessionTokenService Tokens => Services.GetRequiredService<SessionTokenService>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach ((string key, string? value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Time);
            services.RemoveAll<IPasswordHasher>();
            services.AddSingleton<IPasswordHasher>(new Pbkdf2PasswordHasher(Pbkdf2PasswordHasher.MinIterations));
            _configureServices?.Invoke(services);
        });
    }

    public HttpClient Client() => CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false, AllowAutoRedirect = false });

    public static async Task<JsonElement> LoginAsync(HttpClient client, string user = "alice", string? password = null)
    {
        HttpResponseMessage response = await client.PostAsJsonAsync("/auth/login", new { username = user, password = password ?? (user == "admin" ? AdminPassword : AlicePassword) });
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public static HttpRequestMessage Request(HttpMethod method, string path, string? accessToken = null, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        if (accessToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        return request;
    }

    public static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");
}
