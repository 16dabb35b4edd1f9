using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Tessera.Jwt;

namespace Tessera.AspNetCore.Hosting;

/// <summary>Turns the configured key settings into the signing key and the validation set, once.</summary>
internal static class TesseraKeys
{
    public static (JwtKey Signing, JwtKeySet Validation) Resolve(TesseraOptions options, ILogger logger)
    {
        JwtKey? signing = options.SigningKey;
        if (signing is null && options.HmacSecret is not null)
        {
            byte[] secret = TesseraOptionsValidation.DecodeSecret(options.HmacSecret)!;
            // A kid that names the secret without revealing it: a few bytes of a domain-separated hash.
            byte[] id = SHA256.HashData([.. Encoding.ASCII.GetBytes("tessera kid\n"), .. secret]);
            signing = JwtKey.CreateHmac(secret, JwtAlgorithm.HS256, "hs256-" + Base64Url.EncodeToString(id.AsSpan(0, 6)));
        }

        if (signing is null)
        {
            signing = JwtKey.Generate(JwtAlgorithm.ES256);
            Log.EphemeralSigningKey(logger, signing.KeyId);
        }

        return (signing, new JwtKeySet([signing, .. options.ValidationKeys.Where(k => k.KeyId != signing.KeyId)]));
    }
}
