using Microsoft.Win32.SafeHandles;

namespace KafkaCompat.Storage;

/// <summary>
/// The real file system. Files are opened once (one handle per segment file) and accessed with
/// positional reads and writes (<see cref="RandomAccess"/>), so readers never disturb the appender.
/// </summary>
public sealed class DiskFileSystem : IFileSystem
{
    public static DiskFileSystem Instance { get; } = new();

    public bool FileExists(string path) => File.Exists(path);

    public bool DirectoryExists(string path) => Directory.Exists(path);

    public void CreateDirectory(string path) => Directory.CreateDirectory(path);

    public void DeleteDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }

    public IReadOnlyList<string> ListFiles(string directory) => Directory.GetFiles(directory);

    public IReadOnlyList<string> ListDirectories(string directory) => Directory.GetDirectories(directory);

    public ILogFile Open(string path, bool create)
    {
        // FileShare.Delete: a segment may be renamed or deleted (retention) while a reader holds it.
        SafeFileHandle handle = File.OpenHandle(
            path,
            create ? FileMode.OpenOrCreate : FileMode.Open,
            FileAccess.ReadWrite,
            FileShare.ReadWrite | FileShare.Delete);
        return new DiskLogFile(path, handle);
    }

    public void DeleteFile(string path) => File.Delete(path);

    public void Rename(string sourcePath, string destinationPath) => File.Move(sourcePath, destinationPath, overwrite: true);

    private sealed class DiskLogFile(string path, SafeFileHandle handle) : ILogFile
    {
        private long _length = RandomAccess.GetLength(handle);

        public string Path => path;

        public long Length => Volatile.Read(ref _length);

        public void Append(ReadOnlySpan<byte> data)
        {
            RandomAccess.Write(handle, data, _length);
            // Published after the write, so a concurrent reader bounded by Length sees only written bytes.
            Volatile.Write(ref _length, _length + data.Length);
        }

        public int Read(long position, Span<byte> buffer) => RandomAccess.Read(handle, buffer, position);

        public void Flush() => RandomAccess.FlushToDisk(handle);

        public void Truncate(long length)
        {
            if (length < _length)
            {
                RandomAccess.SetLength(handle, length);
                Volatile.Write(ref _length, length);
            }
        }

        public void Dispose() => handle.Dispose();
    }
}
