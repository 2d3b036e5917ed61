using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Broker.Tests.Replication;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Tests.Handlers;

/// <summary>
/// DescribeShareGroupOffsets (KIP-932) through its handler and the wire format, with the group
/// coordinator reading start offsets from the real share coordinator (the harness's <c>Shares</c>),
/// as the server composes them.
/// </summary>
public class DescribeShareGroupOffsetsHandlerTests
{
    internal const string Group = "q";

    /// <summary>A harness whose group coordinator's persister is its own share coordinator, and a share group of one member on "other" whose partition is initialized.</summary>
    internal static async Task<GroupHarness> HarnessAsync()
    {
        var h = new GroupHarness();
        var joined = await h.SendAsync<ShareGroupHeartbeatResponseData>(1, new ShareGroupHeartbeatRequestData { GroupId = Group, MemberId = "m1", MemberEpoch = 0, SubscribedTopicNames = ["other"] });
        Assert.That((ErrorCode)joined.ErrorCode, Is.EqualTo(ErrorCode.None), joined.ErrorMessage);
        await h.SettleAsync();
        return h;
    }

    private static Task<DescribeShareGroupOffsetsResponseData> DescribeAsync(GroupHarness h, short version, List<DescribeShareGroupOffsetsRequestData.DescribeShareGroupOffsetsRequestTopic>? topics) =>
        h.SendAsync<DescribeShareGroupOffsetsResponseData>(version, new DescribeShareGroupOffsetsRequestData { Groups = [new() { GroupId = Group, Topics = topics }] });

    /// <summary>
    /// What the share-partition leader does: it reads the state at its leader epoch 0 (which records
    /// that epoch: a write does not, as in Kafka), then writes once records 0-3 are acknowledged and
    /// two more past them are: start offset 4, delivery-complete count 2.
    /// </summary>
    internal static async Task WriteStateAsync(GroupHarness h)
    {
        await h.Shares.ReadStateAsync(new ReadShareGroupStateRequestData
        {
            GroupId = Group,
            Topics = [new() { TopicId = h.Metadata.Image.Topic("other")!.Id, Partitions = [new() { Partition = 0, LeaderEpoch = 0 }] }],
        });
        var written = await h.Shares.WriteStateAsync(new WriteShareGroupStateRequestData
        {
            GroupId = Group,
            Topics = [new()
            {
                TopicId = h.Metadata.Image.Topic("other")!.Id,
                Partitions = [new()
                {
                    Partition = 0, StateEpoch = 1, LeaderEpoch = 0, StartOffset = 4, DeliveryCompleteCount = 2,
                    StateBatches = [new() { FirstOffset = 5, LastOffset = 6, DeliveryState = 2, DeliveryCount = 1 }],
                }],
            }],
        });
        Assert.That((ErrorCode)written.Results.Single().Partitions.Single().ErrorCode, Is.EqualTo(ErrorCode.None));
    }

    private static (string, Uuid, int, long, int, long, ErrorCode)[] Rows(DescribeShareGroupOffsetsResponseData response) =>
        [.. response.Groups.Single().Topics.SelectMany(t => t.Partitions.Select(p => (t.TopicName, t.TopicId, p.PartitionIndex, p.StartOffset, p.LeaderEpoch, p.Lag, (ErrorCode)p.ErrorCode)))];

    [Test]
    [HandlerVersionTest(ApiKey.DescribeShareGroupOffsets, 1)]
    public async Task StartOffsetAndLagComeFromTheShareCoordinatorAndTheHighWatermark()
    {
        await using var h = await HarnessAsync();
        var topicId = h.Metadata.Image.Topic("other")!.Id;
        h.Replicas.GetPartition("other", 0)!.AppendAsLeader(ReplicaHarness.Batch(h.Time.NowMs, [.. Enumerable.Range(0, 10).Select(i => $"r{i}")]));
        List<DescribeShareGroupOffsetsRequestData.DescribeShareGroupOffsetsRequestTopic> asked = [new() { TopicName = "other", Partitions = [0] }, new() { TopicName = "missing", Partitions = [0, 1] }];

        var initialized = await DescribeAsync(h, 1, asked);

        Assert.That((ErrorCode)initialized.Groups.Single().ErrorCode, Is.EqualTo(ErrorCode.None));
        Assert.That(Rows(initialized), Is.EqualTo(new[]
        {
            ("other", topicId, 0, -1L, -1, -1L, ErrorCode.None),
            ("missing", Uuid.Zero, 0, -1L, 0, -1L, ErrorCode.None),
            ("missing", Uuid.Zero, 1, -1L, 0, -1L, ErrorCode.None),
        }), "initialized but not yet started: no start offset, so no lag; an unknown topic is no error");

        await WriteStateAsync(h);
        var started = await DescribeAsync(h, 1, asked);
        var all = await DescribeAsync(h, 1, null);

        // 10 records, start offset 4, two past it delivered: 10 - 4 - 2 = 4 still to deliver.
        Assert.That(Rows(started)[0], Is.EqualTo(("other", topicId, 0, 4L, 0, 4L, ErrorCode.None)));
        Assert.That(Rows(all), Is.EqualTo(new[] { ("other", topicId, 0, 4L, 0, 4L, ErrorCode.None) }), "null topics: every initialized partition");
    }

    [Test]
    [HandlerVersionTest(ApiKey.DescribeShareGroupOffsets, 0)]
    public async Task VersionZeroHasNoLag()
    {
        await using var h = await HarnessAsync();
        h.Replicas.GetPartition("other", 0)!.AppendAsLeader(ReplicaHarness.Batch(h.Time.NowMs, [.. Enumerable.Range(0, 10).Select(i => $"r{i}")]));
        await WriteStateAsync(h);

        var described = await DescribeAsync(h, 0, [new() { TopicName = "other", Partitions = [0] }]);

        Assert.That(Rows(described).Single(), Is.EqualTo(("other", h.Metadata.Image.Topic("other")!.Id, 0, 4L, 0, -1L, ErrorCode.None)), "Lag is not on v0's wire");
    }

    [Test]
    public async Task AGroupWithoutShareStateDescribesAllTopicsAsNone()
    {
        await using var h = await HarnessAsync();

        var described = await h.SendAsync<DescribeShareGroupOffsetsResponseData>(1, new DescribeShareGroupOffsetsRequestData { Groups = [new() { GroupId = "never-joined", Topics = null }] });

        Assert.That((ErrorCode)described.Groups.Single().ErrorCode, Is.EqualTo(ErrorCode.None));
        Assert.That(described.Groups.Single().Topics, Is.Empty);
    }
}
