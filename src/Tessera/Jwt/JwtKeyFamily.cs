namespace Tessera.Jwt;

/// <summary>The kind of key material an algorithm needs.</summary>
internal enum JwtKeyFamily
{
    Hmac,
    Rsa,
    RsaPss,
    Ecdsa,
}
