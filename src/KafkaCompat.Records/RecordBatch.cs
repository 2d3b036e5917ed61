using System.Buffers.Binary;
using System.Diagnostics;
using static KafkaCompat.Records.RecordBatchLayout;

namespace KafkaCompat.Records;

/// <summary>
/// A read-only view of one record batch v2 (magic 2) over memory that holds exactly that batch.
/// Nothing is copied: properties read the header in place, and the static Set* methods patch a
/// batch's bytes in place for the broker's append path.
/// </summary>
public readonly struct RecordBatch
{
    private readonly ReadOnlyMemory<byte> _memory;

    /// <summary>Wraps <paramref name="batch"/>, which must be exactly one batch.</summary>
    /// <exception cref="CorruptRecordException">The header is truncated or its length field disagrees with the buffer.</exception>
    /// <exception cref="UnsupportedRecordVersionException">The data is a legacy (magic 0/1) message set.</exception>
    public RecordBatch(ReadOnlyMemory<byte> batch)
    {
        int size = ReadSize(batch.Span);
        if (size < 0)
        {
            throw new CorruptRecordException($"Truncated record batch: {batch.Length} bytes is less than its header or declared size.");
        }

        if (size != batch.Length)
        {
            throw new CorruptRecordException($"Record batch declares {size} bytes but the buffer holds {batch.Length}.");
        }

        _memory = batch;
    }

    // For callers that already ran ReadSize, which returned size for exactly this slice.
    private RecordBatch(ReadOnlyMemory<byte> batch, int size)
    {
        Debug.Assert(batch.Length == size, "The slice must be exactly one batch.");
        _memory = batch;
    }

    /// <summary>The whole batch, header included.</summary>
    public ReadOnlyMemory<byte> Memory => _memory;

    public ReadOnlySpan<byte> Span => _memory.Span;

    /// <summary>The header fields, read in place.</summary>
    public RecordBatchHeader Header => new(Span);

    public long BaseOffset => Header.BaseOffset;

    /// <summary>Bytes after the batchLength field; the whole batch is <see cref="SizeInBytes"/>.</summary>
    public int BatchLength => Header.BatchLength;

    public int PartitionLeaderEpoch => Header.PartitionLeaderEpoch;

    public byte Magic => Header.Magic;

    public uint Crc => Header.Crc;

    public short Attributes => Header.Attributes;

    /// <summary>The raw codec id (bits 0-2), which may be one of the undefined ids 5-7.</summary>
    public int CompressionCodecId => Header.CompressionCodecId;

    /// <exception cref="UnsupportedCompressionTypeException">The codec id is 5, 6 or 7.</exception>
    public CompressionType Compression => CompressionCodecs.FromId(CompressionCodecId);

    public TimestampType TimestampType => Header.TimestampType;

    public bool IsTransactional => Header.IsTransactional;

    public bool IsControl => Header.IsControl;

    /// <summary>Set by log compaction (KIP-534): <see cref="BaseTimestamp"/> then holds the delete horizon.</summary>
    public bool HasDeleteHorizon => Header.HasDeleteHorizon;

    public int LastOffsetDelta => Header.LastOffsetDelta;

    public long BaseTimestamp => Header.BaseTimestamp;

    public long MaxTimestamp => Header.MaxTimestamp;

    public long ProducerId => Header.ProducerId;

    public short ProducerEpoch => Header.ProducerEpoch;

    public int BaseSequence => Header.BaseSequence;

    public int RecordCount => Header.RecordCount;

    public long LastOffset => Header.LastOffset;

    public long NextOffset => Header.NextOffset;

    public int SizeInBytes => _memory.Length;

    /// <summary>The records section as stored: compressed when <see cref="Compression"/> is not None.</summary>
    public ReadOnlyMemory<byte> RecordsMemory => _memory[RecordsOffset..];

    /// <summary>CRC32C over attributes to the end, which is what the crc field must hold.</summary>
    public uint ComputeCrc() => Crc32C.Compute(Span[AttributesOffset..]);

    public bool IsValidCrc() => ComputeCrc() == Crc;

    /// <exception cref="CorruptRecordException">The CRC does not match or the record count is negative.</exception>
    public void EnsureValid()
    {
        uint computed = ComputeCrc();
        if (computed != Crc)
        {
            throw new CorruptRecordException(
                $"Record batch at base offset {BaseOffset} is corrupt: stored CRC 0x{Crc:X8}, computed 0x{computed:X8}.");
        }

        if (RecordCount < 0)
        {
            throw new CorruptRecordException($"Record batch at base offset {BaseOffset} has a negative record count {RecordCount}.");
        }
    }

    /// <summary>
    /// Opens the records for iteration, decompressing them into a pooled buffer when needed.
    /// Dispose the reader when done; records read from it must not be used afterwards.
    /// </summary>
    /// <param name="maxDecompressedBytes">Upper bound on the decompressed records section (ignored when uncompressed).</param>
    public RecordBatchReader OpenRecords(int maxDecompressedBytes) => RecordBatchReader.Open(this, maxDecompressedBytes);

    /// <summary>Writes the base offset, which the broker assigns on append. Not covered by the CRC.</summary>
    public static void SetBaseOffset(Span<byte> batch, long baseOffset)
    {
        EnsureHeader(batch);
        BinaryPrimitives.WriteInt64BigEndian(batch, baseOffset);
    }

    /// <summary>Writes the leader epoch, which the broker assigns on append. Not covered by the CRC.</summary>
    public static void SetPartitionLeaderEpoch(Span<byte> batch, int partitionLeaderEpoch)
    {
        EnsureHeader(batch);
        BinaryPrimitives.WriteInt32BigEndian(batch[PartitionLeaderEpochOffset..], partitionLeaderEpoch);
    }

    /// <summary>
    /// Sets the timestamp type bit and max timestamp, e.g. to the broker's time for a LogAppendTime
    /// topic. Both are covered by the CRC, so it is recomputed (only when something changes).
    /// </summary>
    public static void SetMaxTimestamp(Span<byte> batch, TimestampType timestampType, long maxTimestamp)
    {
        EnsureHeader(batch);
        short attributes = BinaryPrimitives.ReadInt16BigEndian(batch[AttributesOffset..]);
        short updated = timestampType == TimestampType.LogAppendTime
            ? (short)(attributes | TimestampTypeMask)
            : (short)(attributes & ~TimestampTypeMask);
        if (updated == attributes && BinaryPrimitives.ReadInt64BigEndian(batch[MaxTimestampOffset..]) == maxTimestamp)
        {
            return;
        }

        BinaryPrimitives.WriteInt16BigEndian(batch[AttributesOffset..], updated);
        BinaryPrimitives.WriteInt64BigEndian(batch[MaxTimestampOffset..], maxTimestamp);
        UpdateCrc(batch);
    }

    /// <summary>Recomputes and stores the CRC after the covered bytes were changed.</summary>
    public static void UpdateCrc(Span<byte> batch)
    {
        EnsureHeader(batch);
        BinaryPrimitives.WriteUInt32BigEndian(batch[CrcOffset..], Crc32C.Compute(batch[AttributesOffset..]));
    }

    internal static RecordBatch CreateUnchecked(ReadOnlyMemory<byte> batch, int size) => new(batch, size);

    /// <summary>
    /// The size of the batch starting at <paramref name="data"/>, or -1 when <paramref name="data"/>
    /// ends before the header or the declared size (a partial batch, as a Fetch response may end with).
    /// </summary>
    /// <exception cref="CorruptRecordException">The magic is unknown or the length field is impossible.</exception>
    /// <exception cref="UnsupportedRecordVersionException">The data is a legacy (magic 0/1) message set.</exception>
    internal static int ReadSize(ReadOnlySpan<byte> data)
    {
        if (data.Length <= MagicOffset)
        {
            return -1;
        }

        byte magic = data[MagicOffset];
        if (magic != CurrentMagic)
        {
            throw magic < CurrentMagic
                ? new UnsupportedRecordVersionException(magic)
                : new CorruptRecordException($"Unknown record batch magic {magic}.");
        }

        int batchLength = BinaryPrimitives.ReadInt32BigEndian(data[BatchLengthOffset..]);
        if (batchLength < MinimumBatchLength)
        {
            throw new CorruptRecordException(
                $"Record batch length {batchLength} is smaller than the minimum {MinimumBatchLength}.");
        }

        // batchLength <= int.MaxValue - 12 is implied whenever the batch fits in memory; compare as long.
        long size = (long)batchLength + LogOverhead;
        return size <= data.Length ? (int)size : -1;
    }

    private static void EnsureHeader(Span<byte> batch)
    {
        if (batch.Length < RecordsOffset)
        {
            throw new ArgumentException($"A record batch is at least {RecordsOffset} bytes; got {batch.Length}.", nameof(batch));
        }
    }
}
