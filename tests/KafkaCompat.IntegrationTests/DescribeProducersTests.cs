using Confluent.Kafka;
using KafkaCompat.IntegrationTests.Fixtures;
using KafkaCompat.Protocol.Messages;
using static KafkaCompat.IntegrationTests.Fixtures.KafkaClients;

namespace KafkaCompat.IntegrationTests;

/// <summary>
/// DescribeProducers (KIP-664) after a real idempotent producer (librdkafka 2.15.1) wrote to a
/// partition. Confluent.Kafka's admin client has no DescribeProducers (nor has librdkafka), so the
/// request goes over the wire as kafka-transactions.sh's admin client sends it.
/// </summary>
[TestFixture]
public sealed class DescribeProducersTests : InProcessBrokerTests
{
    [Test]
    public async Task AnIdempotentProducersStateIsDescribed_ForThePartitionItWroteTo()
    {
        const string topic = "described-producers";
        const int count = 25;
        await CreateTopicAsync(Bootstrap, topic, 2);
        long lastTimestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 60_000;
        using (var producer = Producer(Bootstrap, c => c.EnableIdempotence = true))
        {
            for (var i = 0; i < count; i++)
            {
                // Timestamps given by the test, one apart, so the last one is known.
                var message = new Message<byte[]?, byte[]?> { Value = Bytes($"record-{i}"), Timestamp = new Timestamp(lastTimestamp - count + 1 + i, TimestampType.CreateTime) };
                await producer.ProduceAsync(new TopicPartition(topic, 0), message);
            }
        }
        using var client = await KafkaWireClient.ConnectAsync(Broker.BoundPort);
        var request = new DescribeProducersRequestData
        {
            Topics = [new() { Name = topic, PartitionIndexes = [0, 1] }, new() { Name = "no-such-topic", PartitionIndexes = [0] }],
        };

        var response = await client.SendAsync<DescribeProducersResponseData>(request, 0);

        var partitions = response.Topics[0].Partitions;
        Assert.That(partitions.Select(p => (p.PartitionIndex, p.ErrorCode)), Is.EqualTo(new[] { (0, (short)0), (1, (short)0) }));
        var state = partitions[0].ActiveProducers.Single();
        Assert.That(state.ProducerId, Is.GreaterThanOrEqualTo(0), "InitProducerId gave the producer an id");
        // One producer session from epoch 0: its sequences on the partition ran 0..count-1, each awaited before the next.
        Assert.That((state.ProducerEpoch, state.LastSequence, state.LastTimestamp, state.CoordinatorEpoch, state.CurrentTxnStartOffset),
            Is.EqualTo((0, count - 1, lastTimestamp, -1, -1L)));
        Assert.That(partitions[1].ActiveProducers, Is.Empty, "nothing was written to partition 1");
        Assert.That((KafkaCompat.Protocol.ErrorCode)response.Topics[1].Partitions.Single().ErrorCode, Is.EqualTo(KafkaCompat.Protocol.ErrorCode.UnknownTopicOrPartition));
    }
}
