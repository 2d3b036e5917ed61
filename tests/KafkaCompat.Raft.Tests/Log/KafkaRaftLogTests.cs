using KafkaCompat.Storage;
using static KafkaCompat.Raft.Tests.Log.RaftBatches;

namespace KafkaCompat.Raft.Tests.Log;

/// <summary>
/// The file-backed Raft log: the <see cref="IRaftLog"/> contract, and what only files bring:
/// reopening, crashes (torn tails, a snapshot not yet renamed), leftover files at load, and the
/// metadata log's retention (Kafka's KafkaRaftLog).
/// </summary>
public sealed class KafkaRaftLogTests : RaftLogContractTests
{
    private const string LogDir = "/data";
    private static readonly string PartitionDir = Path.Combine(LogDir, "__cluster_metadata-0");

    private readonly FakeTimeProvider _time = new();
    private readonly List<IRaftLog> _opened = [];
    private MemoryFileSystem _files = new();

    protected override IRaftLog CreateLog()
    {
        _files = new MemoryFileSystem();
        return KafkaRaftLog.Open(_files, LogDir, new RaftLogConfig(), _time);
    }

    [TearDown]
    public void DisposeReopenedLogs()
    {
        foreach (var log in _opened)
        {
            log.Dispose();
        }
        _opened.Clear();
    }

    [Test]
    public void ReopeningKeepsRecordsEpochsAndSnapshotsButNotTheHighWatermark()
    {
        Log.AppendAsLeader(Concat(Batch(3), Batch(2)), 1);
        Log.AppendAsLeader(Batch(2), 3);
        Log.UpdateHighWatermark(7);
        var snapshot = WriteSnapshot(Log, new OffsetAndEpoch(5, 1));
        Log.Dispose();

        var reopened = Open(_files);

        Assert.That((reopened.StartOffset, reopened.EndOffset), Is.EqualTo((0L, 7L)));
        Assert.That(reopened.HighWatermark, Is.Zero, "the metadata log's high watermark is learned again from the quorum");
        Assert.That(reopened.LastFetchedEpoch, Is.EqualTo(3));
        Assert.That(reopened.EndOffsetForEpoch(1), Is.EqualTo(new OffsetAndEpoch(5, 1)));
        Assert.That(reopened.EndOffsetForEpoch(3), Is.EqualTo(new OffsetAndEpoch(7, 3)));
        using (var read = reopened.Read(0, RaftIsolation.Uncommitted, 1 << 20))
        {
            Assert.That(Describe(read.Records), Is.EqualTo(new[] { (0L, 2L, 1), (3L, 4L, 1), (5L, 6L, 3) }));
        }
        Assert.That(reopened.LatestSnapshotId, Is.EqualTo(new OffsetAndEpoch(5, 1)));
        using var reader = reopened.ReadSnapshot(new OffsetAndEpoch(5, 1))!;
        Assert.That(reader.Records().ToArray(), Is.EqualTo(snapshot));
    }

    [Test]
    public void ATornTailIsCutAtReopen()
    {
        var files = new MemoryFileSystem();
        var log = KafkaRaftLog.Open(files, LogDir, new RaftLogConfig(), _time);
        log.AppendAsLeader(Batch(3), 1);
        log.Flush();
        log.AppendAsLeader(Batch(2), 2);

        files.Crash(Path.Combine(PartitionDir, "00000000000000000000.log"), keptUnflushedBytes: 10);
        var reopened = Open(files);

        Assert.That(reopened.EndOffset, Is.EqualTo(3));
        Assert.That(reopened.LastFetchedEpoch, Is.EqualTo(1));
        Assert.That(reopened.EndOffsetForEpoch(2), Is.EqualTo(new OffsetAndEpoch(3, 1)));
        Assert.That(reopened.AppendAsLeader(Batch(1), 2), Is.EqualTo(new RaftLogAppend(3, 3)));
    }

    [Test]
    public void ACrashBeforeTheRenameLeavesNoSnapshot()
    {
        var files = new MemoryFileSystem();
        var log = KafkaRaftLog.Open(files, LogDir, new RaftLogConfig(), _time);
        log.AppendAsLeader(Batch(3), 1);
        log.Flush();
        log.UpdateHighWatermark(3);
        var writer = log.CreateNewSnapshot(new OffsetAndEpoch(3, 1))!;
        RecordsSnapshotWriter.Write(writer, 1, 1, [new byte[] { 1 }]);
        Assert.That(SnapshotFiles(files), Has.One.EndsWith(Snapshots.PartialSuffix));

        files.Crash();
        var reopened = Open(files);

        Assert.That(reopened.LatestSnapshotId, Is.Null);
        Assert.That(SnapshotFiles(files), Is.Empty, "the partial file is removed at load");
    }

