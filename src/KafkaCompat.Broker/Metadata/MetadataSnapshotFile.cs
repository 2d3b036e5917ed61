using System.Globalization;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Protocol;
using KafkaCompat.Raft;
using KafkaCompat.Records;
using KafkaCompat.Storage;

namespace KafkaCompat.Broker.Metadata;

/// <summary>
/// A KRaft snapshot file (KIP-630) in the metadata log's directory, named
/// <c>&lt;20-digit end offset&gt;-&lt;10-digit epoch&gt;.checkpoint</c>: record batches whose offsets
/// start at 0, each with the snapshot's epoch as partition leader epoch; first a control batch
/// holding a SnapshotHeader record, then the metadata records, last a control batch holding a
/// SnapshotFooter. It is written to a <c>.checkpoint.part</c> file, fsync'd, then renamed, so a
/// complete name never holds a partial snapshot unless the disk lies; reading checks every CRC and
/// the header and footer all the same, and a file that fails is not used.
/// </summary>
public static class MetadataSnapshotFile
{
    public const string Suffix = ".checkpoint";
    public const string PartialSuffix = ".checkpoint.part";
    public const string DeletedSuffix = ".checkpoint.deleted";

    private const int OffsetWidth = 20;
    private const int EpochWidth = 10;
    private const int BatchBytes = 1024 * 1024;
    private const int MaxReadBytes = 1 << 30;

    public static string FileName(OffsetAndEpoch id) =>
        id.Offset.ToString(new string('0', OffsetWidth), CultureInfo.InvariantCulture) + "-" +
        id.Epoch.ToString(new string('0', EpochWidth), CultureInfo.InvariantCulture) + Suffix;

