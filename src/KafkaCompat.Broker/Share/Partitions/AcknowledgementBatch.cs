namespace KafkaCompat.Broker.Share.Partitions;

/// <summary>
/// A range of offsets a member acknowledges, with one type for the whole range or one per offset,
/// as the AcknowledgementBatches of ShareFetch and ShareAcknowledge carry them.
/// </summary>
public sealed record AcknowledgementBatch(long FirstOffset, long LastOffset, IReadOnlyList<sbyte> AcknowledgeTypes)
{
    public AcknowledgeType TypeOf(long offset) =>
        (AcknowledgeType)(AcknowledgeTypes.Count == 1 ? AcknowledgeTypes[0] : AcknowledgeTypes[(int)(offset - FirstOffset)]);

    /// <summary>Kafka's checks of a batch before any is applied: an ordered range, one type or one per offset, each type known (renew only when the request says it renews).</summary>
    public static string? Invalid(IReadOnlyList<AcknowledgementBatch> batches, bool renew)
    {
        var highest = renew ? AcknowledgeType.Renew : AcknowledgeType.Reject;
        var previousLast = long.MinValue;
        foreach (var batch in batches)
        {
            if (batch.FirstOffset < 0 || batch.LastOffset < batch.FirstOffset)
            {
                return $"Acknowledgement batch {batch.FirstOffset}-{batch.LastOffset} is not a range of offsets";
            }
            if (batch.FirstOffset <= previousLast)
            {
                return $"Acknowledgement batch {batch.FirstOffset}-{batch.LastOffset} overlaps or precedes the batch before it";
            }
            previousLast = batch.LastOffset;
            var length = batch.LastOffset - batch.FirstOffset + 1;
            if (batch.AcknowledgeTypes.Count != 1 && batch.AcknowledgeTypes.Count != length)
            {
                return $"Acknowledgement batch {batch.FirstOffset}-{batch.LastOffset} has {batch.AcknowledgeTypes.Count} types, neither one nor one per offset";
            }
            if (batch.AcknowledgeTypes.Any(t => t < (sbyte)AcknowledgeType.Gap || t > (sbyte)highest))
            {
                return $"Acknowledgement batch {batch.FirstOffset}-{batch.LastOffset} has an unknown acknowledge type";
            }
        }
        return null;
    }
}
