using System.Buffers.Text;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Tessera.Jwt;

namespace Tessera.Tests.Jwt;

/// <summary>
/// The published JWS examples of RFC 7515 Appendix A (A.1 HS256, A.2 RS256, A.3 ES256) and RFC 7520 §4
/// (4.1 RS256, 4.2 PS384, 4.3 ES512, 4.4 HS256), checked against our keys, signer primitive and validator.
/// </summary>
/// <remarks>
/// <para>
/// Sources. RFC 7515 Appendix A: the values are the RFC's own (the signing inputs are the RFC's octet
/// sequences, e.g. the header <c>{"typ":"JWT",\r\n "alg":"HS256"}</c> with its CR LF and space, base64url-encoded
/// exactly as the RFC prints them). RFC 7520 §4.1–4.4: the values are those of the RFC's companion
/// "JOSE Cookbook" (github.com/ietf-jose/cookbook, <c>jws/4_*.json</c>, by the RFC's author), which the RFC
/// text reproduces. Every signature below was also checked independently (Python <c>cryptography</c>)
/// against its key before it was written here.
/// </para>
/// <para>
/// Byte-for-byte reproduction. HMAC and RSASSA-PKCS1-v1_5 are deterministic, so signing the published
/// signing input with the published private key must give the published signature exactly. The signing
/// input is used as published: <see cref="JwtSigner"/> re-serializes JSON compactly, which would change
/// the RFC's whitespace and CR LF, so these tests call the internal <see cref="JwtKey.Sign"/> on the raw
/// input instead. RSASSA-PSS and ECDSA are randomized: for them the published signature must verify, and a
/// fresh signature of ours over the same input must verify too.
/// </para>
/// <para>
/// RFC 7520 §4 signs a plain-text payload ("It’s a dangerous business, Frodo, …"), not a JWT claims set.
/// Those tokens are valid JWS objects but not JWTs (RFC 7519 §7.2: the decoded payload must be a JSON
/// object), so <see cref="JwtValidator"/> must refuse them as <see cref="JwtError.Malformed"/> — after the
/// signature has verified, which is why a token with a broken signature reports
/// <see cref="JwtError.SignatureInvalid"/> instead.
/// </para>
/// </remarks>
public sealed class RfcVectorTests
{
    // ---- RFC 7515 Appendix A -------------------------------------------------------------------------

    /// <summary>The A.1-A.3 payload: <c>{"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true}</c>.</summary>
    private const string Rfc7515Payload =
        "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";

    private const long Rfc7515Expiry = 1_300_819_380; // 2011-03-22T18:43:00Z

    /// <summary>RFC 7515 A.1.1: the HMAC key, 64 octets.</summary>
    private const string A1Jwk =
        """{"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}""";

    /// <summary>RFC 7515 A.1.1: header <c>{"typ":"JWT",\r\n "alg":"HS256"}</c>, payload, HMAC.</summary>
    private const string A1Token =
        "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
        + Rfc7515Payload
        + ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

    /// <summary>RFC 7515 A.2.1: the 2048-bit RSA key, private part included.</summary>
    private const string A2Jwk =
        """
        {"kty":"RSA",
         "n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ",
         "e":"AQAB",
         "d":"Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2NXOoAJe46sui395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn439X0M_V51gfpRLI9JYanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3ccPDVZFD9pIuhLhBOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ",
         "p":"4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0Hw_Py5PJdTJNPY8cQn7ouZ2KKDcmnPGBY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc",
         "q":"uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHAjLYsp1ZSe7zFYHj7C6ul7TjeLQeZD_YwD66t62wDmpe_HlB-TnBA-njbglfIsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc",
         "dp":"BwKfV3Akq5_MFZDFZCnW-wzl-CCo83WoZvnLQwCTeDv8uzluRSnm71I3QCLdhrqE2e9YkxvuxdBfpT_PI7Yz-FOKnu1R6HsJeDCjn12Sk3vmAktV2zb34MCdy7cpdTh_YVr7tss2u6vneTwrA86rZtu5Mbr1C1XsmvkxHQAdYo0",
         "dq":"h_96-mK1R_7glhsum81dZxjTnYynPbZpHziZjeeHcXYsXaaMwkOlODsWa7I9xXDoRwbKgB719rrmI2oKr6N3Do9U0ajaHF-NKJnwgjMd2w9cjz3_-kyNlxAr2v4IKhGNpmM5iIgOS1VZnOZ68m6_pbLBSp3nssTdlqvd0tIiTHU",
         "qi":"IYd7DHOhrWvxkwPQsRM2tOgrjbcrfvtQJipd-DlcxyVuuM9sQLdgjVk2oy26F0EmpScGLq2MowX7fhd_QJQ3ydy5cY7YIBi87w93IKLEdfnbJtoOPLUW0ITrJReOgo1cq9SbsxYawBgfp_gh6A5603k2-ZQwVK0JKSHuLFkuQ3U"
        }
        """;

