namespace KafkaCompat.Protocol;

/// <summary>An inclusive range of API versions; empty when Lowest &gt; Highest.</summary>
public readonly record struct VersionRange(short Lowest, short Highest)
{
    public static readonly VersionRange None = new(1, 0);

    public bool IsEmpty => Lowest > Highest;

    public bool Contains(short version) => version >= Lowest && version <= Highest;

    public VersionRange Intersect(VersionRange other)
    {
        var lo = Math.Max(Lowest, other.Lowest);
        var hi = Math.Min(Highest, other.Highest);
        return IsEmpty || other.IsEmpty || lo > hi ? None : new VersionRange(lo, hi);
    }

    public override string ToString() => IsEmpty ? "none" : $"{Lowest}-{Highest}";
}
