namespace KafkaCompat.Protocol;

/// <summary>Value equality for generated messages (lists and byte slices compare by content).</summary>
public static class KafkaEquality
{
    public static bool BytesEqual(ReadOnlyMemory<byte> a, ReadOnlyMemory<byte> b) => a.Span.SequenceEqual(b.Span);

    public static bool BytesEqual(ReadOnlyMemory<byte>? a, ReadOnlyMemory<byte>? b) =>
        a.HasValue == b.HasValue && (!a.HasValue || a.Value.Span.SequenceEqual(b!.Value.Span));

    public static bool ListEqual<T>(List<T>? a, List<T>? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }
        if (a.Count != b.Count)
        {
            return false;
        }
        var comparer = ElementComparer<T>.Instance;
        for (var i = 0; i < a.Count; i++)
        {
            if (!comparer.Equals(a[i], b[i]))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Absent and empty mean the same: nothing unknown to carry.</summary>
    public static bool TaggedFieldsEqual(List<RawTaggedField>? a, List<RawTaggedField>? b) =>
        (a is null || a.Count == 0) && (b is null || b.Count == 0) || ListEqual(a, b);

    // Byte slices have no content equality of their own.
    private static class ElementComparer<T>
    {
        public static readonly IEqualityComparer<T> Instance = typeof(T) == typeof(ReadOnlyMemory<byte>)
            ? (IEqualityComparer<T>)(object)new MemoryComparer()
            : EqualityComparer<T>.Default;
    }

    private sealed class MemoryComparer : IEqualityComparer<ReadOnlyMemory<byte>>
    {
        public bool Equals(ReadOnlyMemory<byte> x, ReadOnlyMemory<byte> y) => x.Span.SequenceEqual(y.Span);

        public int GetHashCode(ReadOnlyMemory<byte> obj) => obj.Length;
    }
}
