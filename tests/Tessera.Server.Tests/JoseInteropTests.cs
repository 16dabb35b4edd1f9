using System.Diagnostics;
using System.Text.Json;

namespace Tessera.Server.Tests;

/// <summary>
/// A real third-party client: a node script using the <c>jose</c> npm package verifies the server's access tokens
/// through <c>/.well-known/jwks.json</c> (installed by the test command in tests/interop/jose).
/// </summary>
public sealed class JoseInteropTests
{
    [Fact]
    public async Task Jose_VerifiesAccessTokenThroughJwks_AndRefusesATamperedOne()
    {
        await using ServerProcess server = await ServerProcess.StartAsync();
        using HttpClient client = server.Client();
        string token = (await ServerProcess.LoginAsync(client, "admin", ServerProcess.AdminPassword)).GetProperty("access_token").GetString()!;
        string jwks = new Uri(server.BaseAddress, "/.well-known/jwks.json").ToString();

        (int ok, string output) = await NodeAsync(jwks, token);
        (int tampered, string tamperedOutput) = await NodeAsync(jwks, token[..^2] + (token[^2] == 'A' ? "BA" : "AA"));
        (int wrongAudience, _) = await NodeAsync(jwks, token, audience: "someone-else");

        Assert.True(ok == 0, output);
        JsonElement verified = JsonDocument.Parse(output).RootElement;
        Assert.Equal("at+jwt", verified.GetProperty("header").GetProperty("typ").GetString());
        Assert.Equal("ES256", verified.GetProperty("header").GetProperty("alg").GetString());
        Assert.Equal("admin", verified.GetProperty("claims").GetProperty("name").GetString());
        Assert.True(verified.GetProperty("claims").TryGetProperty("sid", out _));
        Assert.Equal(1, tampered);
        Assert.Contains("ERR_JWS_SIGNATURE_VERIFICATION_FAILED", tamperedOutput, StringComparison.Ordinal);
        Assert.Equal(1, wrongAudience);
    }

    private static async Task<(int ExitCode, string Output)> NodeAsync(string jwks, string token, string issuer = "http://127.0.0.1:5080", string audience = "tessera")
    {
        string script = Path.Combine(ServerProcess.RepositoryRoot, "tests", "interop", "jose", "verify.mjs");
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(script)!, "node_modules", "jose", "package.json")),
            "The jose package is not installed: run ./test.sh (it runs npm ci in tests/interop/jose).");
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in new[] { script, jwks, token, issuer, audience })
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("node did not start (install Node.js: ./test.sh does).");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, (await output).Trim() + (await error).Trim());
    }
}
