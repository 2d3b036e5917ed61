using KafkaCompat.Records;
using KafkaCompat.Storage;

namespace KafkaCompat.Raft.Tests.Log;

/// <summary>The records of a KRaft snapshot file (KIP-630): SnapshotHeader, values, SnapshotFooter, as written and as checked on reading.</summary>
public class RecordsSnapshotTests
{
    private const string Directory = "/data/__cluster_metadata-0";
    private static readonly OffsetAndEpoch _id = new(40, 7);

    [Test]
    public void ValuesAndTheHeaderTimestampReadBackFromBatchesStartingAtZeroInTheSnapshotsEpoch()
    {
        var files = new MemoryFileSystem();
        using (var writer = FileRawSnapshotWriter.Create(files, Directory, _id))
        {
            RecordsSnapshotWriter.Write(writer, lastContainedLogTimestamp: 123, now: 456, [new byte[] { 1 }, new byte[] { 2, 2 }, new byte[] { 3 }], maxBatchBytes: 2);
            writer.Freeze();
        }

        using var reader = FileRawSnapshotReader.Open(files, Directory, _id);
        var snapshot = RecordsSnapshotReader.TryRead(reader, 1 << 20, out var problem);

        Assert.That(problem, Is.Null);
        Assert.That(snapshot!.SnapshotId, Is.EqualTo(_id));
        Assert.That(snapshot.LastContainedLogTimestamp, Is.EqualTo(123));
        Assert.That(snapshot.Records.Select(r => r.ToArray()), Is.EqualTo(new[] { new byte[] { 1 }, [2, 2], [3] }));
        Assert.That(RecordsSnapshotReader.LastContainedLogTimestamp(reader), Is.EqualTo(123));
        // Header at 0, the values in batches of at most two bytes (1 | 2,2 | 3), the footer last.
        Assert.That(RaftBatches.Describe(reader.Records()), Is.EqualTo(new[] { (0L, 0L, 7), (1L, 1L, 7), (2L, 2L, 7), (3L, 3L, 7), (4L, 4L, 7) }));
    }

    [Test]
    public void ASnapshotWithoutItsFooterIsRefused()
    {
        var snapshot = Read(Control(ControlRecordType.SnapshotHeader, Header(5)), Data(1), out var problem);

        Assert.That(snapshot, Is.Null);
        Assert.That(problem, Does.Contain("SnapshotFooter"));
    }

    [Test]
    public void RecordsBeforeTheHeaderAreRefused()
    {
        var snapshot = Read(Data(0), Control(ControlRecordType.SnapshotHeader, Header(5), baseOffset: 1), out var problem);

        Assert.That(snapshot, Is.Null);
        Assert.That(problem, Does.Contain("precede"));
    }

    [Test]
    public void AHeaderThatDoesNotDecodeIsAProblemNotAnException()
    {
        var snapshot = Read(Control(ControlRecordType.SnapshotHeader, [0, 0, 1]), Control(ControlRecordType.SnapshotFooter, [0, 0], baseOffset: 1), out var problem);

        Assert.That(snapshot, Is.Null);
        Assert.That(problem, Is.Not.Null);
    }

    private static RaftSnapshot? Read(byte[] first, byte[] second, out string? problem)
    {
        var files = new MemoryFileSystem();
        using (var writer = FileRawSnapshotWriter.Create(files, Directory, _id))
        {
            writer.Append(first);
            writer.Append(second);
            writer.Freeze();
        }
        using var reader = FileRawSnapshotReader.Open(files, Directory, _id);
        return RecordsSnapshotReader.TryRead(reader, 1 << 20, out problem);
    }

    /// <summary>A SnapshotHeaderRecord v0: version int16 0, LastContainedLogTimestamp int64, no tagged fields.</summary>
    private static byte[] Header(long timestamp)
    {
        var value = new byte[11];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(value.AsSpan(2), timestamp);
        return value;
    }

    private static byte[] Control(ControlRecordType type, byte[] value, long baseOffset = 0)
    {
        using var builder = new RecordBatchBuilder { BaseOffset = baseOffset, PartitionLeaderEpoch = _id.Epoch, IsControl = true };
        builder.Append(1, ControlRecord.CreateKey(type), value);
        return builder.ToArray();
    }

    private static byte[] Data(long baseOffset) => RaftBatches.Batch(1, _id.Epoch, baseOffset);
}
