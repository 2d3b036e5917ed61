namespace KafkaCompat.Records;

/// <summary>
/// Iterates the records of one batch without allocating. Throws <see cref="CorruptRecordException"/>
/// when a record is malformed, when the data ends before the declared record count, or when bytes
/// are left over after it.
/// </summary>
public struct RecordEnumerator
{
    private readonly ReadOnlyMemory<byte> _records;
    private readonly RecordBatchContext _batch;
    private int _position;
    private int _remaining;
    private Record _current;

    internal RecordEnumerator(ReadOnlyMemory<byte> records, int recordCount, RecordBatchContext batch)
    {
        if (recordCount < 0)
        {
            throw new CorruptRecordException($"Invalid record count {recordCount}.");
        }

        _records = records;
        _remaining = recordCount;
        _batch = batch;
    }

    public readonly Record Current => _current;

    public readonly RecordEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_remaining == 0)
        {
            if (_position != _records.Length)
            {
                throw new CorruptRecordException(
                    $"{_records.Length - _position} bytes remain after the batch's declared record count.");
            }

            return false;
        }

        if (_position == _records.Length)
        {
            throw new CorruptRecordException($"Records end with {_remaining} of the declared records still missing.");
        }

        _current = Record.Read(_records, ref _position, _batch);
        _remaining--;
        return true;
    }
}
