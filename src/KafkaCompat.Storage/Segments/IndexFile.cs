namespace KafkaCompat.Storage;

/// <summary>What the offset and time indexes share when they load: the whole file, if its size can be right.</summary>
internal static class IndexFile
{
    /// <summary>
    /// The file's bytes, or null when its length is not a whole number of entries, holds more
    /// entries than the index allows (plus the one a full index may have), or cannot be read:
    /// the caller then rebuilds the index from the log.
    /// </summary>
    public static byte[]? ReadEntries(ILogFile file, int entrySize, int maxEntries)
    {
        long length = file.Length;
        if (length % entrySize != 0 || length / entrySize > maxEntries + 1L)
        {
            return null;
        }

        byte[] content = new byte[length];
        return file.ReadExactly(0, content) ? content : null;
    }
}