    /// <summary>RFC 7515 A.2.1: header <c>{"alg":"RS256"}</c>, the A.1 payload, RSASSA-PKCS1-v1_5 SHA-256.</summary>
    private const string A2Token =
        "eyJhbGciOiJSUzI1NiJ9."
        + Rfc7515Payload
        + ".cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";

    /// <summary>RFC 7515 A.3.1: the P-256 key, private part included.</summary>
    private const string A3Jwk =
        """
        {"kty":"EC",
         "crv":"P-256",
         "x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
         "y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
         "d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"
        }
        """;

    /// <summary>RFC 7515 A.3.1: header <c>{"alg":"ES256"}</c>, the A.1 payload, ECDSA P-256 SHA-256 (R || S).</summary>
    private const string A3Token =
        "eyJhbGciOiJFUzI1NiJ9."
        + Rfc7515Payload
        + ".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

    // ---- RFC 7520 §4 (JOSE Cookbook) ----------------------------------------------------------------

    /// <summary>RFC 7520 §4, Figure 7: the payload text (U+2019 RIGHT SINGLE QUOTATION MARK twice).</summary>
    private const string FrodoText =
        "It\u2019s a dangerous business, Frodo, going out your door. You step onto the road, and if you don't keep your feet, "
        + "there\u2019s no knowing where you might be swept off to.";

    /// <summary>RFC 7520 §4, Figure 8: <see cref="FrodoText"/> as UTF-8, base64url-encoded.</summary>
    private const string FrodoPayload =
        "SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlm"
        + "IHlvdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4";

