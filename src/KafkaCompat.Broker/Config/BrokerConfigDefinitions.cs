using static KafkaCompat.Broker.Config.ConfigUpdateMode;
using static KafkaCompat.Broker.Config.ConfigValidator;
using static KafkaCompat.Broker.Config.NotActedOnReasons;

namespace KafkaCompat.Broker.Config;

/// <summary>
/// Kafka's broker configs: names, types, defaults, update modes and validators as Apache Kafka 3.9
/// documents them (the 3.x line still serves the old message formats KafkaCompat's protocol range
/// covers). Where Kafka 4.0 changed something it is noted beside the entry. The set is what a
/// `kafka-configs --describe --all` user expects to see; ZooKeeper-only configs are left out
/// because KafkaCompat runs in KRaft mode only. A config the broker accepts without acting on it
/// says so and why (<see cref="ConfigDefinition.NotActedOn"/>), so that setting it is warned about.
/// </summary>
public static class BrokerConfigDefinitions
{
    public const string NodeId = "node.id";
    public const string BrokerId = "broker.id";
    public const string ProcessRoles = "process.roles";
    public const string Listeners = "listeners";
    public const string AdvertisedListeners = "advertised.listeners";
    public const string ListenerSecurityProtocolMap = "listener.security.protocol.map";
    public const string InterBrokerListenerName = "inter.broker.listener.name";
    public const string ControllerListenerNames = "controller.listener.names";
    public const string LogDir = "log.dir";
    public const string LogDirs = "log.dirs";
    public const string LogRollMs = "log.roll.ms";
    public const string LogRollHours = "log.roll.hours";
    public const string LogRollJitterMs = "log.roll.jitter.ms";
    public const string LogRollJitterHours = "log.roll.jitter.hours";
    public const string LogRetentionMs = "log.retention.ms";
    public const string LogRetentionMinutes = "log.retention.minutes";
    public const string LogRetentionHours = "log.retention.hours";
    public const string LogFlushIntervalMs = "log.flush.interval.ms";
    public const string LogFlushSchedulerIntervalMs = "log.flush.scheduler.interval.ms";

    /// <summary>The listener-name form Kafka uses for per-listener overrides (listener.name.internal.ssl.keystore.location).</summary>
    public const string ListenerPrefix = "listener.name.";

    private const string LongMax = "9223372036854775807";
    private const string IntMax = "2147483647";
    private const string SecurityProtocols = "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL";

    // Declared before All: static initialisers run in text order.
    private static readonly ConfigValidator _gzipLevel = Custom(value =>
        (int)value is -1 or (>= 1 and <= 9) ? null : "Value must be between 1 and 9, or equal to -1");

