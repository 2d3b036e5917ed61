using KafkaCompat.Broker.Fetch;
using KafkaCompat.Broker.Handlers;
using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Records;

namespace KafkaCompat.Broker.Tests.Replication;

/// <summary>
/// The partition's last stable offset (KIP-98) as the WriteTxnMarkers path will drive it, and what
/// read_committed Fetch and ListOffsets answer from it.
/// </summary>
public class ReadCommittedTests
{
    private const long P1 = 7;
    private const long P2 = 8;

    [Test]
    public void TheLastStableOffset_FollowsTheMarkers_AndStaleMarkersAreRefused()
    {
        using var harness = new ReplicaHarness(new FakeTime());
        var partition = harness.Partition();
        partition.AppendAsLeader(ReplicaHarness.Batch(1, "plain"));             // 0
        partition.AppendAsLeader(Transactional(P1, sequence: 0, "a", "b"));      // 1-2
        partition.AppendAsLeader(Transactional(P2, sequence: 0, "c"));           // 3
        Assert.That((partition.HighWatermark, partition.LastStableOffset), Is.EqualTo((4L, 1L)));

        Assert.That(partition.AppendEndTxnMarker(P1, producerEpoch: 0, coordinatorEpoch: 2, commit: true).Error, Is.EqualTo(ErrorCode.None)); // 4
        Assert.That(partition.LastStableOffset, Is.EqualTo(3));

        Assert.That(partition.AppendEndTxnMarker(P2, producerEpoch: -1, coordinatorEpoch: 2, commit: false).Error, Is.EqualTo(ErrorCode.InvalidProducerEpoch));
        Assert.That(partition.AppendEndTxnMarker(P1, producerEpoch: 0, coordinatorEpoch: 1, commit: false).Error, Is.EqualTo(ErrorCode.TransactionCoordinatorFenced));
        Assert.That(partition.LogEndOffset, Is.EqualTo(5));

        Assert.That(partition.AppendEndTxnMarker(P2, producerEpoch: 0, coordinatorEpoch: 2, commit: false).Error, Is.EqualTo(ErrorCode.None)); // 5
        Assert.That((partition.HighWatermark, partition.LastStableOffset), Is.EqualTo((6L, 6L)));
    }

    [Test]
    public async Task AReadCommittedFetch_StopsAtTheLastStableOffset_AndListsTheAbortedTransactions()
    {
        var time = new FakeTime();
        using var harness = new ReplicaHarness(time);
        var partition = harness.Partition();
        partition.AppendAsLeader(Transactional(P1, sequence: 0, "a", "b"));      // 0-1
        partition.AppendAsLeader(ReplicaHarness.Batch(1, "plain"));             // 2
        var handler = new FetchHandler(harness.Replicas, harness.Metadata, new FetchSessionCache(time), harness.Broker, time);

        var open = await Fetch(handler, isolation: 1);
        var uncommitted = await Fetch(handler, isolation: 0);
        partition.AppendEndTxnMarker(P1, producerEpoch: 0, coordinatorEpoch: 0, commit: false);               // 3
        var aborted = await Fetch(handler, isolation: 1);

        Assert.That((open.LastStableOffset, open.Records?.Length ?? 0, open.AbortedTransactions!.Count), Is.EqualTo((0L, 0, 0)));
        Assert.That(uncommitted.AbortedTransactions, Is.Null, "read_uncommitted answers null aborted transactions, as Kafka");
        Assert.That(Batches(uncommitted.Records!.Value), Is.EqualTo(new long[] { 0, 2 }));
        Assert.That(aborted.LastStableOffset, Is.EqualTo(4));
        Assert.That(Batches(aborted.Records!.Value), Is.EqualTo(new long[] { 0, 2, 3 }));
        Assert.That(aborted.AbortedTransactions!.Select(t => (t.ProducerId, t.FirstOffset)), Is.EqualTo(new[] { (P1, 0L) }));
    }

    [Test]
    public async Task ListOffsetsLatest_IsTheLastStableOffset_ForReadCommitted()
    {
        using var harness = new ReplicaHarness(new FakeTime());
        var partition = harness.Partition();
        partition.AppendAsLeader(ReplicaHarness.Batch(1, "plain"));             // 0
        partition.AppendAsLeader(Transactional(P1, sequence: 0, "a"));           // 1

        Assert.That(await Latest(harness, isolation: 1), Is.EqualTo(1));
        Assert.That(await Latest(harness, isolation: 0), Is.EqualTo(2));
    }

    private static byte[] Transactional(long producerId, int sequence, params string[] values)
    {
        using var builder = new RecordBatchBuilder { ProducerId = producerId, ProducerEpoch = 0, BaseSequence = sequence, IsTransactional = true };
        foreach (var value in values)
        {
            builder.Append(1, null, System.Text.Encoding.UTF8.GetBytes(value));
        }
        return builder.ToArray();
    }

    private static async Task<FetchResponseData.PartitionData> Fetch(FetchHandler handler, sbyte isolation)
    {
        var topic = new FetchRequestData.FetchTopic { Topic = ReplicaHarness.Topic };
        topic.Partitions.Add(new FetchRequestData.FetchPartition { Partition = 0, FetchOffset = 0, PartitionMaxBytes = 1 << 20 });
        var request = new FetchRequestData { ReplicaId = -1, MaxWaitMs = 0, MinBytes = 0, MaxBytes = 1 << 20, IsolationLevel = isolation, SessionId = 0, SessionEpoch = -1, Topics = [topic] };
        var answer = await handler.HandleAsync(ReplicaHarness.Context(ApiKey.Fetch, 12), request, CancellationToken.None);
        var partition = ((FetchResponseData)answer!.Body).Responses.Single().Partitions.Single();
        // Copied out: the answer's buffers go back to the pool when it is disposed.
        partition.Records = partition.Records?.ToArray();
        answer.Dispose();
        return partition;
    }

    private static List<long> Batches(ReadOnlyMemory<byte> records)
    {
        var offsets = new List<long>();
        var enumerator = new RecordBatchEnumerator(records);
        while (enumerator.MoveNext())
        {
            offsets.Add(enumerator.Current.BaseOffset);
        }
        return offsets;
    }

    private static async Task<long> Latest(ReplicaHarness harness, sbyte isolation)
    {
        var request = new ListOffsetsRequestData { ReplicaId = -1, IsolationLevel = isolation };
        var topic = new ListOffsetsRequestData.ListOffsetsTopic { Name = ReplicaHarness.Topic };
        topic.Partitions.Add(new ListOffsetsRequestData.ListOffsetsPartition { PartitionIndex = 0, Timestamp = -1 });
        request.Topics.Add(topic);
        var response = (ListOffsetsResponseData)(await new ListOffsetsHandler(harness.Replicas).HandleAsync(ReplicaHarness.Context(ApiKey.ListOffsets, 7), request, CancellationToken.None))!.Body;
        return response.Topics.Single().Partitions.Single().Offset;
    }
}
