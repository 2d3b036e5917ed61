using System.Collections.Immutable;
using KafkaCompat.Broker.Groups.Consumer;
using KafkaCompat.Broker.Groups.Share;
using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Tests.Groups.Share;

/// <summary>The share-group <c>simple</c> assignor (KIP-932): partitions shared when members outnumber them, balance first, then stickiness.</summary>
public class SimpleAssignorTests
{
    private static readonly Uuid TopicA = new(1, 1);
    private static readonly Uuid TopicB = new(2, 2);

    private static TopicIdPartition[] Partitions(Uuid topic, int count) => Enumerable.Range(0, count).Select(p => new TopicIdPartition(topic, p)).ToArray();

    private static AssignorMember Member(string id, Uuid[] topics, params TopicIdPartition[] current) =>
        new(id, topics.ToHashSet(), current.ToImmutableHashSet());

    private static IReadOnlyDictionary<string, ImmutableHashSet<TopicIdPartition>> Assign(IReadOnlyCollection<TopicIdPartition> assignable, params AssignorMember[] members) =>
        new SimpleAssignor().Assign(members, assignable);

    [Test]
    public void MembersOutnumberingPartitionsShareThemEvenly()
    {
        var result = Assign(Partitions(TopicA, 2), Member("m1", [TopicA]), Member("m2", [TopicA]), Member("m3", [TopicA]), Member("m4", [TopicA]));

        Assert.That(result.Values.Select(p => p.Count), Is.All.EqualTo(1), "four members, two partitions: each member one");
        Assert.That(result.Values.SelectMany(p => p).GroupBy(p => p).Select(g => g.Count()), Is.EqualTo(new[] { 2, 2 }), "each partition shared by two");
    }

    [Test]
    public void ThreeMembersOnOnePartitionAllGetIt()
    {
        var result = Assign(Partitions(TopicA, 1), Member("m1", [TopicA]), Member("m2", [TopicA]), Member("m3", [TopicA]));

        Assert.That(result.Values, Has.All.EquivalentTo(Partitions(TopicA, 1)));
    }

    [Test]
    public void FewerMembersThanPartitionsSplitThemWithoutSharingAndWithinOne()
    {
        var result = Assign(Partitions(TopicA, 7), Member("m1", [TopicA]), Member("m2", [TopicA]), Member("m3", [TopicA]));

        Assert.That(result.Values.Select(p => p.Count).Order(), Is.EqualTo(new[] { 2, 2, 3 }));
        Assert.That(result.Values.SelectMany(p => p), Is.Unique);
        Assert.That(result.Values.SelectMany(p => p), Is.EquivalentTo(Partitions(TopicA, 7)));
    }

    [Test]
    public void AJoiningMemberTakesOnlyWhatBalanceNeedsFromTheOthers()
    {
        var all = Partitions(TopicA, 6);
        var result = Assign(all,
            Member("m1", [TopicA], all[0], all[1], all[2]),
            Member("m2", [TopicA], all[3], all[4], all[5]),
            Member("m3", [TopicA]));

        Assert.That(result.Values.Select(p => p.Count), Is.All.EqualTo(2));
        Assert.That(result["m1"].IsSubsetOf(all[..3]) && result["m2"].IsSubsetOf(all[3..]), "the old members keep two of their own three each");
    }

    [Test]
    public void OnlyAssignablePartitionsOfSubscribedTopicsAreGiven()
    {
        var result = Assign([new TopicIdPartition(TopicA, 1), new TopicIdPartition(TopicB, 0)],
            Member("a", [TopicA], new TopicIdPartition(TopicA, 0)),
            Member("b", [TopicB]));

        Assert.That(result["a"], Is.EquivalentTo(new[] { new TopicIdPartition(TopicA, 1) }), "partition 0 is not assignable (not initialized), so it is taken away");
        Assert.That(result["b"], Is.EquivalentTo(new[] { new TopicIdPartition(TopicB, 0) }));
    }

    [Test]
    public void NoPartitionsGiveEveryMemberAnEmptyAssignment()
    {
        var result = Assign([], Member("m1", [TopicA]), Member("m2", [TopicA]));

        Assert.That(result.Keys, Is.EquivalentTo(new[] { "m1", "m2" }));
        Assert.That(result.Values, Has.All.Empty);
    }
}
