using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Tests.Handlers;

/// <summary>
/// DeleteShareGroupOffsets (KIP-932) through its handler and the wire format, the share-group state
/// deleted in the real share coordinator and the group's ShareGroupStatePartitionMetadata updated.
/// </summary>
public class DeleteShareGroupOffsetsHandlerTests
{
    private const string Group = DescribeShareGroupOffsetsHandlerTests.Group;

    private static Task<DeleteShareGroupOffsetsResponseData> DeleteAsync(GroupHarness h, string group, params string[] topics) =>
        h.SendAsync<DeleteShareGroupOffsetsResponseData>(0, new DeleteShareGroupOffsetsRequestData { GroupId = group, Topics = [.. topics.Select(t => new DeleteShareGroupOffsetsRequestData.DeleteShareGroupOffsetsRequestTopic { TopicName = t })] });

    private static async Task<long> StartOffsetAsync(GroupHarness h)
    {
        var described = await h.SendAsync<DescribeShareGroupOffsetsResponseData>(1, new DescribeShareGroupOffsetsRequestData
        {
            Groups = [new() { GroupId = Group, Topics = [new() { TopicName = "other", Partitions = [0] }] }],
        });
        return described.Groups.Single().Topics.Single().Partitions.Single().StartOffset;
    }

    [Test]
    [HandlerVersionTest(ApiKey.DeleteShareGroupOffsets, 0)]
    public async Task AnEmptyShareGroupsStateIsDeletedForTheTopicsItHas()
    {
        await using var h = await DescribeShareGroupOffsetsHandlerTests.HarnessAsync();
        var topicId = h.Metadata.Image.Topic("other")!.Id;
        await DescribeShareGroupOffsetsHandlerTests.WriteStateAsync(h);

        var whileMember = await DeleteAsync(h, Group, "other");
        var left = await h.SendAsync<ShareGroupHeartbeatResponseData>(1, new ShareGroupHeartbeatRequestData { GroupId = Group, MemberId = "m1", MemberEpoch = -1 });
        Assert.That((ErrorCode)left.ErrorCode, Is.EqualTo(ErrorCode.None), left.ErrorMessage);
        var before = await StartOffsetAsync(h);
        var deleted = await DeleteAsync(h, Group, "other", "missing", "t");
        var group = h.Coordinator.ShardOf(Group)!.FindShareGroup(Group)!;

        Assert.That((ErrorCode)whileMember.ErrorCode, Is.EqualTo(ErrorCode.NonEmptyGroup));
        Assert.That(whileMember.Responses, Is.Empty);
        Assert.That(before, Is.EqualTo(4));
        Assert.That((ErrorCode)deleted.ErrorCode, Is.EqualTo(ErrorCode.None));
        Assert.That(deleted.Responses.Select(r => (r.TopicName, r.TopicId, (ErrorCode)r.ErrorCode, r.ErrorMessage)), Is.EqualTo(new[]
        {
            ("other", topicId, ErrorCode.None, (string?)null),
            ("missing", Uuid.Zero, ErrorCode.UnknownTopicOrPartition, "This server does not host this topic-partition."),
            ("t", Uuid.Zero, ErrorCode.UnknownTopicOrPartition, "There is no offset information to delete."),
        }));
        Assert.That(await StartOffsetAsync(h), Is.EqualTo(-1), "the share coordinator no longer has the partition's state");
        Assert.That(group.InitializedTopics, Is.Empty, "the topic left the initialized list");
        Assert.That(group.DeletingTopics, Is.Empty, "and the deleting list once its state was deleted");
    }

    [Test]
    public async Task AnIdThatIsNoShareGroupIsNotFound()
    {
        await using var h = await DescribeShareGroupOffsetsHandlerTests.HarnessAsync();

        var deleted = await DeleteAsync(h, "nope", "other");

        Assert.That(((ErrorCode)deleted.ErrorCode, deleted.ErrorMessage), Is.EqualTo((ErrorCode.GroupIdNotFound, "Group nope not found.")));
    }
}
