using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Records;

namespace KafkaCompat.Raft;

/// <summary>
/// Writes the records of a KRaft snapshot (KIP-630) into a raw snapshot: batches whose offsets
/// start at 0, each with the snapshot's epoch as partition leader epoch; first a control batch
/// holding the SnapshotHeader (with the append time of the last record the snapshot contains, which
/// metadata.max.retention.ms is measured from), then the records' values in batches of about
/// <c>maxBatchBytes</c>, last a control batch holding the SnapshotFooter. KIP-853's KRaftVersion and
/// KRaftVoters records, when given, go in the header's batch after the SnapshotHeader, where Kafka's
/// snapshot writer puts them. The caller freezes the writer.
/// </summary>
public static class RecordsSnapshotWriter
{
    public const int DefaultMaxBatchBytes = 1024 * 1024;

    public static void Write(IRawSnapshotWriter writer, long lastContainedLogTimestamp, long now, IEnumerable<ReadOnlyMemory<byte>> values,
        IReadOnlyList<(ControlRecordType Type, IKafkaMessage Record)>? kraftControlRecords = null, int maxBatchBytes = DefaultMaxBatchBytes)
    {
        var epoch = writer.SnapshotId.Epoch;
        var header = new SnapshotHeaderRecord { Version = 0, LastContainedLogTimestamp = lastContainedLogTimestamp };
        var offset = AppendControl(writer, 0, epoch, now, [(ControlRecordType.SnapshotHeader, header), .. kraftControlRecords ?? []]);
        var batch = NewBatch(offset, epoch);
        try
        {
            var bytes = 0;
            foreach (var value in values)
            {
                if (batch.RecordCount > 0 && bytes + value.Length > maxBatchBytes)
                {
                    offset += batch.RecordCount;
                    writer.Append(batch.ToArray());
                    batch.Dispose();
                    batch = NewBatch(offset, epoch);
                    bytes = 0;
                }
                batch.Append(now, (ReadOnlyMemory<byte>?)null, value);
                bytes += value.Length;
            }
            if (batch.RecordCount > 0)
            {
                offset += batch.RecordCount;
                writer.Append(batch.ToArray());
            }
        }
        finally
        {
            batch.Dispose();
        }
        AppendControl(writer, offset, epoch, now, [(ControlRecordType.SnapshotFooter, new SnapshotFooterRecord { Version = 0 })]);
    }

    private static RecordBatchBuilder NewBatch(long baseOffset, int epoch) => new() { BaseOffset = baseOffset, PartitionLeaderEpoch = epoch };

    private static long AppendControl(IRawSnapshotWriter writer, long offset, int epoch, long now, IReadOnlyList<(ControlRecordType Type, IKafkaMessage Record)> records)
    {
        using var builder = new RecordBatchBuilder { BaseOffset = offset, PartitionLeaderEpoch = epoch, IsControl = true };
        foreach (var (type, record) in records)
        {
            builder.Append(now, ControlRecord.CreateKey(type), Serialize(record));
        }
        writer.Append(builder.ToArray());
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
