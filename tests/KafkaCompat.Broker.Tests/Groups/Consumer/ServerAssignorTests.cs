using System.Collections.Immutable;
using KafkaCompat.Broker.Groups.Consumer;
using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Tests.Groups.Consumer;

/// <summary>The server-side assignors of KIP-848: every partition once, to a member subscribed to its topic, balanced; uniform sticky.</summary>
public class ServerAssignorTests
{
    private static readonly Uuid TopicA = Uuid.NewRandom();
    private static readonly Uuid TopicB = Uuid.NewRandom();

    private static AssignorMember Member(string id, params Uuid[] topics) => new(id, topics.ToHashSet(), PartitionAssignment.Empty);

    private static void AssertEveryPartitionOnce(IReadOnlyDictionary<string, ImmutableHashSet<TopicIdPartition>> assignment, Dictionary<Uuid, int> topics)
    {
        var all = assignment.Values.SelectMany(p => p).ToList();
        Assert.That(all, Is.Unique);
        Assert.That(all, Is.EquivalentTo(topics.SelectMany(t => Enumerable.Range(0, t.Value).Select(p => new TopicIdPartition(t.Key, p)))));
    }

    [Test]
    public void UniformSpreadsSevenPartitionsOverThreeMembersTwoTwoThree()
    {
        var topics = new Dictionary<Uuid, int> { [TopicA] = 4, [TopicB] = 3 };
        var assignment = new UniformAssignor().Assign([Member("a", TopicA, TopicB), Member("b", TopicA, TopicB), Member("c", TopicA, TopicB)], topics);
        AssertEveryPartitionOnce(assignment, topics);
        Assert.That(assignment.Values.Select(p => p.Count).Order(), Is.EqualTo(new[] { 2, 2, 3 }));
    }

    [Test]
    public void UniformIsStickyWhenAMemberJoins()
    {
        var topics = new Dictionary<Uuid, int> { [TopicA] = 6 };
        var before = new UniformAssignor().Assign([Member("a", TopicA), Member("b", TopicA)], topics);
        var after = new UniformAssignor().Assign(
            [Member("a", TopicA) with { CurrentTarget = before["a"] }, Member("b", TopicA) with { CurrentTarget = before["b"] }, Member("c", TopicA)], topics);
        AssertEveryPartitionOnce(after, topics);
        Assert.That(after.Values.Select(p => p.Count), Is.All.EqualTo(2));
        Assert.That(after["a"].IsSubsetOf(before["a"]) && after["b"].IsSubsetOf(before["b"]), Is.True, "only the partitions the new member needs move");
    }

    [Test]
    public void UniformGivesATopicOnlyToItsSubscribers()
    {
        var topics = new Dictionary<Uuid, int> { [TopicA] = 4, [TopicB] = 2 };
        var assignment = new UniformAssignor().Assign([Member("a", TopicA), Member("b", TopicA, TopicB)], topics);
        AssertEveryPartitionOnce(assignment, topics);
        Assert.That(assignment["a"].All(p => p.TopicId == TopicA), Is.True);
        Assert.That(assignment.Values.Select(p => p.Count), Is.All.EqualTo(3));
    }

    [Test]
    public void RangeGivesContiguousRangesTopicByTopicTheFirstMembersOneMore()
    {
        var topics = new Dictionary<Uuid, int> { [TopicA] = 3, [TopicB] = 3 };
        var assignment = new RangeAssignor().Assign([Member("b", TopicA, TopicB), Member("a", TopicA, TopicB)], topics);
        AssertEveryPartitionOnce(assignment, topics);
        Assert.That(assignment["a"], Is.EquivalentTo(new[] { new TopicIdPartition(TopicA, 0), new TopicIdPartition(TopicA, 1), new TopicIdPartition(TopicB, 0), new TopicIdPartition(TopicB, 1) }));
        Assert.That(assignment["b"], Is.EquivalentTo(new[] { new TopicIdPartition(TopicA, 2), new TopicIdPartition(TopicB, 2) }));
    }
}
