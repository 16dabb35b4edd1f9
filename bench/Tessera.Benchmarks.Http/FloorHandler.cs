using Microsoft.AspNetCore.Authentication;

namespace Tessera.Benchmarks;

// Also compiled into bench/Tessera.Benchmarks (PipelineBenchmarks), so both measure the same floor.
/// <summary>Accepts every request with one fixed ticket: no token work at all.</summary>
internal sealed class FloorHandler : IAuthenticationHandler
{
    private static readonly AuthenticateResult Result = AuthenticateResult.Success(new AuthenticationTicket(
        new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity([new("sub", "bench-user")], "floor")), "floor"));

    public Task InitializeAsync(AuthenticationScheme scheme, Microsoft.AspNetCore.Http.HttpContext context) => Task.CompletedTask;

    public Task<AuthenticateResult> AuthenticateAsync() => Task.FromResult(Result);

    public Task ChallengeAsync(AuthenticationProperties? properties) => Task.CompletedTask;

    public Task ForbidAsync(AuthenticationProperties? properties) => Task.CompletedTask;
}
