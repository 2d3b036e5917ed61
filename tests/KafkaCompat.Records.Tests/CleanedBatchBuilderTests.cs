using System.Buffers.Binary;

namespace KafkaCompat.Records.Tests;

/// <summary>The builder's parts the log cleaner uses: a kept last offset, a KIP-534 delete horizon, an emptied batch.</summary>
public class CleanedBatchBuilderTests
{
    [Test]
    public void LastOffset_IsWrittenAboveTheLastRecord_AndMayNotBeBelowIt()
    {
        using var builder = new RecordBatchBuilder { BaseOffset = 100, LastOffset = 105 };
        builder.AppendWithOffset(101, 1_000, [1], [2]);

        var batch = new RecordBatch(builder.ToArray());

        Assert.That((batch.BaseOffset, batch.LastOffset, batch.RecordCount), Is.EqualTo((100L, 105L, 1)));
        Assert.That(batch.IsValidCrc(), Is.True);
        using var tooLow = new RecordBatchBuilder { BaseOffset = 100, LastOffset = 100 };
        tooLow.AppendWithOffset(101, 1_000, [1], [2]);
        Assert.Throws<InvalidOperationException>(() => tooLow.ToArray());
    }

    [Test]
    public void DeleteHorizonMs_TakesTheBaseTimestampsPlace_AndRecordTimestampsStayTheirOwn()
    {
        using var builder = new RecordBatchBuilder { DeleteHorizonMs = 50_000 };
        builder.Append(1_000, [1], null);
        builder.Append(1_500, [2], [3]);

        var batch = new RecordBatch(builder.ToArray());

        Assert.That(batch.HasDeleteHorizon, Is.True);
        Assert.That(batch.BaseTimestamp, Is.EqualTo(50_000));
        Assert.That(batch.MaxTimestamp, Is.EqualTo(1_500));
        using RecordBatchReader records = batch.OpenRecords(1 << 20);
        var timestamps = new List<long>();
        foreach (Record record in records)
        {
            timestamps.Add(record.Timestamp);
        }

        Assert.That(timestamps, Is.EqualTo(new long[] { 1_000, 1_500 }));
    }

    [Test]
    public void EmptyLike_KeepsTheHeaderWithNoRecords_NoCompression_AndAValidCrc()
    {
        using var builder = new RecordBatchBuilder(CompressionType.Gzip) { BaseOffset = 7, ProducerId = 9, ProducerEpoch = 3, BaseSequence = 11, PartitionLeaderEpoch = 2 };
        builder.Append(1_000, [1], [2]);
        builder.Append(2_000, [3], [4]);
        var original = new RecordBatch(builder.ToArray());

        var empty = new RecordBatch(RecordBatchBuilder.EmptyLike(original));

        Assert.That(empty.SizeInBytes, Is.EqualTo(61));
        Assert.That(BinaryPrimitives.ReadInt32BigEndian(empty.Span[8..]), Is.EqualTo(49), "batchLength of a header alone");
        Assert.That(empty.IsValidCrc(), Is.True);
        Assert.That((empty.BaseOffset, empty.LastOffset, empty.RecordCount), Is.EqualTo((7L, 8L, 0)));
        Assert.That((empty.ProducerId, empty.ProducerEpoch, empty.BaseSequence, empty.PartitionLeaderEpoch), Is.EqualTo((9L, (short)3, 11, 2)));
        Assert.That(empty.Compression, Is.EqualTo(CompressionType.None));
        Assert.That((empty.BaseTimestamp, empty.MaxTimestamp), Is.EqualTo((2_000L, 2_000L)));
    }
}
