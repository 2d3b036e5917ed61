using KafkaCompat.Protocol;
using KafkaCompat.Records;

namespace KafkaCompat.Storage.Tests;

public class AppendReadTests
{
    [Test]
    public void Append_AssignsConsecutiveOffsetsInPlace_AndKeepsTheClientCrcValid()
    {
        using var fixture = new LogFixture();
        byte[] first = Batches.Make(records: 3);
        uint clientCrc = new RecordBatch(first).Crc;

        LogAppendResult a = fixture.Append(first, leaderEpoch: 7);
        LogAppendResult b = fixture.Append(Batches.Make(records: 1));
        LogAppendResult c = fixture.Append(Batches.Make(records: 5));

        Assert.That((a.FirstOffset, a.LastOffset, b.FirstOffset, b.LastOffset, c.FirstOffset, c.LastOffset), Is.EqualTo((0L, 2L, 3L, 3L, 4L, 8L)));
        Assert.That(a.LogAppendTime, Is.EqualTo(-1));
        Assert.That(fixture.Log.LogEndOffset, Is.EqualTo(9));
        // The caller's buffer was patched in place: that is what was written.
        Assert.That(new RecordBatch(first).PartitionLeaderEpoch, Is.EqualTo(7));

        List<RecordBatch> batches = Batches.Split(fixture.ReadAll());
        Assert.That(batches.Select(x => x.BaseOffset), Is.EqualTo(new long[] { 0, 3, 4 }));
        Assert.That(batches.Select(x => x.LastOffset), Is.EqualTo(new long[] { 2, 3, 8 }));
        Assert.That(batches.All(x => x.IsValidCrc()), Is.True);
        Assert.That(batches[0].Crc, Is.EqualTo(clientCrc));
        Assert.That(batches[0].PartitionLeaderEpoch, Is.EqualTo(7));
    }

    [Test]
    public void Append_OfSeveralBatchesInOneBuffer_NumbersThemContiguously()
    {
        using var fixture = new LogFixture();
        fixture.Append(Batches.Make(records: 2));

        LogAppendResult result = fixture.Append(Batches.Concat(Batches.Make(records: 2), Batches.Make(records: 3), Batches.Make(records: 1)));

        Assert.That((result.FirstOffset, result.LastOffset), Is.EqualTo((2L, 7L)));
        Assert.That(Batches.Split(fixture.ReadAll()).Select(b => b.BaseOffset), Is.EqualTo(new long[] { 0, 2, 4, 7 }));
    }

    [Test]
    public void RecordsReadBack_CarryTheirAssignedOffsets_AlsoWhenCompressed()
    {
        using var fixture = new LogFixture();
        fixture.Append(Batches.Make(records: 4));
        fixture.Append(Batches.Make(records: 6, compression: CompressionType.Gzip));

        var offsets = new List<long>();
        foreach (RecordBatch batch in Batches.Split(fixture.ReadAll()))
        {
            Assert.That(batch.IsValidCrc(), Is.True);
            using RecordBatchReader reader = batch.OpenRecords(1 << 20);
            foreach (Record record in reader)
            {
                offsets.Add(record.Offset);
            }
        }

        Assert.That(offsets, Is.EqualTo(Enumerable.Range(0, 10).Select(i => (long)i)));
    }

    [Test]
    public void RoundTrip_AcrossManySegments_HasExactOffsets()
    {
        using var fixture = new LogFixture(LogConfig.Default with { SegmentBytes = 1_000, IndexIntervalBytes = 200 });
        var expected = new List<long>();
        long next = 0;
        for (int i = 0; i < 60; i++)
        {
            int records = 1 + (i % 4);
            LogAppendResult result = fixture.Append(Batches.Make(records: records, valueSize: 20));
            Assert.That(result.FirstOffset, Is.EqualTo(next));
            expected.Add(next);
            next += records;
        }

        Assert.That(fixture.Log.SegmentCount, Is.GreaterThan(5));
        Assert.That(Batches.Split(fixture.ReadAll()).Select(b => b.BaseOffset), Is.EqualTo(expected));

        // Every offset finds the batch that holds it, in whichever segment.
        for (long offset = 0; offset < next; offset++)
        {
            using LogReadResult read = fixture.Log.Read(offset, 1, fixture.Log.HighWatermark, minOneBatch: true);
            RecordBatch batch = Batches.Split(read.Records).Single();
            Assert.That(offset, Is.InRange(batch.BaseOffset, batch.LastOffset));
        }
    }

