using System.Buffers.Binary;
using KafkaCompat.Broker.Transactions;
using KafkaCompat.Storage;

namespace KafkaCompat.Broker.Tests.Transactions;

/// <summary>The <c>__transaction_state</c> formats, byte for byte as Kafka's TransactionLog writes them (so Kafka's tools can read the topic).</summary>
public class TransactionLogSerdeTests
{
    private static readonly TransactionMetadata Ongoing = new()
    {
        TransactionalId = "tx",
        ProducerId = 4000,
        ProducerEpoch = 3,
        TimeoutMs = 60_000,
        State = TransactionState.Ongoing,
        Partitions = [new TopicPartition("t", 1), new TopicPartition("t", 0)],
        StartTimestampMs = 1_700_000_000_000,
        LastUpdateTimestampMs = 1_700_000_000_500,
    };

    [Test]
    public void TheKeyIsVersionZeroThenTheTransactionalIdAsAnInt16LengthString()
    {
        Assert.That(TransactionLogSerde.Key("tx"), Is.EqualTo(new byte[] { 0, 0, 0, 2, (byte)'t', (byte)'x' }));
    }

    [Test]
    public void TheValueAtVersionZeroHoldsTheFieldsInKafkasOrderWithPartitionsGroupedByTopic()
    {
        var expected = new List<byte>();
        void Put(int size, long value)
        {
            var bytes = new byte[size];
            switch (size)
            {
                case 1: bytes[0] = (byte)value; break;
                case 2: BinaryPrimitives.WriteInt16BigEndian(bytes, (short)value); break;
                case 4: BinaryPrimitives.WriteInt32BigEndian(bytes, (int)value); break;
                default: BinaryPrimitives.WriteInt64BigEndian(bytes, value); break;
            }
            expected.AddRange(bytes);
        }
        Put(2, 0);              // value version
        Put(8, 4000);           // producer id
        Put(2, 3);              // producer epoch
        Put(4, 60_000);         // transaction timeout
        Put(1, 1);              // status: Ongoing
        Put(4, 1);              // one topic
        Put(2, 1); Put(1, 't'); // its name
        Put(4, 2); Put(4, 0); Put(4, 1); // its partitions
        Put(8, 1_700_000_000_500); // last update
        Put(8, 1_700_000_000_000); // start

        Assert.That(TransactionLogSerde.Value(Ongoing, transactionVersionLevel: 0), Is.EqualTo(expected.ToArray()));
    }

    [Test]
    public void AnEmptyTransactionIsWrittenWithANullPartitionList()
    {
        var empty = Ongoing with { State = TransactionState.Empty, Partitions = [], StartTimestampMs = -1 };
        var value = TransactionLogSerde.Value(empty, transactionVersionLevel: 0);
        Assert.That(BinaryPrimitives.ReadInt32BigEndian(value.AsSpan(2 + 8 + 2 + 4 + 1)), Is.EqualTo(-1));
    }

    [Test]
    public void ValuesReadBackAtBothVersionsWithTheTaggedFieldsOnlyAtVersionOne()
    {
        var rotated = Ongoing with { PreviousProducerId = 3999, NextProducerId = 4001, ClientTransactionVersion = 2 };
        var v0 = TransactionLogSerde.ReadValue("tx", TransactionLogSerde.Value(rotated, 0));
        var v1 = TransactionLogSerde.ReadValue("tx", TransactionLogSerde.Value(rotated, 1));

        Assert.That(v1, Is.EqualTo(rotated with { Partitions = v1.Partitions }));
        Assert.That(v1.Partitions, Is.EquivalentTo(rotated.Partitions));
        Assert.That((v0.PreviousProducerId, v0.NextProducerId, v0.ClientTransactionVersion), Is.EqualTo((-1L, -1L, (short)0)));
        Assert.That((v0.ProducerId, v0.ProducerEpoch, v0.State, v0.StartTimestampMs), Is.EqualTo((4000L, (short)3, TransactionState.Ongoing, 1_700_000_000_000L)));
    }

    [Test]
    public void AnUnknownStatusIsMalformed()
    {
        var value = TransactionLogSerde.Value(Ongoing, 0);
        value[2 + 8 + 2 + 4] = 9;
        Assert.Throws<KafkaCompat.Protocol.MalformedMessageException>(() => TransactionLogSerde.ReadValue("tx", value));
    }

    [Test]
    public void TransitionsKafkaForbidsThrow()
    {
        var empty = Ongoing with { State = TransactionState.Empty, Partitions = [] };
        Assert.Throws<InvalidOperationException>(() => empty.PrepareEnd(commit: true, 0, -1, 0));
        Assert.Throws<InvalidOperationException>(() => Ongoing.Complete(0));
        Assert.Throws<InvalidOperationException>(() => Ongoing.Expire());
        Assert.That(empty.PrepareEnd(commit: false, clientTransactionVersion: 2, -1, 0).State, Is.EqualTo(TransactionState.PrepareAbort), "version 2 may abort with nothing open");
    }
}
