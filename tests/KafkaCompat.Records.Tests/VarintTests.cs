namespace KafkaCompat.Records.Tests;

public class VarintTests
{
    // Zigzag encodings from the protobuf documentation and the int32/int64 boundaries.
    [TestCase(0, new byte[] { 0x00 })]
    [TestCase(-1, new byte[] { 0x01 })]
    [TestCase(1, new byte[] { 0x02 })]
    [TestCase(-64, new byte[] { 0x7F })]
    [TestCase(64, new byte[] { 0x80, 0x01 })]
    [TestCase(int.MaxValue, new byte[] { 0xFE, 0xFF, 0xFF, 0xFF, 0x0F })]
    [TestCase(int.MinValue, new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0x0F })]
    public void Varint_EncodesAndDecodes(int value, byte[] encoded)
    {
        var buffer = new byte[5];
        int written = Varint.WriteVarint(buffer, value);
        Assert.That(buffer[..written], Is.EqualTo(encoded));
        Assert.That(Varint.SizeOfVarint(value), Is.EqualTo(encoded.Length));

        int position = 0;
        Assert.That(Varint.ReadVarint(encoded, ref position), Is.EqualTo(value));
        Assert.That(position, Is.EqualTo(encoded.Length));
    }

    [TestCase(0L, 1)]
    [TestCase(-1L, 1)]
    [TestCase(long.MaxValue, 10)]
    [TestCase(long.MinValue, 10)]
    [TestCase(1_700_000_000_000L, 6)]
    public void Varlong_RoundTrips(long value, int size)
    {
        var buffer = new byte[10];
        int written = Varint.WriteVarlong(buffer, value);
        Assert.That(written, Is.EqualTo(size));
        Assert.That(Varint.SizeOfVarlong(value), Is.EqualTo(size));

        int position = 0;
        Assert.That(Varint.ReadVarlong(buffer, ref position), Is.EqualTo(value));
        Assert.That(position, Is.EqualTo(size));
    }

    [Test]
    public void RandomValues_RoundTrip()
    {
        var random = new Random(99);
        var buffer = new byte[10];
        for (int i = 0; i < 10_000; i++)
        {
            int value = random.Next(int.MinValue, int.MaxValue) >> random.Next(32);
            long longValue = random.NextInt64(long.MinValue, long.MaxValue) >> random.Next(64);
            int position = 0;
            Varint.WriteVarint(buffer, value);
            Assert.That(Varint.ReadVarint(buffer, ref position), Is.EqualTo(value));
            position = 0;
            Varint.WriteVarlong(buffer, longValue);
            Assert.That(Varint.ReadVarlong(buffer, ref position), Is.EqualTo(longValue));
        }
    }

    [Test]
    public void OverlongEncodings_AreCorrupt()
    {
        int position = 0;
        Assert.Throws<CorruptRecordException>(() => Varint.ReadVarint([0x80, 0x80, 0x80, 0x80, 0x80, 0x00], ref position));
        position = 0;
        Assert.Throws<CorruptRecordException>(() => Varint.ReadVarlong([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00], ref position));
    }

    [Test]
    public void TruncatedEncodings_AreCorrupt()
    {
        int position = 0;
        Assert.Throws<CorruptRecordException>(() => Varint.ReadVarint([0x80, 0x80], ref position));
        position = 0;
        Assert.Throws<CorruptRecordException>(() => Varint.ReadVarlong([], ref position));
    }
}
