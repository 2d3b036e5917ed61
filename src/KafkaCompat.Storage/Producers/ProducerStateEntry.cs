namespace KafkaCompat.Storage;

/// <summary>
/// One idempotent producer's state in a partition: its epoch and its last
/// <see cref="MaxRetainedBatches"/> batches (Kafka keeps five because a producer has at most five
/// requests in flight per connection, so a retry always finds its original here); for a
/// transactional producer also the first offset of its ongoing transaction here and the epoch of
/// the coordinator that wrote its last marker.
/// </summary>
internal sealed class ProducerStateEntry(long producerId, short producerEpoch)
{
    public const int MaxRetainedBatches = 5;

    private readonly Queue<BatchMetadata> _batches = new(MaxRetainedBatches);
    private BatchMetadata? _last;

    public long ProducerId { get; } = producerId;

    public short ProducerEpoch { get; private set; } = producerEpoch;

    public long LastTimestamp { get; private set; } = -1;

    /// <summary>The first offset of the producer's ongoing transaction in this partition, or -1 when none.</summary>
    public long CurrentTxnFirstOffset { get; set; } = -1;

    /// <summary>The coordinator epoch of the last marker written for this producer, or -1: older coordinators are fenced.</summary>
    public int CoordinatorEpoch { get; private set; } = -1;

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
        UpdateEpoch(producerEpoch);

        if (_batches.Count == MaxRetainedBatches)
        {
            _batches.Dequeue();
        }

        _batches.Enqueue(batch);
        _last = batch;
        LastTimestamp = Math.Max(LastTimestamp, batch.Timestamp);
    }

    /// <summary>A COMMIT or ABORT marker ended the producer's transaction (or found none): Kafka's entry update for a marker.</summary>
    public void EndTransaction(short producerEpoch, int coordinatorEpoch, long timestamp)
    {
        UpdateEpoch(producerEpoch);
        CoordinatorEpoch = coordinatorEpoch;
        LastTimestamp = timestamp;
        CurrentTxnFirstOffset = -1;
    }

    /// <summary>A marker the cleaner emptied was replayed: its epoch and time are all it still tells.</summary>
    public void ObserveEmptiedMarker(short producerEpoch, long timestamp)
    {
        UpdateEpoch(producerEpoch);
        LastTimestamp = Math.Max(LastTimestamp, timestamp);
    }

    /// <summary>Restores from a snapshot.</summary>
    public void Restore(long lastTimestamp, int coordinatorEpoch, long currentTxnFirstOffset, IEnumerable<BatchMetadata> batches)
    {
        CoordinatorEpoch = coordinatorEpoch;
        CurrentTxnFirstOffset = currentTxnFirstOffset;
        _batches.Clear();
        foreach (BatchMetadata batch in batches.TakeLast(MaxRetainedBatches))
        {
            _batches.Enqueue(batch);
            _last = batch;
        }

        LastTimestamp = lastTimestamp;
    }

    private void UpdateEpoch(short producerEpoch)
    {
        if (producerEpoch != ProducerEpoch)
        {
            // A new epoch starts a new sequence space: earlier batches can no longer be retried.
            _batches.Clear();
            _last = null;
            ProducerEpoch = producerEpoch;
        }
    }
}
