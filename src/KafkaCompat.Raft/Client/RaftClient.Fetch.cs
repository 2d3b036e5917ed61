using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Raft;

/// <summary>
/// Fetch from replicas (KIP-595): a follower sends its log end offset and the epoch of its last
/// record; the leader answers with records when the two logs agree there, with the diverging epoch
/// (where the follower must truncate to) when they do not, or with a snapshot id when the position
/// is before the leader's log start. A fetch with nothing to return waits up to its MaxWaitMs for
/// new records or a new high watermark. The leader learns each replica's progress from its fetch
/// offsets: that is what moves the high watermark.
/// </summary>
public sealed partial class RaftClient
{
    private FetchResponseData? HandleFetchRequest(RaftInboundRequest inbound, long nowMs)
    {
        var request = (FetchRequestData)inbound.Data;
        if (!HasValidClusterId(request.ClusterId))
        {
            return new FetchResponseData { ErrorCode = (short)ErrorCode.InconsistentClusterId };
        }
        if (!RaftMessages.IsSingletonMetadataPartition(request.Topics, t => RaftMessages.IsMetadataTopic(t.Topic, t.TopicId), t => t.Partitions, p => p.Partition))
        {
            return new FetchResponseData { ErrorCode = (short)ErrorCode.InvalidRequest };
        }
        var partition = request.Topics[0].Partitions[0];
        if (request.MaxWaitMs < 0 || partition.FetchOffset < 0 || partition.LastFetchedEpoch < 0 || partition.LastFetchedEpoch > partition.CurrentLeaderEpoch)
        {
            return EmptyFetchResponse(ErrorCode.InvalidRequest, null);
        }
        // From v15 the fetching replica names itself in ReplicaState (KIP-903).
        var replicaId = inbound.ApiVersion >= 15 ? request.ReplicaState.ReplicaId : request.ReplicaId;
        var replica = new ReplicaKey(replicaId, partition.ReplicaDirectoryId != Uuid.Zero ? partition.ReplicaDirectoryId : null);
        var response = TryCompleteFetchRequest(replica, partition, request.MaxBytes, nowMs);
        var data = response.Responses[0].Partitions[0];
        if (data.ErrorCode != (short)ErrorCode.None || data.Records is { Length: > 0 } || request.MaxWaitMs == 0 || data.DivergingEpoch.Epoch >= 0 || data.SnapshotId.Epoch >= 0)
        {
            return response;
        }
        _pendingFetches.Add(new PendingFetch(inbound, replica, partition, nowMs + request.MaxWaitMs, response));
        return null;
    }

    private FetchResponseData TryCompleteFetchRequest(ReplicaKey replica, FetchRequestData.FetchPartition request, int maxBytes, long nowMs)
    {
        var error = ValidateLeaderOnlyRequest(request.CurrentLeaderEpoch);
        if (error != ErrorCode.None)
        {
            return EmptyFetchResponse(error, null);
        }
        var leader = _quorum.LeaderStateOrThrow();
        var valid = _log.LatestSnapshotId is { } latest && request.FetchOffset == 0 && latest.Offset > 0
            // An empty follower is better served by the snapshot than by the log from its start.
            ? ValidOffsetAndEpoch.Snapshot(latest)
            : _log.ValidateOffsetAndEpoch(request.FetchOffset, request.LastFetchedEpoch);
        var partition = new FetchResponseData.PartitionData
        {
            PartitionIndex = RaftMessages.MetadataPartition,
            LogStartOffset = _log.StartOffset,
            CurrentLeader = new FetchResponseData.LeaderIdAndEpoch { LeaderId = NodeId, LeaderEpoch = _quorum.Epoch },
        };
        switch (valid.Kind)
        {
            case ValidOffsetAndEpochKind.Valid:
                using (var read = _log.Read(request.FetchOffset, RaftIsolation.Uncommitted, Math.Min(maxBytes, request.PartitionMaxBytes > 0 ? request.PartitionMaxBytes : maxBytes)))
                {
                    // The response outlives the read's buffer.
                    partition.Records = read.Records.ToArray();
                }
                if (leader.UpdateReplicaState(replica, nowMs, request.FetchOffset))
                {
                    OnUpdateLeaderHighWatermark(leader, nowMs);
                }
                break;
            case ValidOffsetAndEpochKind.Diverging:
                partition.DivergingEpoch = new FetchResponseData.EpochEndOffset { Epoch = valid.OffsetAndEpoch.Epoch, EndOffset = valid.OffsetAndEpoch.Offset };
                break;
            case ValidOffsetAndEpochKind.Snapshot:
                partition.SnapshotId = new FetchResponseData.SnapshotId { Epoch = valid.OffsetAndEpoch.Epoch, EndOffset = valid.OffsetAndEpoch.Offset };
                break;
        }
        partition.HighWatermark = leader.HighWatermark ?? -1;
        return RaftMessages.FetchResponse(partition);
    }

    /// <summary>
    /// Whether a follower's (fetch offset, last fetched epoch) is a position of this log (Kafka's
    /// ReplicatedLog.validateOffsetAndEpoch): before the log start, or in an epoch older than the
    /// oldest snapshot, it must fetch the latest snapshot; where this log's epoch ends earlier or the
    /// epoch differs, it must truncate to the end of the largest epoch the two logs share.
    /// </summary>
    private FetchResponseData EmptyFetchResponse(ErrorCode error, long? highWatermark) => RaftMessages.FetchResponse(new FetchResponseData.PartitionData
    {
        PartitionIndex = RaftMessages.MetadataPartition,
        ErrorCode = (short)error,
        HighWatermark = highWatermark ?? -1,
        LogStartOffset = _log.StartOffset,
        CurrentLeader = new FetchResponseData.LeaderIdAndEpoch { LeaderId = _quorum.LeaderIdOrNil, LeaderEpoch = _quorum.Epoch },
    });

