using KafkaCompat.Protocol;

namespace KafkaCompat.Storage.Tests;

public class ProducerStateManagerTests
{
    private static readonly TopicPartition Partition = new("orders", 0);

    [Test]
    public void CheckAppend_ChecksALaterBatchAgainstAnEarlierOneOfTheSameAppend()
    {
        var producers = new ProducerStateManager();
        LogAppendInfo inOrder = Info(Batch(1, sequence: 0, records: 2), Batch(2, sequence: 5, records: 1), Batch(1, sequence: 2, records: 1));
        LogAppendInfo gap = Info(Batch(1, sequence: 0, records: 2), Batch(2, sequence: 0, records: 1), Batch(1, sequence: 3, records: 1));

        Assert.That(producers.CheckAppend(inOrder, out _), Is.EqualTo(ProducerCheck.Accept));
        Assert.That(producers.CheckAppend(gap, out int index).Error, Is.EqualTo(ErrorCode.OutOfOrderSequenceNumber));
        Assert.That(index, Is.EqualTo(2));
    }

    [Test]
    public void Update_RemembersTheOffsetsTheBatchesGot_SoARetryIsADuplicate()
    {
        var producers = new ProducerStateManager();
        LogAppendInfo info = Info(Batches.Make(records: 2), Batch(1, sequence: 0, records: 3));

        producers.Update(info, firstOffset: 100, logAppendTime: -1);

        ProducerCheck retry = producers.CheckAppend(Info(Batch(1, sequence: 0, records: 3)), out int index);
        Assert.That(retry.Duplicate, Is.EqualTo(new BatchMetadata(0, 2, 102, 104, 1_002)));
        Assert.That(index, Is.EqualTo(0));
        Assert.That(producers.Count, Is.EqualTo(1), "a batch without a producer id is not tracked");
    }

    [Test]
    public void Update_OnALogAppendTimeTopic_KeepsTheBrokersTimestamp()
    {
        var producers = new ProducerStateManager();

        producers.Update(Info(Batch(1, sequence: 0, records: 1)), firstOffset: 0, logAppendTime: 77_000);

        Assert.That(producers.Get(1)!.LastTimestamp, Is.EqualTo(77_000));
    }

    [Test]
    public void TakeSnapshot_KeepsTheTwoNewest()
    {
        var fileSystem = new MemoryFileSystem();
        fileSystem.CreateDirectory("/log");
        var producers = new ProducerStateManager();
        producers.Update(Info(Batch(1, sequence: 0, records: 1)), firstOffset: 0, logAppendTime: -1);

        foreach (long offset in (long[])[10, 20, 30])
        {
            producers.TakeSnapshot(fileSystem, "/log", offset);
        }

        Assert.That(ProducerSnapshotFile.List(fileSystem, "/log").Select(s => s.Offset), Is.EqualTo(new long[] { 30, 20 }));
        var loaded = new ProducerStateManager();
        Assert.That(ProducerSnapshotFile.TryRead(fileSystem, ProducerSnapshotFile.PathFor("/log", 30), loaded), Is.True);
        Assert.That(loaded.Get(1)!.LastSequence, Is.EqualTo(0));
    }

    private static byte[] Batch(long producerId, int sequence, int records) =>
        Batches.Make(records: records, producerId: producerId, producerEpoch: 0, baseSequence: sequence);

    private static LogAppendInfo Info(params byte[][] batches)
    {
        Assert.That(LogAppendInfo.TryAnalyze(Batches.Concat(batches), LogConfig.Default, Partition, out LogAppendInfo info, out _), Is.True);
        return info;
    }
}
