namespace KafkaCompat.Raft;

/// <summary>
/// Whole record batches read from the Raft log, starting at or before <see cref="StartOffset"/>
/// (a read never splits a batch). The bytes may live in a pooled buffer: use them before
/// <see cref="Dispose"/>, which gives the buffer back.
/// </summary>
public sealed class RaftLogRead(ReadOnlyMemory<byte> records, long startOffset, IDisposable? owner = null) : IDisposable
{
    public static RaftLogRead Empty(long startOffset) => new(ReadOnlyMemory<byte>.Empty, startOffset);

    public ReadOnlyMemory<byte> Records { get; } = records;

    /// <summary>The offset the read was asked for.</summary>
    public long StartOffset { get; } = startOffset;

    public void Dispose() => owner?.Dispose();
}
