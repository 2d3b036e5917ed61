using KafkaCompat.Protocol;
using KafkaCompat.Raft;
using KafkaCompat.Records;
using KafkaCompat.Storage;

namespace KafkaCompat.Broker.Metadata;

/// <summary>
/// A KRaft snapshot file (KIP-630) of metadata records in the metadata log's directory. The file
/// itself (its name, the partial file it is written to, fsync'd and renamed on freeze) and its
/// records (SnapshotHeader first, SnapshotFooter last, every CRC checked on reading) are the Raft
/// layer's (<see cref="Snapshots"/>, <see cref="FileRawSnapshotWriter"/>, <see cref="RecordsSnapshotWriter"/>,
/// <see cref="RecordsSnapshotReader"/>); this adds what the records mean: metadata records, framed
/// by <see cref="MetadataRecordSerde"/>. A file that fails a check is not used.
/// </summary>
public static class MetadataSnapshotFile
{
    public const string Suffix = Snapshots.Suffix;
    public const string PartialSuffix = Snapshots.PartialSuffix;
    public const string DeletedSuffix = Snapshots.DeletedSuffix;

    private const int MaxReadBytes = 1 << 30;

    public static string FileName(OffsetAndEpoch id) => Snapshots.FileName(id);

    /// <summary>The id a complete snapshot file's name gives; false for any other file (partial and deleted ones included).</summary>
    public static bool TryParse(string path, out OffsetAndEpoch id)
    {
        var parsed = Snapshots.TryParse(path, out var snapshot) && !snapshot.Partial && !snapshot.Deleted;
        id = parsed ? snapshot.SnapshotId : default;
        return parsed;
    }

    /// <summary>
    /// Writes the snapshot durably under its final name; returns its size in bytes. <paramref name="kraftControlRecords"/>
    /// (KIP-853's KRaftVersion and KRaftVoters) go in the header's control batch, where Kafka's snapshot writer puts them.
    /// </summary>
    public static long Write(IFileSystem fileSystem, string directory, OffsetAndEpoch id, long lastContainedLogTimestamp, long now, IEnumerable<IKafkaMessage> records,
        IReadOnlyList<(ControlRecordType Type, IKafkaMessage Record)>? kraftControlRecords = null)
    {
        using var writer = FileRawSnapshotWriter.Create(fileSystem, directory, id);
        return Write(writer, lastContainedLogTimestamp, now, records, kraftControlRecords);
    }

    /// <summary>
    /// The same, under any name ending in <see cref="Suffix"/>: Kafka's <c>bootstrap.checkpoint</c>, which
    /// <c>kafka-storage format</c> writes in the snapshot format, is one.
    /// </summary>
    public static long WriteFile(IFileSystem fileSystem, string path, int epoch, long lastContainedLogTimestamp, long now, IEnumerable<IKafkaMessage> records,
        IReadOnlyList<(ControlRecordType Type, IKafkaMessage Record)>? kraftControlRecords = null)
    {
        using var writer = FileRawSnapshotWriter.CreateAtPath(fileSystem, path, new OffsetAndEpoch(0, epoch));
        return Write(writer, lastContainedLogTimestamp, now, records, kraftControlRecords);
    }

    /// <summary>Reads and checks a snapshot (or a file in the snapshot format under another name, as <c>bootstrap.checkpoint</c>); null (with the reason) when it is torn, corrupt or not a snapshot.</summary>
    public static MetadataSnapshot? TryRead(IFileSystem fileSystem, string path, out string? problem)
    {
        // A snapshot's id is its name; any other file in the format is read as the snapshot 0-0.
        var id = Snapshots.TryParse(path, out var named) ? named.SnapshotId : default;
        if (named.Partial || named.Deleted)
        {
            problem = "its name is not a complete snapshot's";
            return null;
        }
        try
        {
            using var reader = FileRawSnapshotReader.OpenPath(fileSystem, path, id);
            if (reader.SizeInBytes > MaxReadBytes)
            {
                problem = $"{reader.SizeInBytes} bytes is more than a snapshot this broker reads";
                return null;
            }
            if (RecordsSnapshotReader.TryRead(reader, MaxReadBytes, out problem) is not { } snapshot)
            {
                return null;
            }
            return new MetadataSnapshot(snapshot.LastContainedLogTimestamp, [.. snapshot.Records.Select(MetadataRecordSerde.Deserialize)], reader.SizeInBytes)
            {
                KRaftVersion = snapshot.KRaftVersion,
                Voters = snapshot.Voters,
            };
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Whatever stops the file from reading back (I/O, a record that does not decode) makes it
            // unusable as a snapshot; start-up falls back to an older one or the log.
            problem = e.Message;
            return null;
        }
    }

    private static long Write(FileRawSnapshotWriter writer, long lastContainedLogTimestamp, long now, IEnumerable<IKafkaMessage> records,
        IReadOnlyList<(ControlRecordType Type, IKafkaMessage Record)>? kraftControlRecords)
    {
        RecordsSnapshotWriter.Write(writer, lastContainedLogTimestamp, now, records.Select(record => (ReadOnlyMemory<byte>)MetadataRecordSerde.Serialize(record)), kraftControlRecords);
        writer.Freeze();
        return writer.SizeInBytes;
    }
}
