namespace KafkaCompat.Raft;

/// <summary>
/// A position in the metadata log and the leader epoch there, as Raft names them. A snapshot is
/// identified by the offset just after the last record it contains (its end offset) and that
/// record's epoch, which is also how its file is named: <c>&lt;offset&gt;-&lt;epoch&gt;.checkpoint</c>.
/// </summary>
public readonly record struct OffsetAndEpoch(long Offset, int Epoch) : IComparable<OffsetAndEpoch>
{
    /// <summary>
    /// Epoch first, then offset, as Kafka orders them: a position of a later leader's term is the
    /// newer one even at a smaller offset. Within one log the two orders agree (its epochs only grow
    /// with its offsets); they differ only between diverged histories.
    /// </summary>
    public int CompareTo(OffsetAndEpoch other) => Epoch != other.Epoch ? Epoch.CompareTo(other.Epoch) : Offset.CompareTo(other.Offset);
}
