namespace KafkaCompat.Storage.Tests;

public class DiskLogTests
{
    private string _logDir = "";

    [SetUp]
    public void CreateTempDir() => _logDir = Directory.CreateTempSubdirectory("kafkacompat-storage-").FullName;

    [TearDown]
    public void DeleteTempDir() => Directory.Delete(_logDir, recursive: true);

    [Test]
    public void AppendCloseReopenRead_OnARealDisk()
    {
        var time = new FakeTimeProvider();
        var topicPartition = new TopicPartition("payments", 3);
        var config = LogConfig.Default with { SegmentBytes = 1_000, IndexIntervalBytes = 100 };
        var expected = new List<long>();
        byte[] written;
        using (PartitionLog log = PartitionLog.Open(DiskFileSystem.Instance, _logDir, topicPartition, config, time))
        {
            for (int i = 0; i < 40; i++)
            {
                LogAppendResult result = log.Append(Batches.Make(records: 3, timestamp: 1_000 + i, valueSize: 15), leaderEpoch: 1);
                expected.Add(result.FirstOffset);
            }

            log.UpdateHighWatermark(log.LogEndOffset);
            using LogReadResult read = log.Read(0, 1 << 20, log.HighWatermark, true);
            written = read.Records.ToArray();
        }

        string directory = Path.Combine(_logDir, "payments-3");
        Assert.That(File.Exists(Path.Combine(directory, "00000000000000000000.log")), Is.True);
        Assert.That(File.Exists(Path.Combine(directory, "00000000000000000000.index")), Is.True);
        Assert.That(File.Exists(Path.Combine(directory, "00000000000000000000.timeindex")), Is.True);
        Assert.That(File.Exists(Path.Combine(directory, ".kafka_cleanshutdown")), Is.True);

        using PartitionLog reopened = PartitionLog.Open(DiskFileSystem.Instance, _logDir, topicPartition, config, time);
        Assert.That(reopened.LoadInfo.HadCleanShutdown, Is.True);
        Assert.That(reopened.LogEndOffset, Is.EqualTo(120));
        Assert.That(reopened.SegmentCount, Is.GreaterThan(1));
        using (LogReadResult read = reopened.Read(0, 1 << 20, reopened.HighWatermark, true))
        {
            Assert.That(read.Records.ToArray(), Is.EqualTo(written));
            Assert.That(Batches.Split(read.Records).Select(b => b.BaseOffset), Is.EqualTo(expected));
        }

        Assert.That(reopened.OffsetForTimestamp(1_020)?.Offset, Is.EqualTo(56));
        Assert.That(reopened.Append(Batches.Make(), 1).FirstOffset, Is.EqualTo(120));
    }

    [Test]
    public void RecoveryAfterAnUncleanStop_OnARealDisk()
    {
        var time = new FakeTimeProvider();
        var topicPartition = new TopicPartition("t", 0);
        PartitionLog log = PartitionLog.Open(DiskFileSystem.Instance, _logDir, topicPartition, LogConfig.Default, time);
        log.Append(Batches.Make(records: 2), 0);
        log.Append(Batches.Make(records: 2), 0);
        log.Flush();
        // Drop the handles without Close (no marker), then tear the last batch.
        typeof(PartitionLog).GetMethod("CloseSegments", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.Invoke(log, null);
        string segment = Path.Combine(_logDir, "t-0", "00000000000000000000.log");
        using (var stream = new FileStream(segment, FileMode.Open))
        {
            stream.SetLength(stream.Length - 7);
        }

        using PartitionLog reopened = PartitionLog.Open(DiskFileSystem.Instance, _logDir, topicPartition, LogConfig.Default, time);

        Assert.That(reopened.LoadInfo.HadCleanShutdown, Is.False);
        Assert.That(reopened.LogEndOffset, Is.EqualTo(2));
        Assert.That(new FileInfo(segment).Length, Is.EqualTo(Batches.Make(records: 2).Length));
    }
}
