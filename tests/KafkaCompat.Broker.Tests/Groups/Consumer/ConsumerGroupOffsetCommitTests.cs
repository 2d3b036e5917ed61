using KafkaCompat.Broker.Groups;
using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Tests.Groups.Consumer;

/// <summary>
/// Commits to a KIP-848 consumer group as Kafka's ConsumerGroup.validateOffsetCommit checks them:
/// OffsetCommit v9+ for members of the consumer protocol, the member epoch exactly, and
/// TxnOffsetCommit checked against the consumer group's members (not the offsets' simple group).
/// </summary>
public class ConsumerGroupOffsetCommitTests
{
    private const string Topic = "six";
    private const long Producer = 4000;

    private static async Task<(GroupHarness Harness, ConsumerGroupMemberClient Member)> OneMemberAsync()
    {
        var h = new GroupHarness();
        await h.Metadata.CreateTopic(Topic, 6, new Dictionary<string, string>());
        var member = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic);
        var joined = await member.JoinAsync();
        Assert.That((ErrorCode)joined.ErrorCode, Is.EqualTo(ErrorCode.None), joined.ErrorMessage);
        Assert.That(member.Epoch, Is.EqualTo(1));
        return (h, member);
    }

    private static async Task<ErrorCode> TxnCommitAsync(GroupHarness h, int generation, string memberId, string? instanceId = null)
    {
        var errors = await h.Coordinator.CommitTransactionalOffsetsAsync(new TxnOffsetCommitParams(GroupHarness.Group, Producer, 0, generation, memberId, instanceId,
            [new OffsetCommitEntry(Topic, 0, 9, 0, "in txn", h.Time.NowMs, null)]));
        return errors.Single();
    }

    [Test]
    public async Task AConsumerProtocolMemberCommittingBelowVersion9IsUnsupportedVersion()
    {
        var (h, member) = await OneMemberAsync();
        await using var _ = h;
        Assert.That(await h.CommitAsync(5, member.Epoch, member.MemberId, Topic, version: 8), Is.EqualTo(new[] { ErrorCode.UnsupportedVersion }));
        Assert.That(await h.CommitAsync(5, member.Epoch, member.MemberId, Topic, version: 9), Is.EqualTo(new[] { ErrorCode.None }));
        Assert.That(await h.CommitAsync(5, member.Epoch, "nobody", Topic, version: 8), Is.EqualTo(new[] { ErrorCode.UnknownMemberId }), "the member is looked up first");
    }

    [Test]
    public async Task AnEpochAheadOrBehindIsStaleForACommitAndAFetch()
    {
        var (h, member) = await OneMemberAsync();
        await using var _ = h;
        Assert.That(await h.CommitAsync(5, member.Epoch + 1, member.MemberId, Topic), Is.EqualTo(new[] { ErrorCode.StaleMemberEpoch }));
        Assert.That(await h.CommitAsync(5, member.Epoch - 1, member.MemberId, Topic), Is.EqualTo(new[] { ErrorCode.StaleMemberEpoch }));
        Assert.That((await h.Coordinator.FetchOffsetsAsync(GroupHarness.Group, [(Topic, [0])], memberId: member.MemberId, memberEpoch: member.Epoch + 1)).Error,
            Is.EqualTo(ErrorCode.StaleMemberEpoch));
        Assert.That((await h.Coordinator.FetchOffsetsAsync(GroupHarness.Group, [(Topic, [0])], memberId: "nobody", memberEpoch: 1)).Error,
            Is.EqualTo(ErrorCode.UnknownMemberId));
        Assert.That(await h.CommitAsync(5, -1, "", Topic), Is.EqualTo(new[] { ErrorCode.UnknownMemberId }), "no simple commit while the group has members");
    }

    [Test]
    public async Task ATransactionalCommitNamesAConsumerGroupMemberAtItsEpoch()
    {
        var (h, member) = await OneMemberAsync();
        await using var _ = h;
        // The group's offsets live in a simple group of the same id: the commit is checked against the consumer group all the same.
        Assert.That(await h.CommitAsync(1, member.Epoch, member.MemberId, Topic), Is.EqualTo(new[] { ErrorCode.None }));

        Assert.That(await TxnCommitAsync(h, member.Epoch, member.MemberId), Is.EqualTo(ErrorCode.None), "the producer's sendOffsetsToTransaction with the consumer's group metadata");
        Assert.That(await TxnCommitAsync(h, member.Epoch + 1, member.MemberId), Is.EqualTo(ErrorCode.IllegalGeneration), "a stale epoch, as a producer is told");
        Assert.That(await TxnCommitAsync(h, member.Epoch, "nobody"), Is.EqualTo(ErrorCode.UnknownMemberId));
        Assert.That(await TxnCommitAsync(h, -1, ""), Is.EqualTo(ErrorCode.None), "a producer without group metadata is not checked");
    }
}