    /// <summary>Answers held fetches that now have records past their offset, or all of them when the high watermark moved (followers learn it from the answer).</summary>
    private void CompletePendingFetches(long nowMs, bool highWatermarkMoved)
    {
        if (_pendingFetches.Count == 0 || !_quorum.IsLeader)
        {
            return;
        }
        var ready = _pendingFetches.Where(p => highWatermarkMoved || p.Partition.FetchOffset < _log.EndOffset).ToList();
        foreach (var pending in ready)
        {
            _pendingFetches.Remove(pending);
            var request = (FetchRequestData)pending.Request.Data;
            pending.Request.Completion.TrySetResult(TryCompleteFetchRequest(pending.Replica, pending.Partition, request.MaxBytes, nowMs));
        }
    }

    /// <summary>Answers held fetches whose MaxWaitMs ran out with what they had; returns the time until the next one does.</summary>
    private long ExpirePendingFetches(long nowMs)
    {
        var next = long.MaxValue;
        for (var i = _pendingFetches.Count - 1; i >= 0; i--)
        {
            var pending = _pendingFetches[i];
            if (pending.DeadlineMs <= nowMs)
            {
                _pendingFetches.RemoveAt(i);
                pending.Request.Completion.TrySetResult(pending.InitialResponse);
            }
            else
            {
                next = Math.Min(next, pending.DeadlineMs - nowMs);
            }
        }
        return next;
    }

    private bool HandleFetchResponse(FetchResponseData response, long nowMs)
    {
        var isSingleton = RaftMessages.IsSingletonMetadataPartition(response.Responses, t => RaftMessages.IsMetadataTopic(t.Topic, t.TopicId), t => t.Partitions, p => p.PartitionIndex);
        if (HandleCommonResponse((ErrorCode)response.ErrorCode, isSingleton, () => response.Responses[0].Partitions[0] is var p ? ((ErrorCode)p.ErrorCode, p.CurrentLeader.LeaderId, p.CurrentLeader.LeaderEpoch) : default, nowMs) is { } outcome)
        {
            return outcome;
        }
        var partition = response.Responses[0].Partitions[0];
        var follower = _quorum.FollowerStateOrThrow();
        if (partition.DivergingEpoch.Epoch >= 0)
        {
            var diverging = new OffsetAndEpoch(partition.DivergingEpoch.EndOffset, partition.DivergingEpoch.Epoch);
            if (diverging.Offset < _log.HighWatermark)
            {
                throw new InvalidOperationException($"The leader asked for truncation to {diverging}, below the high watermark {_log.HighWatermark}: committed records would be lost.");
            }
            _log.TruncateTo(TruncationOffset(diverging));
        }
        else if (partition.SnapshotId.Epoch >= 0 || partition.SnapshotId.EndOffset >= 0)
        {
            if (partition.SnapshotId.Epoch < 0 || partition.SnapshotId.EndOffset < 0)
            {
                return false;
            }
            var snapshotId = new OffsetAndEpoch(partition.SnapshotId.EndOffset, partition.SnapshotId.Epoch);
            // Not checked against the local log: the snapshot is expected to be past its end.
            var writer = _log.CreateNewSnapshotUnchecked(snapshotId);
            follower.SetFetchingSnapshot(writer);
            if (writer is null && _log.TruncateToLatestSnapshot())
            {
                // This replica has that snapshot already (fetched before a restart): start from it.
                UpdateFollowerHighWatermark(_log.HighWatermark);
            }
        }
        else
        {
            if (partition.Records is { Length: > 0 } records)
            {
                AppendAsFollower(records);
            }
            UpdateFollowerHighWatermark(partition.HighWatermark);
        }
        follower.ResetFetchTimeoutForSuccessfulFetch(nowMs);
        return true;
    }

    private void AppendAsFollower(ReadOnlyMemory<byte> records)
    {
        // The log sets nothing in follower records; the copy keeps the response buffer read-only.
        _log.AppendAsFollower(records.ToArray(), _quorum.Epoch);
        if (_quorum.IsVoter)
        {
            // The leader counts a voter's fetch offset toward the majority: it must be durable by the next fetch.
            _log.Flush();
        }
    }

    /// <summary>A follower's high watermark is the leader's, but never past its own log end.</summary>
    private void UpdateFollowerHighWatermark(long leaderHighWatermark)
    {
        if (leaderHighWatermark < 0)
        {
            return;
        }
        var highWatermark = Math.Min(leaderHighWatermark, _log.EndOffset);
        if (highWatermark > _log.HighWatermark)
        {
            _log.UpdateHighWatermark(highWatermark);
        }
    }

    /// <summary>
    /// Where to truncate for the leader's diverging epoch (Kafka's truncateToEndOffset): to the end
    /// of that epoch in our log, or the leader's end of it if ours goes further; when our log does not
    /// have the epoch, to the end of the largest epoch below it that it has.
    /// </summary>
    private long TruncationOffset(OffsetAndEpoch diverging)
    {
        if (diverging.Epoch == 0)
        {
            return Math.Min(diverging.Offset, _log.EndOffset);
        }
        var local = _log.EndOffsetForEpoch(diverging.Epoch);
        return local.Epoch == diverging.Epoch ? Math.Min(local.Offset, diverging.Offset) : local.Offset;
    }
}
