using System.Buffers.Binary;
using System.Numerics;

namespace KafkaCompat.Records;

/// <summary>
/// XXH32 (seed 0), as the LZ4 frame format uses it for its header checksum byte. Only frame
/// headers of a few bytes are hashed with it, so it favours brevity over speed.
/// </summary>
internal static class XxHash32
{
    private const uint Prime1 = 0x9E3779B1;
    private const uint Prime2 = 0x85EBCA77;
    private const uint Prime3 = 0xC2B2AE3D;
    private const uint Prime4 = 0x27D4EB2F;
    private const uint Prime5 = 0x165667B1;

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        int length = data.Length;
        uint hash;
        if (length >= 16)
        {
            uint v1 = unchecked(Prime1 + Prime2);
            uint v2 = Prime2;
            uint v3 = 0;
            uint v4 = unchecked(0 - Prime1);
            while (data.Length >= 16)
            {
                v1 = Round(v1, BinaryPrimitives.ReadUInt32LittleEndian(data));
                v2 = Round(v2, BinaryPrimitives.ReadUInt32LittleEndian(data[4..]));
                v3 = Round(v3, BinaryPrimitives.ReadUInt32LittleEndian(data[8..]));
                v4 = Round(v4, BinaryPrimitives.ReadUInt32LittleEndian(data[12..]));
                data = data[16..];
            }

            hash = BitOperations.RotateLeft(v1, 1) + BitOperations.RotateLeft(v2, 7)
                + BitOperations.RotateLeft(v3, 12) + BitOperations.RotateLeft(v4, 18);
        }
        else
        {
            hash = Prime5;
        }

        hash += (uint)length;
        while (data.Length >= 4)
        {
            hash = BitOperations.RotateLeft(hash + (BinaryPrimitives.ReadUInt32LittleEndian(data) * Prime3), 17) * Prime4;
            data = data[4..];
        }

        foreach (byte b in data)
        {
            hash = BitOperations.RotateLeft(hash + (b * Prime5), 11) * Prime1;
        }

        hash ^= hash >> 15;
        hash *= Prime2;
        hash ^= hash >> 13;
        hash *= Prime3;
        hash ^= hash >> 16;
        return hash;
    }

    private static uint Round(uint accumulator, uint input) =>
        BitOperations.RotateLeft(accumulator + (input * Prime2), 13) * Prime1;
}
