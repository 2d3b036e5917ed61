using System.Buffers;
using System.Buffers.Binary;
using static KafkaCompat.Records.RecordBatchLayout;

namespace KafkaCompat.Records;

/// <summary>
/// Builds one record batch v2 with a correct CRC: for tests, the broker's internal topics and
/// transaction markers. Records are encoded as they are appended and compressed once when written.
/// </summary>
public sealed class RecordBatchBuilder : IDisposable
{
    /// <summary>Kafka's NO_TIMESTAMP, used for max timestamp until a record is appended.</summary>
    private const long NoTimestamp = -1;

    private readonly PooledBufferWriter _records = new();
    private int _recordCount;
    private int _lastOffsetDelta = -1;
    private long _baseTimestamp = NoTimestamp;
    private long _maxTimestamp = NoTimestamp;

    public RecordBatchBuilder(CompressionType compression = CompressionType.None)
    {
        // Validates the id up front rather than when the batch is written.
        Compression = CompressionCodecs.FromId((int)compression);
    }

    public CompressionType Compression { get; }

    public long BaseOffset { get; set; }

    public int PartitionLeaderEpoch { get; set; } = -1;

    /// <summary>-1 (the default) for a non-idempotent producer.</summary>
    public long ProducerId { get; set; } = -1;

    public short ProducerEpoch { get; set; } = -1;

    public int BaseSequence { get; set; } = -1;

    public bool IsTransactional { get; set; }

    public bool IsControl { get; set; }

    /// <summary>When set, the batch is LogAppendTime and this becomes its max timestamp.</summary>
    public long? LogAppendTime { get; set; }

    /// <summary>
    /// KIP-534: when set, the batch carries this delete horizon in its base timestamp field (with the
    /// attribute bit that says so) and record timestamps are deltas from it; the log cleaner sets it.
    /// </summary>
    public long? DeleteHorizonMs { get; set; }

    /// <summary>
    /// When set, the batch's last offset even if no record has it: the log cleaner keeps a batch's
    /// original last offset so the producer's last sequence still maps to it after records are removed.
    /// </summary>
    public long? LastOffset { get; set; }

    public int RecordCount => _recordCount;

    /// <summary>Appends a record at the next offset (offset delta one more than the last).</summary>
    public RecordBatchBuilder Append(long timestamp, ReadOnlyMemory<byte>? key, ReadOnlyMemory<byte>? value, params ReadOnlySpan<RecordHeader> headers) =>
        AppendWithOffsetDelta(_lastOffsetDelta + 1, timestamp, key, value, headers);

    /// <summary>
    /// Appends a record at the next offset. This overload exists because a null array passed as
    /// <c>ReadOnlyMemory&lt;byte&gt;?</c> converts to empty memory, not to null.
    /// </summary>
    public RecordBatchBuilder Append(long timestamp, byte[]? key, byte[]? value, params ReadOnlySpan<RecordHeader> headers) =>
        Append(timestamp, AsNullableMemory(key), AsNullableMemory(value), headers);

    /// <summary>
    /// Appends a record at an explicit offset, which may leave gaps (as compaction does) but must be
    /// above the previous record's.
    /// </summary>
    public RecordBatchBuilder AppendWithOffset(long offset, long timestamp, ReadOnlyMemory<byte>? key, ReadOnlyMemory<byte>? value, params ReadOnlySpan<RecordHeader> headers)
    {
        long delta = offset - BaseOffset;
        if (delta <= _lastOffsetDelta || delta > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(
                nameof(offset), offset, $"Offsets must increase from base offset {BaseOffset} within one batch.");
        }

        return AppendWithOffsetDelta((int)delta, timestamp, key, value, headers);
    }

    /// <inheritdoc cref="AppendWithOffset(long, long, ReadOnlyMemory{byte}?, ReadOnlyMemory{byte}?, ReadOnlySpan{RecordHeader})"/>
    public RecordBatchBuilder AppendWithOffset(long offset, long timestamp, byte[]? key, byte[]? value, params ReadOnlySpan<RecordHeader> headers) =>
        AppendWithOffset(offset, timestamp, AsNullableMemory(key), AsNullableMemory(value), headers);

