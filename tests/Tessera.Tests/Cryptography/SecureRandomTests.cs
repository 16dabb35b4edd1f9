using Tessera.Cryptography;

namespace Tessera.Tests.Cryptography;

public sealed class SecureRandomTests
{
    [Fact]
    public void Fill_ManyCallsAcrossBlocks_NeverRepeatsAnOutput()
    {
        var seen = new HashSet<string>();
        byte[] buffer = new byte[18];
        for (int i = 0; i < 5_000; i++) // ~22 blocks of 4 KiB
        {
            SecureRandom.Fill(buffer);
            Assert.True(seen.Add(Convert.ToHexString(buffer)));
        }
    }

    [Fact]
    public void Fill_LargeRequest_IsFilled()
    {
        byte[] buffer = new byte[2048];
        SecureRandom.Fill(buffer);
        Assert.Contains(buffer, b => b != 0);
        Assert.True(buffer.Distinct().Count() > 200);
    }
}
