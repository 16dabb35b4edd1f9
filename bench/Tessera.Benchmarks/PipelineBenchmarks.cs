using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Tessera.AspNetCore;
using Tessera.Jwt;
using Tessera.Tokens;

namespace Tessera.Benchmarks;

/// <summary>
/// ASP.NET Core's request pipeline in this process — routing, authentication, authorization and an endpoint that
/// writes a tiny JSON — with no server, no sockets and no load generator: the CPU time each kind of endpoint costs,
/// which <c>bench/http/run.sh</c> measures only through wrk sharing the cores. The endpoints are those of
/// <c>bench/Tessera.Benchmarks.Http</c>:
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><b>Bare</b> (baseline): no authentication.</item>
/// <item><b>Floor</b>: a policy naming a scheme that accepts every request with one fixed ticket
/// (<see cref="FloorHandler"/>): what the framework's authentication and authorization cost by themselves.</item>
/// <item><b>Tessera</b>: the same policy shape naming the Tessera scheme, one Bearer token repeated (the validated
/// token cache hit, then the session lookup in the in-memory store), as a client sends it.</item>
/// </list>
/// Each call is a fresh <see cref="DefaultHttpContext"/> in a fresh service scope, as a server makes them (the same work
/// for all three), run through the built <see cref="RequestDelegate"/>. The setup checks that every endpoint answers
/// 200, and Tessera 401 without a token.
/// </remarks>
public class PipelineBenchmarks
{
    private static readonly byte[] Body = """{"ok":true,"n":42}"""u8.ToArray();
    private ServiceProvider _services = null!;
    private RequestDelegate _app = null!;
    private string _authorization = "";

    /// <summary>The Tessera token's signature algorithm.</summary>
    [Params(JwtAlgorithm.HS256, JwtAlgorithm.ES256)]
    public JwtAlgorithm Algorithm { get; set; }

    /// <summary>Builds the pipeline, signs one user in and checks every endpoint's answer.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddRouting();
        services.AddSingleton(new System.Diagnostics.DiagnosticListener("Microsoft.AspNetCore")); // routing asks for it; a host adds it
        services.AddTessera(o =>
        {
            o.Tokens.Issuer = BenchToken.Issuer;
            o.Tokens.Audience = BenchToken.Audience;
            o.Tokens.AccessTokenLifetime = TimeSpan.FromHours(1);
            o.Tokens.IdleTimeout = TimeSpan.FromHours(2);
            o.SigningKey = Algorithm == JwtAlgorithm.HS256
                ? JwtKey.CreateHmac(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), JwtAlgorithm.HS256, "bench")
                : JwtKey.Generate(Algorithm, "bench");
        });
        services.AddAuthentication(o => o.AddScheme<FloorHandler>("floor", "floor")).AddTessera();
        services.AddAuthorization();
        _services = services.BuildServiceProvider();

        var app = new ApplicationBuilder(_services);
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseEndpoints(endpoints =>
        {
            endpoints.MapGet("/bare", WriteBody);
            endpoints.MapGet("/floor", WriteBody).RequireAuthorization(p => p.AddAuthenticationSchemes("floor").RequireAuthenticatedUser());
            endpoints.MapGet("/tessera", WriteBody).RequireAuthorization(p => p.AddAuthenticationSchemes(TesseraDefaults.AuthenticationScheme).RequireAuthenticatedUser());
        });
        _app = app.Build();

        SignInResult signIn = _services.GetRequiredService<SessionTokenService>().SignInAsync(new SessionUser("bench-user", "bench", ["reader"])).AsTask().GetAwaiter().GetResult();
        _authorization = "Bearer " + signIn.Tokens!.AccessToken;
        Expect(200, "/bare", null);
        Expect(200, "/floor", null);
        Expect(200, "/tessera", _authorization);
        Expect(401, "/tessera", null);
    }

    /// <summary>Releases the services.</summary>
    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    /// <summary>No authentication.</summary>
    [Benchmark(Baseline = true)]
    public Task Bare() => SendAsync("/bare", null);

    /// <summary>The framework's authentication + authorization with a scheme that does nothing.</summary>
    [Benchmark]
    public Task Floor() => SendAsync("/floor", null);

    /// <summary>Tessera: a repeat Bearer token, its session looked up.</summary>
    [Benchmark]
    public Task Tessera() => SendAsync("/tessera", _authorization);

    private static Task WriteBody(HttpContext context)
    {
        context.Response.ContentType = "application/json";
        return context.Response.Body.WriteAsync(Body).AsTask();
    }

    // A scope per request, as the server's hosting layer makes: the authentication handlers live in it.
    private async Task SendAsync(string path, string? authorization)
    {
        await using AsyncServiceScope scope = _services.CreateAsyncScope();
        await _app(NewContext(scope.ServiceProvider, path, authorization));
    }

    private static DefaultHttpContext NewContext(IServiceProvider services, string path, string? authorization)
    {
        var context = new DefaultHttpContext { RequestServices = services };
        context.Request.Method = HttpMethods.Get;
        context.Request.Path = path;
        if (authorization is not null)
        {
            context.Request.Headers.Authorization = authorization;
        }

        context.Response.Body = Stream.Null;
        return context;
    }

    private void Expect(int status, string path, string? authorization)
    {
        using IServiceScope scope = _services.CreateScope();
        DefaultHttpContext context = NewContext(scope.ServiceProvider, path, authorization);
        _app(context).GetAwaiter().GetResult();
        if (context.Response.StatusCode != status)
        {
            throw new InvalidOperationException($"GET {path} answered {context.Response.StatusCode}, not {status}.");
        }
    }
}
