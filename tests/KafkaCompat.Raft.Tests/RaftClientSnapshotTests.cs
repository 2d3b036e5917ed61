using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using static KafkaCompat.Raft.Tests.RaftRequestBuilders;

namespace KafkaCompat.Raft.Tests;

/// <summary>Snapshots over Fetch and FetchSnapshot (KIP-630), as KafkaRaftClientSnapshotTest's cases.</summary>
public class RaftClientSnapshotTests
{
    [Test]
    public void AFollowerSentToASnapshotFetchesItInChunksThenFollowsTheLogFromItsEnd()
    {
        using var context = new RaftTestContext(1, [1, 2, 3]);
        context.Initialize();
        var (fetch, _) = context.FollowAndFetch(leaderId: 2, epoch: 3);
        MockRaftChannel.Respond(fetch, RaftMessages.FetchResponse(new FetchResponseData.PartitionData
        {
            HighWatermark = 10,
            CurrentLeader = new() { LeaderId = 2, LeaderEpoch = 3 },
            SnapshotId = new() { EndOffset = 10, Epoch = 2 },
        }));
        context.Poll();
        var snapshot = TestRecords.Snapshot(1234, "s1", "s2");

        var (first, firstData) = context.Channel.DrainSent<FetchSnapshotRequestData>().Single();
        Assert.That(firstData.Topics[0].Partitions[0].Position, Is.Zero);
        Assert.That((firstData.Topics[0].Partitions[0].SnapshotId.EndOffset, firstData.Topics[0].Partitions[0].SnapshotId.Epoch), Is.EqualTo((10L, 2)));
        MockRaftChannel.Respond(first, SnapshotChunk(snapshot, 0, 50));
        context.Poll();
        var (second, secondData) = context.Channel.DrainSent<FetchSnapshotRequestData>().Single();
        Assert.That(secondData.Topics[0].Partitions[0].Position, Is.EqualTo(50));
        Assert.That(context.Log.LatestSnapshotId, Is.Null, "not frozen before the last chunk");
        MockRaftChannel.Respond(second, SnapshotChunk(snapshot, 50, snapshot.Length - 50));
        context.Poll();

        Assert.That(context.Log.LatestSnapshotId, Is.EqualTo(new OffsetAndEpoch(10, 2)));
        Assert.That((context.Log.StartOffset, context.Log.EndOffset, context.Log.HighWatermark), Is.EqualTo((10L, 10L, 10L)));
        Assert.That(context.Listener.Snapshots.Single().Records.Select(TestRecords.Text), Is.EqualTo(new[] { "s1", "s2" }));
        Assert.That(context.Listener.Snapshots.Single().LastContainedLogTimestamp, Is.EqualTo(1234));
        var next = context.Channel.DrainSent<FetchRequestData>().Single().Data.Topics[0].Partitions[0];
        Assert.That((next.FetchOffset, next.LastFetchedEpoch), Is.EqualTo((10L, 2)));
    }

    [Test]
    public void TheLeaderSendsAFetcherBehindItsLogStartToTheSnapshotAndServesItByPosition()
    {
        using var context = LeaderWithSnapshot(out var snapshot);

        var empty = FetchPartition(context.Answer<FetchResponseData>(Fetch(5, 2, 0, 0), 17));
        var behind = FetchPartition(context.Answer<FetchResponseData>(Fetch(5, 2, 3, 1), 17));
        var chunk = FetchSnapshotPartition(context.Answer<FetchSnapshotResponseData>(FetchSnapshot(5, 2, new OffsetAndEpoch(5, 1), position: 10, maxBytes: 40), 1));
        var past = FetchSnapshotPartition(context.Answer<FetchSnapshotResponseData>(FetchSnapshot(5, 2, new OffsetAndEpoch(5, 1), position: snapshot.Length, maxBytes: 40), 1));
        var unknown = FetchSnapshotPartition(context.Answer<FetchSnapshotResponseData>(FetchSnapshot(5, 2, new OffsetAndEpoch(4, 1), position: 0, maxBytes: 40), 1));

        Assert.That((empty.SnapshotId.EndOffset, empty.SnapshotId.Epoch), Is.EqualTo((5L, 1)));
        Assert.That((behind.SnapshotId.EndOffset, behind.SnapshotId.Epoch), Is.EqualTo((5L, 1)));
        Assert.That(chunk.UnalignedRecords.ToArray(), Is.EqualTo(snapshot[10..50]));
        Assert.That((chunk.SizeValue, chunk.Position, chunk.CurrentLeader.LeaderId, chunk.CurrentLeader.LeaderEpoch), Is.EqualTo(((long)snapshot.Length, 10L, 1, 2)));
        Assert.That((ErrorCode)past.ErrorCode, Is.EqualTo(ErrorCode.PositionOutOfRange));
        Assert.That((ErrorCode)unknown.ErrorCode, Is.EqualTo(ErrorCode.SnapshotNotFound));
    }

