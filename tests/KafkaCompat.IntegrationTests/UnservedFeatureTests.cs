using System.Diagnostics;
using Confluent.Kafka;
using KafkaCompat.IntegrationTests.Fixtures;

namespace KafkaCompat.IntegrationTests;

/// <summary>
/// Features the broker does not serve yet, used by Confluent.Kafka 2.15.1 (librdkafka 2.15.1): the
/// client must get a final error it can show, not a retriable timeout or silence. The assertions
/// are on the error (code, fatal, reason), never on how long it took.
/// </summary>
[TestFixture]
public sealed class UnservedFeatureTests : InProcessBrokerTests
{
    [Test]
    public void AConsumerOfTheKip848ProtocolGetsAFatalUnsupportedVersionFromConsume()
    {
        var errors = new List<Error>();
        var config = new ConsumerConfig
        {
            BootstrapServers = Bootstrap,
            GroupId = "unserved-kip848",
            SocketTimeoutMs = 10_000,
        };
        config.Set("group.protocol", "consumer");
        Librdkafka.EnsureMapped();
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config)
            .SetErrorHandler((_, error) => errors.Add(error))
            .Build();
        consumer.Subscribe("unserved-kip848");

        // Before the fix nothing was thrown: Consume returned null until this bound passed.
        ConsumeException? thrown = null;
        var bound = Stopwatch.StartNew();
        while (thrown is null && bound.Elapsed < KafkaClients.DefaultTimeout)
        {
            try
            {
                consumer.Consume(TimeSpan.FromMilliseconds(200));
            }
            catch (ConsumeException e)
            {
                thrown = e;
            }
        }
        Assert.That(thrown, Is.Not.Null, $"Consume never threw; errors seen: {string.Join("; ", errors)}");
        Assert.That(thrown!.Error.IsFatal, Is.True, thrown.Error.ToString());
        Assert.That(thrown.Error.Code, Is.EqualTo(ErrorCode.UnsupportedVersion), thrown.Error.ToString());
        Assert.That(thrown.Error.Reason, Does.Contain("ConsumerGroupHeartbeat"));
    }
}