    /// <summary>RFC 7520 §3.4: the 2048-bit RSA private key used by §4.1 and §4.2.</summary>
    private const string BilboRsaJwk =
        """
        {"kty":"RSA",
         "kid":"bilbo.baggins@hobbiton.example",
         "use":"sig",
         "n":"n4EPtAOCc9AlkeQHPzHStgAbgs7bTZLwUBZdR8_KuKPEHLd4rHVTeT-O-XV2jRojdNhxJWTDvNd7nqQ0VEiZQHz_AJmSCpMaJMRBSFKrKb2wqVwGU_NsYOYL-QtiWN2lbzcEe6XC0dApr5ydQLrHqkHHig3RBordaZ6Aj-oBHqFEHYpPe7Tpe-OfVfHd1E6cS6M1FZcD1NNLYD5lFHpPI9bTwJlsde3uhGqC0ZCuEHg8lhzwOHrtIQbS0FVbb9k3-tVTU4fg_3L_vniUFAKwuCLqKnS2BYwdq_mzSnbLY7h_qixoR7jig3__kRhuaxwUkRz5iaiQkqgc5gHdrNP5zw",
         "e":"AQAB",
         "d":"bWUC9B-EFRIo8kpGfh0ZuyGPvMNKvYWNtB_ikiH9k20eT-O1q_I78eiZkpXxXQ0UTEs2LsNRS-8uJbvQ-A1irkwMSMkK1J3XTGgdrhCku9gRldY7sNA_AKZGh-Q661_42rINLRCe8W-nZ34ui_qOfkLnK9QWDDqpaIsA-bMwWWSDFu2MUBYwkHTMEzLYGqOe04noqeq1hExBTHBOBdkMXiuFhUq1BU6l-DqEiWxqg82sXt2h-LMnT3046AOYJoRioz75tSUQfGCshWTBnP5uDjd18kKhyv07lhfSJdrPdM5Plyl21hsFf4L_mHCuoFau7gdsPfHPxxjVOcOpBrQzwQ",
         "p":"3Slxg_DwTXJcb6095RoXygQCAZ5RnAvZlno1yhHtnUex_fp7AZ_9nRaO7HX_-SFfGQeutao2TDjDAWU4Vupk8rw9JR0AzZ0N2fvuIAmr_WCsmGpeNqQnev1T7IyEsnh8UMt-n5CafhkikzhEsrmndH6LxOrvRJlsPp6Zv8bUq0k",
         "q":"uKE2dh-cTf6ERF4k4e_jy78GfPYUIaUyoSSJuBzp3Cubk3OCqs6grT8bR_cu0Dm1MZwWmtdqDyI95HrUeq3MP15vMMON8lHTeZu2lmKvwqW7anV5UzhM1iZ7z4yMkuUwFWoBvyY898EXvRD-hdqRxHlSqAZ192zB3pVFJ0s7pFc",
         "dp":"B8PVvXkvJrj2L-GYQ7v3y9r6Kw5g9SahXBwsWUzp19TVlgI-YV85q1NIb1rxQtD-IsXXR3-TanevuRPRt5OBOdiMGQp8pbt26gljYfKU_E9xn-RULHz0-ed9E9gXLKD4VGngpz-PfQ_q29pk5xWHoJp009Qf1HvChixRX59ehik",
         "dq":"CLDmDGduhylc9o7r84rEUVn7pzQ6PF83Y-iBZx5NT-TpnOZKF1pErAMVeKzFEl41DlHHqqBLSM0W1sOFbwTxYWZDm6sI6og5iTbwQGIC3gnJKbi_7k_vJgGHwHxgPaX2PnvP-zyEkDERuf-ry4c_Z11Cq9AqC2yeL6kdKT1cYF8",
         "qi":"3PiqvXQN0zwMeE-sBvZgi289XP9XCQF3VWqPzMKnIgQp7_Tugo6-NZBKCQsMf3HaEGBjTVJs_jcK8-TRXvaKe-7ZMaQj8VfBdYkssbu0NKDDhjJ-GtiseaDVWt7dcH0cfwxgFUHpQh7FoCrjFJ6h6ZEpMF6xmujs4qMpPz8aaI4"
        }
        """;

    /// <summary>RFC 7520 §3.2: the P-521 private key used by §4.3.</summary>
    private const string BilboEcJwk =
        """
        {"kty":"EC",
         "kid":"bilbo.baggins@hobbiton.example",
         "use":"sig",
         "crv":"P-521",
         "x":"AHKZLLOsCOzz5cY97ewNUajB957y-C-U88c3v13nmGZx6sYl_oJXu9A5RkTKqjqvjyekWF-7ytDyRXYgCF5cj0Kt",
         "y":"AdymlHvOiLxXkEhayXQnNCvDX4h9htZaCJN34kfmC6pV5OhQHiraVySsUdaQkAgDPrwQrJmbnX9cwlGfP-HqHZR1",
         "d":"AAhRON2r9cqXX1hg-RoI6R1tX5p2rUAYdmpHZoC1XNM56KtscrX6zbKipQrCW9CGZH3T4ubpnoTKLDYJ_fF3_rJt"
        }
        """;

    /// <summary>RFC 7520 §3.5: the 256-bit HMAC key used by §4.4.</summary>
    private const string HmacCookbookJwk =
        """
        {"kty":"oct",
         "kid":"018c0ae5-4d9b-471b-bfd6-eef314bc7037",
         "use":"sig",
         "alg":"HS256",
         "k":"hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg"
        }
        """;

