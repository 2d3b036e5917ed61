using KafkaCompat.Storage;
using static KafkaCompat.Raft.Tests.Log.RaftBatches;

namespace KafkaCompat.Raft.Tests.Log;

/// <summary>The file-backed Raft log on the real disk: renames, open readers of deleted snapshots and reopening work as on the in-memory file system.</summary>
public class KafkaRaftLogDiskTests
{
    private string _logDir = "";

    [SetUp]
    public void CreateDirectory() => _logDir = Directory.CreateTempSubdirectory("kafkaraftlog-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_logDir, recursive: true);

    [Test]
    public void SnapshotsAndRecordsSurviveAReopenAndAReaderOutlivesItsSnapshotsDeletion()
    {
        var time = new FakeTimeProvider();
        byte[] first;
        IRawSnapshotReader? openReader;
        using (var log = KafkaRaftLog.Open(DiskFileSystem.Instance, _logDir, new RaftLogConfig(), time))
        {
            log.AppendAsLeader(Concat(Batch(3), Batch(3)), 1);
            log.AppendAsLeader(Batch(2), 2);
            log.UpdateHighWatermark(8);
            foreach (var id in (OffsetAndEpoch[])[new(3, 1), new(6, 1), new(8, 2)])
            {
                using var writer = log.CreateNewSnapshot(id)!;
                RecordsSnapshotWriter.Write(writer, time.NowMs, time.NowMs, [new byte[] { (byte)id.Offset }]);
                writer.Freeze();
            }
            openReader = log.ReadSnapshot(new OffsetAndEpoch(3, 1));
            first = openReader!.Records().ToArray();

            Assert.That(log.DeleteBeforeSnapshot(new OffsetAndEpoch(6, 1)), Is.True);
            Assert.That(openReader.Slice(0, 20).ToArray(), Is.EqualTo(first[..20]), "an open reader keeps reading a deleted snapshot");
            openReader.Dispose();
        }

        using var reopened = KafkaRaftLog.Open(DiskFileSystem.Instance, _logDir, new RaftLogConfig(), time);
        Assert.That((reopened.StartOffset, reopened.EndOffset), Is.EqualTo((6L, 8L)));
        Assert.That(reopened.SnapshotIds, Is.EqualTo(new[] { new OffsetAndEpoch(6, 1), new OffsetAndEpoch(8, 2) }));
        Assert.That(Directory.GetFiles(reopened.Directory).Select(Path.GetFileName).Where(n => n!.Contains(".checkpoint", StringComparison.Ordinal)),
            Is.EquivalentTo(new[] { Snapshots.FileName(new(6, 1)), Snapshots.FileName(new(8, 2)) }));
        using var reader = reopened.ReadSnapshot(new OffsetAndEpoch(8, 2))!;
        Assert.That(RecordsSnapshotReader.TryRead(reader, 1 << 20, out _)!.Records.Single().ToArray(), Is.EqualTo(new byte[] { 8 }));
    }
}