    /// <summary>The id a complete snapshot file's name gives; false for any other file (partial and deleted ones included).</summary>
    public static bool TryParse(string path, out OffsetAndEpoch id)
    {
        id = default;
        var name = Path.GetFileName(path);
        if (name.Length != OffsetWidth + 1 + EpochWidth + Suffix.Length || !name.EndsWith(Suffix, StringComparison.Ordinal) || name[OffsetWidth] != '-')
        {
            return false;
        }
        if (!long.TryParse(name.AsSpan(0, OffsetWidth), NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
            || !int.TryParse(name.AsSpan(OffsetWidth + 1, EpochWidth), NumberStyles.None, CultureInfo.InvariantCulture, out var epoch))
        {
            return false;
        }
        id = new OffsetAndEpoch(offset, epoch);
        return true;
    }

    /// <summary>
    /// Writes the snapshot durably under its final name; returns its size in bytes. <paramref name="kraftControlRecords"/>
    /// (KIP-853's KRaftVersion and KRaftVoters) go in the header's control batch, where Kafka's snapshot writer puts them.
    /// </summary>
    public static long Write(IFileSystem fileSystem, string directory, OffsetAndEpoch id, long lastContainedLogTimestamp, long now, IEnumerable<IKafkaMessage> records,
        IReadOnlyList<(ControlRecordType Type, IKafkaMessage Record)>? kraftControlRecords = null) =>
        WriteFile(fileSystem, Path.Combine(directory, FileName(id)), id.Epoch, lastContainedLogTimestamp, now, records, kraftControlRecords);

    /// <summary>
    /// The same, under any name ending in <see cref="Suffix"/>: Kafka's <c>bootstrap.checkpoint</c>, which
    /// <c>kafka-storage format</c> writes in the snapshot format, is one.
    /// </summary>
    public static long WriteFile(IFileSystem fileSystem, string path, int epoch, long lastContainedLogTimestamp, long now, IEnumerable<IKafkaMessage> records,
        IReadOnlyList<(ControlRecordType Type, IKafkaMessage Record)>? kraftControlRecords = null)
    {
        if (!path.EndsWith(Suffix, StringComparison.Ordinal))
        {
            throw new ArgumentException($"A snapshot file's name ends in {Suffix}: {path}", nameof(path));
        }
        var id = new OffsetAndEpoch(0, epoch);
        var partial = path[..^Suffix.Length] + PartialSuffix;
        long size;
        using (var file = fileSystem.Open(partial, create: true))
        {
            file.Truncate(0);
            long offset = 0;
            var header = new SnapshotHeaderRecord { Version = 0, LastContainedLogTimestamp = lastContainedLogTimestamp };
            IReadOnlyList<(ControlRecordType Type, IKafkaMessage Record)> headerBatch = [(ControlRecordType.SnapshotHeader, header), .. kraftControlRecords ?? []];
            offset = AppendControl(file, offset, id.Epoch, now, headerBatch);
            var batch = NewBatch(offset, id.Epoch);
            try
            {
                var bytes = 0;
                foreach (var record in records)
                {
                    var value = MetadataRecordSerde.Serialize(record);
                    if (batch.RecordCount > 0 && bytes + value.Length > BatchBytes)
                    {
                        offset += batch.RecordCount;
                        file.Append(batch.ToArray());
                        batch.Dispose();
                        batch = NewBatch(offset, id.Epoch);
                        bytes = 0;
                    }
                    batch.Append(now, (byte[]?)null, value);
                    bytes += value.Length;
                }
                if (batch.RecordCount > 0)
                {
                    offset += batch.RecordCount;
                    file.Append(batch.ToArray());
                }
            }
            finally
            {
                batch.Dispose();
            }
            AppendControl(file, offset, id.Epoch, now, [(ControlRecordType.SnapshotFooter, new SnapshotFooterRecord { Version = 0 })]);
            file.Flush();
            size = file.Length;
        }
        fileSystem.Rename(partial, path);
        return size;
    }

    /// <summary>Reads and checks a snapshot; null (with the reason) when it is torn, corrupt or not a snapshot.</summary>
    public static MetadataSnapshot? TryRead(IFileSystem fileSystem, string path, out string? problem)
    {
        problem = null;
        try
        {
            byte[] content;
            using (var file = fileSystem.Open(path, create: false))
            {
                if (file.Length > MaxReadBytes)
                {
                    problem = $"{file.Length} bytes is more than a snapshot this broker reads";
                    return null;
                }
                content = new byte[file.Length];
                var read = 0;
                while (read < content.Length && file.Read(read, content.AsSpan(read)) is var n and > 0)
                {
                    read += n;
                }
                if (read != content.Length)
                {
                    problem = "the file ended early";
                    return null;
                }
            }
            return Parse(content, out problem);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Whatever stops the file from reading back (I/O, framing, CRC, a record that does not
            // decode) makes it unusable as a snapshot; start-up falls back to an older one or the log.
            problem = e.Message;
            return null;
        }
    }

    private static MetadataSnapshot? Parse(byte[] content, out string? problem)
    {
        var batches = new RecordBatchEnumerator(content);
        var records = new List<IKafkaMessage>();
        SnapshotHeaderRecord? header = null;
        KRaftVersionRecord? kraftVersion = null;
        VotersRecord? voters = null;
        var footer = false;
        while (batches.MoveNext())
        {
            var batch = batches.Current;
            batch.EnsureValid();
            if (footer)
            {
                problem = "records follow the SnapshotFooter";
                return null;
            }
            using var reader = batch.OpenRecords(MaxReadBytes);
            foreach (var record in reader)
            {
                if (!batch.IsControl)
                {
                    if (header is null)
                    {
                        problem = "records precede the SnapshotHeader";
                        return null;
                    }
                    records.Add(MetadataRecordSerde.Deserialize(record.Value ?? throw new InvalidRecordException("a metadata record has a null value")));
                    continue;
                }
                var type = ControlRecord.ReadType(record.KeySpan);
                if (type == ControlRecordType.SnapshotHeader && header is null && records.Count == 0)
                {
                    header = new SnapshotHeaderRecord();
                    var headerReader = new KafkaReader(record.Value ?? throw new InvalidRecordException("the SnapshotHeader has a null value"));
                    header.Read(ref headerReader, 0);
                }
                else if (type == ControlRecordType.SnapshotFooter && header is not null)
                {
                    footer = true;
                }
                else if (type == ControlRecordType.KRaftVersion)
                {
                    kraftVersion = ReadControl<KRaftVersionRecord>(record.Value);
                }
                else if (type == ControlRecordType.KRaftVoters)
                {
                    voters = ReadControl<VotersRecord>(record.Value);
                }
            }
        }
        if (batches.HasTrailingPartialBatch)
        {
            problem = $"it ends with a partial batch of {batches.TrailingPartialBatchBytes} bytes";
            return null;
        }
        if (header is null || !footer)
        {
            problem = header is null ? "it has no SnapshotHeader" : "it has no SnapshotFooter";
            return null;
        }
        problem = null;
        return new MetadataSnapshot(header.LastContainedLogTimestamp, records, content.Length) { KRaftVersion = kraftVersion, Voters = voters };
    }

    private static T ReadControl<T>(ReadOnlyMemory<byte>? value)
        where T : IKafkaMessage, new()
    {
        var message = new T();
        var reader = new KafkaReader(value ?? throw new InvalidRecordException($"a {typeof(T).Name} control record has a null value"));
        message.Read(ref reader, 0);
        return message;
    }

    private static RecordBatchBuilder NewBatch(long baseOffset, int epoch) => new() { BaseOffset = baseOffset, PartitionLeaderEpoch = epoch };

    private static long AppendControl(ILogFile file, long offset, int epoch, long now, IReadOnlyList<(ControlRecordType Type, IKafkaMessage Record)> records)
    {
        using var builder = new RecordBatchBuilder { BaseOffset = offset, PartitionLeaderEpoch = epoch, IsControl = true };
        foreach (var (type, record) in records)
        {
            builder.Append(now, ControlRecord.CreateKey(type), Serialize(record));
        }
        file.Append(builder.ToArray());
        return offset + records.Count;
    }

    private static byte[] Serialize(IKafkaMessage message)
    {
        var buffer = new byte[message.Size(0)];
        var writer = new KafkaWriter(buffer);
        message.Write(ref writer, 0);
        return buffer;
    }
}
