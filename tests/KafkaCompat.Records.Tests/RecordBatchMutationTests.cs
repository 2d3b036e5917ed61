namespace KafkaCompat.Records.Tests;

public class RecordBatchMutationTests
{
    [Test]
    public void SetBaseOffsetAndLeaderEpoch_LeaveTheCrcValid([ValueSource(typeof(TestData), nameof(TestData.AllCodecs))] CompressionType codec)
    {
        byte[] bytes = Build(codec);
        uint crcBefore = new RecordBatch(bytes).Crc;

        RecordBatch.SetBaseOffset(bytes, 987_654_321_000);
        RecordBatch.SetPartitionLeaderEpoch(bytes, 42);

        var batch = new RecordBatch(bytes);
        Assert.That(batch.BaseOffset, Is.EqualTo(987_654_321_000));
        Assert.That(batch.PartitionLeaderEpoch, Is.EqualTo(42));
        Assert.That(batch.Crc, Is.EqualTo(crcBefore));
        Assert.That(batch.IsValidCrc(), Is.True);
        Assert.That(batch.LastOffset, Is.EqualTo(987_654_321_002));

        using RecordBatchReader reader = batch.OpenRecords(1 << 20);
        long expected = 987_654_321_000;
        foreach (Record record in reader)
        {
            Assert.That(record.Offset, Is.EqualTo(expected++));
        }
    }

    [Test]
    public void SetMaxTimestamp_ToLogAppendTime_RecomputesTheCrc()
    {
        byte[] bytes = Build(CompressionType.Zstd);
        uint crcBefore = new RecordBatch(bytes).Crc;

        RecordBatch.SetMaxTimestamp(bytes, TimestampType.LogAppendTime, 1_234_567);

        var batch = new RecordBatch(bytes);
        Assert.That(batch.TimestampType, Is.EqualTo(TimestampType.LogAppendTime));
        Assert.That(batch.MaxTimestamp, Is.EqualTo(1_234_567));
        Assert.That(batch.Compression, Is.EqualTo(CompressionType.Zstd), "other attribute bits are kept");
        Assert.That(batch.Crc, Is.Not.EqualTo(crcBefore));
        Assert.That(batch.IsValidCrc(), Is.True);
    }

    [Test]
    public void SetMaxTimestamp_BackToCreateTime_ClearsTheBit()
    {
        byte[] bytes = Build(CompressionType.None);
        long originalMax = new RecordBatch(bytes).MaxTimestamp;
        RecordBatch.SetMaxTimestamp(bytes, TimestampType.LogAppendTime, 5);
        RecordBatch.SetMaxTimestamp(bytes, TimestampType.CreateTime, originalMax);

        Assert.That(bytes, Is.EqualTo(Build(CompressionType.None)));
    }

    [Test]
    public void Setters_RejectBuffersShorterThanAHeader()
    {
        var shortBuffer = new byte[60];
        Assert.Throws<ArgumentException>(() => RecordBatch.SetBaseOffset(shortBuffer, 1));
        Assert.Throws<ArgumentException>(() => RecordBatch.SetPartitionLeaderEpoch(shortBuffer, 1));
        Assert.Throws<ArgumentException>(() => RecordBatch.SetMaxTimestamp(shortBuffer, TimestampType.LogAppendTime, 1));
    }

    private static byte[] Build(CompressionType codec)
    {
        using var builder = new RecordBatchBuilder(codec) { ProducerId = 1, ProducerEpoch = 0, BaseSequence = 0 };
        builder.Append(10, "k1"u8.ToArray(), "v1"u8.ToArray())
               .Append(30, "k2"u8.ToArray(), "v2"u8.ToArray())
               .Append(20, null, "v3"u8.ToArray());
        return builder.ToArray();
    }
}
