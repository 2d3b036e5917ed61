using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Share.Coordinator;

/// <summary>The error a share-partition's result carries, with Kafka's message for it (null message when there is no error).</summary>
public readonly record struct ShareStateError(ErrorCode Error, string? Message)
{
    public static ShareStateError None => default;

    public static ShareStateError UnknownTopicOrPartition => new(ErrorCode.UnknownTopicOrPartition, "This server does not host this topic-partition.");

    public static ShareStateError FencedLeaderEpoch => new(ErrorCode.FencedLeaderEpoch, "The leader epoch in the request is older than the epoch on the broker.");

    public static ShareStateError FencedStateEpoch => new(ErrorCode.FencedStateEpoch, "The share coordinator rejected the request because the share-group state epoch did not match.");

    public static ShareStateError NegativePartition => new(ErrorCode.InvalidRequest, "The partition id cannot be a negative number.");

    public bool IsError => Error != ErrorCode.None;
}