    [Test]
    public void Read_OutsideTheLog_IsOffsetOutOfRange_AndAtTheEndIsEmpty()
    {
        using var fixture = new LogFixture();
        fixture.Append(Batches.Make(records: 3));

        using LogReadResult beyond = fixture.Log.Read(4, 1000, 3, true);
        using LogReadResult atEnd = fixture.Log.Read(3, 1000, 3, true);
        using LogReadResult negative = fixture.Log.Read(-1, 1000, 3, true);

        Assert.That(beyond.Error, Is.EqualTo(ErrorCode.OffsetOutOfRange));
        Assert.That(negative.Error, Is.EqualTo(ErrorCode.OffsetOutOfRange));
        Assert.That(atEnd.Error, Is.EqualTo(ErrorCode.None));
        Assert.That(atEnd.Records.Length, Is.Zero);
        Assert.That((atEnd.HighWatermark, atEnd.LogEndOffset, atEnd.LogStartOffset, atEnd.LastStableOffset), Is.EqualTo((3L, 3L, 0L, 3L)));
    }

    [Test]
    public void LogAppendTimeTopic_StampsTheBrokerTime_AndRecomputesTheCrc()
    {
        using var fixture = new LogFixture(LogConfig.Default.With(new Dictionary<string, string> { ["message.timestamp.type"] = "LogAppendTime" }));
        fixture.Time.AdvanceMs(5_000);

        LogAppendResult result = fixture.Append(Batches.Make(records: 2, timestamp: 42));

        Assert.That(result.LogAppendTime, Is.EqualTo(fixture.Time.NowMs));
        RecordBatch stored = Batches.Split(fixture.ReadAll()).Single();
        Assert.That(stored.TimestampType, Is.EqualTo(TimestampType.LogAppendTime));
        Assert.That(stored.MaxTimestamp, Is.EqualTo(fixture.Time.NowMs));
        Assert.That(stored.IsValidCrc(), Is.True);
    }

    [Test]
    public void Append_RejectsABatchOverMaxMessageBytes_AndWritesNothing()
    {
        using var fixture = new LogFixture(LogConfig.Default with { MaxMessageBytes = 100 });

        LogAppendResult result = fixture.Append(Batches.Make(records: 1, valueSize: 200));

        Assert.That(result.Error, Is.EqualTo(ErrorCode.MessageTooLarge));
        Assert.That(fixture.Log.LogEndOffset, Is.Zero);
    }

    [Test]
    public void Append_RejectsATruncatedBuffer()
    {
        using var fixture = new LogFixture();
        byte[] batch = Batches.Make(records: 2);

        LogAppendResult result = fixture.Log.Append(batch.AsMemory(0, batch.Length - 1), 0);

        Assert.That(result.Error, Is.EqualTo(ErrorCode.CorruptMessage));
        Assert.That(fixture.Log.LogEndOffset, Is.Zero);
    }

    [Test]
    public void HighWatermark_StartsAtTheRecoveredEnd_AndStaysWithinTheLog()
    {
        using var fixture = new LogFixture();
        fixture.Log.Append(Batches.Make(records: 4), 0);
        Assert.That(fixture.Log.HighWatermark, Is.Zero);

        Assert.That(fixture.Log.UpdateHighWatermark(100), Is.EqualTo(4));
        fixture.Log.Append(Batches.Make(records: 1), 6);
        fixture.Restart();

        Assert.That(fixture.Log.HighWatermark, Is.EqualTo(5));
        Assert.That(fixture.Log.FetchOffsetByTimestamp(ListOffsetsTimestamp.Latest, fixture.Log.HighWatermark), Is.EqualTo(new TimestampAndOffset(-1, 5, 6)));
    }
}
