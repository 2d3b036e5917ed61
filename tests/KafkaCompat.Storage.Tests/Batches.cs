using KafkaCompat.Records;

namespace KafkaCompat.Storage.Tests;

/// <summary>Record batches as a producer would send them (base offset 0, client CRC).</summary>
internal static class Batches
{
    public static byte[] Make(int records = 1, long timestamp = 1_000, int valueSize = 10, long producerId = -1, short producerEpoch = -1, int baseSequence = -1,
        CompressionType compression = CompressionType.None, bool transactional = false)
    {
        using var builder = new RecordBatchBuilder(compression)
        {
            ProducerId = producerId,
            ProducerEpoch = producerEpoch,
            BaseSequence = baseSequence,
            IsTransactional = transactional,
        };
        for (int i = 0; i < records; i++)
        {
            byte[] value = new byte[valueSize];
            value.AsSpan().Fill((byte)('a' + (i % 26)));
            builder.Append(timestamp + i, null, value);
        }

        return builder.ToArray();
    }

    /// <summary>Records with the given timestamps, in that order.</summary>
    public static byte[] WithTimestamps(params long[] timestamps)
    {
        using var builder = new RecordBatchBuilder();
        foreach (long timestamp in timestamps)
        {
            builder.Append(timestamp, null, new byte[] { 1, 2, 3 });
        }

        return builder.ToArray();
    }

    public static byte[] Concat(params byte[][] batches) => batches.SelectMany(b => b).ToArray();

    /// <summary>The batches of a read, as views.</summary>
    public static List<RecordBatch> Split(ReadOnlyMemory<byte> records)
    {
        var result = new List<RecordBatch>();
        foreach (RecordBatch batch in new RecordBatchSet(records))
        {
            result.Add(batch);
        }

        return result;
    }
}
