using System.Buffers.Binary;
using static KafkaCompat.Records.LegacyMessageLayout;

namespace KafkaCompat.Records;

/// <summary>
/// Splits a legacy message set (concatenated entries of magic 0 or 1, as in a Produce v0-2 or
/// Fetch v0-3 <c>records</c> field, or the value of a compressed wrapper) into
/// <see cref="LegacyMessage"/> views without copying. A partial entry at the end stops the
/// enumeration without an error, as a Fetch response may end with one; callers that need whole
/// entries (Produce) check <see cref="HasTrailingPartialMessage"/>.
/// </summary>
public struct LegacyMessageEnumerator
{
    private readonly ReadOnlyMemory<byte> _messages;
    private int _position;
    private LegacyMessage _current;

    public LegacyMessageEnumerator(ReadOnlyMemory<byte> messages)
    {
        _messages = messages;
    }

    public readonly LegacyMessage Current => _current;

    public readonly bool HasTrailingPartialMessage => _position < _messages.Length;

    public readonly LegacyMessageEnumerator GetEnumerator() => this;

    /// <exception cref="CorruptRecordException">The next entry's size is below the smallest message, or its framing is wrong.</exception>
    public bool MoveNext()
    {
        ReadOnlyMemory<byte> remaining = _messages[_position..];
        if (remaining.Length < LogOverhead)
        {
            return false;
        }

        int messageSize = BinaryPrimitives.ReadInt32BigEndian(remaining.Span[SizeOffset..]);
        if (messageSize < MessageOverheadV0)
        {
            throw new CorruptRecordException($"Message size {messageSize} is less than the minimum message overhead ({MessageOverheadV0}).");
        }

        if (messageSize > remaining.Length - LogOverhead)
        {
            return false;
        }

        int entrySize = LogOverhead + messageSize;
        _current = LegacyMessage.Parse(remaining[..entrySize]);
        _position += entrySize;
        return true;
    }
}
