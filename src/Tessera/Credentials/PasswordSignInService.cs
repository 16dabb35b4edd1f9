using System.Security.Cryptography;
using Tessera.Sessions;
using Tessera.Tokens;

namespace Tessera.Credentials;

/// <summary>
/// The login flow: a user name and password in, a session and tokens out, or one answer for every failure.
/// </summary>
/// <remarks>
/// An unknown user, a wrong password and a disabled account all return <see cref="SignInError.InvalidCredentials"/>
/// after the same work: one <see cref="ICredentialStore.FindByNameAsync"/> and one <see cref="IPasswordHasher.Verify"/>
/// — against a hash of a random password made once by the same hasher when the user is unknown — so neither the answer
/// nor its timing says whether the name exists. Throttling repeated attempts is the host's (the ASP.NET Core
/// integration rate-limits per client and per name). Safe for concurrent use.
/// </remarks>
public sealed class PasswordSignInService
{
    /// <summary>The longest user name or password considered; longer ones fail without a lookup (a hash of megabytes is work for nothing).</summary>
    public const int MaxInputLength = 1024;

    private readonly SessionTokenService _tokens;
    private readonly ICredentialStore _credentials;
    private readonly IPasswordHasher _hasher;
    private readonly Lazy<string> _unknownUserHash;

    /// <summary>Creates the flow over a token service, the host's user database and its password hasher.</summary>
    public PasswordSignInService(SessionTokenService tokens, ICredentialStore credentials, IPasswordHasher hasher)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(hasher);
        _tokens = tokens;
        _credentials = credentials;
        _hasher = hasher;
        // Made lazily (hashing is deliberately slow) and once: verifying against it costs what a real hash costs.
        _unknownUserHash = new Lazy<string>(() => hasher.Hash(Convert.ToHexString(RandomNumberGenerator.GetBytes(16))));
    }

    /// <summary>Checks the credentials and, when they are right, signs the user in (<see cref="SessionTokenService.SignInAsync"/>).</summary>
    /// <param name="userName">The login name; null, empty or longer than <see cref="MaxInputLength"/> fails.</param>
    /// <param name="password">The password; null, empty or longer than <see cref="MaxInputLength"/> fails.</param>
    /// <param name="client">What the server saw of the client, or null.</param>
    /// <param name="cancellationToken">Cancels the lookups.</param>
    /// <returns>The tokens, or <see cref="SignInError.InvalidCredentials"/> (or a limit of the token service).</returns>
    public async ValueTask<SignInResult> SignInAsync(string? userName, string? password, SessionClientInfo? client = null, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(userName) || string.IsNullOrEmpty(password) || userName.Length > MaxInputLength || password.Length > MaxInputLength)
        {
            return Refuse();
        }

        StoredCredential? credential = await _credentials.FindByNameAsync(userName, cancellationToken).ConfigureAwait(false);
        PasswordVerification verification = _hasher.Verify(credential?.PasswordHash ?? _unknownUserHash.Value, password);
        if (credential is null || credential.IsDisabled || verification == PasswordVerification.Failed)
        {
            return Refuse();
        }

        if (verification == PasswordVerification.SuccessRehashNeeded)
        {
            await _credentials.UpdatePasswordHashAsync(credential.User.Id, _hasher.Hash(password), cancellationToken).ConfigureAwait(false);
        }

        return await _tokens.SignInAsync(credential.User, client, cancellationToken).ConfigureAwait(false);
    }

    private SignInResult Refuse()
    {
        _tokens.RecordSignIn(SignInError.InvalidCredentials);
        return SignInResult.Fail(SignInError.InvalidCredentials);
    }
}
