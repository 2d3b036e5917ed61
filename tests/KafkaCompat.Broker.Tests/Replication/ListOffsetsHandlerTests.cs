using KafkaCompat.Broker.Handlers;
using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Tests.Replication;

/// <summary>ListOffsets through the partition: nothing at or above the high watermark is ever an answer.</summary>
public class ListOffsetsHandlerTests
{
    [TestCase((short)1)]
    [TestCase((short)7)]
    [TestCase((short)9)]
    public async Task NoAnswerLiesAboveTheHighWatermark(short version)
    {
        using var harness = new ReplicaHarness(new FakeTime());
        var partition = harness.Partition();
        partition.AppendAsLeader(ReplicaHarness.Batch(100, "a"));
        partition.AppendAsLeader(ReplicaHarness.Batch(200, "b"));
        // Offset 2, with the largest timestamp, is in the log but not committed (as on a leader waiting for its ISR).
        harness.Log().Append(ReplicaHarness.Batch(900, "uncommitted"), partition.LeaderEpoch);
        Assert.That(partition.HighWatermark, Is.EqualTo(2));

        var answers = await Lookup(harness, version, -1, -2, 150, 800, -3);

        Assert.That(answers[-1], Is.EqualTo(2L), "latest is the high watermark, not the log end");
        Assert.That(answers[-2], Is.EqualTo(0L));
        Assert.That(answers[150], Is.EqualTo(1L), "the first record at or after 150 is offset 1 (200)");
        Assert.That(answers[800], Is.EqualTo(-1L), "only the uncommitted record is at or after 800");
        // -3 (KIP-734) is understood from v7: its record is the uncommitted one, so there is none yet.
        Assert.That(answers[-3], Is.EqualTo(-1L));
    }

    [Test]
    public async Task MaxTimestampFindsTheCommittedRecordWithTheLargestTimestamp()
    {
        using var harness = new ReplicaHarness(new FakeTime());
        var partition = harness.Partition();
        partition.AppendAsLeader(ReplicaHarness.Batch(300, "a"));
        partition.AppendAsLeader(ReplicaHarness.Batch(100, "b"));

        var answers = await Lookup(harness, 9, -3, -5);

        Assert.That(answers[-3], Is.EqualTo(0L));
        Assert.That(answers[-5], Is.EqualTo(-1L), "latest tiered (KIP-1005): nothing is tiered");
    }

    private static async Task<Dictionary<long, long>> Lookup(ReplicaHarness harness, short version, params long[] timestamps)
    {
        var request = new ListOffsetsRequestData { ReplicaId = -1 };
        var topic = new ListOffsetsRequestData.ListOffsetsTopic { Name = ReplicaHarness.Topic };
        request.Topics.Add(topic);
        var answers = new Dictionary<long, long>();
        foreach (var timestamp in timestamps)
        {
            topic.Partitions.Clear();
            topic.Partitions.Add(new ListOffsetsRequestData.ListOffsetsPartition { PartitionIndex = 0, Timestamp = timestamp });
            var handler = new ListOffsetsHandler(harness.Replicas);
            var response = (ListOffsetsResponseData)(await handler.HandleAsync(ReplicaHarness.Context(ApiKey.ListOffsets, version), request, CancellationToken.None))!.Body;
            var answer = response.Topics.Single().Partitions.Single();
            Assert.That(answer.ErrorCode, Is.Zero);
            answers[timestamp] = answer.Offset;
        }
        return answers;
    }
}
