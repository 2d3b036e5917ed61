using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Tests.Broker;

/// <summary>A metadata journal that keeps records serialized in memory, as the log would.</summary>
internal sealed class MemoryJournal : IMetadataJournal
{
    private readonly List<byte[]> _records = [];

    public int Count => _records.Count;

    public IEnumerable<IKafkaMessage> Replay() => _records.Select(r => MetadataRecordSerde.Deserialize(r)).ToList();

    public void Append(IReadOnlyList<IKafkaMessage> records) => _records.AddRange(records.Select(MetadataRecordSerde.Serialize));
}
