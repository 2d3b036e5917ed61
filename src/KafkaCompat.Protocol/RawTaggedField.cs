namespace KafkaCompat.Protocol;

/// <summary>A tagged field this code does not know: its tag and its encoded value, a slice of the input.</summary>
public readonly record struct RawTaggedField(int Tag, ReadOnlyMemory<byte> Data)
{
    public bool Equals(RawTaggedField other) => Tag == other.Tag && Data.Span.SequenceEqual(other.Data.Span);

    public override int GetHashCode() => HashCode.Combine(Tag, Data.Length);
}
