namespace KafkaCompat.Records;

/// <summary>The headers of one record, enumerated from the record bytes without allocating.</summary>
public readonly struct RecordHeaders
{
    private readonly ReadOnlyMemory<byte> _memory;

    internal RecordHeaders(ReadOnlyMemory<byte> memory, int count)
    {
        _memory = memory;
        Count = count;
    }

    public int Count { get; }

    public Enumerator GetEnumerator() => new(_memory, Count);

    public struct Enumerator
    {
        private readonly ReadOnlyMemory<byte> _memory;
        private int _position;
        private int _remaining;
        private RecordHeader _current;

        internal Enumerator(ReadOnlyMemory<byte> memory, int count)
        {
            _memory = memory;
            _remaining = count;
        }

        public readonly RecordHeader Current => _current;

        public bool MoveNext()
        {
            if (_remaining == 0)
            {
                return false;
            }

            // The record parser already validated these bytes; the reads stay checked regardless.
            ReadOnlySpan<byte> span = _memory.Span;
            int keyLength = Varint.ReadVarint(span, ref _position);
            ReadOnlyMemory<byte> key = _memory.Slice(_position, keyLength);
            _position += keyLength;
            int valueLength = Varint.ReadVarint(span, ref _position);
            ReadOnlyMemory<byte>? value = null;
            if (valueLength >= 0)
            {
                value = _memory.Slice(_position, valueLength);
                _position += valueLength;
            }

            _current = new RecordHeader(key, value);
            _remaining--;
            return true;
        }
    }
}
