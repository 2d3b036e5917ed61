using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace KafkaCompat.Records;

/// <summary>
/// CRC-32C (Castagnoli), the checksum of record batch v2 (KIP-98).
/// </summary>
/// <remarks>
/// The CRC instruction has a latency of about three cycles but a throughput of one per cycle, so a
/// single dependency chain leaves two thirds of the unit idle. Large inputs are therefore split into
/// three equal blocks whose CRCs are computed in one interleaved loop and then combined: the CRC of
/// A||B equals the CRC of A "shifted" over |B| zero bytes (a multiplication by x^(8|B|) mod P) xor the
/// CRC of B started from zero. The shift is done with four 256-entry tables per block length.
/// Kept rather than System.IO.Hashing's <c>Crc32</c> with its CRC-32C parameter set (11.0.0, on the
/// mirror since 2026-12): on this machine it measured 13.6 and 12.9 GB/s over 1 MiB against 28.7
/// and 27.8 GB/s for this code in the same quiet runs, half the speed on the CRC every produced
/// batch is validated with (docs/benchmarks.md, <c>Crc32C_SystemIOHashing_1MiB</c>).
/// </remarks>
public static class Crc32C
{
    // Reflected Castagnoli polynomial 0x1EDC6F41.
    private const uint Polynomial = 0x82F63B78;

    // Per-stream block lengths for the three-way split. The long block amortises the two shifts over
    // 24 KiB; the short one still pays off for the common few-KiB batch.
    private const int LongBlock = 8192;
    private const int ShortBlock = 256;

    private static readonly uint[] SoftwareTable = Crc32SlicingBy8.CreateTable(Polynomial);
    private static readonly uint[] LongShiftTable = CreateShiftTable(LongBlock);
    private static readonly uint[] ShortShiftTable = CreateShiftTable(ShortBlock);

    /// <summary>True when a CRC32C instruction (SSE4.2 or ARMv8 CRC32) is used instead of tables.</summary>
    public static bool IsHardwareAccelerated => Sse42.X64.IsSupported || Crc32.Arm64.IsSupported;

    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>Continues <paramref name="crc"/> (a finished CRC, as returned by <see cref="Compute"/>) over more data.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data) =>
        IsHardwareAccelerated ? ~UpdateHardware(~crc, data) : ~UpdateSoftware(~crc, data);

    /// <summary>The table-driven path, exposed so tests can compare it with the hardware path.</summary>
    internal static uint ComputeSoftware(ReadOnlySpan<byte> data) => ~UpdateSoftware(~0u, data);

    internal static uint AppendSoftware(uint crc, ReadOnlySpan<byte> data) => ~UpdateSoftware(~crc, data);

    // "Update" functions work on the raw register: no pre/post inversion.
    private static uint UpdateHardware(uint state, ReadOnlySpan<byte> data)
    {
        ref byte start = ref MemoryMarshal.GetReference(data);
        nuint length = (nuint)data.Length;
        nuint position = 0;

        while (length - position >= 3 * LongBlock)
        {
            state = UpdateThreeStreams(state, ref Unsafe.Add(ref start, position), LongBlock, LongShiftTable);
            position += 3 * LongBlock;
        }

        while (length - position >= 3 * ShortBlock)
        {
            state = UpdateThreeStreams(state, ref Unsafe.Add(ref start, position), ShortBlock, ShortShiftTable);
            position += 3 * ShortBlock;
        }

        while (length - position >= 8)
        {
            state = Step(state, ReadUInt64(ref Unsafe.Add(ref start, position)));
            position += 8;
        }

        while (position < length)
        {
            state = Step(state, Unsafe.Add(ref start, position));
            position++;
        }

        return state;
    }

    private static uint UpdateThreeStreams(uint state, ref byte block, nuint blockLength, uint[] shiftTable)
    {
        uint crcA = state;
        uint crcB = 0;
        uint crcC = 0;
        ref byte blockB = ref Unsafe.Add(ref block, blockLength);
        ref byte blockC = ref Unsafe.Add(ref block, 2 * blockLength);
        for (nuint i = 0; i < blockLength; i += 8)
        {
            crcA = Step(crcA, ReadUInt64(ref Unsafe.Add(ref block, i)));
            crcB = Step(crcB, ReadUInt64(ref Unsafe.Add(ref blockB, i)));
            crcC = Step(crcC, ReadUInt64(ref Unsafe.Add(ref blockC, i)));
        }

        uint combined = Shift(crcA, shiftTable) ^ crcB;
        return Shift(combined, shiftTable) ^ crcC;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong ReadUInt64(ref byte source)
    {
        // The CRC instructions consume the 8 bytes in memory order, i.e. as a little-endian load.
        ulong value = Unsafe.ReadUnaligned<ulong>(ref source);
        return BitConverter.IsLittleEndian ? value : BinaryPrimitives.ReverseEndianness(value);
    }

    // Only reached when IsHardwareAccelerated; the JIT removes the branch that does not apply.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Step(uint state, ulong data) =>
        Sse42.X64.IsSupported ? (uint)Sse42.X64.Crc32(state, data) : Crc32.Arm64.ComputeCrc32C(state, data);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Step(uint state, byte data) =>
        Sse42.IsSupported ? Sse42.Crc32(state, data) : Crc32.ComputeCrc32C(state, data);

    private static uint Shift(uint crc, uint[] table) =>
        table[crc & 0xFF]
        ^ table[256 + ((crc >> 8) & 0xFF)]
        ^ table[512 + ((crc >> 16) & 0xFF)]
        ^ table[768 + (crc >> 24)];

    private static uint UpdateSoftware(uint state, ReadOnlySpan<byte> data) => Crc32SlicingBy8.Update(SoftwareTable, state, data);

    private static uint[] CreateShiftTable(int zeroBytes)
    {
        // Running the raw register over n zero bytes multiplies it by x^(8n) mod P; starting from the
        // polynomial "1" (bit 31 in the reflected representation) yields that factor itself.
        uint factor = UpdateZeros(0x8000_0000u, zeroBytes);
        var table = new uint[4 * 256];
        for (int index = 0; index < 4; index++)
        {
            for (uint b = 0; b < 256; b++)
            {
                table[(index * 256) + (int)b] = MultiplyModP(b << (8 * index), factor);
            }
        }

        return table;
    }

    private static uint UpdateZeros(uint state, int count)
    {
        for (int i = 0; i < count; i++)
        {
            for (int bit = 0; bit < 8; bit++)
            {
                state = (state & 1) != 0 ? (state >> 1) ^ Polynomial : state >> 1;
            }
        }

        return state;
    }

    // Carry-less multiplication modulo P in the reflected representation, where bit 31 holds x^0.
    private static uint MultiplyModP(uint a, uint b)
    {
        uint product = 0;
        for (int degree = 0; degree < 32; degree++)
        {
            if ((a & (0x8000_0000u >> degree)) != 0)
            {
                product ^= b;
            }

            // b *= x
            b = (b & 1) != 0 ? (b >> 1) ^ Polynomial : b >> 1;
        }

        return product;
    }
}