    /// <summary>RFC 7520 §4.1.3: compact serialization, RS256, kid bilbo.baggins@hobbiton.example.</summary>
    private const string Rfc7520Rs256Token =
        "eyJhbGciOiJSUzI1NiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9."
        + FrodoPayload
        + ".MRjdkly7_-oTPTS3AXP41iQIGKa80A0ZmTuV5MEaHoxnW2e5CZ5NlKtainoFmKZopdHM1O2U4mwzJdQx996ivp83xuglII7PNDi84wnB-BDkoBwA78185hX-Es4JIwmDLJK3lfWRa-XtL0RnltuYv746iYTh_qHRD68BNt1uSNCrUCTJDt5aAE6x8wW1Kt9eRo4QPocSadnHXFxnt8Is9UzpERV0ePPQdLuW3IS_de3xyIrDaLGdjluPxUAhb6L2aXic1U12podGU0KLUQSE_oI-ZnmKJ3F4uOZDnd6QZWJushZ41Axf_fcIe8u9ipH84ogoree7vjbU5y18kDquDg";

    /// <summary>RFC 7520 §4.2.3: compact serialization, PS384, kid bilbo.baggins@hobbiton.example.</summary>
    private const string Rfc7520Ps384Token =
        "eyJhbGciOiJQUzM4NCIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9."
        + FrodoPayload
        + ".cu22eBqkYDKgIlTpzDXGvaFfz6WGoz7fUDcfT0kkOy42miAh2qyBzk1xEsnk2IpN6-tPid6VrklHkqsGqDqHCdP6O8TTB5dDDItllVo6_1OLPpcbUrhiUSMxbbXUvdvWXzg-UD8biiReQFlfz28zGWVsdiNAUf8ZnyPEgVFn442ZdNqiVJRmBqrYRXe8P_ijQ7p8Vdz0TTrxUeT3lm8d9shnr2lfJT8ImUjvAA2Xez2Mlp8cBE5awDzT0qI0n6uiP1aCN_2_jLAeQTlqRHtfa64QQSUmFAAjVKPbByi7xho0uTOcbH510a6GYmJUAfmWjwZ6oD4ifKo8DYM-X72Eaw";

    /// <summary>RFC 7520 §4.3.3: compact serialization, ES512, kid bilbo.baggins@hobbiton.example.</summary>
    private const string Rfc7520Es512Token =
        "eyJhbGciOiJFUzUxMiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9."
        + FrodoPayload
        + ".AE_R_YZCChjn4791jSQCrdPZCNYqHXCTZH0-JZGYNlaAjP2kqaluUIIUnC9qvbu9Plon7KRTzoNEuT4Va2cmL1eJAQy3mtPBu_u_sDDyYjnAMDxXPn7XrT0lw-kvAD890jl8e2puQens_IEKBpHABlsbEPX6sFY8OcGDqoRuBomu9xQ2";

    /// <summary>RFC 7520 §4.4.3: compact serialization, HS256, kid 018c0ae5-4d9b-471b-bfd6-eef314bc7037.</summary>
    private const string Rfc7520Hs256Token =
        "eyJhbGciOiJIUzI1NiIsImtpZCI6IjAxOGMwYWU1LTRkOWItNDcxYi1iZmQ2LWVlZjMxNGJjNzAzNyJ9."
        + FrodoPayload
        + ".s0h6KThzkfBBBkLspW1h84VsJZFTsPPqMDA7g1Md7p0";

    private static readonly Dictionary<string, Vector> s_vectors = new(StringComparer.Ordinal)
    {
        ["RFC7515-A.1"] = new(A1Jwk, JwtAlgorithm.HS256, A1Token),
        ["RFC7515-A.2"] = new(A2Jwk, JwtAlgorithm.RS256, A2Token),
        ["RFC7515-A.3"] = new(A3Jwk, JwtAlgorithm.ES256, A3Token),
        ["RFC7520-4.1"] = new(BilboRsaJwk, JwtAlgorithm.RS256, Rfc7520Rs256Token),
        ["RFC7520-4.2"] = new(BilboRsaJwk, JwtAlgorithm.PS384, Rfc7520Ps384Token),
        ["RFC7520-4.3"] = new(BilboEcJwk, JwtAlgorithm.ES512, Rfc7520Es512Token),
        ["RFC7520-4.4"] = new(HmacCookbookJwk, JwtAlgorithm.HS256, Rfc7520Hs256Token),
    };

