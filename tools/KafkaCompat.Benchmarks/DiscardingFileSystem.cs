using KafkaCompat.Storage;

namespace KafkaCompat.Benchmarks;

/// <summary>
/// A file system that keeps only file names and lengths: appends are counted and dropped, reads
/// find nothing. Enough for a log that only appends, so a benchmark measures the log's work
/// rather than the page cache, and runs for minutes without filling the disk.
/// </summary>
internal sealed class DiscardingFileSystem : IFileSystem
{
    private readonly Dictionary<string, DiscardingFile> _files = new(StringComparer.Ordinal);
    private readonly HashSet<string> _directories = new(StringComparer.Ordinal);

    public bool FileExists(string path) => _files.ContainsKey(path);

    public bool DirectoryExists(string path) => _directories.Contains(path);

    public void CreateDirectory(string path) => _directories.Add(path);

    public void DeleteDirectory(string path)
    {
        _directories.Remove(path);
        foreach (var file in ListFiles(path))
        {
            _files.Remove(file);
        }
    }

    public IReadOnlyList<string> ListFiles(string directory) =>
        [.. _files.Keys.Where(f => Path.GetDirectoryName(f) == directory)];

    public IReadOnlyList<string> ListDirectories(string directory) =>
        [.. _directories.Where(d => Path.GetDirectoryName(d) == directory)];

    public ILogFile Open(string path, bool create)
    {
        if (_files.TryGetValue(path, out var file))
        {
            return file;
        }
        if (!create)
        {
            throw new FileNotFoundException(path);
        }
        return _files[path] = new DiscardingFile(path);
    }

    public void DeleteFile(string path) => _files.Remove(path);

    public void Rename(string sourcePath, string destinationPath)
    {
        if (_files.Remove(sourcePath, out var file))
        {
            _files[destinationPath] = new DiscardingFile(destinationPath) { Length = file.Length };
        }
    }

    private sealed class DiscardingFile(string path) : ILogFile
    {
        public string Path { get; } = path;

        public long Length { get; set; }

        public void Append(ReadOnlySpan<byte> data) => Length += data.Length;

        public int Read(long position, Span<byte> buffer) => 0;

        public void Flush()
        {
        }

        public void Truncate(long length) => Length = Math.Min(Length, length);

        public void Dispose()
        {
        }
    }
}
