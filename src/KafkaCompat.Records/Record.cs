namespace KafkaCompat.Records;

/// <summary>
/// One record of a batch: a view over the (decompressed) records section, so key, value and headers
/// are slices of it and reading a record allocates nothing.
/// </summary>
public readonly struct Record
{
    private readonly ReadOnlyMemory<byte> _records;
    private readonly int _keyOffset;
    private readonly int _keyLength;
    private readonly int _valueOffset;
    private readonly int _valueLength;
    private readonly int _headersOffset;
    private readonly int _headersLength;
    private readonly int _headerCount;

    private Record(
        ReadOnlyMemory<byte> records,
        long offset,
        long timestamp,
        byte attributes,
        long timestampDelta,
        int offsetDelta,
        int sizeInBytes,
        (int Offset, int Length) key,
        (int Offset, int Length) value,
        (int Offset, int Length, int Count) headers)
    {
        _records = records;
        Offset = offset;
        Timestamp = timestamp;
        Attributes = attributes;
        TimestampDelta = timestampDelta;
        OffsetDelta = offsetDelta;
        SizeInBytes = sizeInBytes;
        (_keyOffset, _keyLength) = key;
        (_valueOffset, _valueLength) = value;
        (_headersOffset, _headersLength, _headerCount) = headers;
    }

    public long Offset { get; }

    /// <summary>The batch's max timestamp for LogAppendTime batches, else base timestamp + delta.</summary>
    public long Timestamp { get; }

    /// <summary>Unused by Kafka so far; kept for completeness.</summary>
    public byte Attributes { get; }

    public long TimestampDelta { get; }

    public int OffsetDelta { get; }

    /// <summary>Encoded size, including the length varint.</summary>
    public int SizeInBytes { get; }

    public bool IsKeyNull => _keyLength < 0;

    public bool IsValueNull => _valueLength < 0;

    public ReadOnlyMemory<byte>? Key => IsKeyNull ? default(ReadOnlyMemory<byte>?) : _records.Slice(_keyOffset, _keyLength);

    public ReadOnlyMemory<byte>? Value => IsValueNull ? default(ReadOnlyMemory<byte>?) : _records.Slice(_valueOffset, _valueLength);

    /// <summary>The key bytes; empty when the key is null (check <see cref="IsKeyNull"/>).</summary>
    public ReadOnlySpan<byte> KeySpan => IsKeyNull ? default : _records.Span.Slice(_keyOffset, _keyLength);

    /// <summary>The value bytes; empty when the value is null (check <see cref="IsValueNull"/>).</summary>
    public ReadOnlySpan<byte> ValueSpan => IsValueNull ? default : _records.Span.Slice(_valueOffset, _valueLength);

    public RecordHeaders Headers => new(_records.Slice(_headersOffset, _headersLength), _headerCount);

    /// <summary>
    /// Parses the record at <paramref name="position"/> and moves past it. Every length is checked
    /// against the bytes that remain before it is used, so malformed input cannot read out of bounds.
    /// </summary>
    internal static Record Read(ReadOnlyMemory<byte> records, ref int position, in RecordBatchContext batch)
    {
        ReadOnlySpan<byte> span = records.Span;
        int start = position;
        int bodyLength = Varint.ReadVarint(span, ref position);
        if (bodyLength < 0 || bodyLength > span.Length - position)
        {
            throw new CorruptRecordException(
                $"Invalid record size {bodyLength}: only {span.Length - position} bytes remain in the batch.");
        }

        int bodyStart = position;
        int end = bodyStart + bodyLength;

        // Reads below see only this record's body, so an inner length cannot run into the next record.
        ReadOnlySpan<byte> body = span[..end];
        if (position >= end)
        {
            throw new CorruptRecordException("Record body is empty: missing attributes.");
        }

        byte attributes = body[position++];
        long timestampDelta = Varint.ReadVarlong(body, ref position);
        int offsetDelta = Varint.ReadVarint(body, ref position);
        (int Offset, int Length) key = ReadNullableBytes(body, ref position, "key");
        (int Offset, int Length) value = ReadNullableBytes(body, ref position, "value");

        int headerCount = Varint.ReadVarint(body, ref position);
        if (headerCount < 0)
        {
            throw new CorruptRecordException($"Invalid record header count {headerCount}.");
        }

        int headersOffset = position;
        for (int i = 0; i < headerCount; i++)
        {
            int keyLength = Varint.ReadVarint(body, ref position);
            if (keyLength < 0 || keyLength > end - position)
            {
                throw new CorruptRecordException(
                    $"Invalid record header key length {keyLength}: {end - position} bytes remain in the record.");
            }

            position += keyLength;
            ReadNullableBytes(body, ref position, "header value");
        }

        if (position != end)
        {
            throw new CorruptRecordException($"Record declares {bodyLength} bytes but its fields use only {position - bodyStart}.");
        }

        long timestamp = batch.TimestampType == TimestampType.LogAppendTime
            ? batch.MaxTimestamp
            : batch.BaseTimestamp + timestampDelta;
        return new Record(
            records,
            batch.BaseOffset + offsetDelta,
            timestamp,
            attributes,
            timestampDelta,
            offsetDelta,
            end - start,
            key,
            value,
            (headersOffset, end - headersOffset, headerCount));
    }

    private static (int Offset, int Length) ReadNullableBytes(ReadOnlySpan<byte> body, ref int position, string field)
    {
        int length = Varint.ReadVarint(body, ref position);
        if (length < -1 || length > body.Length - position)
        {
            throw new CorruptRecordException(
                $"Invalid record {field} length {length}: {body.Length - position} bytes remain in the record.");
        }

        int offset = position;
        if (length > 0)
        {
            position += length;
        }

        return (offset, length);
    }
}
