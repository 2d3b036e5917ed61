using KafkaCompat.Protocol;
using KafkaCompat.Records;

namespace KafkaCompat.Storage.Tests;

public class LogAppendInfoTests
{
    private static readonly TopicPartition Partition = new("orders", 0);

    [Test]
    public void Analyze_ReadsEachBatchHeaderIntoWhatTheAppendNeeds()
    {
        byte[] first = Batches.Make(records: 3, timestamp: 5_000);
        byte[] second = Batches.Make(records: 2, timestamp: 9_000, producerId: 42, producerEpoch: 1, baseSequence: 10);
        byte[] third = Batches.Make(records: 1, timestamp: 7_000, compression: CompressionType.Gzip);

        LogAppendInfo info = Analyze(Batches.Concat(first, second, third));

        Assert.That(info.BatchCount, Is.EqualTo(3));
        Assert.That(info.Bytes, Is.EqualTo(first.Length + second.Length + third.Length));
        Assert.That(info.OffsetCount, Is.EqualTo(6));
        Assert.That(info.MaxTimestamp, Is.EqualTo(9_001));
        Assert.That(info.RelativeOffsetOfMaxTimestamp, Is.EqualTo(4), "the last offset of the batch holding the max timestamp");
        Assert.That(info.HasProducerBatches, Is.True);
        Assert.That(info[1], Is.EqualTo(new BatchInfo(first.Length, second.Length, 3, 1, 9_001, 42, 1, 10, 0)));
        Assert.That((info[1].LastSequence, info[1].IsTrackedByProducerState), Is.EqualTo((11, true)));
        Assert.That((info[0].HasProducerId, info[0].RelativeOffset, info[0].OffsetCount), Is.EqualTo((false, 0L, 3L)));
        Assert.That((info[2].Position, info[2].RelativeOffset, info[2].CompressionCodecId), Is.EqualTo((first.Length + second.Length, 5L, (int)CompressionType.Gzip)));
        Assert.That(() => info[3], Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void TryAdd_RefusesABatchOverMaxMessageBytes_AndAddsNothing()
    {
        byte[] batch = Batches.Make(records: 2);
        var info = new LogAppendInfo();

        Assert.That(info.TryAdd(batch, LogConfig.Default with { MaxMessageBytes = batch.Length - 1 }, out string? tooLarge), Is.False);
        Assert.That(tooLarge, Does.Contain($"{batch.Length} bytes").And.Contain("max.message.bytes"));
        Assert.That(info.BatchCount, Is.EqualTo(0));
        Assert.That(info.TryAdd(batch, LogConfig.Default with { MaxMessageBytes = batch.Length }, out _), Is.True);
        Assert.That((info.BatchCount, info.Bytes), Is.EqualTo((1, batch.Length)));
    }

    [Test]
    public void Analyze_RefusesWhatWouldMakeTheSegmentUnreadable()
    {
        byte[] batch = Batches.Make(records: 2);
        byte[] badMagic = (byte[])batch.Clone();
        badMagic[16] = 1;
        byte[] longer = (byte[])batch.Clone();
        longer[11] += 1;

        Assert.That(Refusal(batch.AsSpan(0, batch.Length - 1).ToArray()), Is.EqualTo(ErrorCode.CorruptMessage), "a partial batch");
        Assert.That(Refusal(Batches.Concat(batch, batch.AsSpan(0, 20).ToArray())), Is.EqualTo(ErrorCode.CorruptMessage), "a partial header");
        Assert.That(Refusal(badMagic), Is.EqualTo(ErrorCode.CorruptMessage));
        Assert.That(Refusal(longer), Is.EqualTo(ErrorCode.CorruptMessage), "a length beyond the bytes");
        Assert.That(Refusal(batch, LogConfig.Default with { MaxMessageBytes = 10 }), Is.EqualTo(ErrorCode.MessageTooLarge));
        Assert.That(Analyze([]).BatchCount, Is.EqualTo(0));
    }

    [Test]
    public void TheLogRefusesAnInfoThatDoesNotCoverItsBytes()
    {
        using var fixture = new LogFixture();
        byte[] batch = Batches.Make(records: 2);
        LogAppendInfo info = Analyze(batch);

        Assert.That(() => fixture.Log.Append(Batches.Concat(batch, batch), info, leaderEpoch: 0), Throws.ArgumentException);
        Assert.That(fixture.Log.LogEndOffset, Is.EqualTo(0));
        Assert.That(fixture.Log.Append(batch, info, leaderEpoch: 0).LastOffset, Is.EqualTo(1));
    }

    private static LogAppendInfo Analyze(byte[] records)
    {
        Assert.That(LogAppendInfo.TryAnalyze(records, LogConfig.Default, Partition, out LogAppendInfo info, out _), Is.True);
        return info;
    }

    private static ErrorCode Refusal(byte[] records, LogConfig? config = null)
    {
        Assert.That(LogAppendInfo.TryAnalyze(records, config ?? LogConfig.Default, Partition, out _, out LogAppendResult failure), Is.False);
        return failure.Error;
    }
}
