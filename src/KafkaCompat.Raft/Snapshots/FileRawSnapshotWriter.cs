using KafkaCompat.Storage;

namespace KafkaCompat.Raft;

/// <summary>
/// Writes a snapshot file (KIP-630) under a partial name; <see cref="Freeze"/> fsyncs it and renames
/// it to its complete name, so a crash at any point leaves either no snapshot of that id or a whole
/// one (the file system abstraction has no directory fsync: the rename is as durable as the file
/// system makes it). A writer disposed before it froze deletes its partial file. One owner at a time.
/// </summary>
public sealed class FileRawSnapshotWriter : IRawSnapshotWriter
{
    private readonly IFileSystem _fileSystem;
    private readonly string _finalPath;
    private readonly string _partialPath;
    private readonly Action<OffsetAndEpoch>? _onFrozen;
    private ILogFile? _file;
    private long _frozenSize;
    private bool _disposed;

    private FileRawSnapshotWriter(IFileSystem fileSystem, string finalPath, OffsetAndEpoch snapshotId, string partialPath, ILogFile file, Action<OffsetAndEpoch>? onFrozen)
    {
        _fileSystem = fileSystem;
        _finalPath = finalPath;
        SnapshotId = snapshotId;
        _partialPath = partialPath;
        _file = file;
        _onFrozen = onFrozen;
    }

    public OffsetAndEpoch SnapshotId { get; }

    public long SizeInBytes => _file?.Length ?? _frozenSize;

    public bool IsFrozen { get; private set; }

    /// <summary>Starts a snapshot in <paramref name="directory"/>; <paramref name="onFrozen"/> is told once it is frozen (the log then lists it).</summary>
    public static FileRawSnapshotWriter Create(IFileSystem fileSystem, string directory, OffsetAndEpoch snapshotId, Action<OffsetAndEpoch>? onFrozen = null)
    {
        fileSystem.CreateDirectory(directory);
        var partialPath = Snapshots.NewPartialPath(directory, snapshotId);
        return new FileRawSnapshotWriter(fileSystem, Snapshots.PathFor(directory, snapshotId), snapshotId, partialPath, fileSystem.Open(partialPath, create: true), onFrozen);
    }

    /// <summary>
    /// Starts a file in the snapshot format under another name ending in <see cref="Snapshots.Suffix"/>
    /// (Kafka's <c>bootstrap.checkpoint</c>, which <c>kafka-storage format</c> writes so), written
    /// beside it under the partial suffix and renamed on freeze as a snapshot is.
    /// </summary>
    /// <exception cref="ArgumentException">The name does not end in <see cref="Snapshots.Suffix"/>.</exception>
    public static FileRawSnapshotWriter CreateAtPath(IFileSystem fileSystem, string path, OffsetAndEpoch snapshotId)
    {
        if (!path.EndsWith(Snapshots.Suffix, StringComparison.Ordinal))
        {
            throw new ArgumentException($"A snapshot file's name ends in {Snapshots.Suffix}: {path}", nameof(path));
        }
        var partialPath = path[..^Snapshots.Suffix.Length] + Snapshots.PartialSuffix;
        var file = fileSystem.Open(partialPath, create: true);
        file.Truncate(0);
        return new FileRawSnapshotWriter(fileSystem, path, snapshotId, partialPath, file, null);
    }

    /// <exception cref="InvalidOperationException">The snapshot is frozen or the writer disposed.</exception>
    public void Append(ReadOnlyMemory<byte> records) => OpenFile().Append(records.Span);

    /// <exception cref="InvalidOperationException">The snapshot is frozen already or the writer disposed.</exception>
    public void Freeze()
    {
        var file = OpenFile();
        file.Flush();
        _frozenSize = file.Length;
        file.Dispose();
        _file = null;
        _fileSystem.Rename(_partialPath, _finalPath);
        IsFrozen = true;
        _onFrozen?.Invoke(SnapshotId);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _file?.Dispose();
        _file = null;
        if (!IsFrozen && _fileSystem.FileExists(_partialPath))
        {
            _fileSystem.DeleteFile(_partialPath);
        }
    }

    private ILogFile OpenFile()
    {
        if (IsFrozen)
        {
            throw new InvalidOperationException($"Snapshot {SnapshotId} is frozen: nothing more can be written to it.");
        }
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _file!;
    }
}
