namespace KafkaCompat.Storage.Tests;

/// <summary>
/// Wraps a <see cref="MemoryFileSystem"/> and fails (IOException) the write operation after a set
/// number of them (creating, appending, flushing, truncating, renaming, deleting), so a test can stop
/// a multi-step change after every step and then <see cref="MemoryFileSystem.Crash()"/>.
/// </summary>
internal sealed class FaultyFileSystem(MemoryFileSystem inner) : IFileSystem
{
    private int _remaining = int.MaxValue;

    public MemoryFileSystem Inner => inner;

    /// <summary>Set when a write was refused.</summary>
    public bool Failed { get; private set; }

    /// <summary>How many write operations succeeded since <see cref="FailAfter"/>.</summary>
    public int Operations { get; private set; }

    /// <summary>Lets <paramref name="operations"/> more writes through, then fails every later one.</summary>
    public void FailAfter(int operations)
    {
        _remaining = operations;
        Operations = 0;
        Failed = false;
    }

    public bool FileExists(string path) => inner.FileExists(path);

    public bool DirectoryExists(string path) => inner.DirectoryExists(path);

    public void CreateDirectory(string path) => inner.CreateDirectory(path);

    public void DeleteDirectory(string path)
    {
        Step();
        inner.DeleteDirectory(path);
    }

    public IReadOnlyList<string> ListFiles(string directory) => inner.ListFiles(directory);

    public IReadOnlyList<string> ListDirectories(string directory) => inner.ListDirectories(directory);

    public ILogFile Open(string path, bool create)
    {
        if (create && !inner.FileExists(path))
        {
            Step();
        }

        return new FaultyFile(this, inner.Open(path, create));
    }

    public void DeleteFile(string path)
    {
        Step();
        inner.DeleteFile(path);
    }

    public void Rename(string sourcePath, string destinationPath)
    {
        Step();
        inner.Rename(sourcePath, destinationPath);
    }

    private void Step()
    {
        if (_remaining <= 0)
        {
            Failed = true;
            throw new IOException("Injected failure: the disk is gone.");
        }

        if (_remaining != int.MaxValue)
        {
            _remaining--;
            Operations++;
        }
    }

    private sealed class FaultyFile(FaultyFileSystem owner, ILogFile file) : ILogFile
    {
        public string Path => file.Path;

        public long Length => file.Length;

        public void Append(ReadOnlySpan<byte> data)
        {
            owner.Step();
            file.Append(data);
        }

        public int Read(long position, Span<byte> buffer) => file.Read(position, buffer);

        public void Flush()
        {
            owner.Step();
            file.Flush();
        }

        public void Truncate(long length)
        {
            owner.Step();
            file.Truncate(length);
        }

        public void Dispose() => file.Dispose();
    }
}
