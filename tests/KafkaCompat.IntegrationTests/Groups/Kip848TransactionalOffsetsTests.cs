using Confluent.Kafka;
using static KafkaCompat.IntegrationTests.Fixtures.KafkaClients;

namespace KafkaCompat.IntegrationTests.Groups;

public sealed partial class Kip848ConsumerGroupTests
{
    /// <summary>
    /// Consume-transform-produce with a KIP-848 member: librdkafka's SendOffsetsToTransaction with the
    /// consumer's group metadata sends TxnOffsetCommit v3+ naming the member and its member epoch,
    /// which the coordinator checks against the consumer group (Kafka's validateOffsetCommit), and the
    /// offsets become the group's committed ones with the transaction.
    /// </summary>
    [Test]
    public async Task AConsumeTransformProduceLoopCommitsItsOffsetsInTheTransactionUnderTheMembersEpoch()
    {
        const string input = "kip848-eos-in";
        const string output = "kip848-eos-out";
        const string group = "kip848-eos";
        const int count = 10;
        var timeout = TimeSpan.FromSeconds(30);
        await CreateTopicAsync(Bootstrap, input, 1);
        await CreateTopicAsync(Bootstrap, output, 1);
        await ConsumerGroupTests.ProduceAsync(Bootstrap, input, 1, "eos", count);

        using var consumer = new GroupConsumer(Bootstrap, group, "kip848-eos-consumer", commitEach: false, configure: ConsumerProtocol);
        consumer.Subscribe(input);
        GroupConsumer.PollUntil([consumer], () => consumer.Delivered.Count == count, Bounded, "the input consumed");

        using var producer = Producer(Bootstrap, c => c.TransactionalId = "kip848-eos-tx");
        producer.InitTransactions(timeout);
        producer.BeginTransaction();
        foreach (var record in consumer.Delivered)
        {
            await producer.ProduceAsync(output, new Message<byte[]?, byte[]?> { Value = Bytes(Text(record.Message.Value) + "-out") });
        }
        producer.SendOffsetsToTransaction([new TopicPartitionOffset(input, 0, count)], consumer.Consumer.ConsumerGroupMetadata, timeout);
        producer.CommitTransaction(timeout);

        var committed = consumer.Consumer.Committed([new TopicPartition(input, 0)], timeout).Single();
        Assert.That(committed.Offset.Value, Is.EqualTo(count), "the transaction's offset is the group's");
        var transformed = ReadFromBeginning(Bootstrap, [new TopicPartition(output, 0)], count, configure: c => c.IsolationLevel = IsolationLevel.ReadCommitted);
        Assert.That(transformed.Select(r => Text(r.Message.Value)), Is.EqualTo(Enumerable.Range(0, count).Select(i => $"eos-{i}-out")));
        Assert.That(consumer.Errors, Is.Empty);
        consumer.Close();
    }
}
