using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using Tessera.Jwt;

namespace Tessera.Tests.Jwt;

/// <summary>ES* signatures arrive as JOSE R||S and are verified as DER; the conversion must be exact DER.</summary>
public sealed class EcdsaSignatureFormatTests
{
    public static TheoryData<string, int> Curves => new() { { "P-256", 32 }, { "P-384", 48 }, { "P-521", 66 } };

    [Theory]
    [MemberData(nameof(Curves))]
    public void ToDer_RandomSignatures_IsStrictDerOfRAndSAndVerifies(string curveName, int half)
    {
        ECCurve curve = curveName switch
        {
            "P-256" => ECCurve.NamedCurves.nistP256,
            "P-384" => ECCurve.NamedCurves.nistP384,
            _ => ECCurve.NamedCurves.nistP521,
        };
        using ECDsa ecdsa = ECDsa.Create(curve);
        byte[] data = "header.payload"u8.ToArray();
        Span<byte> der = stackalloc byte[EcdsaSignatureFormat.MaxDerLength];
        bool sawPadded = false;
        for (int i = 0; i < 300; i++)
        {
            byte[] rs = ecdsa.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            int length = EcdsaSignatureFormat.ToDer(rs, der);

            // DER rules reject non-minimal integers and lengths, so this proves the encoding canonical.
            var reader = new AsnReader(der[..length].ToArray(), AsnEncodingRules.DER);
            AsnReader sequence = reader.ReadSequence();
            BigInteger r = sequence.ReadInteger();
            BigInteger s = sequence.ReadInteger();
            sequence.ThrowIfNotEmpty();
            reader.ThrowIfNotEmpty();
            Assert.Equal(new BigInteger(rs.AsSpan(0, half), isUnsigned: true, isBigEndian: true), r);
            Assert.Equal(new BigInteger(rs.AsSpan(half), isUnsigned: true, isBigEndian: true), s);
            Assert.True(ecdsa.VerifyData(data, der[..length], HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
            sawPadded |= rs[0] >= 0x80 || rs[half] >= 0x80;
        }

        // P-521 coordinates never reach 0x80 in their leading byte; the other curves must have exercised the pad.
        Assert.True(sawPadded || curveName == "P-521", "no signature needed a sign pad; the test did not cover it");
    }

    [Fact]
    public void ToDer_LeadingZerosAndHighBits_EncodesMinimalIntegers()
    {
        byte[] rs = new byte[64];
        rs[31] = 0x01;               // r = 1: 31 leading zero bytes stripped
        rs[32] = 0x80;               // s has its high bit set: needs a 0x00 pad
        Span<byte> der = stackalloc byte[EcdsaSignatureFormat.MaxDerLength];
        int length = EcdsaSignatureFormat.ToDer(rs, der);

        byte[] expected = [0x30, 3 + 35, 0x02, 0x01, 0x01, 0x02, 0x21, 0x00, 0x80, .. new byte[31]];
        Assert.Equal(expected, der[..length].ToArray());
    }

    [Fact]
    public void ToDer_P521MaximalValues_UsesLongFormLength()
    {
        byte[] rs = Enumerable.Repeat((byte)0xFF, 132).ToArray();
        Span<byte> der = stackalloc byte[EcdsaSignatureFormat.MaxDerLength];
        int length = EcdsaSignatureFormat.ToDer(rs, der);

        Assert.Equal(EcdsaSignatureFormat.MaxDerLength, length);
        Assert.Equal([0x30, 0x81, 2 * (2 + 67)], der[..3].ToArray());
        var sequence = new AsnReader(der[..length].ToArray(), AsnEncodingRules.DER).ReadSequence();
        Assert.Equal(new BigInteger(rs.AsSpan(0, 66), isUnsigned: true, isBigEndian: true), sequence.ReadInteger());
    }
}
