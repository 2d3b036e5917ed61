using System.Buffers.Binary;

namespace KafkaCompat.Records.Tests;

public class RecordBatchHeaderTests
{
    [Test]
    public void TheFirst61Bytes_AloneReadEveryHeaderField()
    {
        var raw = new RawBatch
        {
            BaseOffset = 4000,
            PartitionLeaderEpoch = 9,
            Attributes = 0x28, // control, LogAppendTime
            LastOffsetDelta = 6,
            BaseTimestamp = 1_700_000_000_000,
            MaxTimestamp = 1_700_000_000_600,
            ProducerId = 12,
            ProducerEpoch = 4,
            BaseSequence = 70,
            RecordCount = 0,
        };
        byte[] bytes = raw.Bytes(new byte[30]).ToArray();

        // Only the header, as the log engine holds it in its read-ahead buffer.
        var header = new RecordBatchHeader(bytes.AsSpan(0, RecordBatchHeader.Size));
        // A ref struct cannot be captured by Assert.Multiple's lambda.
        using (Assert.EnterMultipleScope())
        {
            Assert.That(header.BaseOffset, Is.EqualTo(4000));
            Assert.That(header.BatchLength, Is.EqualTo(bytes.Length - 12));
            Assert.That(header.SizeInBytes, Is.EqualTo(bytes.Length));
            Assert.That(header.PartitionLeaderEpoch, Is.EqualTo(9));
            Assert.That(header.Magic, Is.EqualTo(2));
            Assert.That(header.Crc, Is.EqualTo(BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(17))));
            Assert.That(header.TimestampType, Is.EqualTo(TimestampType.LogAppendTime));
            Assert.That(header.IsControl, Is.True);
            Assert.That(header.IsTransactional, Is.False);
            Assert.That(header.LastOffsetDelta, Is.EqualTo(6));
            Assert.That(header.BaseTimestamp, Is.EqualTo(1_700_000_000_000));
            Assert.That(header.MaxTimestamp, Is.EqualTo(1_700_000_000_600));
            Assert.That(header.ProducerId, Is.EqualTo(12));
            Assert.That(header.HasProducerId, Is.True);
            Assert.That(header.ProducerEpoch, Is.EqualTo(4));
            Assert.That(header.BaseSequence, Is.EqualTo(70));
            Assert.That(header.LastOffset, Is.EqualTo(4006));
            Assert.That(header.NextOffset, Is.EqualTo(4007));
            Assert.That(header.IsWellFormed, Is.True);
            Assert.That(header.IsPlausible(bytes.Length), Is.True);
            // The batch ends past the 61 bytes at hand: a torn tail, not a batch.
            Assert.That(header.IsPlausible(RecordBatchHeader.Size), Is.False);
        }
    }

    [TestCase(16, (byte)1, TestName = "Magic 1")]
    [TestCase(11, (byte)48, TestName = "batchLength 48, below the empty batch's 49")]
    [TestCase(23, (byte)0x80, TestName = "Negative lastOffsetDelta")]
    public void AnImpossibleField_IsNotWellFormed(int position, byte value)
    {
        byte[] bytes = new RawBatch().ToArray();
        bytes[position] = value;

        var header = new RecordBatchHeader(bytes);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(header.IsWellFormed, Is.False);
            Assert.That(header.IsPlausible(bytes.Length), Is.False);
        }
    }
}
