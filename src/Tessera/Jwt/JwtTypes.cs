namespace Tessera.Jwt;

/// <summary>Well-known values of the JOSE header <c>typ</c>.</summary>
public static class JwtTypes
{
    /// <summary><c>JWT</c>: a generic JSON Web Token (RFC 7519 §5.1).</summary>
    public const string Jwt = "JWT";

    /// <summary><c>at+jwt</c>: an OAuth 2.0 access token (RFC 9068 §2.1). Tessera's access tokens carry it.</summary>
    public const string AccessToken = "at+jwt";
}