    /// <summary>Writes the batch and returns its size.</summary>
    /// <exception cref="InvalidOperationException">No record was appended.</exception>
    public int WriteTo(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (_recordCount == 0)
        {
            throw new InvalidOperationException("A record batch needs at least one record.");
        }

        PooledBufferWriter? compressed = null;
        try
        {
            ReadOnlySpan<byte> payload = _records.WrittenSpan;
            if (Compression != CompressionType.None)
            {
                compressed = new PooledBufferWriter(payload.Length / 2);
                CompressionCodecs.Compress(Compression, payload, compressed);
                payload = compressed.WrittenSpan;
            }

            int size = checked(RecordsOffset + payload.Length);
            Span<byte> batch = output.GetSpan(size)[..size];
            WriteHeader(batch);
            payload.CopyTo(batch[RecordsOffset..]);
            RecordBatch.UpdateCrc(batch);
            output.Advance(size);
            return size;
        }
        finally
        {
            compressed?.Dispose();
        }
    }

    /// <summary>
    /// A builder for a batch that replaces <paramref name="original"/> (re-encoded or compacted): the
    /// same base offset, leader epoch, producer id, epoch and base sequence, transactional and
    /// control flags and timestamp type, with <paramref name="compression"/>. Add its records with
    /// <see cref="AppendCopy"/>.
    /// </summary>
    public static RecordBatchBuilder Like(RecordBatch original, CompressionType compression) => new(compression)
    {
        BaseOffset = original.BaseOffset,
        PartitionLeaderEpoch = original.PartitionLeaderEpoch,
        ProducerId = original.ProducerId,
        ProducerEpoch = original.ProducerEpoch,
        BaseSequence = original.BaseSequence,
        IsTransactional = original.IsTransactional,
        IsControl = original.IsControl,
        LogAppendTime = original.TimestampType == TimestampType.LogAppendTime ? original.MaxTimestamp : null,
    };

    /// <summary>Appends a copy of a record of another batch at its own offset, with its timestamp, key, value and headers.</summary>
    public RecordBatchBuilder AppendCopy(in Record record)
    {
        var count = record.Headers.Count;
        if (count == 0)
        {
            return AppendWithOffset(record.Offset, record.Timestamp, record.Key, record.Value);
        }
        var headers = ArrayPool<RecordHeader>.Shared.Rent(count);
        try
        {
            var index = 0;
            foreach (var header in record.Headers)
            {
                headers[index++] = header;
            }
            return AppendWithOffset(record.Offset, record.Timestamp, record.Key, record.Value, headers.AsSpan(0, count));
        }
        finally
        {
            // Cleared: the headers point into the original batch's buffer.
            ArrayPool<RecordHeader>.Shared.Return(headers, clearArray: true);
        }
    }

