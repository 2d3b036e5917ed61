namespace KafkaCompat.Records;

/// <summary>Bit 3 of the batch attributes: who assigned the timestamps.</summary>
public enum TimestampType
{
    /// <summary>The producer's timestamps are kept.</summary>
    CreateTime = 0,

    /// <summary>The broker stamps the batch with its append time (topic config message.timestamp.type).</summary>
    LogAppendTime = 1,
}
