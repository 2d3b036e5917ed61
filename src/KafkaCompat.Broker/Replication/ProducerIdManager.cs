using KafkaCompat.Broker.Metadata;

namespace KafkaCompat.Broker.Replication;

/// <summary>
/// Hands out producer ids for idempotent producers from blocks reserved in
/// the metadata log, so an id is never reused, even across restarts.
/// </summary>
public sealed class ProducerIdManager(MetadataController metadata, int blockSize = 1000)
{
    private readonly object _lock = new();
    private long _next;
    private long _end;

    public long NextProducerId()
    {
        lock (_lock)
        {
            if (_next >= _end)
            {
                // Once per block: InitProducerId waits for the reservation to be committed, as Kafka's does.
                var (first, count) = metadata.AllocateProducerIds(blockSize).GetAwaiter().GetResult();
                _next = first;
                _end = first + count;
            }
            return _next++;
        }
    }
}
