using System.Globalization;
using System.Text;

namespace KafkaCompat.Storage;

/// <summary>
/// The <c>log-start-offset-checkpoint</c> of a partition directory, so a log start offset moved by
/// DeleteRecords or retention survives a restart. Text in Kafka's checkpoint layout: a version
/// line (0), an entry count (1), then "topic partition offset".
/// </summary>
internal static class LogStartOffsetCheckpoint
{
    public const string FileName = "log-start-offset-checkpoint";

    public static void Write(IFileSystem fileSystem, string directory, TopicPartition topicPartition, long logStartOffset)
    {
        string content = string.Create(CultureInfo.InvariantCulture, $"0\n1\n{topicPartition.Topic} {topicPartition.Partition} {logStartOffset}\n");
        fileSystem.WriteAllAtomic(Path.Combine(directory, FileName), Encoding.UTF8.GetBytes(content));
    }

    /// <summary>The checkpointed offset, or null when the file is missing or unreadable.</summary>
    public static long? Read(IFileSystem fileSystem, string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!fileSystem.FileExists(path))
        {
            return null;
        }

        string[] lines = Encoding.UTF8.GetString(fileSystem.ReadAll(path)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length != 3 || lines[0] != "0" || lines[1] != "1")
        {
            return null;
        }

        string[] fields = lines[2].Split(' ');
        return fields.Length == 3 && long.TryParse(fields[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long offset) ? offset : null;
    }
}
