using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Records;

namespace KafkaCompat.Raft;

/// <summary>
/// Reads and checks the records of a KRaft snapshot (KIP-630): every batch's CRC, a SnapshotHeader
/// before any record, a SnapshotFooter after the last, nothing after it and no partial batch at the
/// end. The values of the data records come out in order, and the Raft layer's KRaftVersion and
/// KRaftVoters control records (KIP-853) beside them. A snapshot that fails a check is not used: a
/// complete name should never hold a torn file, but a disk can lie.
/// </summary>
public static class RecordsSnapshotReader
{
    /// <summary>The snapshot's header timestamp and record values; null, with the reason, when it fails a check or does not decode.</summary>
    public static RaftSnapshot? TryRead(IRawSnapshotReader reader, int maxDecompressedBytes, out string? problem)
    {
        try
        {
            return Parse(reader.SnapshotId, reader.Records(), maxDecompressedBytes, out problem);
        }
        catch (Exception e) when (e is RecordsException or MalformedMessageException or IOException or InvalidOperationException or ArgumentException)
        {
            problem = e.Message;
            return null;
        }
    }

    /// <summary>
    /// The LastContainedLogTimestamp of the snapshot's SnapshotHeader, read from its first batch
    /// only (what metadata.max.retention.ms needs); null when that batch is not a valid header.
    /// </summary>
    public static long? LastContainedLogTimestamp(IRawSnapshotReader reader)
    {
        try
        {
            if (reader.SizeInBytes < RecordBatchHeader.Size)
            {
                return null;
            }
            var size = new RecordBatchHeader(reader.Slice(0, RecordBatchHeader.Size).Span).SizeInBytes;
            if (size > reader.SizeInBytes)
            {
                return null;
            }
            var batches = new RecordBatchEnumerator(reader.Slice(0, (int)size));
            if (!batches.MoveNext() || !batches.Current.IsControl)
            {
                return null;
            }
            var batch = batches.Current;
            batch.EnsureValid();
            using var records = batch.OpenRecords((int)size);
            foreach (var record in records)
            {
                return ControlRecord.ReadType(record.KeySpan) == ControlRecordType.SnapshotHeader ? ReadHeader(record).LastContainedLogTimestamp : null;
            }
            return null;
        }
        catch (Exception e) when (e is RecordsException or MalformedMessageException or IOException or ArgumentException)
        {
            return null;
        }
    }

    private static RaftSnapshot? Parse(OffsetAndEpoch snapshotId, ReadOnlyMemory<byte> content, int maxDecompressedBytes, out string? problem)
    {
        var batches = new RecordBatchEnumerator(content);
        var values = new List<ReadOnlyMemory<byte>>();
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
            using var reader = batch.OpenRecords(maxDecompressedBytes);
            foreach (var record in reader)
            {
                if (!batch.IsControl)
                {
                    if (header is null)
                    {
                        problem = "records precede the SnapshotHeader";
                        return null;
                    }
                    // Copied: a compressed batch's records live in a pooled buffer only while the reader is open.
                    values.Add((record.Value ?? throw new InvalidRecordException("a snapshot record has a null value")).ToArray());
                    continue;
                }
                var type = ControlRecord.ReadType(record.KeySpan);
                if (type == ControlRecordType.SnapshotHeader && header is null && values.Count == 0)
                {
                    header = ReadHeader(record);
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
        return new RaftSnapshot(snapshotId, header.LastContainedLogTimestamp, values) { KRaftVersion = kraftVersion, Voters = voters };
    }

    private static T ReadControl<T>(ReadOnlyMemory<byte>? value)
        where T : IKafkaMessage, new()
    {
        var message = new T();
        var reader = new KafkaReader(value ?? throw new InvalidRecordException($"a {typeof(T).Name} control record has a null value"));
        message.Read(ref reader, 0);
        return message;
    }

    private static SnapshotHeaderRecord ReadHeader(in Record record)
    {
        var header = new SnapshotHeaderRecord();
        var reader = new KafkaReader(record.Value ?? throw new InvalidRecordException("the SnapshotHeader has a null value"));
        header.Read(ref reader, 0);
        return header;
    }
}
