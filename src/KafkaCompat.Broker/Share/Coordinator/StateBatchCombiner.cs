using System.Collections.Immutable;

namespace KafkaCompat.Broker.Share.Coordinator;

/// <summary>
/// How the share coordinator folds a write's state batches into what it holds (as Kafka's batch
/// combiner does): a newer batch replaces whatever older batches said about its offsets, offsets
/// below the start offset are forgotten (the leader has moved past them), and neighbouring runs in
/// the same state with the same delivery count become one. A write carries only the batches that
/// changed, so an untouched batch (one the leader still holds acquired, say) must survive it.
/// </summary>
public static class StateBatchCombiner
{
    /// <param name="current">What is held, in offset order, non-overlapping.</param>
    /// <param name="incoming">What the write says, later batches winning over earlier ones where they overlap.</param>
    /// <param name="startOffset">The start offset after the write; -1 keeps every batch.</param>
    public static ImmutableArray<PersisterStateBatch> Combine(IReadOnlyList<PersisterStateBatch> current, IEnumerable<PersisterStateBatch> incoming, long startOffset)
    {
        var batches = new List<PersisterStateBatch>(current);
        foreach (var batch in incoming)
        {
            if (batch.LastOffset < batch.FirstOffset)
            {
                continue;
            }
            Overwrite(batches, batch);
        }
        batches.Sort((a, b) => a.FirstOffset.CompareTo(b.FirstOffset));
        var combined = ImmutableArray.CreateBuilder<PersisterStateBatch>(batches.Count);
        foreach (var batch in batches)
        {
            var kept = batch;
            if (startOffset >= 0)
            {
                if (kept.LastOffset < startOffset)
                {
                    continue;
                }
                if (kept.FirstOffset < startOffset)
                {
                    kept = kept with { FirstOffset = startOffset };
                }
            }
            if (combined.Count > 0 && combined[^1] is var last && last.LastOffset + 1 == kept.FirstOffset && last.SameDelivery(kept))
            {
                combined[^1] = last with { LastOffset = kept.LastOffset };
            }
            else
            {
                combined.Add(kept);
            }
        }
        return combined.ToImmutable();
    }

    /// <summary>Cuts <paramref name="batch"/>'s offsets out of every batch held, keeping the parts on either side, then adds it.</summary>
    private static void Overwrite(List<PersisterStateBatch> batches, PersisterStateBatch batch)
    {
        for (var i = batches.Count - 1; i >= 0; i--)
        {
            var held = batches[i];
            if (held.LastOffset < batch.FirstOffset || held.FirstOffset > batch.LastOffset)
            {
                continue;
            }
            batches.RemoveAt(i);
            if (held.FirstOffset < batch.FirstOffset)
            {
                batches.Add(held with { LastOffset = batch.FirstOffset - 1 });
            }
            if (held.LastOffset > batch.LastOffset)
            {
                batches.Add(held with { FirstOffset = batch.LastOffset + 1 });
            }
        }
        batches.Add(batch);
    }
}
