using static KafkaCompat.Records.Tests.Legacy.LegacyMessages;

namespace KafkaCompat.Records.Tests.Legacy;

/// <summary>Produce v0-2: legacy message sets in, one record batch v2 out, refused as Kafka refuses them.</summary>
public class LegacyMessageSetConverterTests
{
    private static readonly CompressionType[] LegacyCodecs = [CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4];

    /// <summary>Written by kafka-python's LegacyRecordBatchBuilder (Fixtures/README.md), magic 0 LZ4 with its KAFKA-3160 header checksum.</summary>
    [Test]
    public void KafkaPythonMessageSet_BecomesABatchOfTheSameRecords([Values((byte)0, (byte)1)] byte magic, [ValueSource(nameof(LegacyCodecs))] CompressionType codec)
    {
        byte[] messageSet = TestData.Fixture($"kafka-python-legacy-v{magic}-{codec.ToString().ToLowerInvariant()}.bin");

        RecordBatch batch = ToBatch(messageSet);

        Assert.That((batch.Compression, batch.RecordCount, batch.TimestampType, batch.BaseOffset), Is.EqualTo((codec, 20, TimestampType.CreateTime, 0L)));
        var expected = Enumerable.Range(0, 20).Select(i => (
            (long)i,
            magic == 0 ? -1L : 1_700_000_000_000 + (i * 10),
            i % 10 == 3 ? null : $"key-{i}",
            i % 10 == 5 ? null : $"value-{i}-{string.Concat(Enumerable.Repeat("xyz", i))}"));
        Assert.That(RecordsOf(batch), Is.EqualTo(expected.ToList()));
    }

    [Test]
    public void Magic0Lz4_KafkaPythonWritesTheChecksumOverTheMagicNumber_AndThatIsWhatTheBrokerWritesToo()
    {
        byte[] messageSet = TestData.Fixture("kafka-python-legacy-v0-lz4.bin");
        var message = new LegacyMessageEnumerator(messageSet);
        Assert.That(message.MoveNext(), Is.True);
        byte[] frame = message.Current.Value!.Value.ToArray();
        byte written = frame[6];

        Lz4LegacyFrame.WriteStandardChecksum(frame);
        Assert.That(frame[6], Is.Not.EqualTo(written), "the fixture carries the pre-0.10 checksum, not the LZ4 frame format's");
        Lz4LegacyFrame.WriteKafkaV0Checksum(frame);
        Assert.That(frame[6], Is.EqualTo(written));
    }

    [Test]
    public void Magic1WrapperWithLogAppendTime_GivesItsTimestampToEveryInnerMessage()
    {
        byte[] wrapper = Wrapper(1, 1, CompressionType.Gzip, Message(0, 1, 5, "a", "1"), Message(1, 1, 6, "b", "2"));
        SetAttributes(wrapper, (byte)CompressionType.Gzip | LegacyMessageLayout.LogAppendTimeFlag);

        Assert.That(RecordsOf(ToBatch(wrapper)).Select(r => r.Timestamp), Is.EqualTo(new[] { 1_700_000_000_000L, 1_700_000_000_000L }));
    }

    [TestCase(0L, TestName = "wrapper offset 0, as some librdkafka versions send")]
    [TestCase(7L, TestName = "absolute inner offsets below the wrapper's")]
    public void Magic1InnerOffsetsThatAreNotRelative_AreAccepted_TheLogNumbersThemAnyway(long wrapperOffset)
    {
        byte[] wrapper = Wrapper(wrapperOffset, 1, CompressionType.Gzip, Message(5, 1, 5, "a", "1"), Message(6, 1, 6, "b", "2"), Message(7, 1, 7, "c", "3"));

        Assert.That(RecordsOf(ToBatch(wrapper)).Select(r => (r.Offset, r.Value)), Is.EqualTo(new[] { (0L, "1"), (1L, "2"), (2L, "3") }));
    }

    [Test]
    public void Magic1WrapperOffsetBelowItsLastInnerOffsetAndNotZero_IsInvalidRecord()
    {
        byte[] wrapper = Wrapper(1, 1, CompressionType.Gzip, Message(0, 1, 5, "a", "1"), Message(1, 1, 6, "b", "2"), Message(2, 1, 7, "c", "3"));

        Assert.Throws<InvalidRecordException>(() => ToBatch(wrapper));
    }

    [Test]
    public void BadCrc_IsCorrupt([Values((byte)0, (byte)1)] byte magic)
    {
        byte[] set = Concat(Message(0, magic, 5, "a", "1"), Message(1, magic, 6, "b", "2"));
        set[^1] ^= 0x20;

        Assert.Throws<CorruptRecordException>(() => ToBatch(set));
    }

    [Test]
    public void BadCrcOfAnInnerMessage_IsCorrupt([Values((byte)0, (byte)1)] byte magic)
    {
        byte[] inner = Message(0, magic, 5, "a", "hello");
        inner[^1] ^= 0x20;

        Assert.Throws<CorruptRecordException>(() => ToBatch(Wrapper(0, magic, CompressionType.Gzip, inner)));
    }

    [Test]
    public void TruncatedAnywhere_IsCorrupt()
    {
        byte[] set = TestData.Fixture("kafka-python-legacy-v1-none.bin");
        foreach (int cut in new[] { 1, 5, 11, 12, 30, set.Length - 1 })
        {
            Assert.Throws<CorruptRecordException>(() => ToBatch(set[..cut]), $"cut at {cut}");
        }
    }

