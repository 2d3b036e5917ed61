namespace KafkaCompat.Records;

/// <summary>
/// CRC-32 (IEEE 802.3, the zlib/PNG polynomial), the checksum of legacy messages (magic 0 and 1),
/// computed from the magic byte to the end of the message.
/// </summary>
public static class Crc32Ieee
{
    // Reflected polynomial 0x04C11DB7.
    private const uint Polynomial = 0xEDB88320;

    private static readonly uint[] Table = Crc32SlicingBy8.CreateTable(Polynomial);

    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>Continues <paramref name="crc"/> (a finished CRC, as returned by <see cref="Compute"/>) over more data.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data) => ~Crc32SlicingBy8.Update(Table, ~crc, data);
}
