using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Metadata;

/// <summary>Where metadata records are kept: appended durably, replayed at start-up.</summary>
public interface IMetadataJournal
{
    IEnumerable<IKafkaMessage> Replay();

    /// <summary>Appends the records as one atomic batch and returns once they are durable.</summary>
    void Append(IReadOnlyList<IKafkaMessage> records);
}
