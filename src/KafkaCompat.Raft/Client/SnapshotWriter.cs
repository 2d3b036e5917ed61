namespace KafkaCompat.Raft;

/// <summary>
/// A snapshot a state machine writes of its state at <see cref="SnapshotId"/> (Kafka's
/// SnapshotWriter, KIP-630): it appends its records' values, then freezes it, which writes the
/// SnapshotHeader, the values and the SnapshotFooter, makes the file durable and hands it to the
/// log (from then on the log may be trimmed behind it and it is served by FetchSnapshot).
/// Disposing a writer that was not frozen drops it. Used from the Raft client's thread (a
/// listener's callback), as the log is.
/// </summary>
public sealed class SnapshotWriter : IDisposable
{
    private readonly IRawSnapshotWriter _raw;
    private readonly Action<OffsetAndEpoch> _onFrozen;
    private readonly long _now;
    private readonly List<ReadOnlyMemory<byte>> _values = [];

    internal SnapshotWriter(IRawSnapshotWriter raw, long lastContainedLogTimestamp, long now, Action<OffsetAndEpoch> onFrozen)
    {
        _raw = raw;
        LastContainedLogTimestamp = lastContainedLogTimestamp;
        _now = now;
        _onFrozen = onFrozen;
    }

    /// <summary>The end offset (exclusive) and epoch of the last record the state contains.</summary>
    public OffsetAndEpoch SnapshotId => _raw.SnapshotId;

    /// <summary>The append time of the last record the state contains; metadata.max.retention.ms is measured from it.</summary>
    public long LastContainedLogTimestamp { get; }

    public bool IsFrozen => _raw.IsFrozen;

    /// <summary>Adds records' values to the snapshot, in the order a listener loading it gets them.</summary>
    /// <exception cref="InvalidOperationException">The snapshot is frozen already.</exception>
    public void Append(IEnumerable<ReadOnlyMemory<byte>> values)
    {
        ThrowIfFrozen();
        _values.AddRange(values);
    }

    /// <summary>Writes and makes the snapshot durable and visible; nothing may be appended after.</summary>
    /// <exception cref="InvalidOperationException">The snapshot is frozen already.</exception>
    public void Freeze()
    {
        ThrowIfFrozen();
        RecordsSnapshotWriter.Write(_raw, LastContainedLogTimestamp, _now, _values);
        _raw.Freeze();
        _values.Clear();
        _onFrozen(SnapshotId);
    }

    public void Dispose() => _raw.Dispose();

    private void ThrowIfFrozen()
    {
        if (_raw.IsFrozen)
        {
            throw new InvalidOperationException($"Snapshot {SnapshotId} is frozen.");
        }
    }
}
