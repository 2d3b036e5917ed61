using System.IO.Hashing;

namespace KafkaCompat.Records;

/// <summary>
/// CRC-32 (IEEE 802.3, the zlib/PNG polynomial), the checksum of legacy messages (magic 0 and 1),
/// computed from the magic byte to the end of the message.
/// </summary>
/// <remarks>
/// System.IO.Hashing computes it (carry-less multiplication folding where the CPU has it). It
/// replaced the project's own PCLMULQDQ/slicing-by-8 code once the package reached this machine's
/// NuGet mirror: docs/benchmarks.md has both measured in one run.
/// </remarks>
public static class Crc32Ieee
{
    public static uint Compute(ReadOnlySpan<byte> data) => Crc32.HashToUInt32(data);
}
