using KafkaCompat.Broker.Metadata;
using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Tests.Coordinators;

/// <summary>
/// The coordinator runtime's promises, checked on the group coordinator: persisted state is what
/// replaying the partition gives, and an append that fails changes nothing.
/// </summary>
public class CoordinatorRuntimeTests
{
    [Test]
    public async Task TheStateAfterARunOfOperationsIsTheStateAfterReloadingThePartition()
    {
        await using var h = new GroupHarness();
        var (leader, follower) = await h.SecondGenerationAsync();
        var followerSync = h.SyncAsync(follower, 2);
        Assert.That((ErrorCode)(await h.SyncAsync(leader, 2, new() { [leader] = [1], [follower] = [2, 3] })).ErrorCode, Is.EqualTo(ErrorCode.None));
        Assert.That((ErrorCode)(await followerSync).ErrorCode, Is.EqualTo(ErrorCode.None));
        await h.CommitAsync(41, generation: 2, memberId: leader, partition: 0);
        await h.CommitAsync(42, generation: 2, memberId: follower, partition: 1);
        await h.CommitAsync(7, group: "simple", partition: 2);
        await h.CommitAsync(8, group: "simple", partition: 2);
        await h.Coordinator.DeleteOffsetsAsync("simple", [("t", 2)]);
        await h.CommitAsync(5, group: "gone");
        Assert.That(await h.Coordinator.DeleteGroupAsync("gone"), Is.EqualTo(ErrorCode.None));
        var before = Fingerprint(h);

        await h.RestartAsync();

        Assert.That(Fingerprint(h), Is.EqualTo(before));
        Assert.That(before, Does.Contain("orders-app Stable gen=2"), "the fingerprint describes the group that ran");
    }

    [Test]
    public async Task AnOffsetCommitWhoseAppendFailsLeavesNoTrace()
    {
        await using var h = new GroupHarness();
        Assert.That(await h.CommitAsync(10), Is.EqualTo(new[] { ErrorCode.None }));
        // From now on every batch is larger than the partition accepts: the append fails.
        Assert.That((await h.Metadata.AlterConfigs(MetadataImage.TopicResource, TopicNames.ConsumerOffsets, [new("max.message.bytes", "70")])).IsOk, Is.True);

        Assert.That(await h.CommitAsync(20), Is.EqualTo(new[] { ErrorCode.InvalidCommitOffsetSize }));
        Assert.That(await h.CommittedAsync(), Is.EqualTo(10), "the refused commit was never applied");

        await h.RestartAsync();
        Assert.That(await h.CommittedAsync(), Is.EqualTo(10), "nor written");
    }

    /// <summary>What the partition persists of every group: state, generation, protocol, leader, members' assignments, offsets.</summary>
    private static string Fingerprint(GroupHarness h)
    {
        var lines = new List<string>();
        foreach (var id in new[] { GroupHarness.Group, "simple", "gone" })
        {
            lines.Add($"{id}:");
            if (h.GroupState(id) is { } group)
            {
                lines.Add($"{group.GroupId} {group.State} gen={group.GenerationId} protocol={group.ProtocolType}/{group.ProtocolName} leader={group.LeaderId}");
                lines.AddRange(group.Members.Values.OrderBy(m => m.MemberId, StringComparer.Ordinal)
                    .Select(m => $"  member {m.MemberId} assignment={Convert.ToHexString(m.Assignment)}"));
                lines.AddRange(group.Offsets.OrderBy(o => o.Key.ToString(), StringComparer.Ordinal)
                    .Select(o => $"  offset {o.Key} {o.Value.Offset} {o.Value.Metadata}"));
            }
        }
        return string.Join("\n", lines);
    }
}
