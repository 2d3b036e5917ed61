using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Tests.Handlers;

/// <summary>
/// AlterShareGroupOffsets (KIP-932) through its handler and the wire format: the new start offsets
/// initialized in the real share coordinator, as DescribeShareGroupOffsets then shows them.
/// </summary>
public class AlterShareGroupOffsetsHandlerTests
{
    private const string Group = DescribeShareGroupOffsetsHandlerTests.Group;

    private static Task<AlterShareGroupOffsetsResponseData> AlterAsync(GroupHarness h, string group, params (string Topic, int Partition, long StartOffset)[] offsets) =>
        h.SendAsync<AlterShareGroupOffsetsResponseData>(0, new AlterShareGroupOffsetsRequestData
        {
            GroupId = group,
            Topics = [.. offsets.GroupBy(o => o.Topic).Select(t => new AlterShareGroupOffsetsRequestData.AlterShareGroupOffsetsRequestTopic
            {
                TopicName = t.Key,
                Partitions = [.. t.Select(o => new AlterShareGroupOffsetsRequestData.AlterShareGroupOffsetsRequestPartition { PartitionIndex = o.Partition, StartOffset = o.StartOffset })],
            })],
        });

    private static async Task<(string, int, long)[]> StartOffsetsAsync(GroupHarness h, string group)
    {
        var described = await h.SendAsync<DescribeShareGroupOffsetsResponseData>(1, new DescribeShareGroupOffsetsRequestData { Groups = [new() { GroupId = group, Topics = null }] });
        return [.. described.Groups.Single().Topics.SelectMany(t => t.Partitions.Select(p => (t.TopicName, p.PartitionIndex, p.StartOffset)))];
    }

    [Test]
    [HandlerVersionTest(ApiKey.AlterShareGroupOffsets, 0)]
    public async Task AnEmptyShareGroupsStartOffsetsAreInitializedAtTheAskedOffsets()
    {
        await using var h = await DescribeShareGroupOffsetsHandlerTests.HarnessAsync();
        var topicId = h.Metadata.Image.Topic("other")!.Id;
        await DescribeShareGroupOffsetsHandlerTests.WriteStateAsync(h);

        var whileMember = await AlterAsync(h, Group, ("other", 0, 7));
        var left = await h.SendAsync<ShareGroupHeartbeatResponseData>(1, new ShareGroupHeartbeatRequestData { GroupId = Group, MemberId = "m1", MemberEpoch = -1 });
        Assert.That((ErrorCode)left.ErrorCode, Is.EqualTo(ErrorCode.None), left.ErrorMessage);
        var altered = await AlterAsync(h, Group, ("other", 0, 7), ("other", 5, 1), ("missing", 0, 1));

        Assert.That(((ErrorCode)whileMember.ErrorCode, whileMember.ErrorMessage), Is.EqualTo((ErrorCode.NonEmptyGroup, "The group is not empty.")));
        Assert.That((ErrorCode)altered.ErrorCode, Is.EqualTo(ErrorCode.None));
        Assert.That(altered.Responses.SelectMany(t => t.Partitions.Select(p => (t.TopicName, t.TopicId, p.PartitionIndex, (ErrorCode)p.ErrorCode))), Is.EqualTo(new[]
        {
            ("other", topicId, 0, ErrorCode.None),
            ("other", topicId, 5, ErrorCode.UnknownTopicOrPartition),
            ("missing", Uuid.Zero, 0, ErrorCode.UnknownTopicOrPartition),
        }));
        Assert.That(await StartOffsetsAsync(h, Group), Is.EqualTo(new[] { ("other", 0, 7L) }), "the start offset was 4 before");
    }

    [Test]
    public async Task AGroupThatDoesNotExistIsCreatedWithTheOffsets()
    {
        await using var h = await DescribeShareGroupOffsetsHandlerTests.HarnessAsync();

        var altered = await AlterAsync(h, "fresh", ("other", 0, 3));

        Assert.That(altered.Responses.Single().Partitions.Single().ErrorCode, Is.Zero);
        Assert.That(await StartOffsetsAsync(h, "fresh"), Is.EqualTo(new[] { ("other", 0, 3L) }));
        Assert.That(h.Coordinator.ShardOf("fresh")!.FindShareGroup("fresh")!.Members, Is.Empty);
    }
}
