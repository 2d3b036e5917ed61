namespace KafkaCompat.Storage.Tests;

public class CleanerCrashTests
{
    private static readonly TopicPartition _topicPartition = new("orders", 0);

    [Test]
    public void ACrashAfterEveryWriteOfAClean_LeavesTheLogAsBeforeOrAsAfter_AndTheNextCleanFinishesIt()
    {
        // A run without failure gives the expected result and the number of writes a clean makes.
        var reference = new FaultyFileSystem(new MemoryFileSystem());
        var referenceTime = new FakeTimeProvider();
        PartitionLog referenceLog = Build(reference, referenceTime);
        List<string> before = Compacted.Records(referenceLog);
        reference.FailAfter(int.MaxValue - 1);
        Assert.That(Compacted.CleanerOn(reference, referenceTime, referenceLog).CleanFilthiestLog(), Is.Not.Null);
        int writes = reference.Operations;
        List<string> after = Compacted.Records(referenceLog);
        Assert.That(after, Is.Not.EqualTo(before));
        Assert.That(writes, Is.GreaterThan(10), "the clean has several steps to interrupt");

        var outcomes = new HashSet<string>();
        for (int failAfter = 0; failAfter < writes; failAfter++)
        {
            var memory = new MemoryFileSystem();
            var faulty = new FaultyFileSystem(memory);
            var time = new FakeTimeProvider();
            PartitionLog log = Build(faulty, time);
            faulty.FailAfter(failAfter);
            Assert.That(Compacted.CleanerOn(faulty, time, log).CleanFilthiestLog(), Is.Null, $"failing after {failAfter} writes");
            Assert.That(faulty.Failed, Is.True);

            memory.Crash();
            PartitionLog reopened = PartitionLog.Open(memory, LogFixture.LogDir, _topicPartition, Compacted.Config, time);
            List<string> recovered = Compacted.Records(reopened);
            Assert.That(recovered, Is.EqualTo(before).Or.EqualTo(after), $"crash after {failAfter} writes");
            outcomes.Add(recovered.SequenceEqual(after) ? "after" : "before");
            string directory = Path.Combine(LogFixture.LogDir, _topicPartition.ToString());
            Assert.That(memory.ListFiles(directory).Where(f => f.EndsWith(".cleaned") || f.EndsWith(".swap") || f.EndsWith(".deleted")), Is.Empty);
            Assert.That(reopened.LogEndOffset, Is.EqualTo(referenceLog.LogEndOffset));

            Compacted.CleanerOn(memory, time, reopened).CleanFilthiestLog();
            Assert.That(Compacted.Records(reopened), Is.EqualTo(after), $"the clean after the crash after {failAfter} writes");
            reopened.Close();
            Assert.That(Compacted.Records(PartitionLog.Open(memory, LogFixture.LogDir, _topicPartition, Compacted.Config, time)), Is.EqualTo(after));
        }

        Assert.That(outcomes, Is.EquivalentTo(new[] { "before", "after" }), "crashes before and after the commit point were both tried");
    }

    [Test]
    public void ACommittedSwap_IsCompletedByRecovery_WhateverOfTheOldSegmentsIsLeft()
    {
        var memory = new MemoryFileSystem();
        var time = new FakeTimeProvider();
        PartitionLog log = Build(memory, time);
        string directory = log.Directory;
        List<string> before = Compacted.Records(log);
        log.Close();

        // A swap file made by hand: segment 0 with only the record at offset 2, covering old segments 0-2.
        byte[] cleaned = memory.GetContent(LogSegmentPath(directory, 2));
        memory.SetContent(LogSegmentPath(directory, 0) + ".swap", cleaned);
        memory.SetContent(LogSegmentPath(directory, 0) + ".cleaned", [1, 2, 3]);

        PartitionLog reopened = PartitionLog.Open(memory, LogFixture.LogDir, _topicPartition, Compacted.Config, time);

        List<string> expected = [.. before.Where(r => !r.StartsWith("0:") && !r.StartsWith("1:"))];
        Assert.That(Compacted.Records(reopened), Is.EqualTo(expected));
        Assert.That(memory.FileExists(LogSegmentPath(directory, 3)), Is.True, "segments after the swap stay");
        Assert.That(memory.FileExists(LogSegmentPath(directory, 2)), Is.False);
        Assert.That(reopened.Segments[0].BaseOffset, Is.Zero);
    }

    private static string LogSegmentPath(string directory, long baseOffset) =>
        Path.Combine(directory, baseOffset.ToString("D20", System.Globalization.CultureInfo.InvariantCulture) + ".log");

    /// <summary>Six segments (the last active), keys repeating, a tombstone; all of it flushed.</summary>
    private static PartitionLog Build(IFileSystem fileSystem, TimeProvider time)
    {
        PartitionLog log = PartitionLog.Open(fileSystem, LogFixture.LogDir, _topicPartition, Compacted.Config, time);
        (string, string?)[][] appends =
        [
            [("a", "1"), ("b", "1")],
            [("c", "1")],
            [("a", "2"), ("d", "1")],
            [("b", null)],
            [("c", "2"), ("e", "1")],
            [("a", "3")],
        ];
        long timestamp = 0;
        foreach ((string, string?)[] records in appends)
        {
            log.Append(Compacted.Batch(timestamp += 1_000, records), 0);
        }

        log.UpdateHighWatermark(log.LogEndOffset);
        log.Flush();
        return log;
    }
}
