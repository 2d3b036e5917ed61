using System.Buffers;
using System.Text;
using static KafkaCompat.Records.Tests.Legacy.LegacyMessages;

namespace KafkaCompat.Records.Tests.Legacy;

/// <summary>Fetch v0-3: record batches v2 re-encoded as magic 0 or 1 message sets.</summary>
public class RecordBatchDownConverterTests
{
    private static readonly CompressionType[] LegacyCodecs = [CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4];

    private static byte[] Batch(long baseOffset, CompressionType codec, int count, long timestamp = 1_700_000_000_000, int valueSize = 10)
    {
        using var builder = new RecordBatchBuilder(codec) { BaseOffset = baseOffset };
        for (int i = 0; i < count; i++)
        {
            // Headers have no place in magic 0/1: they must simply vanish.
            builder.Append(timestamp + i, i % 4 == 3 ? null : Encoding.ASCII.GetBytes($"k{baseOffset + i}"), Encoding.ASCII.GetBytes($"v{baseOffset + i}".PadRight(valueSize, '.')), new RecordHeader("h", "x"u8.ToArray()));
        }

        return builder.ToArray();
    }

    private static byte[] Convert(byte[] batches, long fetchOffset, byte magic, int maxBytes = 1 << 20, bool hard = false)
    {
        var output = new ArrayBufferWriter<byte>();
        int written = RecordBatchDownConverter.Convert(batches, fetchOffset, magic, maxBytes, hard, output, 1 << 20);
        Assert.That(written, Is.EqualTo(output.WrittenCount));
        return output.WrittenSpan.ToArray();
    }

    private static List<LegacyMessage> Messages(byte[] set)
    {
        var messages = new List<LegacyMessage>();
        var enumerator = new LegacyMessageEnumerator(set);
        while (enumerator.MoveNext())
        {
            Assert.That(enumerator.Current.IsValidCrc(), Is.True);
            messages.Add(enumerator.Current);
        }

        return messages;
    }

    [Test]
    public void RoundTrip_EveryCodecAndMagic_KeepsOffsetsKeysValuesAndMagic1Timestamps([Values((byte)0, (byte)1)] byte magic, [ValueSource(nameof(LegacyCodecs))] CompressionType codec)
    {
        byte[] stored = Concat(Batch(10, codec, 5), Batch(15, codec, 3));

        byte[] converted = Convert(stored, 10, magic);

        var messages = Messages(converted);
        Assert.That(messages.Select(m => (m.Magic, m.CompressionCodecId)).Distinct(), Is.EqualTo(new[] { (magic, (int)codec) }));
        // Offsets 10-14 are the first batch's records 0-4, 15-17 the second's 0-2.
        var expected = Enumerable.Range(10, 8).Select(o => (Offset: (long)o, Index: o < 15 ? o - 10 : o - 15))
            .Select(r => (r.Offset, magic == 0 ? -1L : 1_700_000_000_000 + r.Index, r.Index % 4 == 3 ? null : $"k{r.Offset}", $"v{r.Offset}".PadRight(10, '.'))).ToList();
        if (codec == CompressionType.None)
        {
            Assert.That(messages.Select(m => (m.Offset, m.Timestamp, Text(m.Key), Text(m.Value))), Is.EqualTo(expected));
            return;
        }

        // A wrapper per batch, at its last offset, back to v2 through the produce path.
        Assert.That(messages.Select(m => m.Offset), Is.EqualTo(new[] { 14L, 17L }));
        Assert.That(messages.Select(m => m.Timestamp), Is.EqualTo(magic == 0 ? new[] { -1L, -1L } : new[] { 1_700_000_000_004L, 1_700_000_000_002L }));
        var innerOffsets = messages.SelectMany(m => InnerOffsets(m)).ToList();
        Assert.That(innerOffsets, Is.EqualTo(magic == 0 ? new long[] { 10, 11, 12, 13, 14, 15, 16, 17 } : new long[] { 0, 1, 2, 3, 4, 0, 1, 2 }));
        var upConverted = messages.SelectMany(m => RecordsOf(ToBatch(converted.AsSpan(Start(converted, m), m.SizeInBytes).ToArray()))).ToList();
        Assert.That(upConverted.Select(r => (r.Timestamp, r.Key, r.Value)), Is.EqualTo(expected.Select(e => (e.Item2, e.Item3, e.Item4))));
    }

    [Test]
    public void RecordsBelowTheFetchOffset_AreLeftOut([ValueSource(nameof(LegacyCodecs))] CompressionType codec)
    {
        var messages = Messages(Convert(Batch(10, codec, 5), 12, 1));

        long[] offsets = codec == CompressionType.None
            ? messages.Select(m => m.Offset).ToArray()
            : messages.SelectMany(m => InnerOffsets(m).Select(relative => m.Offset - 2 + relative)).ToArray();
        Assert.That(offsets, Is.EqualTo(new long[] { 12, 13, 14 }));
    }

