using KafkaCompat.Storage;

namespace KafkaCompat.Raft.Tests.Log;

/// <summary>A <see cref="MemoryFileSystem"/> whose renames to a complete snapshot name fail (IOException), as a disk that goes away between a snapshot's fsync and its rename.</summary>
internal sealed class RenameFailingFileSystem(MemoryFileSystem inner) : IFileSystem
{
    public bool FileExists(string path) => inner.FileExists(path);

    public bool DirectoryExists(string path) => inner.DirectoryExists(path);

    public void CreateDirectory(string path) => inner.CreateDirectory(path);

    public void DeleteDirectory(string path) => inner.DeleteDirectory(path);

    public IReadOnlyList<string> ListFiles(string directory) => inner.ListFiles(directory);

    public IReadOnlyList<string> ListDirectories(string directory) => inner.ListDirectories(directory);

    public ILogFile Open(string path, bool create) => inner.Open(path, create);

    public void DeleteFile(string path) => inner.DeleteFile(path);

    public void Rename(string sourcePath, string destinationPath)
    {
        if (destinationPath.EndsWith(Snapshots.Suffix, StringComparison.Ordinal))
        {
            throw new IOException("Injected failure: the disk is gone.");
        }
        inner.Rename(sourcePath, destinationPath);
    }
}
