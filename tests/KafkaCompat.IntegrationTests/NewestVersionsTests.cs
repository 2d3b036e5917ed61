using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using KafkaCompat.IntegrationTests.Fixtures;
using static KafkaCompat.IntegrationTests.Fixtures.KafkaClients;

namespace KafkaCompat.IntegrationTests;

/// <summary>
/// With Kafka 4.x's newest versions advertised (Produce 13, Fetch 18, Metadata 13, ...), librdkafka
/// 2.15.1 negotiates the highest it knows of each and a produce, group consume and admin round trip
/// works. Which version it sent of each API is read from its own protocol debug log ("Sent
/// ProduceRequest (v10, ...)").
/// </summary>
[TestFixture]
public sealed partial class NewestVersionsTests : InProcessBrokerTests
{
    [Test]
    public async Task ProduceConsumeAndAdminRoundTripWhileTheNewestVersionsAreAdvertised()
    {
        const string topic = "newest-versions";
        const string group = "newest-versions-group";
        var sent = new ConcurrentDictionary<string, short>();
        void Record(LogMessage log)
        {
            foreach (Match m in SentRequest().Matches(log.Message))
            {
                var version = short.Parse(m.Groups["version"].Value, System.Globalization.CultureInfo.InvariantCulture);
                sent.AddOrUpdate(m.Groups["api"].Value, version, (_, seen) => Math.Max(seen, version));
            }
        }

        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = Bootstrap, Debug = "protocol" }).SetLogHandler((_, m) => Record(m)).Build())
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 2, ReplicationFactor = 1 }]);
        }
        var values = Enumerable.Range(0, 20).Select(i => $"value-{i}").ToList();
        var producerConfig = new ProducerConfig { BootstrapServers = Bootstrap, Acks = Acks.All, EnableIdempotence = true, Debug = "protocol", MessageTimeoutMs = 30_000 };
        using (var producer = new ProducerBuilder<string, string>(producerConfig).SetLogHandler((_, m) => Record(m)).Build())
        {
            foreach (var (value, i) in values.Select((v, i) => (v, i)))
            {
                var report = await producer.ProduceAsync(topic, new Message<string, string> { Key = $"k{i}", Value = value });
                Assert.That(report.Status, Is.EqualTo(PersistenceStatus.Persisted));
            }
        }

        var consumerConfig = new ConsumerConfig
        {
            BootstrapServers = Bootstrap,
            GroupId = group,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            Debug = "protocol",
        };
        var received = new List<string>();
        using (var consumer = new ConsumerBuilder<string, string>(consumerConfig).SetLogHandler((_, m) => Record(m)).Build())
        {
            consumer.Subscribe(topic);
            var deadline = DateTime.UtcNow + DefaultTimeout;
            while (received.Count < values.Count && DateTime.UtcNow < deadline)
            {
                if (consumer.Consume(TimeSpan.FromSeconds(1)) is { Message: { } message })
                {
                    received.Add(message.Value);
                }
            }
            consumer.Commit();
            consumer.Close();
        }
        Assert.That(received, Is.EquivalentTo(values));

        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = Bootstrap, Debug = "protocol" }).SetLogHandler((_, m) => Record(m)).Build())
        {
            var cluster = await admin.DescribeClusterAsync();
            Assert.That(cluster.Nodes, Has.Count.EqualTo(1));
            var described = await admin.DescribeConsumerGroupsAsync([group]);
            Assert.That(described.ConsumerGroupDescriptions.Single().GroupId, Is.EqualTo(group));
            var committed = await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(group, [new TopicPartition(topic, 0), new TopicPartition(topic, 1)])]);
            Assert.That(committed.Single().Partitions.Sum(p => p.Offset.Value), Is.EqualTo(values.Count), "the group committed every record it read");
            var latest = await admin.ListOffsetsAsync([new TopicPartitionOffsetSpec { TopicPartition = new TopicPartition(topic, 0), OffsetSpec = OffsetSpec.Latest() },
                new TopicPartitionOffsetSpec { TopicPartition = new TopicPartition(topic, 1), OffsetSpec = OffsetSpec.Latest() }]);
            Assert.That(latest.ResultInfos.Sum(r => r.TopicPartitionOffsetError.Offset.Value), Is.EqualTo(values.Count));
        }

        TestContext.Out.WriteLine("librdkafka sent: " + string.Join(", ", sent.OrderBy(s => s.Key).Select(s => $"{s.Key} v{s.Value}")));
        Assert.That(sent.Keys, Is.SupersetOf(new[] { "ApiVersion", "Metadata", "Produce", "Fetch", "OffsetCommit", "OffsetFetch", "ListOffsets" }));
        // librdkafka 2.15.1 knows Metadata 13 (KIP-1102) and sends it only to a broker that advertises it;
        // of the other new versions it knows none (it stops at Produce 10, Fetch 16, ListOffsets 7,
        // OffsetCommit/OffsetFetch 9, DescribeGroups 5), so those are the highest it may send.
        Assert.That(sent["Metadata"], Is.EqualTo(13));
        Assert.That(sent["Produce"], Is.EqualTo(10));
        Assert.That(sent["Fetch"], Is.EqualTo(16));
    }

    /// <summary>kafka-python 2.0.2 picks each version from the broker release it infers, not the newest advertised.</summary>
    [Test]
    public async Task KafkaPythonProducesAndConsumesInAGroupWhileTheNewestVersionsAreAdvertised()
    {
        const string python = "/usr/bin/python3";
        Assert.That(File.Exists(python), Is.True, "Debian's python3, where test.sh installs kafka-python");
        const int count = 50;
        var script = Path.Combine(RepoPaths.Scripts, "kafka_python_versions.py");

        var run = await ExternalCommand.RunAsync(python, [script, Bootstrap, "newest-versions-kafka-python", count.ToString(System.Globalization.CultureInfo.InvariantCulture)], timeout: TimeSpan.FromSeconds(90));

        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        var result = System.Text.Json.JsonSerializer.Deserialize<System.Text.Json.JsonElement>(run.StandardOutput);
        Assert.That(result.GetProperty("received").GetInt32(), Is.EqualTo(count), run.StandardError);
        var versions = result.GetProperty("versions").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        TestContext.Out.WriteLine("kafka-python sent: " + string.Join(", ", versions.OrderBy(v => v.Key).Select(v => $"{v.Key} v{v.Value}")));
        Assert.That(versions.Keys, Is.SupersetOf(new[] { "ApiVersionRequest", "MetadataRequest", "ProduceRequest", "FetchRequest", "OffsetCommitRequest" }));
    }

    [GeneratedRegex(@"Sent (?<api>\w+)Request \(v(?<version>\d+)")]
    private static partial Regex SentRequest();
}
