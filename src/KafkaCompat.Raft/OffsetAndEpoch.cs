namespace KafkaCompat.Raft;

/// <summary>
/// A position in the metadata log and the leader epoch there, as Raft names them. A snapshot is
/// identified by the offset just after the last record it contains (its end offset) and that
/// record's epoch, which is also how its file is named: <c>&lt;offset&gt;-&lt;epoch&gt;.checkpoint</c>.
/// </summary>
public readonly record struct OffsetAndEpoch(long Offset, int Epoch) : IComparable<OffsetAndEpoch>
{
    public int CompareTo(OffsetAndEpoch other) => Offset != other.Offset ? Offset.CompareTo(other.Offset) : Epoch.CompareTo(other.Epoch);
}
