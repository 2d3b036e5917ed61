using System.Diagnostics;
using KafkaCompat.IntegrationTests.Fixtures;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using static KafkaCompat.IntegrationTests.Fixtures.KafkaClients;

namespace KafkaCompat.IntegrationTests.Share;

/// <summary>
/// librdkafka 2.15.1's share consumer (KIP-932) against the broker's group coordinator: members join
/// a share group with ShareGroupHeartbeat v1 and share the partitions the simple assignor gives them,
/// as ShareGroupDescribe over the wire shows. Consuming records needs ShareFetch, which is another
/// part of KIP-932; this checks the membership.
/// </summary>
[TestFixture]
public sealed class ShareConsumerGroupTests
{
    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(30);

    private InProcessBroker _broker = null!;

    [OneTimeSetUp]
    public async Task StartBroker() => _broker = await InProcessBroker.StartAsync(
        "offsets.topic.replication.factor=1", "offsets.topic.num.partitions=3", "group.share.heartbeat.interval.ms=500", "group.share.session.timeout.ms=6000");

    [OneTimeTearDown]
    public async Task StopBroker() => await _broker.DisposeAsync();

    [TearDown]
    public void ShowBrokerLogOnFailure() => _broker.Log.ShowTailIfTestFailed(120);

    private async Task<ShareGroupDescribeResponseData.DescribedGroup> DescribeAsync(string group)
    {
        using var wire = await KafkaWireClient.ConnectAsync(_broker.BoundPort);
        var response = await wire.SendAsync<ShareGroupDescribeResponseData>(new ShareGroupDescribeRequestData { GroupIds = [group] }, 1);
        return response.Groups.Single();
    }

    [Test]
    public async Task ThreeShareConsumersOnOnePartitionAllGetItAndLeaveOnClose()
    {
        const string topic = "share-one-partition";
        const string group = "share-three-members";
        await CreateTopicAsync(_broker.BootstrapServers, topic, 1);
        var settings = new Dictionary<string, string> { ["share.acknowledgement.mode"] = "explicit", ["client.id"] = "share-it" };
        var consumers = Enumerable.Range(0, 3).Select(_ => new LibrdkafkaShareConsumer(_broker.BootstrapServers, group, settings)).ToList();
        try
        {
            foreach (var consumer in consumers)
            {
                consumer.Subscribe(topic);
            }

            // librdkafka heartbeats from its own thread; polling keeps each member alive. Poll errors
            // (ShareFetch is not served yet) do not matter to membership.
            var clock = Stopwatch.StartNew();
            ShareGroupDescribeResponseData.DescribedGroup described;
            while (true)
            {
                foreach (var consumer in consumers)
                {
                    try
                    {
                        consumer.Poll(100);
                    }
                    catch (InvalidOperationException)
                    {
                    }
                }
                described = await DescribeAsync(group);
                if (described.Members.Count == 3 && described.Members.All(m => m.Assignment.TopicPartitions.Count == 1))
                {
                    break;
                }
                Assert.That(clock.Elapsed, Is.LessThan(Bounded), $"three members with the partition, last seen: {(ErrorCode)described.ErrorCode} {described.GroupState} {described.Members.Count} members");
            }

            TestContext.Progress.WriteLine($"three share members held the partition {clock.ElapsedMilliseconds} ms after subscribing");
            Assert.That((described.GroupState, described.AssignorName), Is.EqualTo(("Stable", "simple")));
            Assert.That(described.Members.Select(m => (m.ClientId, m.SubscribedTopicNames.Single(), m.Assignment.TopicPartitions.Single().TopicName, m.Assignment.TopicPartitions.Single().Partitions.Single())),
                Has.All.EqualTo(("share-it", topic, topic, 0)));
            Assert.That(described.Members.Select(m => m.MemberEpoch), Has.All.EqualTo(described.AssignmentEpoch));
            // The group coordinator initialized the partition's state on the share coordinator before
            // assigning it: a read answers (an uninitialized one gets INVALID_REQUEST).
            using (var wire = await KafkaWireClient.ConnectAsync(_broker.BoundPort))
            {
                var topicId = (await wire.SendAsync<MetadataResponseData>(new MetadataRequestData { Topics = [new() { Name = topic }] }, 12)).Topics.Single().TopicId;
                var state = (await wire.SendAsync<ReadShareGroupStateResponseData>(new ReadShareGroupStateRequestData
                {
                    GroupId = group,
                    Topics = [new() { TopicId = topicId, Partitions = [new() { Partition = 0, LeaderEpoch = -1 }] }],
                }, 0)).Results.Single().Partitions.Single();
                Assert.That((ErrorCode)state.ErrorCode, Is.EqualTo(ErrorCode.None), state.ErrorMessage);
            }

            foreach (var consumer in consumers)
            {
                consumer.Close();
            }
            var empty = await DescribeAsync(group);
            Assert.That((empty.GroupState, empty.Members.Count), Is.EqualTo(("Empty", 0)), "each close leaves the group (epoch -1)");
        }
        finally
        {
            foreach (var consumer in consumers)
            {
                consumer.Dispose();
            }
        }
    }
}
