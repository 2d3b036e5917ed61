using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Share.Sessions;

/// <summary>A partition of a share session, named as ShareFetch names it: by topic id.</summary>
public readonly record struct SharePartitionKey(Uuid TopicId, int Partition);
