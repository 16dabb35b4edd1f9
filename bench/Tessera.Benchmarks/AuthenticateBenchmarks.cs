using BenchmarkDotNet.Attributes;
using Tessera.Jwt;
using Tessera.Sessions;
using Tessera.Tokens;

namespace Tessera.Benchmarks;

/// <summary>
/// The per-request path of stateful JWT: <see cref="SessionTokenService.AuthenticateAsync(string?, CancellationToken)"/> with the in-memory store,
/// against JWT validation alone, for HS256 and ES256.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><b>Validate</b> (baseline): <see cref="JwtValidator.Validate"/> with the service's own checks (issuer,
/// audience, <c>typ: at+jwt</c>, required <c>sub</c>/<c>sid</c>, exp) and keys, cycling through
/// <see cref="Tokens"/> distinct access tokens — a stateless server's work per request.</item>
/// <item><b>Authenticate_FirstSeen</b>: the same tokens through a service whose validated-token cache (64 entries)
/// is far smaller than the cycle, so every call misses: full validation, a cache insert, and the session lookup
/// (4,096 live sessions; last seen written at most once a minute, as by default).</item>
/// <item><b>Authenticate_Repeat</b>: one token again and again through a service with the default cache: the
/// signature work is skipped, the session lookup is not.</item>
/// </list>
/// Tokens are the service's own (from <see cref="SessionTokenService.SignInAsync"/>): 5-minute lifetime measured on the
/// system clock, so a run stays well within it (the setup signs fresh ones for each process).
/// </remarks>
public class AuthenticateBenchmarks
{
    /// <summary>Distinct tokens (and sessions) cycled through by the first-seen benchmarks.</summary>
    public const int Tokens = 4096;

    private InMemorySessionStore _store = null!;
    private JwtKey _key = null!;
    private SessionTokenService _firstSeen = null!;
    private SessionTokenService _repeat = null!;
    private JwtValidator _validator = null!;
    private string[] _tokens = [];
    private int _next;

    /// <summary>The signature algorithm.</summary>
    [Params(JwtAlgorithm.HS256, JwtAlgorithm.ES256)]
    public JwtAlgorithm Algorithm { get; set; }

    /// <summary>Signs users in and proves each path accepts the tokens.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _store = new InMemorySessionStore();
        _key = Algorithm == JwtAlgorithm.HS256
            ? JwtKey.CreateHmac(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), JwtAlgorithm.HS256, "bench")
            : JwtKey.Generate(Algorithm, "bench");
        var options = new SessionTokenOptions { Issuer = BenchToken.Issuer, Audience = BenchToken.Audience, ValidatedTokenCacheSize = 64 };
        _firstSeen = new SessionTokenService(options, _store, _key);
        options.ValidatedTokenCacheSize = 10_000;
        _repeat = new SessionTokenService(options, _store, _key);
        _validator = new JwtValidator(new JwtValidationOptions
        {
            ValidIssuer = BenchToken.Issuer,
            ValidAudience = BenchToken.Audience,
            ValidTypes = { JwtTypes.AccessToken },
            RequiredClaims = { "sub", "sid" },
        }, _firstSeen.ValidationKeys);

        _tokens = new string[Tokens];
        for (int i = 0; i < Tokens; i++)
        {
            SignInResult signedIn = SessionBench.Sync(_firstSeen.SignInAsync(new SessionUser(SessionBench.UserId(i), "user", ["reader"])));
            _tokens[i] = signedIn.Tokens?.AccessToken ?? throw new InvalidOperationException($"Sign-in refused: {signedIn.Error}.");
            if (!_validator.Validate(_tokens[i]).IsValid || !Check(_firstSeen, _tokens[i]) || !Check(_repeat, _tokens[i]))
            {
                throw new InvalidOperationException("A fresh token was refused.");
            }
        }
    }

    /// <summary>Releases the services and the store.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _firstSeen.Dispose();
        _repeat.Dispose();
        _store.Dispose();
        _key.Dispose();
    }

    /// <summary>JWT validation alone, a new token each call.</summary>
    [Benchmark(Baseline = true)]
    public bool Validate() => _validator.Validate(NextToken()).IsValid;

    /// <summary>Authenticate a token not in the cache: validation plus the session check.</summary>
    [Benchmark]
    public bool Authenticate_FirstSeen() => Check(_firstSeen, NextToken());

    /// <summary>Authenticate the same token again: the cache spares the signature, the session is still checked.</summary>
    [Benchmark]
    public bool Authenticate_Repeat() => Check(_repeat, _tokens[0]);

    private string NextToken()
    {
        int i = _next;
        _next = i + 1 == Tokens ? 0 : i + 1;
        return _tokens[i];
    }

    private static bool Check(SessionTokenService service, string token)
    {
        ValueTask<AuthenticationResult> pending = service.AuthenticateAsync(token);
        AuthenticationResult result = pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
        return result.Succeeded ? true : throw new InvalidOperationException($"Refused: {result.Error}.");
    }
}