    [Fact]
    public void FromJwk_Rfc7515A1HmacKey_IsAcceptedWith64ByteSecret()
    {
        using JwtKey key = JwtKey.FromJwk(A1Jwk, JwtAlgorithm.HS256);

        Assert.Equal(JwtAlgorithm.HS256, key.Algorithm);
        Assert.True(key.IsSymmetric);
        Assert.True(key.CanSign);
        Assert.Null(key.KeyId);
        Assert.Equal(64, Assert.IsType<HmacJwtKey>(key).Secret.Length);
        Assert.Equal(32, key.SignatureSize);
    }

    [Fact]
    public void FromJwk_Rfc7520HmacKey_IsAcceptedWith32ByteSecretForHs256()
    {
        // 32 bytes is exactly the HS256 minimum (RFC 7518 §3.2); the JWK's own alg agrees with the requested one.
        using JwtKey key = JwtKey.FromJwk(HmacCookbookJwk, JwtAlgorithm.HS256);

        Assert.Equal(JwtAlgorithm.HS256, key.Algorithm);
        Assert.Equal("018c0ae5-4d9b-471b-bfd6-eef314bc7037", key.KeyId);
        Assert.Equal(32, Assert.IsType<HmacJwtKey>(key).Secret.Length);
    }

    [Theory]
    [InlineData("RFC7515-A.1", "JWT")]
    [InlineData("RFC7515-A.2", null)]
    [InlineData("RFC7515-A.3", null)]
    public void Validate_Rfc7515Example_IsValidWithPublishedClaims(string name, string? expectedType)
    {
        Vector vector = s_vectors[name];
        using JwtKey key = JwtKey.FromJwk(vector.Jwk, vector.Algorithm);
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(Rfc7515Expiry - 3600));

        JwtValidationResult result = NewValidator(key, time).Validate(vector.Token);

