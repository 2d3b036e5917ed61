namespace KafkaCompat.Storage;

/// <summary>
/// A compacted log as the cleaner sees it: the clean part [log start, first dirty offset), the dirty
/// part [first dirty, first uncleanable) it may clean, and their sizes in bytes (whole segments, as Kafka counts).
/// </summary>
internal sealed record LogToClean(PartitionLog Log, long FirstDirtyOffset, long FirstUncleanableOffset, long CleanBytes, long CleanableBytes, bool NeedCompactionNow)
{
    /// <summary>What min.cleanable.dirty.ratio is compared with.</summary>
    public double CleanableRatio => CleanableBytes == 0 ? 0 : (double)CleanableBytes / (CleanBytes + CleanableBytes);

    /// <summary>Kafka's rule: dirty enough, or a record has waited max.compaction.lag.ms (KIP-354).</summary>
    public bool ShouldClean => CleanableBytes > 0 && (NeedCompactionNow || CleanableRatio > Log.Config.MinCleanableDirtyRatio);
}
