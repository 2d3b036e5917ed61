namespace KafkaCompat.Storage.Tests;

public class LogCleanerThreadTests
{
    private const string LogDir = "/var/kafka";

    [Test]
    public void TheLogManagersCleanerThread_CleansACompactedLog_AfterItsBackoff()
    {
        var fileSystem = new MemoryFileSystem();
        var time = new FakeTimeProvider();
        using LogManager manager = Start(fileSystem, time, enable: true);
        using var cleaned = new SemaphoreSlim(0);
        manager.Cleaner.Cleaned += (_, _) => cleaned.Release();
        PartitionLog log = manager.GetOrCreateLog(new TopicPartition("compacted", 0), Compacted.Config);
        long timestamp = 0;
        foreach (string value in (string[])["1", "2", "3", "4"])
        {
            log.Append(Compacted.Batch(timestamp += 1_000, ("k", value)), 0);
        }

        log.UpdateHighWatermark(log.LogEndOffset);

        // The thread sleeps log.cleaner.backoff.ms on the hand-moved clock between looks; move it until it has looked.
        bool ran = false;
        for (int attempt = 0; attempt < 100 && !ran; attempt++)
        {
            time.AdvanceMs(1_000);
            ran = cleaned.Wait(TimeSpan.FromMilliseconds(100));
        }

        Assert.That(ran, Is.True, "the cleaner thread cleaned the log");
        Assert.That(manager.Cleaner.FirstDirtyOffset(log), Is.EqualTo(3));
        Assert.That(manager.Cleaner.IsRunning, Is.True);
        manager.Shutdown();
        Assert.That(manager.Cleaner.IsRunning, Is.False, "shutdown stops the thread before closing the logs");
    }

    [Test]
    public void WithLogCleanerEnableFalse_NoThreadRuns()
    {
        using LogManager manager = Start(new MemoryFileSystem(), new FakeTimeProvider(), enable: false);

        Assert.That(manager.Cleaner.IsRunning, Is.False);
    }

    private static LogManager Start(MemoryFileSystem fileSystem, FakeTimeProvider time, bool enable) =>
        LogManager.Start(
            fileSystem,
            new LogManagerConfig
            {
                LogDirs = [LogDir],
                NodeId = 1,
                ClusterId = "MkU3OEVBNTcwNTJENDM2Qk",
                Cleaner = new CleanerConfig { Enable = enable, BackoffMs = 1_000, DedupeBufferSize = 1024 * 1024 },
            },
            time);
}
