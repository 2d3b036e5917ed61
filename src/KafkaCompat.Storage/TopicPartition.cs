namespace KafkaCompat.Storage;

/// <summary>A partition of a topic. <see cref="ToString"/> ("orders-3") is also its log directory name.</summary>
public readonly record struct TopicPartition(string Topic, int Partition)
{
    public override string ToString() => $"{Topic}-{Partition}";

    /// <summary>
    /// Parses a log directory name. Topic names may contain '-', so the partition is what follows the
    /// last one (as Kafka does).
    /// </summary>
    public static bool TryParse(string directoryName, out TopicPartition topicPartition)
    {
        topicPartition = default;
        int dash = directoryName.LastIndexOf('-');
        if (dash <= 0 || dash == directoryName.Length - 1)
        {
            return false;
        }

        if (!int.TryParse(directoryName.AsSpan(dash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int partition))
        {
            return false;
        }

        topicPartition = new TopicPartition(directoryName[..dash], partition);
        return true;
    }
}
