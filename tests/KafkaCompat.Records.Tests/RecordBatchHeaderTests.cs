namespace KafkaCompat.Records.Tests;

public class RecordBatchHeaderTests
{
    [Test]
    public void AWellFormedHeader_IsPlausibleOnlyWhenTheWholeBatchIsAtHand()
    {
        byte[] bytes = new RawBatch().Bytes(new byte[30]).ToArray();

        var header = new RecordBatchHeader(bytes);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(header.IsWellFormed, Is.True);
            Assert.That(header.IsPlausible(bytes.Length), Is.True);
            // The batch ends past the bytes at hand: a torn tail, not a batch.
            Assert.That(header.IsPlausible(bytes.Length - 1), Is.False);
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

        // A ref struct cannot be captured by Assert.Multiple's lambda.
        using (Assert.EnterMultipleScope())
        {
            Assert.That(header.IsWellFormed, Is.False);
            Assert.That(header.IsPlausible(bytes.Length), Is.False);
        }
    }
}
