using System.Globalization;
using System.Text;

namespace KafkaCompat.Storage;

/// <summary>
/// Kafka's checkpoint text format: a version line (0), an entry count, then one line per entry,
/// written atomically. <c>log-start-offset-checkpoint</c> (per partition directory) and
/// <c>cleaner-offset-checkpoint</c> (per log dir) hold "topic partition offset" lines;
/// <c>leader-epoch-checkpoint</c> holds "epoch start-offset" lines (<see cref="LeaderEpochFileCache"/>).
/// </summary>
internal static class OffsetCheckpointFile
{
    private const string Version = "0";

    public static void Write(IFileSystem fileSystem, string path, IEnumerable<KeyValuePair<TopicPartition, long>> entries) =>
        WriteLines(fileSystem, path, entries.Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.Key.Topic} {e.Key.Partition} {e.Value}")));

    /// <summary>The entries, or null when the file is missing or not in the format (a count that does not match, a bad line).</summary>
    public static Dictionary<TopicPartition, long>? Read(IFileSystem fileSystem, string path)
    {
        if (ReadLines(fileSystem, path) is not { } lines)
        {
            return null;
        }

        var entries = new Dictionary<TopicPartition, long>();
        foreach (string line in lines)
        {
            // The topic name cannot hold a space, so the last two fields are the partition and offset.
            string[] fields = line.Split(' ');
            if (fields.Length != 3
                || !int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out int partition)
                || !long.TryParse(fields[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long offset))
            {
                return null;
            }

            entries[new TopicPartition(fields[0], partition)] = offset;
        }

        return entries;
    }

    /// <summary>Writes the version and count lines, then <paramref name="entries"/>, one per line (fsynced when <paramref name="durable"/>).</summary>
    public static void WriteLines(IFileSystem fileSystem, string path, IEnumerable<string> entries, bool durable = true)
    {
        List<string> lines = [.. entries];
        var content = new StringBuilder();
        content.Append(Version).Append('\n').Append(lines.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (string line in lines)
        {
            content.Append(line).Append('\n');
        }

        fileSystem.WriteAllAtomic(path, Encoding.UTF8.GetBytes(content.ToString()), durable);
    }

    /// <summary>The entry lines, or null when the file is missing or its version or count line is wrong.</summary>
    public static string[]? ReadLines(IFileSystem fileSystem, string path)
    {
        if (!fileSystem.FileExists(path))
        {
            return null;
        }

        string[] lines = Encoding.UTF8.GetString(fileSystem.ReadAll(path)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return lines.Length < 2 || lines[0] != Version
            || !int.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out int count) || count != lines.Length - 2
            ? null
            : lines[2..];
    }
}
