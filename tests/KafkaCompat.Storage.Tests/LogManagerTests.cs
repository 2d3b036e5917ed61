using System.Text;

namespace KafkaCompat.Storage.Tests;

[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public class LogManagerTests
{
    private const string LogDir = "/var/kafka";

    private readonly MemoryFileSystem _fileSystem = new();
    private readonly FakeTimeProvider _time = new();

    [Test]
    public void Start_WritesMetaPropertiesInKafkasKRaftFormat()
    {
        using LogManager manager = Start(nodeId: 1);

        string content = Encoding.UTF8.GetString(_fileSystem.GetContent(Path.Combine(LogDir, "meta.properties")));
        Assert.That(content, Does.Contain("version=1\n"));
        Assert.That(content, Does.Contain("node.id=1\n"));
        Assert.That(content, Does.Contain("cluster.id=MkU3OEVBNTcwNTJENDM2Qk\n"));
        Assert.That(content, Does.Match("directory.id=[A-Za-z0-9_-]{22}\n"), "KIP-858: each log dir gets its own directory id");
        Assert.That(MetaProperties.Read(_fileSystem, LogDir)! with { DirectoryId = null }, Is.EqualTo(new MetaProperties(1, "MkU3OEVBNTcwNTJENDM2Qk")));
    }

    [Test]
    public void Start_RefusesALogDirOfAnotherNode()
    {
        Start(nodeId: 1).Shutdown();

        Assert.That(() => Start(nodeId: 2), Throws.InvalidOperationException.With.Message.Contains("node.id 2"));
        Assert.That(() => Start(nodeId: 1, clusterId: "other"), Throws.InvalidOperationException.With.Message.Contains("cluster id"));
    }

    [Test]
    public void Start_LoadsEveryPartitionLog_AndShutdownClosesThemCleanly()
    {
        using (LogManager manager = Start())
        {
            manager.GetOrCreateLog(new TopicPartition("a-b", 0)).Append(Batches.Make(records: 2), 0);
            manager.GetOrCreateLog(new TopicPartition("a-b", 1)).Append(Batches.Make(records: 3), 0);
            manager.GetOrCreateLog(new TopicPartition("c", 0));
        }

        _fileSystem.CreateDirectory(Path.Combine(LogDir, "not-a-partition"));
        using LogManager restarted = Start();

        Assert.That(string.Join(",", restarted.Logs.Select(l => l.TopicPartition.ToString()).Order()), Is.EqualTo("a-b-0,a-b-1,c-0"));
        Assert.That(restarted.GetLog(new TopicPartition("a-b", 1))!.LogEndOffset, Is.EqualTo(3));
        Assert.That(restarted.Logs.All(l => l.LoadInfo.HadCleanShutdown), Is.True);
    }

    [Test]
    public void DeleteLog_RemovesThePartitionDirectory()
    {
        using LogManager manager = Start();
        var topicPartition = new TopicPartition("gone", 0);
        manager.GetOrCreateLog(topicPartition).Append(Batches.Make(), 0);

        Assert.That(manager.DeleteLog(topicPartition), Is.True);

        Assert.That(_fileSystem.DirectoryExists(Path.Combine(LogDir, "gone-0")), Is.False);
        Assert.That(manager.GetLog(topicPartition), Is.Null);
        Assert.That(manager.DeleteLog(topicPartition), Is.False);
    }

    [Test]
    public void RetentionRunsOnItsTimer()
    {
        int size = Batches.Make().Length;
        using LogManager manager = Start(config: LogConfig.Default with { SegmentBytes = size * 2, RetentionMs = 60_000 });
        PartitionLog log = manager.GetOrCreateLog(new TopicPartition("t", 0));
        for (int i = 0; i < 5; i++)
        {
            log.Append(Batches.Make(timestamp: _time.NowMs), 0);
        }

        log.UpdateHighWatermark(log.LogEndOffset);
        _time.AdvanceMs(200_000);
        Assert.That(string.Join(",", log.Segments.Select(s => s.BaseOffset)), Is.EqualTo("0,2,4"));

        _time.AdvanceMs(100_000);

        Assert.That(log.SegmentCount, Is.EqualTo(1));
        Assert.That(log.LogStartOffset, Is.EqualTo(4));
    }

    [Test]
    public void FlushMs_IsHonouredByTheFlushTimer()
    {
        using LogManager manager = Start(
            config: LogConfig.Default with { FlushMs = 1_000 },
            flushIntervalMs: 100);
        PartitionLog log = manager.GetOrCreateLog(new TopicPartition("t", 0));
        log.Append(Batches.Make(records: 2), 0);
        Assert.That(log.RecoveryPoint, Is.Zero);

        _time.AdvanceMs(1_100);

        Assert.That(log.RecoveryPoint, Is.EqualTo(2));
    }

    private LogManager Start(int nodeId = 1, string clusterId = "MkU3OEVBNTcwNTJENDM2Qk", LogConfig? config = null, long flushIntervalMs = long.MaxValue) =>
        LogManager.Start(
            _fileSystem,
            new LogManagerConfig
            {
                LogDirs = [LogDir],
                NodeId = nodeId,
                ClusterId = clusterId,
                DefaultConfig = config ?? LogConfig.Default,
                FlushSchedulerIntervalMs = flushIntervalMs,
            },
            _time);
}
