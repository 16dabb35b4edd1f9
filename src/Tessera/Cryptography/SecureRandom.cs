using System.Security.Cryptography;

namespace Tessera.Cryptography;

/// <summary>
/// Random bytes from the operating system's CSPRNG, drawn in 4 KiB blocks per thread. A call to
/// <see cref="RandomNumberGenerator.Fill"/> costs about 1.5 µs here whatever its size, which would dominate creating
/// a session; carving ids out of a per-thread block costs a copy. Bytes are handed out once and wiped from the block
/// as they leave it, so no two callers ever share them and the block never keeps what it gave away.
/// </summary>
internal static class SecureRandom
{
    private const int BlockSize = 4096;

    [ThreadStatic]
    private static byte[]? t_block;

    [ThreadStatic]
    private static int t_used;

    /// <summary>Fills <paramref name="destination"/> with cryptographically strong random bytes.</summary>
    public static void Fill(Span<byte> destination)
    {
        if (destination.Length > BlockSize / 8)
        {
            RandomNumberGenerator.Fill(destination);
            return;
        }

        byte[]? block = t_block;
        if (block is null || t_used + destination.Length > BlockSize)
        {
            block = t_block ??= new byte[BlockSize];
            RandomNumberGenerator.Fill(block);
            t_used = 0;
        }

        Span<byte> taken = block.AsSpan(t_used, destination.Length);
        taken.CopyTo(destination);
        taken.Clear();
        t_used += destination.Length;
    }
}