    [Test]
    public void AFreezeWhoseRenameFailsLeavesNoSnapshot()
    {
        var files = new MemoryFileSystem();
        var log = KafkaRaftLog.Open(new RenameFailingFileSystem(files), LogDir, new RaftLogConfig(), _time);
        _opened.Add(log);
        log.AppendAsLeader(Batch(3), 1);
        log.UpdateHighWatermark(3);

        using (var writer = log.CreateNewSnapshot(new OffsetAndEpoch(3, 1))!)
        {
            RecordsSnapshotWriter.Write(writer, 1, 1, [new byte[] { 1 }]);
            Assert.That(writer.Freeze, Throws.InstanceOf<IOException>());
        }

        Assert.That(log.LatestSnapshotId, Is.Null);
        Assert.That(SnapshotFiles(files), Is.Empty);
    }

    [Test]
    public void LeftoverPartialAndDeletedSnapshotFilesAreRemovedAtLoad()
    {
        Log.AppendAsLeader(Batch(3), 1);
        Log.UpdateHighWatermark(3);
        var snapshot = WriteSnapshot(Log, new OffsetAndEpoch(3, 1));
        Log.Dispose();
        var deleted = Snapshots.DeletedPathFor(PartitionDir, new OffsetAndEpoch(2, 1));
        var partial = Path.Combine(PartitionDir, "00000000000000000003-0000000001-1234.checkpoint.part");
        _files.SetContent(deleted, snapshot);
        _files.SetContent(partial, snapshot);

        var reopened = Open(_files);

        Assert.That(_files.FileExists(deleted), Is.False);
        Assert.That(_files.FileExists(partial), Is.False);
        Assert.That(((KafkaRaftLog)reopened).SnapshotIds, Is.EqualTo(new[] { new OffsetAndEpoch(3, 1) }));
    }

    [Test]
    public void ASnapshotBeforeTheLogStartIsDeletedAtLoadAndAStartNoSnapshotReachesRefusesToOpen()
    {
        Log.AppendAsLeader(Batch(3), 1);
        Log.AppendAsLeader(Batch(3), 2);
        Log.UpdateHighWatermark(6);
        WriteSnapshot(Log, new OffsetAndEpoch(3, 1));
        var snapshot = WriteSnapshot(Log, new OffsetAndEpoch(6, 2));
        Assert.That(Log.DeleteBeforeSnapshot(new OffsetAndEpoch(6, 2)), Is.True);
        Log.Dispose();
        var stale = Snapshots.PathFor(PartitionDir, new OffsetAndEpoch(3, 1));
        _files.SetContent(stale, snapshot);

        var reopened = (KafkaRaftLog)Open(_files);

        Assert.That(reopened.StartOffset, Is.EqualTo(6));
        Assert.That(reopened.SnapshotIds, Is.EqualTo(new[] { new OffsetAndEpoch(6, 2) }));
        Assert.That(_files.FileExists(stale), Is.False);
        reopened.Dispose();
        _files.DeleteFile(Snapshots.PathFor(PartitionDir, new OffsetAndEpoch(6, 2)));
        Assert.That(() => Open(_files), Throws.InvalidOperationException);
    }

    [Test]
    public void ASnapshotPastTheLogEndAtLoadRestartsTheLogThereAndACrashKeepsIt()
    {
        Log.AppendAsFollower(Batch(3, epoch: 1, baseOffset: 0), 1);
        using (var writer = Log.CreateNewSnapshotUnchecked(new OffsetAndEpoch(10, 4))!)
        {
            RecordsSnapshotWriter.Write(writer, 1, 1, [new byte[] { 7 }]);
            writer.Freeze();
        }
        // The follower stops before it truncates its log to the snapshot it fetched.
        Log.Dispose();

        // Opened (and so truncated to the snapshot), then lost power before closing.
        KafkaRaftLog.Open(_files, LogDir, new RaftLogConfig(), _time);
        _files.Crash();
        var reopened = Open(_files);

        Assert.That((reopened.StartOffset, reopened.EndOffset), Is.EqualTo((10L, 10L)));
        Assert.That(reopened.LastFetchedEpoch, Is.EqualTo(4));
        Assert.That(_files.ListFiles(PartitionDir).Where(p => p.EndsWith(".log", StringComparison.Ordinal)).Select(Path.GetFileName),
            Is.EqualTo(new[] { "00000000000000000010.log" }));
    }

    [Test]
    public void RetentionBytesDeletesOldestSnapshotsAndTheLogBeforeTheNextUntilOneIsLeft()
    {
        var log = SnapshottedLog(new RaftLogConfig { SegmentBytes = 100, RetentionBytes = 0, RetentionMs = -1 });

        Assert.That(log.MaybeClean(), Is.True);

        Assert.That(log.SnapshotIds, Is.EqualTo(new[] { new OffsetAndEpoch(9, 3) }));
        Assert.That(log.StartOffset, Is.EqualTo(9));
        Assert.That(SnapshotFiles(_files).Select(Path.GetFileName), Is.EqualTo(new[] { Snapshots.FileName(new OffsetAndEpoch(9, 3)) }));
        Assert.That(SegmentBaseOffsets(), Is.All.GreaterThanOrEqualTo(9));
        Assert.That(log.MaybeClean(), Is.False, "the latest snapshot always stays");
    }

