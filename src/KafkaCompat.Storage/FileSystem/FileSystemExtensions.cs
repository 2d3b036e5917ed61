namespace KafkaCompat.Storage;

internal static class FileSystemExtensions
{
    /// <summary>
    /// Replaces a small file atomically: write a temporary file, fsync it, rename it over the old one,
    /// so a crash leaves either the old content or the new, never a mix (as Kafka's checkpoint files).
    /// Without <paramref name="durable"/> the fsync is skipped: a crash may then leave the old
    /// content, or an unreadable file, which the reader must be able to rebuild from the log.
    /// </summary>
    public static void WriteAllAtomic(this IFileSystem fileSystem, string path, ReadOnlySpan<byte> content, bool durable = true)
    {
        string temporary = path + ".tmp";
        using (ILogFile file = fileSystem.Open(temporary, create: true))
        {
            file.Truncate(0);
            file.Append(content);
            if (durable)
            {
                file.Flush();
            }
        }

        fileSystem.Rename(temporary, path);
    }

    /// <summary>Reads a whole (small) file.</summary>
    public static byte[] ReadAll(this IFileSystem fileSystem, string path)
    {
        using ILogFile file = fileSystem.Open(path, create: false);
        var content = new byte[checked((int)file.Length)];
        file.ReadExactly(0, content);
        return content;
    }

    /// <summary>Reads exactly <paramref name="buffer"/>.Length bytes; false when the file ends first.</summary>
    public static bool ReadExactly(this ILogFile file, long position, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int read = file.Read(position + total, buffer[total..]);
            if (read == 0)
            {
                return false;
            }

            total += read;
        }

        return true;
    }
}
