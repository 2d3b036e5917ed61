using KafkaCompat.Storage;

namespace KafkaCompat.Raft;

/// <summary>
/// A complete snapshot file opened for reading: in chunks for FetchSnapshot, whole for loading.
/// The file stays open until disposed, so a snapshot deleted meanwhile (retention) still reads to
/// the end. Reads may run concurrently.
/// </summary>
public sealed class FileRawSnapshotReader : IRawSnapshotReader
{
    private readonly ILogFile _file;
    private ReadOnlyMemory<byte>? _records;

    private FileRawSnapshotReader(OffsetAndEpoch snapshotId, ILogFile file)
    {
        SnapshotId = snapshotId;
        _file = file;
        SizeInBytes = file.Length;
    }

    public OffsetAndEpoch SnapshotId { get; }

    public long SizeInBytes { get; }

    /// <exception cref="FileNotFoundException">No complete snapshot of that id exists in <paramref name="directory"/>.</exception>
    public static FileRawSnapshotReader Open(IFileSystem fileSystem, string directory, OffsetAndEpoch snapshotId) =>
        new(snapshotId, fileSystem.Open(Snapshots.PathFor(directory, snapshotId), create: false));

    /// <summary>A file in the snapshot format under another name (Kafka's <c>bootstrap.checkpoint</c> is one), read as the snapshot <paramref name="snapshotId"/>.</summary>
    public static FileRawSnapshotReader OpenPath(IFileSystem fileSystem, string path, OffsetAndEpoch snapshotId) =>
        new(snapshotId, fileSystem.Open(path, create: false));

    /// <exception cref="ArgumentOutOfRangeException"><paramref name="position"/> is outside the file.</exception>
    public ReadOnlyMemory<byte> Slice(long position, int maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(position, SizeInBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        var buffer = new byte[(int)Math.Min(maxBytes, SizeInBytes - position)];
        var read = 0;
        while (read < buffer.Length)
        {
            var n = _file.Read(position + read, buffer.AsSpan(read));
            if (n == 0)
            {
                throw new IOException($"Snapshot {SnapshotId} ended at byte {position + read}, before its size {SizeInBytes}.");
            }
            read += n;
        }
        return buffer;
    }

    /// <exception cref="InvalidOperationException">The file is larger than one buffer can hold.</exception>
    public ReadOnlyMemory<byte> Records()
    {
        if (SizeInBytes > Array.MaxLength)
        {
            throw new InvalidOperationException($"Snapshot {SnapshotId} is {SizeInBytes} bytes, more than one buffer holds.");
        }
        return _records ??= Slice(0, (int)SizeInBytes);
    }

    public void Dispose() => _file.Dispose();
}
