using KafkaCompat.Broker.Metadata;
using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Raft;
using KafkaCompat.Storage;

namespace KafkaCompat.Broker.Tests.Metadata;

/// <summary>
/// The metadata state after a run of operations is the state a restart rebuilds: from the whole
/// log, from a snapshot and the log after it, from an older snapshot when the newest is torn, and
/// after retention deleted the log before a snapshot.
/// </summary>
public class MetadataReloadTests
{
    private const long SnapshotIntervalMs = 60_000;

    // Snapshots only when the test moves the clock: never by bytes.
    private static readonly MetadataLogConfig TimedSnapshots = new() { MaxRecordBytesBetweenSnapshots = long.MaxValue, MaxSnapshotIntervalMs = SnapshotIntervalMs };

    [TestCase(false)]
    [TestCase(true)]
    public async Task TheStateAfterARunOfOperationsIsTheStateAfterAReload(bool withSnapshot)
    {
        var files = new MemoryFileSystem();
        var time = new FakeTime();
        byte[][] expected;
        using (var node = MetadataNode.Open(files, time, TimedSnapshots))
        {
            await MetadataWorkload.RunAsync(node.Controller, 0);
            if (withSnapshot)
            {
                time.Advance(TimeSpan.FromMilliseconds(SnapshotIntervalMs));
            }
            await MetadataWorkload.RunAsync(node.Controller, 1);
            expected = MetadataWorkload.Records(node.Controller.Image);
            Assert.That(MetadataWorkload.Records(node.Loader.Image), Is.EqualTo(expected), "the broker's image is the controller's committed one");
            Assert.That(node.Journal.Snapshots, withSnapshot ? Has.Count.EqualTo(1) : Is.Empty);
        }

        var observer = new SnapshotObserver();
        using var reloaded = MetadataNode.Open(files, time, TimedSnapshots, observer);
        Assert.That(MetadataWorkload.Records(reloaded.Controller.Image), Is.EqualTo(expected));
        Assert.That(MetadataWorkload.Records(reloaded.Loader.Image), Is.EqualTo(expected));
        Assert.That(observer.LoadedSnapshot.HasValue, Is.EqualTo(withSnapshot));
    }

    [Test]
    public async Task EveryAnsweredChangeSurvivesACrash()
    {
        var files = new MemoryFileSystem();
        var time = new FakeTime();
        var node = MetadataNode.Open(files, time);
        await MetadataWorkload.RunAsync(node.Controller, 0);
        var expected = MetadataWorkload.Records(node.Controller.Image);
        node.Journal.Dispose();
        await node.Controller.StopAsync();

        // Whatever was not fsync'd is lost; an answered change was fsync'd before its answer.
        files.Crash();

        using var reloaded = MetadataNode.Open(files, time);
        Assert.That(MetadataWorkload.Records(reloaded.Controller.Image), Is.EqualTo(expected));
    }

    [Test]
    public async Task ASnapshotAndTheLogAfterItRebuildWhatTheWholeLogRebuilds()
    {
        var files = new MemoryFileSystem();
        var time = new FakeTime();
        byte[][] expected;
        OffsetAndEpoch snapshot;
        using (var node = MetadataNode.Open(files, time, TimedSnapshots))
        {
            await MetadataWorkload.RunAsync(node.Controller, 0);
            time.Advance(TimeSpan.FromMilliseconds(SnapshotIntervalMs));
            await MetadataWorkload.RunAsync(node.Controller, 1);
            await MetadataWorkload.RunAsync(node.Controller, 2);
            expected = MetadataWorkload.Records(node.Controller.Image);
            snapshot = node.Journal.Snapshots.Single();
            Assert.That(snapshot.Offset, Is.GreaterThan(0).And.LessThan(node.Journal.LogEndOffset), "the snapshot is in the middle of the log");
        }

        var fromSnapshot = new SnapshotObserver();
        using (var node = MetadataNode.Open(files, time, TimedSnapshots, fromSnapshot))
        {
            Assert.That(MetadataWorkload.Records(node.Controller.Image), Is.EqualTo(expected));
            Assert.That(fromSnapshot.LoadedSnapshot, Is.EqualTo(snapshot));
            Assert.That(fromSnapshot.FirstReplayedOffset, Is.EqualTo(snapshot.Offset), "only the log after the snapshot is replayed");
        }

        foreach (var path in files.ListFiles("/data/__cluster_metadata-0").Where(p => p.EndsWith(MetadataSnapshotFile.Suffix, StringComparison.Ordinal)))
        {
            files.DeleteFile(path);
        }
        var wholeLog = new SnapshotObserver();
        using var replayed = MetadataNode.Open(files, time, TimedSnapshots, wholeLog);
        Assert.That(MetadataWorkload.Records(replayed.Controller.Image), Is.EqualTo(expected));
        Assert.That((wholeLog.LoadedSnapshot, wholeLog.FirstReplayedOffset), Is.EqualTo(((OffsetAndEpoch?)null, (long?)0)));
    }

