namespace KafkaCompat.Records;

/// <summary>
/// The records of one batch, ready to iterate. For a compressed batch the records section is
/// decompressed into a pooled buffer that <see cref="Dispose"/> returns; an uncompressed batch is read
/// in place and allocates nothing. Records (and their key/value memory) must not be used after Dispose.
/// </summary>
public readonly struct RecordBatchReader : IDisposable
{
    private readonly PooledBufferWriter? _decompressed;
    private readonly RecordBatchContext _context;

    private RecordBatchReader(RecordBatch batch, ReadOnlyMemory<byte> records, PooledBufferWriter? decompressed)
    {
        Batch = batch;
        Records = records;
        _decompressed = decompressed;
        _context = new RecordBatchContext(batch.BaseOffset, batch.BaseTimestamp, batch.MaxTimestamp, batch.TimestampType);
    }

    public RecordBatch Batch { get; }

    /// <summary>The uncompressed records section.</summary>
    public ReadOnlyMemory<byte> Records { get; }

    public RecordEnumerator GetEnumerator() => new(Records, Batch.RecordCount, _context);

    public void Dispose() => _decompressed?.Dispose();

    internal static RecordBatchReader Open(RecordBatch batch, int maxDecompressedBytes)
    {
        CompressionType compression = batch.Compression;
        ReadOnlyMemory<byte> stored = batch.RecordsMemory;
        if (compression == CompressionType.None)
        {
            return new RecordBatchReader(batch, stored, null);
        }

        // Compressed records are rarely more than a few times smaller; start there and let it grow.
        int initialCapacity = (int)Math.Min((long)stored.Length * 4, maxDecompressedBytes);
        var decompressed = new PooledBufferWriter(initialCapacity);
        try
        {
            CompressionCodecs.Decompress(compression, stored.Span, decompressed, maxDecompressedBytes);
        }
        catch
        {
            decompressed.Dispose();
            throw;
        }

        return new RecordBatchReader(batch, decompressed.WrittenMemory, decompressed);
    }
}
