using KafkaCompat.Records;

namespace KafkaCompat.Raft.Tests.Log;

/// <summary>Record batches as a Raft replica builds them (null keys, small values), for the log tests.</summary>
internal static class RaftBatches
{
    /// <summary>One v2 batch of <paramref name="records"/> records at <paramref name="baseOffset"/>, written by <paramref name="epoch"/>.</summary>
    public static byte[] Batch(int records, int epoch = -1, long baseOffset = 0, long timestamp = 1_700_000_000_000)
    {
        using var builder = new RecordBatchBuilder { BaseOffset = baseOffset, PartitionLeaderEpoch = epoch };
        for (var i = 0; i < records; i++)
        {
            builder.Append(timestamp, (byte[]?)null, [(byte)'r', (byte)(baseOffset + i)]);
        }
        return builder.ToArray();
    }

    public static byte[] Concat(params byte[][] batches) => [.. batches.SelectMany(b => b)];

    /// <summary>The (base offset, last offset, epoch) of each batch in <paramref name="records"/>, checking every CRC.</summary>
    public static List<(long BaseOffset, long LastOffset, int Epoch)> Describe(ReadOnlyMemory<byte> records)
    {
        var batches = new List<(long, long, int)>();
        foreach (var batch in new RecordBatchSet(records))
        {
            Assert.That(batch.IsValidCrc(), Is.True, $"CRC of the batch at {batch.BaseOffset}");
            batches.Add((batch.BaseOffset, batch.LastOffset, batch.PartitionLeaderEpoch));
        }
        return batches;
    }
}
