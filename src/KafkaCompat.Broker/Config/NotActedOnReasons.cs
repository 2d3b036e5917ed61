namespace KafkaCompat.Broker.Config;

/// <summary>
/// The reasons shared by several configs that are accepted but not acted on
/// (<see cref="ConfigDefinition.NotActedOnReason"/>); a reason of one config is written beside it.
/// </summary>
internal static class NotActedOnReasons
{
    public const string SingleNode = "this broker is a single node that leads every partition and is its only replica, so there is no follower, election or leadership move";
    public const string NoQuorum = "there is no KRaft controller quorum yet: the metadata log is a local topic in log.dirs on this one node";
    public const string NoSecurity = "TLS, SASL and ACLs are not supported yet: only PLAINTEXT listeners are served and every client is User:ANONYMOUS";
    public const string NoTieredStorage = "tiered (remote) storage is not supported: every segment stays in log.dirs";
    public const string NoJavaPlugins = "Java plug-in classes cannot be loaded by this broker";
    public const string LogIsAlwaysV2 = "the log always holds record batch v2 (magic 2), as Kafka 3.0+ does whatever this says: legacy message sets (magic 0/1) are converted on produce and on fetch";
    public const string NoTimestampChecks = "produced timestamps are checked with message.timestamp.before.max.ms and message.timestamp.after.max.ms (KIP-937), not with the older message.timestamp.difference.max.ms";
    public const string Threads = "requests are scheduled on the .NET thread pool, not on fixed Kafka thread pools";
    public const string NoConnectionLimits = "connection limits and quotas are not enforced yet";
    public const string CompressionLevel = "when the broker compresses a batch itself (a topic compression.type other than producer) it uses the codec's default level";
    public const string PurgatoryTuning = "delayed operations are not purged on a request count";
    public const string NoMinIsr = "with one replica an acks=all produce is acknowledged once this node has it: NOT_ENOUGH_REPLICAS is never returned";
    public const string NoShareGroups = "share groups (KIP-932) are not served yet: the value is only the default of a group's share.* configs";
    public const string NoStreamsGroups = "streams groups (KIP-1071) are not served: the value is only the default of a group's streams.* configs";
    public const string ImmediateDelete = "deleted segments are removed from disk at once";
}