    public static IReadOnlyList<ConfigDefinition> All { get; } =
    [
        // KRaft and identity.
        Def(NodeId, ConfigType.Int, "-1"), // Kafka 4.0: no default, [0,...]
        Def(BrokerId, ConfigType.Int, "-1"),
        Def(ProcessRoles, ConfigType.List, "", validator: ValidList("broker", "controller")),
        Def(ControllerListenerNames, ConfigType.String, null),
        Def("controller.quorum.voters", ConfigType.List, "").NotActedOn(NoQuorum),
        Def("controller.quorum.bootstrap.servers", ConfigType.List, "").NotActedOn(NoQuorum),
        Def("controller.quorum.election.timeout.ms", ConfigType.Int, "1000").NotActedOn(NoQuorum),
        Def("controller.quorum.election.backoff.max.ms", ConfigType.Int, "1000").NotActedOn(NoQuorum),
        Def("controller.quorum.fetch.timeout.ms", ConfigType.Int, "2000").NotActedOn(NoQuorum),
        Def("controller.quorum.append.linger.ms", ConfigType.Int, "25").NotActedOn(NoQuorum),
        Def("controller.quorum.request.timeout.ms", ConfigType.Int, "2000").NotActedOn(NoQuorum),
        Def("controller.quorum.retry.backoff.ms", ConfigType.Int, "20").NotActedOn(NoQuorum),
        Def("metadata.log.dir", ConfigType.String, null).NotActedOn("the metadata log is the partition __cluster_metadata-0 in log.dirs, like any other"),
        Def("metadata.log.segment.bytes", ConfigType.Int, "1073741824", validator: AtLeast(12)),
        Def("metadata.log.segment.ms", ConfigType.Long, "604800000"),
        Def("metadata.max.retention.bytes", ConfigType.Long, "104857600"),
        Def("metadata.max.retention.ms", ConfigType.Long, "604800000"),
        Def("metadata.log.max.record.bytes.between.snapshots", ConfigType.Long, "20971520", validator: AtLeast(1)),
        Def("metadata.log.max.snapshot.interval.ms", ConfigType.Long, "3600000", validator: AtLeast(0)),
        Def("metadata.max.idle.interval.ms", ConfigType.Int, "500", validator: AtLeast(0)).NotActedOn(NoQuorum),
        Def("broker.heartbeat.interval.ms", ConfigType.Int, "2000"),
        Def("broker.session.timeout.ms", ConfigType.Int, "9000"),
        Def("initial.broker.registration.timeout.ms", ConfigType.Int, "60000"),
        Def("broker.rack", ConfigType.String, null),

        // Listeners and the network layer.
        Def(Listeners, ConfigType.String, "PLAINTEXT://:9092", PerBroker),
        Def(AdvertisedListeners, ConfigType.String, null, PerBroker),
        Def(ListenerSecurityProtocolMap, ConfigType.String, SecurityProtocols, PerBroker),
        Def(InterBrokerListenerName, ConfigType.String, null),
        Def("security.inter.broker.protocol", ConfigType.String, "PLAINTEXT", validator: ValidString("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")),
        Def("early.start.listeners", ConfigType.String, null).NotActedOn("every listener starts once start-up is complete"),
        Def("num.network.threads", ConfigType.Int, "3", ClusterWide, AtLeast(1)).NotActedOn(Threads),
        Def("num.io.threads", ConfigType.Int, "8", ClusterWide, AtLeast(1)).NotActedOn(Threads),
        Def("background.threads", ConfigType.Int, "10", ClusterWide, AtLeast(1)).NotActedOn(Threads),
        Def("queued.max.requests", ConfigType.Int, "500", validator: AtLeast(1)).NotActedOn(Threads),
        Def("queued.max.request.bytes", ConfigType.Long, "-1").NotActedOn(Threads),
        Def("socket.send.buffer.bytes", ConfigType.Int, "102400").NotActedOn("sockets keep the operating system's buffer sizes and backlog"),
        Def("socket.receive.buffer.bytes", ConfigType.Int, "102400").NotActedOn("sockets keep the operating system's buffer sizes and backlog"),
        Def("socket.request.max.bytes", ConfigType.Int, "104857600", validator: AtLeast(1)),
        Def("socket.listen.backlog.size", ConfigType.Int, "50", validator: AtLeast(1)).NotActedOn("sockets keep the operating system's buffer sizes and backlog"),
        Def("socket.connection.setup.timeout.ms", ConfigType.Long, "10000").NotActedOn(SingleNode),
        Def("socket.connection.setup.timeout.max.ms", ConfigType.Long, "30000").NotActedOn(SingleNode),
        Def("connections.max.idle.ms", ConfigType.Long, "600000"),
        Def("connections.max.reauth.ms", ConfigType.Long, "0").NotActedOn(NoSecurity),
        Def("max.connections", ConfigType.Int, IntMax, ClusterWide, AtLeast(0)).NotActedOn(NoConnectionLimits),
        Def("max.connections.per.ip", ConfigType.Int, IntMax, ClusterWide, AtLeast(0)).NotActedOn(NoConnectionLimits),
        Def("max.connections.per.ip.overrides", ConfigType.String, "", ClusterWide).NotActedOn(NoConnectionLimits),
        Def("max.connection.creation.rate", ConfigType.Int, IntMax, ClusterWide, AtLeast(0)).NotActedOn(NoConnectionLimits),
        Def("request.timeout.ms", ConfigType.Int, "30000").NotActedOn(SingleNode),
        Def("principal.builder.class", ConfigType.Class, "org.apache.kafka.common.security.authenticator.DefaultKafkaPrincipalBuilder", PerBroker).NotActedOn(NoSecurity),
        Def("authorizer.class.name", ConfigType.String, "").NotActedOn(NoSecurity),

        // Topics and partitions.
        Def("auto.create.topics.enable", ConfigType.Boolean, "true"),
        Def("delete.topic.enable", ConfigType.Boolean, "true"),
        Def("num.partitions", ConfigType.Int, "1", validator: AtLeast(1)),
        Def("default.replication.factor", ConfigType.Int, "1"),
        Def("min.insync.replicas", ConfigType.Int, "1", ClusterWide, AtLeast(1)).NotActedOn(NoMinIsr),
        Def("unclean.leader.election.enable", ConfigType.Boolean, "false", ClusterWide).NotActedOn(SingleNode),
        Def("auto.leader.rebalance.enable", ConfigType.Boolean, "true").NotActedOn(SingleNode),
        Def("leader.imbalance.check.interval.seconds", ConfigType.Long, "300", validator: AtLeast(1)).NotActedOn(SingleNode),
        Def("leader.imbalance.per.broker.percentage", ConfigType.Int, "10").NotActedOn(SingleNode),
        Def("controlled.shutdown.enable", ConfigType.Boolean, "true").NotActedOn(SingleNode),
        Def("create.topic.policy.class.name", ConfigType.Class, null).NotActedOn(NoJavaPlugins),
        Def("alter.config.policy.class.name", ConfigType.Class, null).NotActedOn(NoJavaPlugins),

        // The log.
        Def(LogDir, ConfigType.String, "/tmp/kafka-logs"),
        Def(LogDirs, ConfigType.String, null),
        Def("log.segment.bytes", ConfigType.Int, "1073741824", ClusterWide, AtLeast(14)), // Kafka 4.0: [1048576,...]
        Def(LogRollMs, ConfigType.Long, null, ClusterWide),
        Def(LogRollHours, ConfigType.Int, "168", validator: AtLeast(1)),
        Def(LogRollJitterMs, ConfigType.Long, null, ClusterWide),
        Def(LogRollJitterHours, ConfigType.Int, "0", validator: AtLeast(0)),
        Def(LogRetentionMs, ConfigType.Long, null, ClusterWide),
        Def(LogRetentionMinutes, ConfigType.Int, null),
        Def(LogRetentionHours, ConfigType.Int, "168"),
        Def("log.retention.bytes", ConfigType.Long, "-1", ClusterWide),
        Def("log.retention.check.interval.ms", ConfigType.Long, "300000", validator: AtLeast(1)),
        Def("log.cleanup.policy", ConfigType.List, "delete", ClusterWide, ValidList("compact", "delete")),
        Def("log.cleaner.enable", ConfigType.Boolean, "true"),
        Def("log.cleaner.threads", ConfigType.Int, "1", ClusterWide, AtLeast(0)),
        Def("log.cleaner.io.max.bytes.per.second", ConfigType.Double, "1.7976931348623157E308", ClusterWide),
        Def("log.cleaner.dedupe.buffer.size", ConfigType.Long, "134217728", ClusterWide),
        Def("log.cleaner.io.buffer.size", ConfigType.Int, "524288", ClusterWide, AtLeast(0)),
        Def("log.cleaner.io.buffer.load.factor", ConfigType.Double, "0.9", ClusterWide),
        Def("log.cleaner.backoff.ms", ConfigType.Long, "15000", ClusterWide, AtLeast(0)),
        Def("log.cleaner.min.cleanable.ratio", ConfigType.Double, "0.5", ClusterWide, Between(0, 1)),
        Def("log.cleaner.delete.retention.ms", ConfigType.Long, "86400000", ClusterWide, AtLeast(0)),
        Def("log.cleaner.min.compaction.lag.ms", ConfigType.Long, "0", ClusterWide, AtLeast(0)),
        Def("log.cleaner.max.compaction.lag.ms", ConfigType.Long, LongMax, ClusterWide, AtLeast(1)),
        Def("log.index.size.max.bytes", ConfigType.Int, "10485760", ClusterWide, AtLeast(4)),
        Def("log.index.interval.bytes", ConfigType.Int, "4096", ClusterWide, AtLeast(0)),
        Def("log.flush.interval.messages", ConfigType.Long, LongMax, ClusterWide, AtLeast(1)),
        Def(LogFlushIntervalMs, ConfigType.Long, null, ClusterWide),
        Def(LogFlushSchedulerIntervalMs, ConfigType.Long, LongMax),
        Def("log.flush.offset.checkpoint.interval.ms", ConfigType.Int, "60000", validator: AtLeast(0)).NotActedOn("the recovery point and log start offset checkpoints are not written on this interval"),
        Def("log.flush.start.offset.checkpoint.interval.ms", ConfigType.Int, "60000", validator: AtLeast(0)).NotActedOn("the recovery point and log start offset checkpoints are not written on this interval"),
        Def("log.segment.delete.delay.ms", ConfigType.Long, "60000", ClusterWide, AtLeast(0)).NotActedOn(ImmediateDelete),
        Def("log.preallocate", ConfigType.Boolean, "false", ClusterWide).NotActedOn("segment files are not preallocated"),
        Def("log.message.format.version", ConfigType.String, "3.0-IV1").NotActedOn(LogIsAlwaysV2), // removed in Kafka 4.0
        Def("log.message.timestamp.type", ConfigType.String, "CreateTime", ClusterWide, ValidString("CreateTime", "LogAppendTime")),
        Def("log.message.timestamp.difference.max.ms", ConfigType.Long, LongMax, ClusterWide, AtLeast(0)).NotActedOn(NoTimestampChecks), // removed in Kafka 4.0
        Def("log.message.timestamp.before.max.ms", ConfigType.Long, LongMax, ClusterWide, AtLeast(0)),
        Def("log.message.timestamp.after.max.ms", ConfigType.Long, "3600000", ClusterWide, AtLeast(0)), // one hour since Kafka 4.0 (Long.MaxValue before)
        Def("log.message.downconversion.enable", ConfigType.Boolean, "true", ClusterWide), // removed in Kafka 4.0
        Def("log.local.retention.ms", ConfigType.Long, "-2", ClusterWide, AtLeast(-2)).NotActedOn(NoTieredStorage),
        Def("log.local.retention.bytes", ConfigType.Long, "-2", ClusterWide, AtLeast(-2)).NotActedOn(NoTieredStorage),
        Def("log.dir.failure.timeout.ms", ConfigType.Long, "30000", validator: AtLeast(1)).NotActedOn("a failed log directory is not taken offline: the broker has no log directory failover"),
        Def("num.recovery.threads.per.data.dir", ConfigType.Int, "1", ClusterWide, AtLeast(1)), // Kafka 4.0: 2
        Def("num.replica.alter.log.dirs.threads", ConfigType.Int, null).NotActedOn(SingleNode),
        Def("message.max.bytes", ConfigType.Int, "1048588", ClusterWide, AtLeast(0)),
        Def("compression.type", ConfigType.String, "producer", ClusterWide, ValidString("uncompressed", "zstd", "lz4", "snappy", "gzip", "producer")),
        Def("compression.gzip.level", ConfigType.Int, "-1", ClusterWide, _gzipLevel).NotActedOn(CompressionLevel),
        Def("compression.lz4.level", ConfigType.Int, "9", ClusterWide, Between(1, 17)).NotActedOn(CompressionLevel),
        Def("compression.zstd.level", ConfigType.Int, "3", ClusterWide, Between(-131072, 22)).NotActedOn(CompressionLevel),
        Def("remote.log.storage.system.enable", ConfigType.Boolean, "false").NotActedOn(NoTieredStorage),

        // Replication and fetch.
        Def("num.replica.fetchers", ConfigType.Int, "1", ClusterWide).NotActedOn(SingleNode),
        Def("replica.lag.time.max.ms", ConfigType.Long, "30000").NotActedOn(SingleNode),
        Def("replica.fetch.max.bytes", ConfigType.Int, "1048576", validator: AtLeast(0)).NotActedOn(SingleNode),
        Def("replica.fetch.min.bytes", ConfigType.Int, "1").NotActedOn(SingleNode),
        Def("replica.fetch.wait.max.ms", ConfigType.Int, "500").NotActedOn(SingleNode),
        Def("replica.fetch.backoff.ms", ConfigType.Int, "1000", validator: AtLeast(0)).NotActedOn(SingleNode),
        Def("replica.fetch.response.max.bytes", ConfigType.Int, "10485760", validator: AtLeast(0)).NotActedOn(SingleNode),
        Def("replica.socket.timeout.ms", ConfigType.Int, "30000").NotActedOn(SingleNode),
        Def("replica.socket.receive.buffer.bytes", ConfigType.Int, "65536").NotActedOn(SingleNode),
        Def("replica.high.watermark.checkpoint.interval.ms", ConfigType.Long, "5000").NotActedOn(SingleNode),
        Def("replica.selector.class", ConfigType.String, null).NotActedOn(SingleNode),
        Def("fetch.max.bytes", ConfigType.Int, "57671680", validator: AtLeast(1024)),
        Def("max.incremental.fetch.session.cache.slots", ConfigType.Int, "1000", validator: AtLeast(0)),
        Def("fetch.purgatory.purge.interval.requests", ConfigType.Int, "1000").NotActedOn(PurgatoryTuning),
        Def("producer.purgatory.purge.interval.requests", ConfigType.Int, "1000").NotActedOn(PurgatoryTuning),
        Def("delete.records.purgatory.purge.interval.requests", ConfigType.Int, "1").NotActedOn(PurgatoryTuning),

        // Group coordinator and __consumer_offsets.
        Def("group.initial.rebalance.delay.ms", ConfigType.Int, "3000"),
        Def("group.min.session.timeout.ms", ConfigType.Int, "6000"),
        Def("group.max.session.timeout.ms", ConfigType.Int, "1800000"),
        Def("group.max.size", ConfigType.Int, IntMax, validator: AtLeast(1)),
        // KIP-848 consumer groups: the session timeout and heartbeat interval the coordinator gives their members.
        Def("group.consumer.session.timeout.ms", ConfigType.Int, "45000", validator: AtLeast(1)),
        Def("group.consumer.heartbeat.interval.ms", ConfigType.Int, "5000", validator: AtLeast(1)),
        // The most members a consumer group may have (classic groups have group.max.size).
        Def("group.consumer.max.size", ConfigType.Int, IntMax, validator: AtLeast(1)),
        // Kafka's internal config: how old a consumer group's regular-expression resolution may get before a heartbeat resolves it again.
        Def("group.consumer.regex.refresh.interval.ms", ConfigType.Int, "600000", validator: AtLeast(10_000)),
        // KIP-932 share groups: the session timeout and heartbeat interval of their members, their size
        // limit, and how long a share-partition initialization may go unanswered before it is asked again.
        Def("group.share.session.timeout.ms", ConfigType.Int, "45000", validator: AtLeast(1)),
        Def("group.share.heartbeat.interval.ms", ConfigType.Int, "5000", validator: AtLeast(1)),
        Def("group.share.max.size", ConfigType.Int, "200", validator: AtLeast(1)),
        Def("group.share.initialize.retry.interval.ms", ConfigType.Int, "30000", validator: AtLeast(1)),
        // KIP-848 online migration between classic and consumer groups; Kafka compares the value case-insensitively.
        Def("group.consumer.migration.policy", ConfigType.String, "bidirectional", validator: Custom(value =>
            Groups.Consumer.ConsumerGroupMigrationPolicies.Names.Contains(((string)value).ToLowerInvariant())
                ? null
                : "String must be one of (case insensitive): " + string.Join(", ", Groups.Consumer.ConsumerGroupMigrationPolicies.Names))),
        // KIP-932 share groups, on the share-partition leader: the broker defaults of a share group's settings (Share/ShareGroupSettings).
        Def("group.share.record.lock.duration.ms", ConfigType.Int, "30000", validator: Between(1000, 3600000)),
        Def("group.share.delivery.count.limit", ConfigType.Int, "5", validator: Between(2, 10)),
        Def("group.share.partition.max.record.locks", ConfigType.Int, "2000", validator: Between(100, 10000)),
        Def("group.share.max.share.sessions", ConfigType.Int, "2000", validator: AtLeast(1)),
        Def("offsets.topic.num.partitions", ConfigType.Int, "50", validator: AtLeast(1)),
        // Kafka's default is 3, and Kafka refuses to create __consumer_offsets until that many brokers
        // exist, which is why single-node setups (the apache/kafka image's examples) set it to 1.
        Def("offsets.topic.replication.factor", ConfigType.Short, "3", validator: AtLeast(1)).NotActedOn("__consumer_offsets gets one replica, on this single node, whatever the value"),
        Def("offsets.topic.segment.bytes", ConfigType.Int, "104857600", validator: AtLeast(1)),
        Def("offsets.topic.compression.codec", ConfigType.Int, "0").NotActedOn("__consumer_offsets batches are written uncompressed"),
        Def("offsets.retention.minutes", ConfigType.Int, "10080", validator: AtLeast(1)),
        Def("offsets.retention.check.interval.ms", ConfigType.Long, "600000", validator: AtLeast(1)),
        Def("offsets.commit.timeout.ms", ConfigType.Int, "5000", validator: AtLeast(1)).NotActedOn("an offset commit completes when its records are in the local log"),
        Def("offsets.load.buffer.size", ConfigType.Int, "5242880", validator: AtLeast(1)).NotActedOn("__consumer_offsets is loaded batch by batch, not through a buffer of this size"),
        Def("offset.metadata.max.bytes", ConfigType.Int, "4096"),
        // The bounds a group's own consumer.* configs must keep within (GROUP resource, Kafka 4.2).
        Def("group.consumer.min.session.timeout.ms", ConfigType.Int, "45000", validator: AtLeast(1)),
        Def("group.consumer.max.session.timeout.ms", ConfigType.Int, "60000", validator: AtLeast(1)),
        Def("group.consumer.min.heartbeat.interval.ms", ConfigType.Int, "5000", validator: AtLeast(1)),
        Def("group.consumer.max.heartbeat.interval.ms", ConfigType.Int, "15000", validator: AtLeast(1)),
        // KIP-932 share groups and KIP-1071 streams groups: the defaults and bounds of their group configs.
        Def("group.share.min.session.timeout.ms", ConfigType.Int, "45000", validator: AtLeast(1)),
        Def("group.share.max.session.timeout.ms", ConfigType.Int, "60000", validator: AtLeast(1)),
        Def("group.share.min.heartbeat.interval.ms", ConfigType.Int, "5000", validator: AtLeast(1)),
        Def("group.share.max.heartbeat.interval.ms", ConfigType.Int, "15000", validator: AtLeast(1)),
        Def("group.share.min.record.lock.duration.ms", ConfigType.Int, "15000", validator: Between(1000, 30000)),
        Def("group.share.max.record.lock.duration.ms", ConfigType.Int, "60000", validator: Between(30000, 3600000)),
        Def("group.streams.session.timeout.ms", ConfigType.Int, "45000", validator: AtLeast(1)).NotActedOn(NoStreamsGroups),
        Def("group.streams.min.session.timeout.ms", ConfigType.Int, "45000", validator: AtLeast(1)),
        Def("group.streams.max.session.timeout.ms", ConfigType.Int, "60000", validator: AtLeast(1)),
        Def("group.streams.heartbeat.interval.ms", ConfigType.Int, "5000", validator: AtLeast(1)).NotActedOn(NoStreamsGroups),
        Def("group.streams.min.heartbeat.interval.ms", ConfigType.Int, "5000", validator: AtLeast(1)),
        Def("group.streams.max.heartbeat.interval.ms", ConfigType.Int, "15000", validator: AtLeast(1)),
        Def("group.streams.num.standby.replicas", ConfigType.Int, "0", validator: AtLeast(0)).NotActedOn(NoStreamsGroups),
        Def("group.streams.max.standby.replicas", ConfigType.Int, "2", validator: AtLeast(0)),
        Def("group.streams.initial.rebalance.delay.ms", ConfigType.Int, "3000", validator: AtLeast(0)).NotActedOn(NoStreamsGroups),

        // Transaction coordinator and __transaction_state.
        Def("transaction.state.log.num.partitions", ConfigType.Int, "50", validator: AtLeast(1)),
        Def("transaction.state.log.replication.factor", ConfigType.Short, "3", validator: AtLeast(1)).NotActedOn("__transaction_state gets one replica, on this single node, whatever the value"),
        Def("transaction.state.log.min.isr", ConfigType.Int, "2", validator: AtLeast(1)).NotActedOn("__transaction_state has one replica, on this single node"),
        Def("transaction.state.log.segment.bytes", ConfigType.Int, "104857600", validator: AtLeast(1)),
        Def("transaction.state.log.load.buffer.size", ConfigType.Int, "5242880", validator: AtLeast(1)).NotActedOn("__transaction_state is loaded batch by batch, not through a buffer of this size"),
        Def("transaction.max.timeout.ms", ConfigType.Int, "900000", validator: AtLeast(1)),
        Def("transactional.id.expiration.ms", ConfigType.Int, "604800000", validator: AtLeast(1)),
        Def("transaction.abort.timed.out.transaction.cleanup.interval.ms", ConfigType.Int, "10000", validator: AtLeast(1)),
        Def("transaction.remove.expired.transaction.cleanup.interval.ms", ConfigType.Int, "3600000", validator: AtLeast(1)),
        Def("transaction.partition.verification.enable", ConfigType.Boolean, "true", ClusterWide),
        Def("producer.id.expiration.ms", ConfigType.Int, "86400000", ClusterWide, AtLeast(1)),

        // Share coordinator and __share_group_state (KIP-932).
        Def("share.coordinator.state.topic.num.partitions", ConfigType.Int, "50", validator: AtLeast(1)),
        Def("share.coordinator.state.topic.replication.factor", ConfigType.Short, "3", validator: AtLeast(1)).NotActedOn("__share_group_state gets one replica, on this single node, whatever the value"),
        Def("share.coordinator.state.topic.min.isr", ConfigType.Short, "2", validator: AtLeast(1)).NotActedOn("__share_group_state has one replica, on this single node"),
        Def("share.coordinator.state.topic.segment.bytes", ConfigType.Int, "104857600", validator: AtLeast(1)),
        Def("share.coordinator.state.topic.compression.codec", ConfigType.Int, "0").NotActedOn("__share_group_state batches are written uncompressed"),
        Def("share.coordinator.snapshot.update.records.per.snapshot", ConfigType.Int, "500", validator: Between(0, 500)),
        Def("share.coordinator.threads", ConfigType.Int, "1", validator: AtLeast(1)).NotActedOn("each __share_group_state partition runs on its own executor"),
        Def("share.coordinator.write.timeout.ms", ConfigType.Int, "5000", validator: AtLeast(1)).NotActedOn("a share state write completes when its record is in the local log"),
        Def("share.coordinator.load.buffer.size", ConfigType.Int, "5242880", validator: AtLeast(1)).NotActedOn("__share_group_state is loaded batch by batch, not through a buffer of this size"),
        Def("share.coordinator.append.linger.ms", ConfigType.Int, "-1", validator: AtLeast(-1)).NotActedOn("each share state write is appended at once"),

        // Security: per-broker because Kafka keys them per listener.
        Def("sasl.enabled.mechanisms", ConfigType.List, "GSSAPI", PerBroker).NotActedOn(NoSecurity),
        Def("sasl.mechanism.inter.broker.protocol", ConfigType.String, "GSSAPI", PerBroker).NotActedOn(NoSecurity),
        Def("sasl.mechanism.controller.protocol", ConfigType.String, "GSSAPI").NotActedOn(NoSecurity),
        Def("sasl.jaas.config", ConfigType.Password, null, PerBroker).NotActedOn(NoSecurity),
        Def("ssl.keystore.type", ConfigType.String, "JKS", PerBroker).NotActedOn(NoSecurity),
        Def("ssl.keystore.location", ConfigType.String, null, PerBroker).NotActedOn(NoSecurity),
        Def("ssl.keystore.password", ConfigType.Password, null, PerBroker).NotActedOn(NoSecurity),
        Def("ssl.keystore.key", ConfigType.Password, null, PerBroker).NotActedOn(NoSecurity),
        Def("ssl.keystore.certificate.chain", ConfigType.Password, null, PerBroker).NotActedOn(NoSecurity),
        Def("ssl.key.password", ConfigType.Password, null, PerBroker).NotActedOn(NoSecurity),
        Def("ssl.truststore.type", ConfigType.String, "JKS", PerBroker).NotActedOn(NoSecurity),
        Def("ssl.truststore.location", ConfigType.String, null, PerBroker).NotActedOn(NoSecurity),
        Def("ssl.truststore.password", ConfigType.Password, null, PerBroker).NotActedOn(NoSecurity),
        Def("ssl.truststore.certificates", ConfigType.Password, null, PerBroker).NotActedOn(NoSecurity),
        Def("ssl.client.auth", ConfigType.String, "none", PerBroker, ValidString("required", "requested", "none")).NotActedOn(NoSecurity),
        Def("ssl.protocol", ConfigType.String, "TLSv1.3", PerBroker).NotActedOn(NoSecurity),
        Def("ssl.enabled.protocols", ConfigType.List, "TLSv1.2,TLSv1.3", PerBroker).NotActedOn(NoSecurity),
        Def("ssl.cipher.suites", ConfigType.List, "", PerBroker).NotActedOn(NoSecurity),
        Def("ssl.endpoint.identification.algorithm", ConfigType.String, "https", PerBroker).NotActedOn(NoSecurity),
        Def("ssl.principal.mapping.rules", ConfigType.String, "DEFAULT").NotActedOn(NoSecurity),
        Def("delegation.token.secret.key", ConfigType.Password, null).NotActedOn(NoSecurity),
        Def("delegation.token.expiry.time.ms", ConfigType.Long, "86400000", validator: AtLeast(1)).NotActedOn(NoSecurity),
        Def("delegation.token.max.lifetime.ms", ConfigType.Long, "604800000", validator: AtLeast(1)).NotActedOn(NoSecurity),

        // Metrics.
        Def("metric.reporters", ConfigType.List, "", ClusterWide).NotActedOn(NoJavaPlugins),
        Def("metrics.num.samples", ConfigType.Int, "2", validator: AtLeast(1)).NotActedOn("the broker keeps no Kafka metrics"),
        Def("metrics.sample.window.ms", ConfigType.Long, "30000", validator: AtLeast(1)).NotActedOn("the broker keeps no Kafka metrics"),
        Def("metrics.recording.level", ConfigType.String, "INFO").NotActedOn("the broker keeps no Kafka metrics"),
    ];

