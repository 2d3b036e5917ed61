using KafkaCompat.IntegrationTests.Fixtures;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using static KafkaCompat.IntegrationTests.Fixtures.KafkaClients;

namespace KafkaCompat.IntegrationTests;

/// <summary>
/// The share coordinator (KIP-932) of the real server over TCP: the share-group state APIs are
/// advertised at the versions served, FindCoordinator finds this node for a share-partition, and the
/// state written before a clean restart is what is read after it.
/// </summary>
[TestFixture]
public sealed class ShareCoordinatorWireTests : InProcessBrokerTests
{
    private const string Group = "share-wire";
    private const string Topic = "share-wire-topic";

    private protected override string[] Overrides => ["share.coordinator.state.topic.num.partitions=4", "share.coordinator.snapshot.update.records.per.snapshot=2"];

    [Test]
    public async Task ShareStateWrittenBeforeARestartIsReadAfterIt()
    {
        await CreateTopicAsync(Bootstrap, Topic, 2);
        Uuid topicId;
        using (var client = await KafkaWireClient.ConnectAsync(Broker.BoundPort))
        {
            var versions = await client.SendAsync<ApiVersionsResponseData>(new ApiVersionsRequestData { ClientSoftwareName = "share-wire", ClientSoftwareVersion = "1" }, 4);
            Assert.That(versions.ApiKeys.Where(k => k.ApiKey is >= 83 and <= 87).Select(k => ((int)k.ApiKey, (int)k.MinVersion, (int)k.MaxVersion)),
                Is.EquivalentTo(new[] { (83, 0, 0), (84, 0, 0), (85, 0, 1), (86, 0, 0), (87, 0, 1) }));
            var metadata = await client.SendAsync<MetadataResponseData>(new MetadataRequestData { Topics = [new() { Name = Topic }] }, 12);
            topicId = metadata.Topics.Single().TopicId;

            var coordinator = await client.SendAsync<FindCoordinatorResponseData>(new FindCoordinatorRequestData { KeyType = 2, CoordinatorKeys = [$"{Group}:{topicId}:1"] }, 6);
            Assert.That(coordinator.Coordinators.Single().ErrorCode, Is.Zero);
            Assert.That(coordinator.Coordinators.Single().Port, Is.EqualTo(Broker.BoundPort));

            var initialized = await client.SendAsync<InitializeShareGroupStateResponseData>(new InitializeShareGroupStateRequestData
            {
                GroupId = Group,
                Topics = [new() { TopicId = topicId, Partitions = [new() { Partition = 1, StateEpoch = 1, StartOffset = 0 }] }],
            }, 0);
            Assert.That(initialized.Results.Single().Partitions.Single().ErrorCode, Is.Zero);
            // Five writes with a snapshot every two updates: the log holds snapshots and updates to replay.
            for (var i = 0; i < 5; i++)
            {
                var written = await client.SendAsync<WriteShareGroupStateResponseData>(new WriteShareGroupStateRequestData
                {
                    GroupId = Group,
                    Topics = [new()
                    {
                        TopicId = topicId,
                        Partitions = [new()
                        {
                            Partition = 1, StateEpoch = 1, LeaderEpoch = 0, StartOffset = i == 4 ? 10 : -1, DeliveryCompleteCount = i,
                            StateBatches = [new() { FirstOffset = i * 5, LastOffset = (i * 5) + 9, DeliveryState = (sbyte)(i % 2 == 0 ? 2 : 0), DeliveryCount = (short)(i + 1) }],
                        }],
                    }],
                }, 1);
                Assert.That(written.Results.Single().Partitions.Single().ErrorCode, Is.Zero);
            }
        }

        await Broker.RestartAsync();

        using var after = await KafkaWireClient.ConnectAsync(Broker.BoundPort);
        var read = await RetryWhileLoadingAsync(async () => (await after.SendAsync<ReadShareGroupStateResponseData>(new ReadShareGroupStateRequestData
        {
            GroupId = Group,
            Topics = [new() { TopicId = topicId, Partitions = [new() { Partition = 1, LeaderEpoch = 0 }] }],
        }, 0)).Results.Single().Partitions.Single(), r => r.ErrorCode);
        var summary = (await after.SendAsync<ReadShareGroupStateSummaryResponseData>(new ReadShareGroupStateSummaryRequestData
        {
            GroupId = Group,
            Topics = [new() { TopicId = topicId, Partitions = [new() { Partition = 1, LeaderEpoch = 0 }] }],
        }, 1)).Results.Single().Partitions.Single();

        Assert.That((read.ErrorCode, read.StateEpoch, read.StartOffset), Is.EqualTo(((short)0, 1, 10L)));
        // Write i set offsets 5i..5i+9 to acknowledged (even i) or available (odd i) with count i+1; the last moved the start to 10.
        Assert.That(read.StateBatches.Select(b => (b.FirstOffset, b.LastOffset, b.DeliveryState, b.DeliveryCount)), Is.EqualTo(new[]
        {
            (10L, 14L, (sbyte)2, (short)3),
            (15L, 19L, (sbyte)0, (short)4),
            (20L, 29L, (sbyte)2, (short)5),
        }));
        Assert.That((summary.ErrorCode, summary.StateEpoch, summary.LeaderEpoch, summary.StartOffset, summary.DeliveryCompleteCount), Is.EqualTo(((short)0, 1, 0, 10L, 4)));
    }

    /// <summary>Right after a restart the shards load in the background and answer COORDINATOR_LOAD_IN_PROGRESS meanwhile, as Kafka's do.</summary>
    private static async Task<T> RetryWhileLoadingAsync<T>(Func<Task<T>> send, Func<T, short> errorOf)
    {
        for (var attempt = 0; ; attempt++)
        {
            var result = await send();
            if ((ErrorCode)errorOf(result) != ErrorCode.CoordinatorLoadInProgress || attempt == 50)
            {
                return result;
            }
            await Task.Delay(100);
        }
    }
}