    /// <summary>
    /// A batch with <paramref name="original"/>'s header and no records, as the log cleaner keeps an
    /// emptied batch that is an idempotent producer's last: offsets, producer id, epoch and sequence
    /// stay; base and max timestamp become the original max timestamp; no compression.
    /// </summary>
    public static byte[] EmptyLike(RecordBatch original)
    {
        byte[] batch = original.Span[..RecordsOffset].ToArray();
        // Its base timestamp becomes the max timestamp, so a delete horizon it had would no longer be one (Kafka's empty header has none).
        short attributes = (short)(original.Attributes & ~CompressionMask & ~DeleteHorizonMask);
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(BatchLengthOffset), MinimumBatchLength);
        BinaryPrimitives.WriteInt16BigEndian(batch.AsSpan(AttributesOffset), attributes);
        BinaryPrimitives.WriteInt64BigEndian(batch.AsSpan(BaseTimestampOffset), original.MaxTimestamp);
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(RecordCountOffset), 0);
        RecordBatch.UpdateCrc(batch);
        return batch;
    }

    public byte[] ToArray()
    {
        var output = new ArrayBufferWriter<byte>();
        WriteTo(output);
        return output.WrittenSpan.ToArray();
    }

    public void Dispose() => _records.Dispose();

    private RecordBatchBuilder AppendWithOffsetDelta(int offsetDelta, long timestamp, ReadOnlyMemory<byte>? key, ReadOnlyMemory<byte>? value, ReadOnlySpan<RecordHeader> headers)
    {
        if (_recordCount == 0)
        {
            // Kafka takes the first record's timestamp as the base (or the delete horizon, which takes
            // its place); later deltas may be negative.
            _baseTimestamp = DeleteHorizonMs ?? timestamp;
        }

        long timestampDelta = timestamp - _baseTimestamp;
        int bodySize = 1
            + Varint.SizeOfVarlong(timestampDelta)
            + Varint.SizeOfVarint(offsetDelta)
            + SizeOfNullableBytes(key)
            + SizeOfNullableBytes(value)
            + Varint.SizeOfVarint(headers.Length);
        foreach (RecordHeader header in headers)
        {
            bodySize += Varint.SizeOfVarint(header.Key.Length) + header.Key.Length + SizeOfNullableBytes(header.Value);
        }

        int totalSize = Varint.SizeOfVarint(bodySize) + bodySize;
        Span<byte> record = _records.GetSpan(totalSize);
        int position = Varint.WriteVarint(record, bodySize);
        record[position++] = 0; // record attributes: unused
        position += Varint.WriteVarlong(record[position..], timestampDelta);
        position += Varint.WriteVarint(record[position..], offsetDelta);
        position += WriteNullableBytes(record[position..], key);
        position += WriteNullableBytes(record[position..], value);
        position += Varint.WriteVarint(record[position..], headers.Length);
        foreach (RecordHeader header in headers)
        {
            position += WriteNullableBytes(record[position..], header.Key);
            position += WriteNullableBytes(record[position..], header.Value);
        }

        _records.Advance(position);
        _maxTimestamp = _recordCount == 0 ? timestamp : Math.Max(_maxTimestamp, timestamp);
        _recordCount++;
        _lastOffsetDelta = offsetDelta;
        return this;
    }

    private void WriteHeader(Span<byte> batch)
    {
        int attributes = (int)Compression;
        if (LogAppendTime is not null)
        {
            attributes |= TimestampTypeMask;
        }

        if (IsTransactional)
        {
            attributes |= TransactionalMask;
        }

        if (IsControl)
        {
            attributes |= ControlMask;
        }

        if (DeleteHorizonMs is not null)
        {
            attributes |= DeleteHorizonMask;
        }

        int lastOffsetDelta = LastOffset is { } lastOffset ? checked((int)(lastOffset - BaseOffset)) : _lastOffsetDelta;
        if (lastOffsetDelta < _lastOffsetDelta)
        {
            throw new InvalidOperationException($"Last offset {LastOffset} is below the last record's offset {BaseOffset + _lastOffsetDelta}.");
        }

        BinaryPrimitives.WriteInt64BigEndian(batch[BaseOffsetOffset..], BaseOffset);
        BinaryPrimitives.WriteInt32BigEndian(batch[BatchLengthOffset..], batch.Length - LogOverhead);
        BinaryPrimitives.WriteInt32BigEndian(batch[PartitionLeaderEpochOffset..], PartitionLeaderEpoch);
        batch[MagicOffset] = CurrentMagic;
        BinaryPrimitives.WriteInt16BigEndian(batch[AttributesOffset..], (short)attributes);
        BinaryPrimitives.WriteInt32BigEndian(batch[LastOffsetDeltaOffset..], lastOffsetDelta);
        BinaryPrimitives.WriteInt64BigEndian(batch[BaseTimestampOffset..], _baseTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(batch[MaxTimestampOffset..], LogAppendTime ?? _maxTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(batch[ProducerIdOffset..], ProducerId);
        BinaryPrimitives.WriteInt16BigEndian(batch[ProducerEpochOffset..], ProducerEpoch);
        BinaryPrimitives.WriteInt32BigEndian(batch[BaseSequenceOffset..], BaseSequence);
        BinaryPrimitives.WriteInt32BigEndian(batch[RecordCountOffset..], _recordCount);
    }

    private static ReadOnlyMemory<byte>? AsNullableMemory(byte[]? bytes) => bytes is null ? default(ReadOnlyMemory<byte>?) : bytes;

    private static int SizeOfNullableBytes(ReadOnlyMemory<byte>? bytes) =>
        bytes is { } b ? Varint.SizeOfVarint(b.Length) + b.Length : Varint.SizeOfVarint(-1);

    private static int WriteNullableBytes(Span<byte> destination, ReadOnlyMemory<byte>? bytes)
    {
        if (bytes is not { } b)
        {
            return Varint.WriteVarint(destination, -1);
        }

        int written = Varint.WriteVarint(destination, b.Length);
        b.Span.CopyTo(destination[written..]);
        return written + b.Length;
    }
}
