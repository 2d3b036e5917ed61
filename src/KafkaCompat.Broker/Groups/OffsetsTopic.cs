namespace KafkaCompat.Broker.Groups;

/// <summary>Where a group lives in <c>__consumer_offsets</c>, computed exactly as Kafka does so the same group maps to the same partition.</summary>
public static class OffsetsTopic
{
    /// <summary><c>Utils.abs(groupId.hashCode()) % partitionCount</c>, with Java's String.hashCode.</summary>
    public static int PartitionFor(string groupId, int partitionCount) => JavaAbs(JavaHashCode(groupId)) % partitionCount;

    /// <summary>Java's String.hashCode: s[0]*31^(n-1) + ... + s[n-1] over UTF-16 code units, wrapping at 32 bits.</summary>
    public static int JavaHashCode(string value)
    {
        var hash = 0;
        foreach (var c in value)
        {
            hash = unchecked((31 * hash) + c);
        }
        return hash;
    }

    /// <summary>Kafka's Utils.abs: Integer.MIN_VALUE maps to 0 rather than staying negative.</summary>
    public static int JavaAbs(int n) => n == int.MinValue ? 0 : Math.Abs(n);

    /// <summary>The topic configs Kafka gives <c>__consumer_offsets</c> when it creates it.</summary>
    public static Dictionary<string, string> TopicConfigs(int segmentBytes) => new()
    {
        ["cleanup.policy"] = "compact",
        ["compression.type"] = "producer",
        ["segment.bytes"] = segmentBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
