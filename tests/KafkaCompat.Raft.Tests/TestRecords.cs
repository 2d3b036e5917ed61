using System.Buffers;
using System.Text;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Records;

namespace KafkaCompat.Raft.Tests;

/// <summary>Record batches and snapshot files for tests, built with the Records library (not the Raft client).</summary>
internal static class TestRecords
{
    public static byte[] Batch(long baseOffset, int epoch, params string[] values)
    {
        using var builder = new RecordBatchBuilder { BaseOffset = baseOffset, PartitionLeaderEpoch = epoch };
        foreach (var value in values)
        {
            builder.Append(0, (byte[]?)null, Encoding.UTF8.GetBytes(value));
        }
        return builder.ToArray();
    }

    public static IReadOnlyList<ReadOnlyMemory<byte>> Values(params string[] values) => [.. values.Select(v => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(v))];

    public static string Text(ReadOnlyMemory<byte> value) => Encoding.UTF8.GetString(value.Span);

    /// <summary>Appends one batch per epoch given, as a follower would have them (epochs and offsets set).</summary>
    public static void Fill(MemoryRaftLog log, params (int Epoch, string[] Values)[] batches)
    {
        foreach (var (epoch, values) in batches)
        {
            log.AppendAsFollower(Batch(log.EndOffset, epoch, values), epoch);
        }
        log.Flush();
    }

    /// <summary>A KRaft snapshot file: the SnapshotHeader control batch, the records, the SnapshotFooter control batch (KIP-630).</summary>
    public static byte[] Snapshot(long lastContainedLogTimestamp, params string[] values)
    {
        var output = new ArrayBufferWriter<byte>();
        WriteControl(output, 0, ControlRecordType.SnapshotHeader, new SnapshotHeaderRecord { Version = 0, LastContainedLogTimestamp = lastContainedLogTimestamp });
        output.Write(Batch(1, 0, values));
        WriteControl(output, 1 + values.Length, ControlRecordType.SnapshotFooter, new SnapshotFooterRecord { Version = 0 });
        return output.WrittenSpan.ToArray();
    }

    public static void AddSnapshot(MemoryRaftLog log, OffsetAndEpoch snapshotId, byte[] bytes)
    {
        using var writer = log.CreateNewSnapshotUnchecked(snapshotId)!;
        writer.Append(bytes);
        writer.Freeze();
    }

    private static void WriteControl(ArrayBufferWriter<byte> output, long offset, ControlRecordType type, IKafkaMessage message)
    {
        using var builder = new RecordBatchBuilder { BaseOffset = offset, IsControl = true };
        builder.Append(0, ControlRecord.CreateKey(type), message.Serialize(0));
        output.Write(builder.ToArray());
    }
}
