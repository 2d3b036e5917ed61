using Confluent.Kafka;
using KafkaCompat.IntegrationTests.Fixtures;
using static KafkaCompat.IntegrationTests.Fixtures.KafkaClients;

namespace KafkaCompat.IntegrationTests.Groups;

/// <summary>
/// <c>group.consumer.max.size</c> with Confluent.Kafka 2.15.1 / librdkafka 2.15.1 on the consumer
/// protocol: a consumer joining a full group is answered GROUP_MAX_SIZE_REACHED, which librdkafka
/// raises to the application, while the member already in the group keeps every partition.
/// </summary>
[TestFixture]
public sealed class Kip848GroupMaxSizeTests
{
    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(30);

    private InProcessBroker _broker = null!;

    [OneTimeSetUp]
    public async Task StartBroker() => _broker = await InProcessBroker.StartAsync([.. Kip848ConsumerGroupTests.BrokerOverrides, "group.consumer.max.size=1"]);

    [OneTimeTearDown]
    public async Task StopBroker() => await _broker.DisposeAsync();

    [TearDown]
    public void ShowBrokerLogOnFailure() => _broker.Log.ShowTailIfTestFailed(120);

    [Test]
    public async Task ASecondConsumerOfAGroupLimitedToOneIsToldTheGroupIsFull()
    {
        const string topic = "kip848-max-size";
        const string group = "kip848-max-size-group";
        var bootstrap = _broker.BootstrapServers;
        await CreateTopicAsync(bootstrap, topic, 2);

        using var first = new GroupConsumer(bootstrap, group, "kip848-max-first", configure: Kip848ConsumerGroupTests.ConsumerProtocol);
        GroupConsumer.SubscribeAndShare([first], topic, [0, 1], 2, Bounded);

        using var second = new GroupConsumer(bootstrap, group, "kip848-max-second", configure: Kip848ConsumerGroupTests.ConsumerProtocol);
        second.Subscribe(topic);
        var refusals = new List<ErrorCode>();
        GroupConsumer.PollUntil([first], () =>
        {
            try
            {
                second.Consumer.Consume(TimeSpan.FromMilliseconds(50));
            }
            catch (ConsumeException e)
            {
                refusals.Add(e.Error.Code);
            }
            return refusals.Contains(ErrorCode.GroupMaxSizeReached) || second.Errors.Any(e => e.Contains("GroupMaxSizeReached") || e.Contains("maximum capacity"));
        }, Bounded, "the second consumer told the group is full");

        Assert.That(second.Partitions, Is.Empty, "the second consumer got nothing");
        GroupConsumer.PollFor([first], TimeSpan.FromSeconds(1));
        Assert.That(first.Partitions, Is.EqualTo(new[] { 0, 1 }), "the first member keeps both partitions");
        Assert.That(first.Errors, Is.Empty);
        TestContext.Out.WriteLine($"second consumer: errors [{string.Join("; ", second.Errors)}], consume exceptions [{string.Join(", ", refusals)}]");
        first.Close();
        second.Dispose();
    }
}
