using KafkaCompat.IntegrationTests.Fixtures;
using KafkaCompat.IntegrationTests.Share;

namespace KafkaCompat.IntegrationTests;

/// <summary>Once per run: map librdkafka before any Confluent.Kafka or share-consumer call and say which one it is.</summary>
[SetUpFixture]
public sealed class IntegrationSetup
{
    [OneTimeSetUp]
    public void MapLibrdkafka()
    {
        var version = Librdkafka.EnsureMapped();
        TestContext.Progress.WriteLine($"Confluent.Kafka on librdkafka {version} from {RepoPaths.Librdkafka}");
        Assert.That(version, Does.StartWith("2.15.1"), "the librdkafka test.sh installs");
        // The share consumer's C API binding loads the same file.
        LibrdkafkaShareConsumer.LibraryPath = RepoPaths.Librdkafka;
    }
}