    private static readonly Dictionary<string, ConfigDefinition> _byName = All.ToDictionary(d => d.Name, StringComparer.Ordinal);

    public static ConfigDefinition? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>Known config, or a listener-prefixed override of one (listener.name.x.ssl...), which Kafka accepts.</summary>
    public static bool IsKnown(string name) => _byName.ContainsKey(name) || IsListenerOverride(name);

    public static bool IsListenerOverride(string name) => name.StartsWith(ListenerPrefix, StringComparison.Ordinal);

    /// <summary>
    /// The broker-level synonyms of a config in Kafka's order (DynamicBrokerConfig.brokerConfigSynonyms):
    /// the finer unit wins, and log.flush.scheduler.interval.ms stands in for an unset log.flush.interval.ms.
    /// </summary>
    public static IReadOnlyList<string> Synonyms(string name) => name switch
    {
        LogRollMs or LogRollHours => [LogRollMs, LogRollHours],
        LogRollJitterMs or LogRollJitterHours => [LogRollJitterMs, LogRollJitterHours],
        LogRetentionMs or LogRetentionMinutes or LogRetentionHours => [LogRetentionMs, LogRetentionMinutes, LogRetentionHours],
        LogFlushIntervalMs => [LogFlushIntervalMs, LogFlushSchedulerIntervalMs],
        _ => [name],
    };

    private static ConfigDefinition Def(string name, ConfigType type, string? defaultValue, ConfigUpdateMode mode = ReadOnly, ConfigValidator? validator = null) =>
        new(name, type, defaultValue, mode, validator);
}
