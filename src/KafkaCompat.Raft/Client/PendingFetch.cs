using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Raft;

/// <summary>
/// A Fetch the leader holds (long poll) because it had nothing new: answered when records arrive
/// past its offset or the high watermark moves, or with what it had when MaxWaitMs runs out.
/// </summary>
internal sealed record PendingFetch(RaftInboundRequest Request, ReplicaKey Replica, FetchRequestData.FetchPartition Partition, long DeadlineMs, FetchResponseData InitialResponse);
