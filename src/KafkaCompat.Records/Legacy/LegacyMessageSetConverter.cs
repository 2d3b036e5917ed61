using System.Buffers;

namespace KafkaCompat.Records;

/// <summary>
/// Turns a produced legacy message set (magic 0 or 1) into one record batch v2, as Kafka's
/// LogValidator up-converts Produce v0-2 data so that the log holds one format. Uncompressed
/// messages become the records of an uncompressed batch; a compressed wrapper becomes a batch of
/// its inner messages with the wrapper's codec. Magic 0 has no timestamps: its records get
/// NO_TIMESTAMP (-1), as in Kafka. An inner magic 1 message of a LogAppendTime wrapper takes the
/// wrapper's timestamp. Offsets are left for the log to assign; headers do not exist before v2.
/// </summary>
/// <remarks>
/// Kafka's errors: a bad CRC (outer or inner) or broken framing is CORRUPT_MESSAGE
/// (<see cref="CorruptRecordException"/>); what parses but is not allowed is INVALID_RECORD
/// (<see cref="InvalidRecordException"/>): messages of different magics, a compressed wrapper
/// beside other messages, an empty or null wrapper, an inner message that is compressed itself
/// (only one level of wrapping exists) or of another magic, and a magic 1 wrapper whose offset is
/// below its last inner offset while not zero. Inner offsets that are not 0..n-1 are accepted, as
/// Kafka accepts them from old clients: the log assigns fresh offsets anyway.
/// </remarks>
public static class LegacyMessageSetConverter
{
    /// <summary>Writes the batch to <paramref name="output"/> and returns how many records it holds.</summary>
    /// <exception cref="UnsupportedCompressionTypeException">A wrapper's codec is zstd or undefined.</exception>
    /// <exception cref="DecompressionLimitExceededException">A wrapper inflates beyond <paramref name="maxDecompressedBytes"/>.</exception>
    public static int ToRecordBatch(ReadOnlyMemory<byte> messageSet, IBufferWriter<byte> output, int maxDecompressedBytes)
    {
        ArgumentNullException.ThrowIfNull(output);
        var messages = new LegacyMessageEnumerator(messageSet);
        if (!messages.MoveNext())
        {
            throw new CorruptRecordException(messageSet.IsEmpty ? "The message set holds no message." : "The message set ends inside its first message.");
        }

        LegacyMessage first = messages.Current;
        using var builder = first.IsCompressed
            ? FromWrapper(first, ref messages, maxDecompressedBytes)
            : FromUncompressed(first, ref messages);
        if (messages.HasTrailingPartialMessage)
        {
            throw new CorruptRecordException("The message set ends inside a message.");
        }

        builder.WriteTo(output);
        return builder.RecordCount;
    }

    private static RecordBatchBuilder FromUncompressed(LegacyMessage first, ref LegacyMessageEnumerator messages)
    {
        var builder = new RecordBatchBuilder(CompressionType.None);
        try
        {
            do
            {
                LegacyMessage message = messages.Current;
                EnsureValid(message, first.Magic, "Message");
                if (message.IsCompressed)
                {
                    throw new InvalidRecordException("A compressed wrapper message must be the only message of its message set.");
                }

                builder.Append(message.Timestamp, message.Key, message.Value);
            }
            while (messages.MoveNext());
            return builder;
        }
        catch
        {
            builder.Dispose();
            throw;
        }
    }

    private static RecordBatchBuilder FromWrapper(LegacyMessage wrapper, ref LegacyMessageEnumerator messages, int maxDecompressedBytes)
    {
        EnsureValid(wrapper, wrapper.Magic, "Wrapper message");
        if (messages.MoveNext())
        {
            throw new InvalidRecordException("A compressed wrapper message must be the only message of its message set.");
        }

        CompressionType codec = LegacyCompression.Codec(wrapper.CompressionCodecId);
        if (wrapper.IsValueNull)
        {
            throw new InvalidRecordException($"Compressed wrapper message (magic {wrapper.Magic}) has a null value.");
        }

        using var inner = new PooledBufferWriter(Math.Min(wrapper.ValueSpan.Length * 4, maxDecompressedBytes));
        LegacyCompression.Decompress(wrapper.Magic, codec, wrapper.ValueSpan, inner, maxDecompressedBytes);
        var builder = new RecordBatchBuilder(codec);
        try
        {
            long lastInnerOffset = AppendInner(wrapper, inner.WrittenMemory, builder);
            if (wrapper.Magic > 0 && wrapper.Offset != 0 && wrapper.Offset < lastInnerOffset)
            {
                throw new InvalidRecordException(
                    $"Wrapper offset {wrapper.Offset} of a compressed magic 1 message set is below its last inner offset {lastInnerOffset} and not zero.");
            }

            return builder;
        }
        catch
        {
            builder.Dispose();
            throw;
        }
    }

    private static long AppendInner(LegacyMessage wrapper, ReadOnlyMemory<byte> messageSet, RecordBatchBuilder builder)
    {
        long lastOffset = -1;
        var messages = new LegacyMessageEnumerator(messageSet);
        while (messages.MoveNext())
        {
            LegacyMessage message = messages.Current;
            if (!message.IsValidCrc())
            {
                throw new CorruptRecordException($"Inner message is corrupt (stored crc = {message.Crc}, computed crc = {message.ComputeCrc()}).");
            }

            if (message.Magic != wrapper.Magic)
            {
                throw new InvalidRecordException($"Inner message magic {message.Magic} does not match its wrapper's magic {wrapper.Magic}.");
            }

            if (message.IsCompressed)
            {
                throw new InvalidRecordException("An inner message of a compressed wrapper must not be compressed itself.");
            }

            long timestamp = wrapper.TimestampType == TimestampType.LogAppendTime ? wrapper.Timestamp : message.Timestamp;
            builder.Append(timestamp, message.Key, message.Value);
            lastOffset = message.Offset;
        }

        if (messages.HasTrailingPartialMessage)
        {
            throw new CorruptRecordException("The compressed message set of a wrapper ends inside a message.");
        }

        return builder.RecordCount > 0 ? lastOffset : throw new InvalidRecordException("A compressed wrapper message holds no inner message.");
    }

    private static void EnsureValid(LegacyMessage message, byte magic, string what)
    {
        if (!message.IsValidCrc())
        {
            throw new CorruptRecordException($"{what} is corrupt (stored crc = {message.Crc}, computed crc = {message.ComputeCrc()}).");
        }

        if (message.Magic != magic)
        {
            throw new InvalidRecordException($"Message magic {message.Magic} is not the same as the first message's magic {magic}.");
        }
    }
}
