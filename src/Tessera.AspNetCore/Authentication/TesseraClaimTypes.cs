namespace Tessera.AspNetCore.Authentication;

/// <summary>The claim types of the <c>ClaimsPrincipal</c> the Tessera scheme builds: JWT names, so nothing is remapped.</summary>
public static class TesseraClaimTypes
{
    /// <summary>The user id (<c>sub</c>); also <c>ClaimTypes.NameIdentifier</c>.</summary>
    public const string Subject = "sub";

    /// <summary>The session id (<c>sid</c>).</summary>
    public const string SessionId = "sid";

    /// <summary>The user's name (<c>name</c>): the identity's name claim type, so <c>User.Identity.Name</c> works.</summary>
    public const string Name = "name";

    /// <summary>One role each (<c>role</c>, from the token's <c>roles</c> array): the identity's role claim type, so
    /// <c>[Authorize(Roles = …)]</c> and <c>User.IsInRole</c> work.</summary>
    public const string Role = "role";
}
