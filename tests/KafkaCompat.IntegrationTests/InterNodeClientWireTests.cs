using KafkaCompat.Broker.InterNode;
using KafkaCompat.IntegrationTests.Fixtures;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using Microsoft.Extensions.Logging.Abstractions;

namespace KafkaCompat.IntegrationTests;

/// <summary>
/// The inter-node client against a whole broker, as a replica fetcher (issue 13) will use it: it
/// negotiates with the broker's real ApiVersions, sends the newest version of each API both serve,
/// and follows the node to its new address after a restart.
/// </summary>
[TestFixture]
public sealed class InterNodeClientWireTests : InProcessBrokerTests
{
    private const int NodeId = 1;

    private static MetadataRequestData Describe() => new() { Topics = [new MetadataRequestData.MetadataRequestTopic { Name = "internode-wire" }] };

    [Test]
    public async Task RequestsGoAtTheNewestVersionBothServeAndFollowTheNodeAcrossARestart()
    {
        await using var client = new InterNodeClient(new InterNodeClientOptions { ClientId = "replica-fetcher-2" }, TimeProvider.System, NullLogger.Instance);
        client.UpdateNode(NodeId, new NodeAddress("127.0.0.1", Broker.BoundPort));

        var created = await client.SendAsync(NodeId, new CreateTopicsRequestData
        {
            TimeoutMs = 30_000,
            Topics = { new CreateTopicsRequestData.CreatableTopic { Name = "internode-wire", NumPartitions = 2, ReplicationFactor = 1 } },
        });
        var metadata = await client.SendAsync(NodeId, Describe());

        // The README's served-versions table: CreateTopics 0-7, Metadata 0-13, both Kafka 4.x's newest.
        Assert.Multiple(() =>
        {
            Assert.That((created.Error, created.Version), Is.EqualTo((ErrorCode.None, (short)7)));
            Assert.That(((CreateTopicsResponseData)created.Data!).Topics.Single().ErrorCode, Is.Zero);
            Assert.That((metadata.Error, metadata.Version), Is.EqualTo((ErrorCode.None, (short)13)));
            Assert.That(((MetadataResponseData)metadata.Data!).Topics.Single().Partitions, Has.Count.EqualTo(2));
        });

        // Restarted on another port (listeners=...:0): the old connection is gone, the new address is learned.
        await Broker.RestartAsync();
        client.UpdateNode(NodeId, new NodeAddress("127.0.0.1", Broker.BoundPort));
        // Should the OS hand out the old port again, the address is unchanged and the first try may
        // meet the dead connection or its reconnect backoff: a caller retries then, as Kafka's do.
        var afterRestart = await client.SendAsync(NodeId, Describe());
        for (var retry = 0; retry < 20 && afterRestart.Error == ErrorCode.NetworkException; retry++)
        {
            await Task.Delay(100);
            afterRestart = await client.SendAsync(NodeId, Describe());
        }

        Assert.That(afterRestart.Error, Is.EqualTo(ErrorCode.None));
        Assert.That(((MetadataResponseData)afterRestart.Data!).Topics.Single().Partitions, Has.Count.EqualTo(2), "the topic survived the restart");
    }
}