    [Test]
    public void MessageSizeBelowTheSmallestMessage_IsCorrupt()
    {
        byte[] set = Message(0, 0, 0, "a", "b");
        set[11] = 13;

        Assert.Throws<CorruptRecordException>(() => ToBatch(set));
    }

    [Test]
    public void KeyLengthBeyondTheMessage_IsCorrupt()
    {
        byte[] set = Message(0, 1, 0, "a", "b");
        set[LegacyMessageLayout.KeyLengthOffset(1) + 3] = 100;
        FixCrc(set);

        Assert.Throws<CorruptRecordException>(() => ToBatch(set));
    }

    [Test]
    public void NestedWrapper_IsInvalidRecord()
    {
        byte[] nested = Wrapper(0, 1, CompressionType.Gzip, Message(0, 1, 5, "a", "1"));

        Assert.Throws<InvalidRecordException>(() => ToBatch(Wrapper(0, 1, CompressionType.Gzip, nested)));
    }

    [Test]
    public void InnerMessageOfAnotherMagic_IsInvalidRecord()
    {
        Assert.Throws<InvalidRecordException>(() => ToBatch(Wrapper(0, 1, CompressionType.Gzip, Message(0, 0, 5, "a", "1"))));
    }

    [Test]
    public void MessagesOfDifferentMagics_AreInvalidRecord()
    {
        Assert.Throws<InvalidRecordException>(() => ToBatch(Concat(Message(0, 1, 5, "a", "1"), Message(1, 0, 5, "b", "2"))));
    }

    [Test]
    public void AWrapperBesideOtherMessages_IsInvalidRecord()
    {
        byte[] wrapper = Wrapper(0, 1, CompressionType.Gzip, Message(0, 1, 5, "a", "1"));

        Assert.Throws<InvalidRecordException>(() => ToBatch(Concat(wrapper, Message(1, 1, 5, "b", "2"))));
        Assert.Throws<InvalidRecordException>(() => ToBatch(Concat(Message(1, 1, 5, "b", "2"), wrapper)));
    }

    [Test]
    public void EmptyOrNullWrapper_IsInvalidRecord()
    {
        Assert.Throws<InvalidRecordException>(() => ToBatch(Wrapper(0, 1, CompressionType.Gzip)));
        Assert.Throws<InvalidRecordException>(() => ToBatch(Message(0, 1, 0, (byte[]?)null, null, (byte)CompressionType.Gzip)));
    }

    [Test]
    public void ZstdWrapper_IsAnUnsupportedCodec()
    {
        byte[] wrapper = Wrapper(0, 1, CompressionType.Zstd, Message(0, 1, 5, "a", "1"));

        Assert.Throws<UnsupportedCompressionTypeException>(() => ToBatch(wrapper));
    }

    [Test]
    public void WrapperThatInflatesBeyondTheLimit_IsRefused()
    {
        byte[] wrapper = Wrapper(0, 1, CompressionType.Gzip, Message(0, 1, 5, "a", new string('x', 100_000)));

        Assert.Throws<DecompressionLimitExceededException>(() => LegacyMessageSetConverter.ToRecordBatch(wrapper, new System.Buffers.ArrayBufferWriter<byte>(), 50_000));
    }

    /// <summary>
    /// Hostile input: any byte changed, with the CRCs made right again so the damage reaches the
    /// framing and codec checks, either converts or fails with a records error the broker maps to
    /// an error code; nothing else escapes (no out-of-range index, no codec exception).
    /// </summary>
    [Test]
    public void DamagedMessageSets_ConvertOrFailWithARecordsError([Values((byte)0, (byte)1)] byte magic, [ValueSource(nameof(LegacyCodecs))] CompressionType codec)
    {
        byte[] original = TestData.Fixture($"kafka-python-legacy-v{magic}-{codec.ToString().ToLowerInvariant()}.bin");
        var random = new Random(magic * 10 + (int)codec);
        for (int attempt = 0; attempt < 300; attempt++)
        {
            byte[] damaged = original.ToArray();
            int position = random.Next(damaged.Length);
            damaged[position] = (byte)random.Next(256);
            if (attempt % 2 == 0)
            {
                FixEveryCrc(damaged);
            }

            try
            {
                LegacyMessageSetConverter.ToRecordBatch(damaged, new System.Buffers.ArrayBufferWriter<byte>(), 1 << 20);
            }
            catch (RecordsException)
            {
            }
        }
    }

    // Recomputes the CRC of each outer entry whose framing still holds.
    private static void FixEveryCrc(byte[] set)
    {
        int position = 0;
        while (set.Length - position >= LegacyMessageLayout.LogOverhead)
        {
            int size = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(set.AsSpan(position + LegacyMessageLayout.SizeOffset));
            if (size < LegacyMessageLayout.MessageOverheadV0 || size > set.Length - position - LegacyMessageLayout.LogOverhead)
            {
                return;
            }

            FixCrc(set.AsSpan(position, LegacyMessageLayout.LogOverhead + size));
            position += LegacyMessageLayout.LogOverhead + size;
        }
    }

    private static void SetAttributes(byte[] entry, int attributes)
    {
        entry[LegacyMessageLayout.AttributesOffset] = (byte)attributes;
        FixCrc(entry);
    }

    private static void FixCrc(Span<byte> entry) =>
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(entry[LegacyMessageLayout.CrcOffset..], Crc32Ieee.Compute(entry[LegacyMessageLayout.MagicOffset..]));
}
