using KafkaCompat.Storage;

namespace KafkaCompat.Broker.Tests.Metadata;

/// <summary>
/// A <see cref="MemoryFileSystem"/> whose metadata log files a test can hold or break: with
/// <see cref="HoldFlushes"/> an fsync of a file under <c>__cluster_metadata-0</c> waits until
/// <see cref="ReleaseFlushes"/> (signalling <see cref="FlushWaiting"/> first); with
/// <see cref="FailAppends"/> every write to those files throws as a failed disk would.
/// </summary>
internal sealed class GatedFileSystem(MemoryFileSystem inner) : IFileSystem
{
    private const string MetadataDirectory = "__cluster_metadata-0";

    private readonly ManualResetEventSlim _released = new(true);

    public MemoryFileSystem Inner => inner;

    /// <summary>Set once a held fsync is waiting.</summary>
    public ManualResetEventSlim FlushWaiting { get; } = new(false);

    public bool FailingAppends { get; set; }

    public void HoldFlushes()
    {
        FlushWaiting.Reset();
        _released.Reset();
    }

    public void ReleaseFlushes() => _released.Set();

    public void FailAppends() => FailingAppends = true;

    public bool FileExists(string path) => inner.FileExists(path);

    public bool DirectoryExists(string path) => inner.DirectoryExists(path);

    public void CreateDirectory(string path) => inner.CreateDirectory(path);

    public void DeleteDirectory(string path) => inner.DeleteDirectory(path);

    public IReadOnlyList<string> ListFiles(string directory) => inner.ListFiles(directory);

    public IReadOnlyList<string> ListDirectories(string directory) => inner.ListDirectories(directory);

    public ILogFile Open(string path, bool create)
    {
        var file = inner.Open(path, create);
        return path.Contains(MetadataDirectory, StringComparison.Ordinal) ? new GatedFile(file, this) : file;
    }

    public void DeleteFile(string path) => inner.DeleteFile(path);

    public void Rename(string sourcePath, string destinationPath) => inner.Rename(sourcePath, destinationPath);

    private sealed class GatedFile(ILogFile file, GatedFileSystem owner) : ILogFile
    {
        public string Path => file.Path;

        public long Length => file.Length;

        public void Append(ReadOnlySpan<byte> data)
        {
            if (owner.FailingAppends)
            {
                throw new IOException($"injected write failure on {file.Path}");
            }
            file.Append(data);
        }

        public int Read(long position, Span<byte> buffer) => file.Read(position, buffer);

        public void Flush()
        {
            if (!owner._released.IsSet)
            {
                owner.FlushWaiting.Set();
                owner._released.Wait();
            }
            file.Flush();
        }

        public void Truncate(long length) => file.Truncate(length);

        public void Dispose() => file.Dispose();
    }
}