    [Test]
    public void ControlBatchesAreSkipped()
    {
        byte[] control;
        using (var builder = new RecordBatchBuilder { BaseOffset = 3, IsControl = true, IsTransactional = true, ProducerId = 1, ProducerEpoch = 0 })
        {
            control = builder.Append(1, "\0\0\0\0"u8.ToArray(), "\0\0\0\0\0\0"u8.ToArray()).ToArray();
        }

        var messages = Messages(Convert(Concat(Batch(0, CompressionType.None, 3), control, Batch(4, CompressionType.None, 1)), 0, 1));

        Assert.That(messages.Select(m => m.Offset), Is.EqualTo(new long[] { 0, 1, 2, 4 }));
    }

    [Test]
    public void LogAppendTimeBatch_GivesMagic1MessagesTheAppendTimeAndTheirFlag([Values(CompressionType.None, CompressionType.Gzip)] CompressionType codec)
    {
        byte[] batch = Batch(0, codec, 2);
        RecordBatch.SetMaxTimestamp(batch, TimestampType.LogAppendTime, 1_800_000_000_000);

        var messages = Messages(Convert(batch, 0, 1));

        Assert.That(messages.Select(m => (m.Timestamp, m.TimestampType)).Distinct(), Is.EqualTo(new[] { (1_800_000_000_000L, TimestampType.LogAppendTime) }));
        Assert.That(RecordsOf(ToBatch(Convert(batch, 0, 1))).Select(r => r.Timestamp).Distinct(), Is.EqualTo(new[] { 1_800_000_000_000L }));
    }

    [Test]
    public void StopsOnAMessageBoundaryAtMaxBytes()
    {
        byte[] stored = Batch(0, CompressionType.None, 10, valueSize: 100);
        int[] sizes = Messages(Convert(stored, 0, 1)).Select(m => m.SizeInBytes).ToArray();
        int threeMessages = sizes[..3].Sum();

        byte[] converted = Convert(stored, 0, 1, maxBytes: threeMessages + sizes[3] - 1);

        Assert.That(converted, Has.Length.EqualTo(threeMessages));
        Assert.That(Messages(converted).Select(m => m.Offset), Is.EqualTo(new long[] { 0, 1, 2 }));
    }

    [Test]
    public void AFirstMessageLargerThanMaxBytes_GoesOutWhole_OrCutAtAHardLimit([Values(CompressionType.None, CompressionType.Gzip)] CompressionType codec)
    {
        byte[] stored = Batch(0, codec, 1, valueSize: 5000);

        byte[] whole = Convert(stored, 0, 1, maxBytes: 100);
        byte[] cut = Convert(stored, 0, 1, maxBytes: 100, hard: true);

        Assert.That(Messages(whole), Has.Count.EqualTo(1));
        Assert.That(cut, Is.EqualTo(whole[..100]), "Fetch v0-2: a partial message, which the client reports as too large");
        var enumerator = new LegacyMessageEnumerator(cut);
        Assert.That((enumerator.MoveNext(), enumerator.HasTrailingPartialMessage), Is.EqualTo((false, true)));
    }

    [Test]
    public void ZstdBatch_CannotBeDownConverted()
    {
        Assert.Throws<UnsupportedCompressionTypeException>(() => Convert(Batch(0, CompressionType.Zstd, 2), 0, 1));
    }

    [Test]
    public void Magic0Lz4Wrapper_CarriesTheChecksumOldClientsExpect()
    {
        byte[] converted = Convert(Batch(0, CompressionType.Lz4, 3), 0, 0);
        byte[] frame = Messages(converted).Single().Value!.Value.ToArray();
        byte written = frame[6];

        Lz4LegacyFrame.WriteKafkaV0Checksum(frame);
        Assert.That(frame[6], Is.EqualTo(written));
        Lz4LegacyFrame.WriteStandardChecksum(frame);
        Assert.That(frame[6], Is.Not.EqualTo(written));
    }

    private static int Start(byte[] set, LegacyMessage message)
    {
        int position = 0;
        foreach (var m in Messages(set))
        {
            if (m.Offset == message.Offset)
            {
                return position;
            }

            position += m.SizeInBytes;
        }

        throw new InvalidOperationException("message not in set");
    }

    private static List<long> InnerOffsets(LegacyMessage wrapper)
    {
        var inner = new ArrayBufferWriter<byte>();
        LegacyCompression.Decompress(wrapper.Magic, LegacyCompression.Codec(wrapper.CompressionCodecId), wrapper.ValueSpan, inner, 1 << 20);
        return Messages(inner.WrittenSpan.ToArray()).Select(m => m.Offset).ToList();
    }
}