    [Test]
    public void RetentionBytesStopsOnceTheLogAndSnapshotsFit()
    {
        var probe = SnapshottedLog(new RaftLogConfig { SegmentBytes = 100, RetentionBytes = -1, RetentionMs = -1 });
        var total = _files.ListFiles(PartitionDir)
            .Where(p => p.EndsWith(".log", StringComparison.Ordinal) || p.EndsWith(Snapshots.Suffix, StringComparison.Ordinal))
            .Sum(p => (long)_files.GetContent(p).Length);
        probe.Dispose();

        var atLimit = Open(_files, new RaftLogConfig { SegmentBytes = 100, RetentionBytes = total, RetentionMs = -1 });
        atLimit.UpdateHighWatermark(12);
        Assert.That(atLimit.MaybeClean(), Is.False, "at the limit is within it");
        atLimit.Dispose();

        // One byte over: the oldest snapshot and the segment before the next go, which brings the total back within the limit.
        var overLimit = (KafkaRaftLog)Open(_files, new RaftLogConfig { SegmentBytes = 100, RetentionBytes = total - 1, RetentionMs = -1 });
        overLimit.UpdateHighWatermark(12);
        Assert.That(overLimit.MaybeClean(), Is.True);
        Assert.That(overLimit.SnapshotIds, Is.EqualTo(new[] { new OffsetAndEpoch(6, 2), new OffsetAndEpoch(9, 3) }));
        Assert.That(overLimit.StartOffset, Is.EqualTo(6));
    }

    [Test]
    public void RetentionMsDeletesSnapshotsWhoseLastRecordIsOlderThanTheRetentionButNeverTheLatest()
    {
        var now = _time.NowMs;
        var log = SnapshottedLog(
            new RaftLogConfig { SegmentBytes = 100, RetentionBytes = -1, RetentionMs = 3_600_000 },
            timestamps: [now - 2 * 3_600_000, now - 1_800_000, now]);

        Assert.That(log.MaybeClean(), Is.True);
        Assert.That(log.SnapshotIds, Is.EqualTo(new[] { new OffsetAndEpoch(6, 2), new OffsetAndEpoch(9, 3) }));
        Assert.That(log.StartOffset, Is.EqualTo(6));

        _time.Advance(TimeSpan.FromHours(1));
        Assert.That(log.MaybeClean(), Is.True);
        Assert.That(log.SnapshotIds, Is.EqualTo(new[] { new OffsetAndEpoch(9, 3) }));

        _time.Advance(TimeSpan.FromHours(10));
        Assert.That(log.MaybeClean(), Is.False);
        Assert.That(log.StartOffset, Is.EqualTo(9));
    }

    [Test]
    public void RetentionNeverMovesTheLogStartPastTheHighWatermark()
    {
        SnapshottedLog(new RaftLogConfig { SegmentBytes = 100, RetentionBytes = 0, RetentionMs = -1 }).Dispose();
        // Reopened, the log has learned a high watermark of 6 only: the snapshot at 9 cannot start it yet.
        var reopened = (KafkaRaftLog)Open(_files, new RaftLogConfig { SegmentBytes = 100, RetentionBytes = 0, RetentionMs = -1 });
        reopened.UpdateHighWatermark(6);

        Assert.That(reopened.MaybeClean(), Is.True);

        Assert.That(reopened.SnapshotIds, Is.EqualTo(new[] { new OffsetAndEpoch(6, 2), new OffsetAndEpoch(9, 3) }));
        Assert.That(reopened.StartOffset, Is.EqualTo(6));
    }

    /// <summary>
    /// A log of four epochs' batches (offsets 0-2, 3-5, 6-8, 9-11, one segment each with segment.bytes 100)
    /// committed to 12, with snapshots at 3, 6 and 9 whose last records were appended at <paramref name="timestamps"/>.
    /// </summary>
    private KafkaRaftLog SnapshottedLog(RaftLogConfig config, long[]? timestamps = null)
    {
        _files = new MemoryFileSystem();
        var log = (KafkaRaftLog)Open(_files, config);
        for (var epoch = 1; epoch <= 4; epoch++)
        {
            log.AppendAsLeader(Batch(3), epoch);
        }
        log.UpdateHighWatermark(12);
        for (var i = 0; i < 3; i++)
        {
            WriteSnapshot(log, new OffsetAndEpoch(3 * (i + 1), i + 1), timestamps?[i] ?? _time.NowMs);
        }
        Assert.That(SegmentBaseOffsets(), Is.EqualTo(new long[] { 0, 3, 6, 9 }), "one segment per batch");
        return log;
    }

    private IRaftLog Open(MemoryFileSystem files, RaftLogConfig? config = null)
    {
        var log = KafkaRaftLog.Open(files, LogDir, config ?? new RaftLogConfig(), _time);
        _opened.Add(log);
        return log;
    }

    private IEnumerable<long> SegmentBaseOffsets() =>
        _files.ListFiles(PartitionDir).Where(p => p.EndsWith(".log", StringComparison.Ordinal)).Select(p => long.Parse(Path.GetFileNameWithoutExtension(p), System.Globalization.CultureInfo.InvariantCulture));

    private static List<string> SnapshotFiles(MemoryFileSystem files) =>
        [.. files.ListFiles(PartitionDir).Where(p => Snapshots.TryParse(p, out _))];
}
