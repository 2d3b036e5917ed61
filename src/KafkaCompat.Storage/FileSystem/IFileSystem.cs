namespace KafkaCompat.Storage;

/// <summary>
/// The few file operations the log engine needs. It exists so crash and recovery tests can run on
/// <see cref="MemoryFileSystem"/>, which can lose unflushed data or tear a write at a chosen byte.
/// Paths are full paths joined with <see cref="Path.Combine(string, string)"/>.
/// </summary>
public interface IFileSystem
{
    bool FileExists(string path);

    bool DirectoryExists(string path);

    /// <summary>Creates the directory and any missing parents; does nothing when it exists.</summary>
    void CreateDirectory(string path);

    /// <summary>Deletes the directory and everything in it; does nothing when it does not exist.</summary>
    void DeleteDirectory(string path);

    /// <summary>Full paths of the files directly in <paramref name="directory"/>.</summary>
    IReadOnlyList<string> ListFiles(string directory);

    /// <summary>Full paths of the directories directly in <paramref name="directory"/>.</summary>
    IReadOnlyList<string> ListDirectories(string directory);

    /// <summary>Opens a file for reading and appending, creating it (empty) when asked and missing.</summary>
    /// <exception cref="FileNotFoundException">The file is missing and <paramref name="create"/> is false.</exception>
    ILogFile Open(string path, bool create);

    void DeleteFile(string path);

    /// <summary>Renames a file, replacing the destination atomically when it exists.</summary>
    void Rename(string sourcePath, string destinationPath);
}

/// <summary>
/// An open file. Reads at a position may run concurrently with each other and with one appender;
/// <see cref="Append"/>, <see cref="Truncate"/> and <c>Dispose</c> are called by one owner at a time.
/// </summary>
public interface ILogFile : IDisposable
{
    string Path { get; }

    /// <summary>Bytes written so far (flushed or not).</summary>
    long Length { get; }

    /// <summary>Writes at the end of the file (one write call).</summary>
    void Append(ReadOnlySpan<byte> data);

    /// <summary>Reads up to <paramref name="buffer"/>.Length bytes at <paramref name="position"/>; returns the count (0 at the end).</summary>
    int Read(long position, Span<byte> buffer);

    /// <summary>Makes everything written so far durable (fsync).</summary>
    void Flush();

    /// <summary>Cuts the file to <paramref name="length"/> bytes (a no-op when it is not longer).</summary>
    void Truncate(long length);
}
