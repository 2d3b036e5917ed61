using KafkaCompat.Protocol;
using KafkaCompat.Raft;
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

    /// <summary>Writes the snapshot durably under its final name; returns its size in bytes.</summary>
    public static long Write(IFileSystem fileSystem, string directory, OffsetAndEpoch id, long lastContainedLogTimestamp, long now, IEnumerable<IKafkaMessage> records)
    {
        using var writer = FileRawSnapshotWriter.Create(fileSystem, directory, id);
        RecordsSnapshotWriter.Write(writer, lastContainedLogTimestamp, now, records.Select(record => (ReadOnlyMemory<byte>)MetadataRecordSerde.Serialize(record)));
        writer.Freeze();
        return writer.SizeInBytes;
    }

    /// <summary>Reads and checks a snapshot; null (with the reason) when it is torn, corrupt or not a snapshot.</summary>
    public static MetadataSnapshot? TryRead(IFileSystem fileSystem, string path, out string? problem)
    {
        if (!TryParse(path, out var id))
        {
            problem = "its name is not a complete snapshot's";
            return null;
        }
        try
        {
            using var reader = FileRawSnapshotReader.Open(fileSystem, Path.GetDirectoryName(path) ?? "", id);
            if (reader.SizeInBytes > MaxReadBytes)
            {
                problem = $"{reader.SizeInBytes} bytes is more than a snapshot this broker reads";
                return null;
            }
            if (RecordsSnapshotReader.TryRead(reader, MaxReadBytes, out problem) is not { } snapshot)
            {
                return null;
            }
            return new MetadataSnapshot(snapshot.LastContainedLogTimestamp, [.. snapshot.Records.Select(MetadataRecordSerde.Deserialize)], reader.SizeInBytes);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Whatever stops the file from reading back (I/O, a record that does not decode) makes it
            // unusable as a snapshot; start-up falls back to an older one or the log.
            problem = e.Message;
            return null;
        }
    }
}
