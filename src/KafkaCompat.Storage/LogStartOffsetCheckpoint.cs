namespace KafkaCompat.Storage;

/// <summary>
/// The <c>log-start-offset-checkpoint</c> of a partition directory, so a log start offset moved by
/// DeleteRecords or retention survives a restart: one entry in Kafka's checkpoint layout.
/// </summary>
internal static class LogStartOffsetCheckpoint
{
    public const string FileName = "log-start-offset-checkpoint";

    public static void Write(IFileSystem fileSystem, string directory, TopicPartition topicPartition, long logStartOffset) =>
        OffsetCheckpointFile.Write(fileSystem, Path.Combine(directory, FileName), [new(topicPartition, logStartOffset)]);

    /// <summary>The checkpointed offset, or null when the file is missing or unreadable.</summary>
    public static long? Read(IFileSystem fileSystem, string directory) =>
        OffsetCheckpointFile.Read(fileSystem, Path.Combine(directory, FileName)) is { Count: 1 } entries ? entries.Values.First() : null;
}