    [Test]
    public async Task ATornOrCorruptSnapshotIsPassedOverForAnOlderOneOrTheWholeLog()
    {
        var files = new MemoryFileSystem();
        var time = new FakeTime();
        byte[][] expected;
        IReadOnlyList<OffsetAndEpoch> snapshots;
        using (var node = MetadataNode.Open(files, time, TimedSnapshots))
        {
            await MetadataWorkload.RunAsync(node.Controller, 0);
            time.Advance(TimeSpan.FromMilliseconds(SnapshotIntervalMs));
            await MetadataWorkload.RunAsync(node.Controller, 1);
            time.Advance(TimeSpan.FromMilliseconds(SnapshotIntervalMs));
            await MetadataWorkload.RunAsync(node.Controller, 2);
            expected = MetadataWorkload.Records(node.Controller.Image);
            snapshots = node.Journal.Snapshots;
        }
        Assert.That(snapshots, Has.Count.EqualTo(2));
        var newest = Path.Combine("/data/__cluster_metadata-0", MetadataSnapshotFile.FileName(snapshots[1]));
        var oldest = Path.Combine("/data/__cluster_metadata-0", MetadataSnapshotFile.FileName(snapshots[0]));
        var whole = files.GetContent(newest);
        // A write cut at every byte, as a crash (or a lying disk) could leave it, and one flipped bit in the middle.
        var damaged = Enumerable.Range(0, whole.Length).Select(length => whole[..length]).ToList();
        var flipped = (byte[])whole.Clone();
        flipped[whole.Length / 2] ^= 0x10;
        damaged.Add(flipped);

        foreach (var content in damaged)
        {
            files.SetContent(newest, content);
            var observer = new SnapshotObserver();
            using var node = MetadataNode.Open(files, time, TimedSnapshots, observer);
            Assert.That(observer.LoadedSnapshot, Is.EqualTo(snapshots[0]), $"newest snapshot cut to {content.Length} of {whole.Length} bytes");
            Assert.That(MetadataWorkload.Records(node.Controller.Image), Is.EqualTo(expected), $"newest snapshot cut to {content.Length} of {whole.Length} bytes");
        }

        files.SetContent(newest, whole[..(whole.Length / 2)]);
        files.SetContent(oldest, files.GetContent(oldest)[..10]);
        files.SetContent("/data/__cluster_metadata-0/" + MetadataSnapshotFile.FileName(snapshots[1])[..^MetadataSnapshotFile.Suffix.Length] + MetadataSnapshotFile.PartialSuffix, whole);
        var fallback = new SnapshotObserver();
        using (var node = MetadataNode.Open(files, time, TimedSnapshots, fallback))
        {
            Assert.That((fallback.LoadedSnapshot, fallback.FirstReplayedOffset), Is.EqualTo(((OffsetAndEpoch?)null, (long?)0)), "both torn: the whole log");
            Assert.That(MetadataWorkload.Records(node.Controller.Image), Is.EqualTo(expected));
        }
        Assert.That(files.ListFiles("/data/__cluster_metadata-0").Any(p => p.EndsWith(MetadataSnapshotFile.PartialSuffix, StringComparison.Ordinal)), Is.False,
            "a partial snapshot file is removed at start-up");
    }

    [Test]
    public async Task RetentionDeletesTheLogBeforeTheNewestSnapshotAndAReloadStillRebuildsEverything()
    {
        var files = new MemoryFileSystem();
        var time = new FakeTime();
        // Small segments so the log before a snapshot is in segments of its own; any size is too much.
        var config = TimedSnapshots with { SegmentBytes = 512, RetentionBytes = 0 };
        byte[][] expected;
        OffsetAndEpoch kept;
        using (var node = MetadataNode.Open(files, time, config))
        {
            await MetadataWorkload.RunAsync(node.Controller, 0);
            time.Advance(TimeSpan.FromMilliseconds(SnapshotIntervalMs));
            await MetadataWorkload.RunAsync(node.Controller, 1);
            var first = node.Journal.Snapshots.Single();
            Assert.That(node.Journal.LogStartOffset, Is.Zero, "one snapshot: nothing before it may go yet");
            time.Advance(TimeSpan.FromMilliseconds(SnapshotIntervalMs));
            await MetadataWorkload.RunAsync(node.Controller, 2);
            expected = MetadataWorkload.Records(node.Controller.Image);
            kept = node.Journal.Snapshots.Single();
            Assert.That(kept, Is.GreaterThan(first), "the older snapshot was deleted");
            Assert.That(node.Journal.LogStartOffset, Is.EqualTo(kept.Offset), "and the log before the newer one");
            Assert.That(files.ListFiles("/data/__cluster_metadata-0").Count(p => p.EndsWith(".log", StringComparison.Ordinal)),
                Is.LessThan(node.Journal.LogEndOffset / 10), "whole segments went");
        }

        var observer = new SnapshotObserver();
        using var reloaded = MetadataNode.Open(files, time, config, observer);
        Assert.That(observer.LoadedSnapshot, Is.EqualTo(kept));
        Assert.That(MetadataWorkload.Records(reloaded.Controller.Image), Is.EqualTo(expected));
    }

    [Test]
    public async Task TheBrokersLogRetentionNeverDeletesTheMetadataLog()
    {
        var files = new MemoryFileSystem();
        var time = new FakeTime();
        // log.retention.ms=1 for every other log; metadata segments small enough to roll.
        var brokerDefaults = LogConfig.Default with { RetentionMs = 1 };
        var config = new MetadataLogConfig { SegmentBytes = 1024 };
        using (var node = MetadataNode.Open(files, time, config, defaultLogConfig: brokerDefaults))
        {
            await MetadataWorkload.RunAsync(node.Controller, 0);
        }
        byte[][] expected;
        // At start-up the log manager opens __cluster_metadata-0 with the broker's defaults, like any other log.
        using (var node = MetadataNode.Open(files, time, config, defaultLogConfig: brokerDefaults))
        {
            await MetadataWorkload.RunAsync(node.Controller, 1);
            expected = MetadataWorkload.Records(node.Controller.Image);
            time.Advance(TimeSpan.FromDays(1));
            node.Logs!.CleanupLogs();
            Assert.That(node.Journal.LogStartOffset, Is.Zero);
        }

        using var reloaded = MetadataNode.Open(files, time, config, defaultLogConfig: brokerDefaults);
        Assert.That(MetadataWorkload.Records(reloaded.Controller.Image), Is.EqualTo(expected));
    }
}
