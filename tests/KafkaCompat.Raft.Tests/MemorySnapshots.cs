using System.Buffers;

namespace KafkaCompat.Raft.Tests;

/// <summary>A snapshot being written in memory; on Freeze it is handed to its log, disposed unfrozen it is dropped.</summary>
internal sealed class MemorySnapshotWriter(OffsetAndEpoch snapshotId, Action<byte[]> onFreeze) : IRawSnapshotWriter
{
    private readonly ArrayBufferWriter<byte> _bytes = new();

    public OffsetAndEpoch SnapshotId { get; } = snapshotId;

    public long SizeInBytes => _bytes.WrittenCount;

    public bool IsFrozen { get; private set; }

    public void Append(ReadOnlyMemory<byte> records)
    {
        if (IsFrozen)
        {
            throw new InvalidOperationException($"Snapshot {SnapshotId} is frozen.");
        }
        _bytes.Write(records.Span);
    }

    public void Freeze()
    {
        IsFrozen = true;
        onFreeze(_bytes.WrittenSpan.ToArray());
    }

    public void Dispose()
    {
    }
}

internal sealed class MemorySnapshotReader(OffsetAndEpoch snapshotId, byte[] bytes) : IRawSnapshotReader
{
    public OffsetAndEpoch SnapshotId { get; } = snapshotId;

    public long SizeInBytes => bytes.Length;

    public ReadOnlyMemory<byte> Slice(long position, int maxBytes) => bytes.AsMemory((int)position, (int)Math.Min(maxBytes, bytes.Length - position));

    public ReadOnlyMemory<byte> Records() => bytes;

    public void Dispose()
    {
    }
}
