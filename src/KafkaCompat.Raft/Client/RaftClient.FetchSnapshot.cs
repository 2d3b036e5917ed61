using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Raft;

/// <summary>
/// FetchSnapshot 0-1 (KIP-630): a follower the leader sent to a snapshot fetches it in chunks by
/// byte position (a chunk may end inside a batch), writes it with CreateNewSnapshotUnchecked,
/// freezes it when the last byte is in, and restarts its log at the snapshot's end.
/// </summary>
public sealed partial class RaftClient
{
    private FetchSnapshotResponseData HandleFetchSnapshotRequest(FetchSnapshotRequestData request, long nowMs)
    {
        if (!HasValidClusterId(request.ClusterId))
        {
            return new FetchSnapshotResponseData { ErrorCode = (short)ErrorCode.InconsistentClusterId };
        }
        if (request.Topics.Count != 1 || request.Topics[0].Partitions.Count != 1)
        {
            return new FetchSnapshotResponseData { ErrorCode = (short)ErrorCode.InvalidRequest };
        }
        var topic = request.Topics[0];
        var partition = topic.Partitions[0];
        if (topic.Name != RaftMessages.MetadataTopicName || partition.Partition != RaftMessages.MetadataPartition)
        {
            return RaftMessages.FetchSnapshotResponse(SnapshotPartition(ErrorCode.UnknownTopicOrPartition, partition.Partition), topic.Name);
        }
        var error = ValidateLeaderOnlyRequest(partition.CurrentLeaderEpoch);
        if (error != ErrorCode.None)
        {
            return RaftMessages.FetchSnapshotResponse(SnapshotPartition(error));
        }
        var snapshotId = new OffsetAndEpoch(partition.SnapshotId.EndOffset, partition.SnapshotId.Epoch);
        using var snapshot = _log.ReadSnapshot(snapshotId);
        if (snapshot is null)
        {
            return RaftMessages.FetchSnapshotResponse(SnapshotPartition(ErrorCode.SnapshotNotFound));
        }
        var size = snapshot.SizeInBytes;
        if (partition.Position < 0 || partition.Position >= size)
        {
            return RaftMessages.FetchSnapshotResponse(SnapshotPartition(ErrorCode.PositionOutOfRange));
        }
        var chunk = snapshot.Slice(partition.Position, (int)Math.Min(request.MaxBytes, Math.Min(size, int.MaxValue))).ToArray();
        _quorum.LeaderStateOrThrow().UpdateCheckQuorumForFollowingVoter(request.ReplicaId, nowMs);
        var data = SnapshotPartition(ErrorCode.None);
        data.SnapshotId = new FetchSnapshotResponseData.SnapshotId { EndOffset = snapshotId.Offset, Epoch = snapshotId.Epoch };
        data.SizeValue = size;
        data.Position = partition.Position;
        data.UnalignedRecords = chunk;
        return RaftMessages.FetchSnapshotResponse(data);
    }

    private FetchSnapshotResponseData.PartitionSnapshot SnapshotPartition(ErrorCode error, int index = RaftMessages.MetadataPartition) => new()
    {
        Index = index,
        ErrorCode = (short)error,
        CurrentLeader = new FetchSnapshotResponseData.LeaderIdAndEpoch { LeaderId = _quorum.LeaderIdOrNil, LeaderEpoch = _quorum.Epoch },
    };

    private bool HandleFetchSnapshotResponse(FetchSnapshotResponseData response, long nowMs)
    {
        var topLevel = (ErrorCode)response.ErrorCode;
        if (topLevel != ErrorCode.None)
        {
            return HandleTopLevelError(topLevel);
        }
        if (response.Topics.Count != 1 || response.Topics[0].Partitions.Count != 1 || response.Topics[0].Name != RaftMessages.MetadataTopicName)
        {
            return false;
        }
        var partition = response.Topics[0].Partitions[0];
        var error = (ErrorCode)partition.ErrorCode;
        if (MaybeHandleCommonResponse(error, OptionalLeaderId(partition.CurrentLeader.LeaderId), partition.CurrentLeader.LeaderEpoch, nowMs) is { } handled)
        {
            return handled;
        }
        var follower = _quorum.FollowerStateOrThrow();
        if (error == ErrorCode.SnapshotNotFound || partition.SnapshotId.EndOffset < 0 || partition.SnapshotId.Epoch < 0)
        {
            // The leader deleted it meanwhile: fetch again, which names the current snapshot.
            follower.SetFetchingSnapshot(null);
            follower.ResetFetchTimeoutForSuccessfulFetch(nowMs);
            return true;
        }
        if (error != ErrorCode.None)
        {
            return false;
        }
        var writer = follower.FetchingSnapshot ?? throw new InvalidOperationException("A FetchSnapshot response arrived while no snapshot is being fetched.");
        var snapshotId = new OffsetAndEpoch(partition.SnapshotId.EndOffset, partition.SnapshotId.Epoch);
        if (writer.SnapshotId != snapshotId || writer.SizeInBytes != partition.Position)
        {
            throw new InvalidOperationException($"A FetchSnapshot response for {snapshotId} at {partition.Position} does not continue {writer.SnapshotId} at {writer.SizeInBytes}.");
        }
        writer.Append(partition.UnalignedRecords);
        if (writer.SizeInBytes == partition.SizeValue)
        {
            writer.Freeze();
            _log.OnSnapshotFrozen(snapshotId);
            follower.SetFetchingSnapshot(null);
            writer.Dispose();
            if (!_log.TruncateToLatestSnapshot())
            {
                throw new InvalidOperationException($"The log did not restart at the fetched snapshot {snapshotId} (log end {_log.EndOffset}, last epoch {_log.LastFetchedEpoch}).");
            }
            UpdateFollowerHighWatermark(_log.HighWatermark);
        }
        follower.ResetFetchTimeoutForSuccessfulFetch(nowMs);
        return true;
    }
}
