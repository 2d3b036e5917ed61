namespace KafkaCompat.Records;

/// <summary>
/// Splits a records buffer (concatenated batches, as in a Produce or Fetch <c>records</c> field) into
/// <see cref="RecordBatch"/> slices without copying. It checks each batch's framing (magic and length)
/// but not its CRC. A partial batch at the end stops the enumeration without an error, because Fetch
/// responses may legitimately end with one; <see cref="TrailingPartialBatchBytes"/> tells how many
/// bytes it had, and callers that need whole batches (Produce) must reject it.
/// </summary>
public struct RecordBatchEnumerator
{
    private readonly ReadOnlyMemory<byte> _records;
    private int _position;
    private RecordBatch _current;

    public RecordBatchEnumerator(ReadOnlyMemory<byte> records)
    {
        _records = records;
    }

    public readonly RecordBatch Current => _current;

    /// <summary>Bytes of whole batches returned so far.</summary>
    public readonly int BytesConsumed => _position;

    /// <summary>Bytes at the end that do not form a whole batch; meaningful once MoveNext returned false.</summary>
    public readonly int TrailingPartialBatchBytes => _records.Length - _position;

    public readonly bool HasTrailingPartialBatch => _position < _records.Length;

    public readonly RecordBatchEnumerator GetEnumerator() => this;

    /// <exception cref="CorruptRecordException">The next batch has an unknown magic or an impossible length.</exception>
    /// <exception cref="UnsupportedRecordVersionException">The next batch is a legacy (magic 0/1) message set.</exception>
    public bool MoveNext()
    {
        ReadOnlyMemory<byte> remaining = _records[_position..];
        int size = RecordBatch.ReadSize(remaining.Span);
        if (size < 0)
        {
            return false;
        }

        _current = RecordBatch.CreateUnchecked(remaining[..size], size);
        _position += size;
        return true;
    }
}