    [Test]
    public void AListenerBehindTheLogStartIsGivenTheSnapshotFirst()
    {
        using var context = LeaderWithSnapshot(out _);

        Assert.That(context.Listener.Events, Is.EqualTo(new[] { "snapshot:5", "leader:1@2" }));
        Assert.That(context.Listener.Snapshots.Single().Records.Select(TestRecords.Text), Is.EqualTo(new[] { "a", "b", "c" }));
    }

    [Test]
    public void FetchSnapshotIsRefusedByAReplicaThatDoesNotLead()
    {
        using var context = new RaftTestContext(1, [1, 2, 3]);
        context.Initialize();

        var answer = FetchSnapshotPartition(context.Answer<FetchSnapshotResponseData>(FetchSnapshot(5, 0, new OffsetAndEpoch(5, 1), 0, 40), 1));

        Assert.That((ErrorCode)answer.ErrorCode, Is.EqualTo(ErrorCode.NotLeaderOrFollower));
    }

    /// <summary>A lone voter whose log was trimmed behind a snapshot at (5, 1); it leads epoch 2.</summary>
    private static RaftTestContext LeaderWithSnapshot(out byte[] snapshot)
    {
        var log = new MemoryRaftLog();
        TestRecords.Fill(log, (1, ["a", "b", "c", "d", "e"]));
        log.UpdateHighWatermark(5);
        snapshot = TestRecords.Snapshot(99, "a", "b", "c");
        TestRecords.AddSnapshot(log, new OffsetAndEpoch(5, 1), snapshot);
        Assert.That(log.DeleteBeforeSnapshot(new OffsetAndEpoch(5, 1)), Is.True);
        var context = new RaftTestContext(1, [1], log);
        context.Initialize();
        Assert.That(context.Client.LeaderAndEpoch, Is.EqualTo(new LeaderAndEpoch(1, 2)));
        return context;
    }

    private static FetchSnapshotResponseData SnapshotChunk(byte[] snapshot, int position, int length) => RaftMessages.FetchSnapshotResponse(new FetchSnapshotResponseData.PartitionSnapshot
    {
        CurrentLeader = new() { LeaderId = 2, LeaderEpoch = 3 },
        SnapshotId = new() { EndOffset = 10, Epoch = 2 },
        SizeValue = snapshot.Length,
        Position = position,
        UnalignedRecords = snapshot.AsMemory(position, length),
    });

    private static FetchSnapshotRequestData FetchSnapshot(int replicaId, int epoch, OffsetAndEpoch snapshotId, long position, int maxBytes) => new()
    {
        ClusterId = RaftTestContext.ClusterId,
        ReplicaId = replicaId,
        MaxBytes = maxBytes,
        Topics =
        [
            new()
            {
                Name = "__cluster_metadata",
                Partitions = [new() { Partition = 0, CurrentLeaderEpoch = epoch, SnapshotId = new() { EndOffset = snapshotId.Offset, Epoch = snapshotId.Epoch }, Position = position }],
            },
        ],
    };

    private static FetchSnapshotResponseData.PartitionSnapshot FetchSnapshotPartition(FetchSnapshotResponseData response) => response.Topics[0].Partitions[0];
}
