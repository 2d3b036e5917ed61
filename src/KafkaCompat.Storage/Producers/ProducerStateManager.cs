using KafkaCompat.Protocol;

namespace KafkaCompat.Storage;

/// <summary>The verdict on an idempotent batch: append it, answer with a retained duplicate, or reject it.</summary>
internal readonly record struct ProducerCheck(ErrorCode Error, BatchMetadata? Duplicate)
{
    public static ProducerCheck Accept { get; } = new(ErrorCode.None, null);
}

/// <summary>
/// The idempotent producers of one partition (Kafka's ProducerStateManager): per producer id the
/// epoch and the last five batches' sequence ranges and offsets. State changes only by
/// <see cref="Update"/> with batches that were written, so rebuilding from the log after a restart
/// runs the same code as appending.
/// </summary>
internal sealed class ProducerStateManager
{
    private readonly Dictionary<long, ProducerStateEntry> _producers = [];

    public int Count => _producers.Count;

    public IEnumerable<ProducerStateEntry> Entries => _producers.Values;

    public ProducerStateEntry? Get(long producerId) => _producers.GetValueOrDefault(producerId);

    /// <summary>Kafka's sequence rules for a batch against what the partition has stored.</summary>
    public ProducerCheck Check(long producerId, short producerEpoch, int firstSequence, int lastSequence)
    {
        if (!_producers.TryGetValue(producerId, out ProducerStateEntry? entry))
        {
            // Unknown producer (new, or its state expired or was deleted with the log): Kafka accepts
            // any sequence since KIP-360 rather than answering UNKNOWN_PRODUCER_ID.
            return ProducerCheck.Accept;
        }

        if (entry.FindDuplicate(producerEpoch, firstSequence, lastSequence) is { } duplicate)
        {
            return new ProducerCheck(ErrorCode.None, duplicate);
        }

        return CheckNext(entry.ProducerEpoch, entry.LastSequence, producerEpoch, firstSequence);
    }

    /// <summary>Rules for a batch following a known (epoch, last sequence): the stored state or an earlier batch of the same append.</summary>
    public static ProducerCheck CheckNext(short currentEpoch, int currentLastSequence, short producerEpoch, int firstSequence)
    {
        if (producerEpoch < currentEpoch)
        {
            return new ProducerCheck(ErrorCode.InvalidProducerEpoch, null);
        }

        if (producerEpoch > currentEpoch)
        {
            // A bumped epoch starts a new sequence space at 0.
            return firstSequence == 0 ? ProducerCheck.Accept : new ProducerCheck(ErrorCode.OutOfOrderSequenceNumber, null);
        }

        return InSequence(currentLastSequence, firstSequence) ? ProducerCheck.Accept : new ProducerCheck(ErrorCode.OutOfOrderSequenceNumber, null);
    }

    /// <summary>Sequences wrap from Int32.MaxValue to 0; -1 (nothing written yet in this epoch) is followed by 0.</summary>
    public static bool InSequence(int lastSequence, int nextSequence) =>
        nextSequence == lastSequence + 1L || (nextSequence == 0 && lastSequence == int.MaxValue);

    /// <summary>The sequence <paramref name="increment"/> after <paramref name="sequence"/>, wrapping at Int32.MaxValue as Kafka does.</summary>
    public static int IncrementSequence(int sequence, int increment) =>
        sequence > int.MaxValue - increment ? increment - (int.MaxValue - sequence) - 1 : sequence + increment;

    public void Update(long producerId, short producerEpoch, BatchMetadata batch)
    {
        if (!_producers.TryGetValue(producerId, out ProducerStateEntry? entry))
        {
            entry = new ProducerStateEntry(producerId, producerEpoch);
            _producers[producerId] = entry;
        }

        entry.Add(producerEpoch, batch);
    }

    /// <summary>Forgets producers idle longer than producer.id.expiration.ms (by their last batch timestamp, as Kafka).</summary>
    public int RemoveExpired(long nowMs, long expirationMs)
    {
        int removed = 0;
        foreach (ProducerStateEntry entry in _producers.Values.ToList())
        {
            if (nowMs - entry.LastTimestamp >= expirationMs)
            {
                _producers.Remove(entry.ProducerId);
                removed++;
            }
        }

        return removed;
    }

    public void Clear() => _producers.Clear();

    internal void Restore(ProducerStateEntry entry) => _producers[entry.ProducerId] = entry;
}
