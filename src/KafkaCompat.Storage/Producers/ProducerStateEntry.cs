namespace KafkaCompat.Storage;

/// <summary>
/// One idempotent producer's state in a partition: its epoch and its last
/// <see cref="MaxRetainedBatches"/> batches (Kafka keeps five because a producer has at most five
/// requests in flight per connection, so a retry always finds its original here).
/// </summary>
internal sealed class ProducerStateEntry(long producerId, short producerEpoch)
{
    public const int MaxRetainedBatches = 5;

    private readonly Queue<BatchMetadata> _batches = new(MaxRetainedBatches);
    private BatchMetadata? _last;

    public long ProducerId { get; } = producerId;

    public short ProducerEpoch { get; private set; } = producerEpoch;

    public long LastTimestamp { get; private set; } = -1;

    public IReadOnlyCollection<BatchMetadata> Batches => _batches;

    /// <summary>The last sequence written in the current epoch, or -1 when none (the next must be 0).</summary>
    public int LastSequence => _last?.LastSequence ?? -1;

    public long LastOffset => _last?.LastOffset ?? -1;

    public BatchMetadata? FindDuplicate(short producerEpoch, int firstSequence, int lastSequence)
    {
        if (producerEpoch != ProducerEpoch)
        {
            return null;
        }

        foreach (BatchMetadata batch in _batches)
        {
            if (batch.FirstSequence == firstSequence && batch.LastSequence == lastSequence)
            {
                return batch;
            }
        }

        return null;
    }

    public void Add(short producerEpoch, BatchMetadata batch)
    {
        if (producerEpoch != ProducerEpoch)
        {
            // A new epoch starts a new sequence space: earlier batches can no longer be retried.
            _batches.Clear();
            _last = null;
            ProducerEpoch = producerEpoch;
        }

        if (_batches.Count == MaxRetainedBatches)
        {
            _batches.Dequeue();
        }

        _batches.Enqueue(batch);
        _last = batch;
        LastTimestamp = Math.Max(LastTimestamp, batch.Timestamp);
    }

    /// <summary>Restores from a snapshot.</summary>
    public void Restore(long lastTimestamp, IEnumerable<BatchMetadata> batches)
    {
        _batches.Clear();
        foreach (BatchMetadata batch in batches.TakeLast(MaxRetainedBatches))
        {
            _batches.Enqueue(batch);
            _last = batch;
        }

        LastTimestamp = lastTimestamp;
    }
}
