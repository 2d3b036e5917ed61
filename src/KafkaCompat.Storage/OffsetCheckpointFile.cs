using System.Globalization;
using System.Text;

namespace KafkaCompat.Storage;

/// <summary>
/// Kafka's offset checkpoint text format, shared by <c>log-start-offset-checkpoint</c> (per partition
/// directory) and <c>cleaner-offset-checkpoint</c> (per log dir): a version line (0), an entry
/// count, then one "topic partition offset" line per entry. Written atomically.
/// </summary>
internal static class OffsetCheckpointFile
{
    private const string Version = "0";

    public static void Write(IFileSystem fileSystem, string path, IEnumerable<KeyValuePair<TopicPartition, long>> entries)
    {
        var lines = entries.Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.Key.Topic} {e.Key.Partition} {e.Value}")).ToList();
        var content = new StringBuilder();
        content.Append(Version).Append('\n').Append(lines.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (string line in lines)
        {
            content.Append(line).Append('\n');
        }

        fileSystem.WriteAllAtomic(path, Encoding.UTF8.GetBytes(content.ToString()));
    }

    /// <summary>The entries, or null when the file is missing or not in the format (a count that does not match, a bad line).</summary>
    public static Dictionary<TopicPartition, long>? Read(IFileSystem fileSystem, string path)
    {
        if (!fileSystem.FileExists(path))
        {
            return null;
        }

        string[] lines = Encoding.UTF8.GetString(fileSystem.ReadAll(path)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length < 2 || lines[0] != Version
            || !int.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out int count) || count != lines.Length - 2)
        {
            return null;
        }

        var entries = new Dictionary<TopicPartition, long>();
        foreach (string line in lines.Skip(2))
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
}
