using System.Buffers;
using System.Buffers.Binary;

namespace KafkaCompat.Records.Tests;

public class ControlBatchTests
{
    [TestCase(ControlRecordType.Commit)]
    [TestCase(ControlRecordType.Abort)]
    public void EndTransactionMarker_RoundTrips(ControlRecordType type)
    {
        var output = new ArrayBufferWriter<byte>();
        new EndTransactionMarker(type, CoordinatorEpoch: 17).WriteBatch(output, producerId: 5000, producerEpoch: 3, timestamp: 1_700_000_000_000, baseOffset: 88);

        var batch = new RecordBatch(output.WrittenMemory);
        batch.EnsureValid();
        Assert.Multiple(() =>
        {
            Assert.That(batch.IsControl, Is.True);
            Assert.That(batch.IsTransactional, Is.True);
            Assert.That(batch.ProducerId, Is.EqualTo(5000));
            Assert.That(batch.ProducerEpoch, Is.EqualTo(3));
            Assert.That(batch.BaseSequence, Is.EqualTo(-1));
            Assert.That(batch.BaseOffset, Is.EqualTo(88));
            Assert.That(batch.RecordCount, Is.EqualTo(1));
            Assert.That(batch.Compression, Is.EqualTo(CompressionType.None));
        });

        Assert.That(EndTransactionMarker.TryRead(batch, out EndTransactionMarker marker), Is.True);
        Assert.That(marker, Is.EqualTo(new EndTransactionMarker(type, 17)));
    }

    [Test]
    public void ControlRecordWireFormat_MatchesTheKafkaSchema()
    {
        var output = new ArrayBufferWriter<byte>();
        new EndTransactionMarker(ControlRecordType.Commit, 0x01020304).WriteBatch(output, 1, 0, 0);
        using RecordBatchReader reader = new RecordBatch(output.WrittenMemory).OpenRecords(1024);
        foreach (Record record in reader)
        {
            Assert.That(record.KeySpan.ToArray(), Is.EqualTo(new byte[] { 0, 0, 0, 1 }));
            Assert.That(record.ValueSpan.ToArray(), Is.EqualTo(new byte[] { 0, 0, 1, 2, 3, 4 }));
        }
    }

    [Test]
    public void DataBatch_IsNotAMarker()
    {
        using var builder = new RecordBatchBuilder { IsTransactional = true };
        builder.Append(0, new byte[] { 0, 0, 0, 1 }, new byte[6]);
        Assert.That(EndTransactionMarker.TryRead(new RecordBatch(builder.ToArray()), out _), Is.False);
    }

    [Test]
    public void OtherControlTypes_AreRecognisedButAreNotMarkers()
    {
        byte[] bytes = ControlBatch(ControlRecord.CreateKey(ControlRecordType.LeaderChange), new byte[10]);
        Assert.That(EndTransactionMarker.TryRead(new RecordBatch(bytes), out _), Is.False);
    }

    [Test]
    public void NewerVersions_WithExtraBytes_AreAccepted()
    {
        byte[] key = [0, 1, 0, 0, 0xAA, 0xBB];
        byte[] value = [0, 1, 0, 0, 0, 9, 0xCC];
        Assert.That(EndTransactionMarker.TryRead(new RecordBatch(ControlBatch(key, value)), out EndTransactionMarker marker), Is.True);
        Assert.That(marker, Is.EqualTo(new EndTransactionMarker(ControlRecordType.Abort, 9)));
    }

    [TestCase(new byte[] { 0, 0, 0 }, TestName = "key too short")]
    [TestCase(new byte[] { 0xFF, 0xFF, 0, 1 }, TestName = "negative key version")]
    public void MalformedControlKey_ThrowsInvalidRecord(byte[] key)
    {
        Assert.Throws<InvalidRecordException>(() => EndTransactionMarker.TryRead(new RecordBatch(ControlBatch(key, new byte[6])), out _));
    }

    [TestCase(new byte[] { 0, 0, 0, 0, 0 }, TestName = "value too short")]
    [TestCase(new byte[] { 0x80, 0, 0, 0, 0, 1 }, TestName = "negative value version")]
    [TestCase(null, TestName = "null value")]
    public void MalformedMarkerValue_ThrowsInvalidRecord(byte[]? value)
    {
        Assert.Throws<InvalidRecordException>(() => EndTransactionMarker.TryRead(new RecordBatch(ControlBatch([0, 0, 0, 1], value)), out _));
    }

    [Test]
    public void NullControlKey_ThrowsInvalidRecord()
    {
        Assert.Throws<InvalidRecordException>(() => EndTransactionMarker.TryRead(new RecordBatch(ControlBatch(null, new byte[6])), out _));
    }

    [Test]
    public void OnlyAbortAndCommit_CanBeWrittenAsMarkers()
    {
        Assert.Throws<ArgumentOutOfRangeException>(
            () => new EndTransactionMarker(ControlRecordType.LeaderChange, 0).WriteBatch(new ArrayBufferWriter<byte>(), 1, 0, 0));
    }

    private static byte[] ControlBatch(byte[]? key, byte[]? value)
    {
        using var builder = new RecordBatchBuilder { IsControl = true, IsTransactional = true, ProducerId = 1, ProducerEpoch = 0 };
        builder.Append(0, key, value);
        byte[] bytes = builder.ToArray();
        Assert.That(BinaryPrimitives.ReadInt16BigEndian(bytes.AsSpan(21)) & 0x30, Is.EqualTo(0x30));
        return bytes;
    }
}
