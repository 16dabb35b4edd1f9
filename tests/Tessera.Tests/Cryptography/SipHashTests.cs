using Tessera.Cryptography;

namespace Tessera.Tests.Cryptography;

public sealed class SipHashTests
{
    // Reference vectors of SipHash-2-4 (key 00..0f, message 00..len-1), from the authors' reference implementation.
    [Theory]
    [InlineData(0, 0x726fdb47dd0e0e31UL)]
    [InlineData(1, 0x74f839c593dc67fdUL)]
    [InlineData(7, 0xab0200f58b01d137UL)]
    [InlineData(8, 0x93f5f5799a932462UL)]
    [InlineData(15, 0xa129ca6149be45e5UL)]
    public void Compute_ReferenceVectors_Match(int length, ulong expected)
    {
        byte[] key = Enumerable.Range(0, 16).Select(i => (byte)i).ToArray();
        byte[] message = Enumerable.Range(0, length).Select(i => (byte)i).ToArray();

        Assert.Equal(expected, new SipHash(key).Compute(message));
    }

    [Fact]
    public void Constructor_KeyNot16Bytes_Throws()
    {
        Assert.Throws<ArgumentException>(() => new SipHash(new byte[15]));
    }
}