        Assert.Equal(JwtError.None, result.Error);
        JwtClaims claims = result.Claims!;
        Assert.Equal(vector.Algorithm, claims.Algorithm);
        Assert.Equal(expectedType, claims.Type);
        Assert.Null(claims.KeyId);
        Assert.Equal("joe", claims.Issuer);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(Rfc7515Expiry), claims.ExpiresAt);
        Assert.Null(claims.NotBefore);
        Assert.Null(claims.IssuedAt);
        Assert.Null(claims.Subject);
        Assert.Empty(claims.Audiences);
        Assert.True(claims.TryGetBoolean("http://example.com/is_root", out bool isRoot));
        Assert.True(isRoot);
    }

    [Theory]
    [InlineData("RFC7515-A.1")]
    [InlineData("RFC7515-A.2")]
    [InlineData("RFC7515-A.3")]
    public void Validate_Rfc7515ExampleAtItsExpiry_Expired(string name)
    {
        Vector vector = s_vectors[name];
        using JwtKey key = JwtKey.FromJwk(vector.Jwk, vector.Algorithm);
        var options = new JwtValidationOptions
        {
            ValidateIssuer = false,
            ValidateAudience = false,
            RequireExpirationTime = false,
            ClockSkew = TimeSpan.Zero,
        };
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(Rfc7515Expiry - 1));
        var validator = new JwtValidator(options, new JwtKeySet(key), time);

        Assert.Equal(JwtError.None, validator.Validate(vector.Token).Error);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(JwtError.Expired, validator.Validate(vector.Token).Error);
    }

    [Theory]
    [InlineData("RFC7515-A.1")]
    [InlineData("RFC7515-A.2")]
    [InlineData("RFC7515-A.3")]
    [InlineData("RFC7520-4.1")]
    [InlineData("RFC7520-4.2")]
    [InlineData("RFC7520-4.3")]
    [InlineData("RFC7520-4.4")]
    public void Verify_PublishedSignature_Verifies(string name)
    {
        Vector vector = s_vectors[name];
        using JwtKey key = JwtKey.FromJwk(vector.Jwk, vector.Algorithm);

        Assert.True(key.Verify(vector.SigningInput, vector.Signature));
        Assert.Equal(key.SignatureSize, vector.Signature.Length);

        // One flipped bit anywhere (input or signature) must fail.
        byte[] input = vector.SigningInput;
        input[^1] ^= 0x01;
        Assert.False(key.Verify(input, vector.Signature));
        byte[] signature = vector.Signature;
        signature[signature.Length / 2] ^= 0x01;
        Assert.False(key.Verify(vector.SigningInput, signature));
    }

    [Theory]
    [InlineData("RFC7515-A.1")]
    [InlineData("RFC7515-A.2")]
    [InlineData("RFC7520-4.1")]
    [InlineData("RFC7520-4.4")]
    public void Sign_DeterministicExampleSigningInput_ReproducesPublishedSignatureByteForByte(string name)
    {
        Vector vector = s_vectors[name];
        using JwtKey key = JwtKey.FromJwk(vector.Jwk, vector.Algorithm);
        byte[] destination = new byte[key.SignatureSize];

        int written = key.Sign(vector.SigningInput, destination);

        Assert.Equal(key.SignatureSize, written);
        Assert.Equal(vector.Signature, destination);
        Assert.Equal(vector.Token, vector.Token[..vector.Token.LastIndexOf('.')] + "." + Base64Url.EncodeToString(destination));
    }

    [Theory]
    [InlineData("RFC7515-A.3")]
    [InlineData("RFC7520-4.2")]
    [InlineData("RFC7520-4.3")]
    public void Sign_RandomizedExampleSigningInput_OurSignatureVerifiesWithPublishedKey(string name)
    {
        // PSS and ECDSA signatures are randomized: the published bytes cannot be reproduced, only matched in kind.
        Vector vector = s_vectors[name];
        using JwtKey key = JwtKey.FromJwk(vector.Jwk, vector.Algorithm);
        byte[] destination = new byte[key.SignatureSize];

        int written = key.Sign(vector.SigningInput, destination);

        Assert.Equal(vector.Signature.Length, written);
        Assert.True(key.Verify(vector.SigningInput, destination));
    }

    [Theory]
    [InlineData("RFC7520-4.1")]
    [InlineData("RFC7520-4.2")]
    [InlineData("RFC7520-4.3")]
    [InlineData("RFC7520-4.4")]
    public void Validate_Rfc7520TextPayload_MalformedAfterSignatureVerifies(string name)
    {
        Vector vector = s_vectors[name];
        using JwtKey key = JwtKey.FromJwk(vector.Jwk, vector.Algorithm);
        JwtValidator validator = NewValidator(key, new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_400_000_000)));

        // The vector really is the RFC's text payload, and the header's kid selects our key.
        string payloadSegment = vector.Token.Split('.')[1];
        Assert.Equal(FrodoPayload, payloadSegment);
        Assert.Equal(FrodoText, Encoding.UTF8.GetString(Base64Url.DecodeFromChars(payloadSegment)));
        string header = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(vector.Token.AsSpan(0, vector.Token.IndexOf('.'))));
        Assert.Contains($"\"kid\":\"{key.KeyId}\"", header, StringComparison.Ordinal);

        // A valid JWS, but its payload is text, not a JWT claims set (RFC 7519 §7.2 requires a
        // JSON object), so it is not a JWT: the validator refuses it as Malformed.
        Assert.Equal(JwtError.Malformed, validator.Validate(vector.Token).Error);

        // Malformed is reported by the payload stage, after the signature check: with the signature broken,
        // the same token stops earlier, at SignatureInvalid.
        byte[] broken = vector.Signature;
        broken[0] ^= 0x80;
        string tampered = vector.Token[..(vector.Token.LastIndexOf('.') + 1)] + Base64Url.EncodeToString(broken);
        Assert.Equal(JwtError.SignatureInvalid, validator.Validate(tampered).Error);
    }

    private static JwtValidator NewValidator(JwtKey key, TimeProvider time) =>
        new(
            new JwtValidationOptions { ValidateIssuer = false, ValidateAudience = false, RequireExpirationTime = false },
            new JwtKeySet(key),
            time);

    private sealed record Vector(string Jwk, JwtAlgorithm Algorithm, string Token)
    {
        /// <summary>The published signing input, ASCII, exactly as it appears in the token. A fresh copy each time.</summary>
        public byte[] SigningInput => Encoding.ASCII.GetBytes(Token[..Token.LastIndexOf('.')]);

        /// <summary>The published signature octets. A fresh copy each time.</summary>
        public byte[] Signature => Base64Url.DecodeFromChars(Token.AsSpan(Token.LastIndexOf('.') + 1));
    }
}
