using Tessera.Tokens;

namespace Tessera.Server.Users;

/// <summary>Checks a new user against what signing in will need, so an account is never created that can't sign in.</summary>
internal static class UserShape
{
    /// <summary>
    /// Why a user with this name and these roles could never sign in, or null: their name and roles become the claims
    /// every session keeps (<see cref="SessionUser"/>), and those are limited to <see cref="SessionUser.MaxClaimsBytes"/>
    /// bytes. Without this check the account is created and each of its sign-ins fails.
    /// </summary>
    public static string? SignInProblem(string userName, IReadOnlyList<string> roles)
    {
        try
        {
            _ = new SessionUser("user-id", userName, roles); // the id is not part of the claims: any valid one does
            return null;
        }
        catch (ArgumentException)
        {
            return $"The name and roles must fit in {SessionUser.MaxClaimsBytes} bytes of token claims, and role names must not be empty.";
        }
    }
}
