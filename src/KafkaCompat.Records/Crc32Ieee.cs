using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace KafkaCompat.Records;

/// <summary>
/// CRC-32 (IEEE 802.3, the zlib/PNG polynomial), the checksum of legacy messages (magic 0 and 1),
/// computed from the magic byte to the end of the message.
/// </summary>
/// <remarks>
/// x86 has a CRC instruction only for CRC-32C, so long inputs are folded with carry-less
/// multiplication (PCLMULQDQ), as in Intel's "Fast CRC Computation for Generic Polynomials Using
/// PCLMULQDQ Instruction" (Gopal et al., 2009): four 128-bit lanes are folded 64 bytes at a time by
/// multiplying with x^(512±64) mod P, then folded into one lane, reduced to 64 and 32 bits and
/// finished with a Barrett reduction. The constants are the reflected ones of that paper for this
/// polynomial. What is left (under 64 bytes, or the tail after the last 16-byte block) and machines
/// without PCLMULQDQ use slicing-by-8 tables.
/// </remarks>
public static class Crc32Ieee
{
    // Reflected polynomial 0x04C11DB7.
    private const uint Polynomial = 0xEDB88320;

    // x^(4*128+32) and x^(4*128-32) mod P (folding by 64 bytes), reflected, shifted left one bit.
    private const ulong K1 = 0x1_5444_2BD4;
    private const ulong K2 = 0x1_C6E4_1596;

    // x^(128+32) and x^(128-32) mod P (folding by 16 bytes).
    private const ulong K3 = 0x1_7519_97D0;
    private const ulong K4 = 0x0_CCAA_009E;

    // x^64 mod P (64 to 32 bits).
    private const ulong K5 = 0x1_63CD_6124;

    // Barrett reduction: P' (the polynomial with its x^32 term) and u' = floor(x^64 / P), reflected.
    private const ulong PolynomialWithTop = 0x1_DB71_0641;
    private const ulong BarrettMu = 0x1_F701_1641;

    private static readonly uint[] Table = Crc32SlicingBy8.CreateTable(Polynomial);

    public static bool IsHardwareAccelerated => Pclmulqdq.IsSupported && Sse41.IsSupported;

    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>Continues <paramref name="crc"/> (a finished CRC, as returned by <see cref="Compute"/>) over more data.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        uint state = ~crc;
        if (IsHardwareAccelerated && data.Length >= 64)
        {
            int folded = data.Length & ~15;
            state = Fold(state, data[..folded]);
            data = data[folded..];
        }

        return ~Crc32SlicingBy8.Update(Table, state, data);
    }

    /// <summary>The table-driven path, exposed so tests can compare it with the folding path.</summary>
    internal static uint ComputeSoftware(ReadOnlySpan<byte> data) => ~Crc32SlicingBy8.Update(Table, ~0u, data);

    // Runs the raw register over data whose length is a multiple of 16 and at least 64.
    private static uint Fold(uint state, ReadOnlySpan<byte> data)
    {
        ref byte start = ref MemoryMarshal.GetReference(data);
        int length = data.Length;
        Vector128<ulong> x1 = Load(ref start, 0) ^ Vector128.CreateScalar((ulong)state);
        Vector128<ulong> x2 = Load(ref start, 16);
        Vector128<ulong> x3 = Load(ref start, 32);
        Vector128<ulong> x4 = Load(ref start, 48);
        int position = 64;

        Vector128<ulong> k1k2 = Vector128.Create(K1, K2);
        while (length - position >= 64)
        {
            x1 = FoldInto(x1, k1k2, Load(ref start, position));
            x2 = FoldInto(x2, k1k2, Load(ref start, position + 16));
            x3 = FoldInto(x3, k1k2, Load(ref start, position + 32));
            x4 = FoldInto(x4, k1k2, Load(ref start, position + 48));
            position += 64;
        }

        Vector128<ulong> k3k4 = Vector128.Create(K3, K4);
        x1 = FoldInto(x1, k3k4, x2);
        x1 = FoldInto(x1, k3k4, x3);
        x1 = FoldInto(x1, k3k4, x4);
        while (length - position >= 16)
        {
            x1 = FoldInto(x1, k3k4, Load(ref start, position));
            position += 16;
        }

        // 128 to 64 bits: the low half times x^(128-32), plus the high half moved down.
        x1 = Pclmulqdq.CarrylessMultiply(x1, k3k4, 0x10) ^ Sse2.ShiftRightLogical128BitLane(x1, 8);

        // 64 to 32 bits.
        Vector128<ulong> mask32 = Vector128.Create(0xFFFF_FFFFUL, 0);
        x1 = Pclmulqdq.CarrylessMultiply(x1 & mask32, Vector128.CreateScalar(K5), 0x00) ^ Sse2.ShiftRightLogical128BitLane(x1, 4);

        // Barrett reduction to the 32-bit remainder, which lands in the second dword.
        Vector128<ulong> barrett = Vector128.Create(PolynomialWithTop, BarrettMu);
        Vector128<ulong> t = Pclmulqdq.CarrylessMultiply(x1 & mask32, barrett, 0x10);
        t = Pclmulqdq.CarrylessMultiply(t & mask32, barrett, 0x00);
        return Sse41.Extract((x1 ^ t).AsUInt32(), 1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> FoldInto(Vector128<ulong> lane, Vector128<ulong> constants, Vector128<ulong> next) =>
        Pclmulqdq.CarrylessMultiply(lane, constants, 0x00) ^ Pclmulqdq.CarrylessMultiply(lane, constants, 0x11) ^ next;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> Load(ref byte start, int offset) =>
        Vector128.LoadUnsafe(ref Unsafe.Add(ref start, offset)).AsUInt64();
}
