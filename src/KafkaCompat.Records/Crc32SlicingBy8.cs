using System.Buffers.Binary;

namespace KafkaCompat.Records;

/// <summary>
/// Table-driven CRC-32 for any reflected polynomial, eight bytes per step ("slicing-by-8"): the
/// software path of <see cref="Crc32C"/>, for machines without a CRC32C instruction.
/// </summary>
internal static class Crc32SlicingBy8
{
    /// <summary>Eight 256-entry tables: table k advances a byte through k further zero bytes.</summary>
    public static uint[] CreateTable(uint reflectedPolynomial)
    {
        var table = new uint[8 * 256];
        for (uint i = 0; i < 256; i++)
        {
            uint value = i;
            for (int bit = 0; bit < 8; bit++)
            {
                value = (value & 1) != 0 ? (value >> 1) ^ reflectedPolynomial : value >> 1;
            }

            table[i] = value;
        }

        for (int slice = 1; slice < 8; slice++)
        {
            for (int i = 0; i < 256; i++)
            {
                uint previous = table[((slice - 1) * 256) + i];
                table[(slice * 256) + i] = (previous >> 8) ^ table[previous & 0xFF];
            }
        }

        return table;
    }

    /// <summary>Runs the raw register (no pre/post inversion) over <paramref name="data"/>.</summary>
    public static uint Update(uint[] table, uint state, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 8)
        {
            uint low = state ^ BinaryPrimitives.ReadUInt32LittleEndian(data);
            uint high = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
            state = table[(7 * 256) + (low & 0xFF)]
                ^ table[(6 * 256) + ((low >> 8) & 0xFF)]
                ^ table[(5 * 256) + ((low >> 16) & 0xFF)]
                ^ table[(4 * 256) + (low >> 24)]
                ^ table[(3 * 256) + (high & 0xFF)]
                ^ table[(2 * 256) + ((high >> 8) & 0xFF)]
                ^ table[256 + ((high >> 16) & 0xFF)]
                ^ table[high >> 24];
            data = data[8..];
        }

        foreach (byte b in data)
        {
            state = table[(state ^ b) & 0xFF] ^ (state >> 8);
        }

        return state;
    }
}
