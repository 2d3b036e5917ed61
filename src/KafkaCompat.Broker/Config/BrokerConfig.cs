using System.Collections.Immutable;
using System.Net;
using D = KafkaCompat.Broker.Config.BrokerConfigDefinitions;

namespace KafkaCompat.Broker.Config;

/// <summary>
/// The broker's effective configuration: an immutable snapshot of Kafka's layers (per-broker
/// dynamic, then cluster-default dynamic, then static, then Kafka's defaults) with typed accessors.
/// Every value is parsed and cross-checked when the snapshot is built, so a bad value stops startup
/// (or refuses a dynamic update) instead of failing later. Dynamic updates produce a new snapshot
/// (<see cref="DynamicBrokerConfigUpdater"/>); whoever owns the broker swaps it in.
/// </summary>
public sealed class BrokerConfig
{
    private readonly Dictionary<string, object?> _parsed = new(StringComparer.Ordinal);

    private BrokerConfig(
        ImmutableDictionary<string, string> staticConfigs,
        ImmutableHashSet<string> givenConfigNames,
        ImmutableDictionary<string, string> dynamicDefaultConfigs,
        ImmutableDictionary<string, string> dynamicBrokerConfigs)
    {
        StaticConfigs = staticConfigs;
        GivenConfigNames = givenConfigNames;
        DynamicDefaultConfigs = dynamicDefaultConfigs;
        DynamicBrokerConfigs = dynamicBrokerConfigs;

        foreach (var definition in D.All)
        {
            _parsed[definition.Name] = definition.Parse(Value(definition.Name));
        }

        NodeId = ResolveNodeId();
        ProcessRoles = GetList(D.ProcessRoles);
        ControllerListenerNames = ConfigDefinition.ParseList(GetString(D.ControllerListenerNames) ?? "")
            .Select(n => n.ToUpperInvariant()).ToArray();
        ListenerSecurityProtocolMap = ResolveProtocolMap();
        Listeners = Endpoint.ParseList(D.Listeners, GetString(D.Listeners) ?? "", ListenerSecurityProtocolMap);
        var configuredAdvertised = GetString(D.AdvertisedListeners) is { } advertised
            ? Endpoint.ParseList(D.AdvertisedListeners, advertised, ListenerSecurityProtocolMap)
            : null;
        QuorumVoters = ResolveQuorumVoters();
        AdvertisedControllerListeners = ResolveAdvertisedControllerListeners(configuredAdvertised);
        if (ProcessRolesConfigured)
        {
            KRaftConfigValidator.Validate(this, configuredAdvertised);
        }
        AdvertisedListeners = ResolveAdvertisedListeners(configuredAdvertised);
        InterBrokerListenerName = ResolveInterBrokerListenerName();
        LogDirs = ConfigDefinition.ParseList(GetString(D.LogDirs) ?? GetString(D.LogDir) ?? "");
        if (LogDirs.Count == 0)
        {
            throw new ConfigException(D.LogDirs, Value(D.LogDirs), "At least one log directory must be defined via log.dirs or log.dir.");
        }
    }

    /// <summary>Kafka's defaults with KafkaCompat's embedded ones (<see cref="KafkaCompatDefaults"/>).</summary>
    public static BrokerConfig Default { get; } = Create(ImmutableDictionary<string, string>.Empty);

    /// <summary>What was given at startup (file, environment, overrides) over KafkaCompat's embedded defaults.</summary>
    public ImmutableDictionary<string, string> StaticConfigs { get; }

    /// <summary>
    /// The names given at startup (file, environment, overrides), without KafkaCompat's embedded
    /// defaults: what Kafka would call the originals.
    /// </summary>
    public ImmutableHashSet<string> GivenConfigNames { get; }

    /// <summary>
    /// process.roles was given, not taken from the embedded default: the node runs as Kafka runs a KRaft
    /// node, with Kafka's checks of the KRaft configs and storage formatted by <c>kafkacompat storage format</c>.
    /// Without it the node is the embedded single node, which formats its own storage.
    /// </summary>
    public bool ProcessRolesConfigured => GivenConfigNames.Contains(D.ProcessRoles);

    /// <summary>controller.quorum.voters by node id (a static quorum, kraft.version 0); empty when unset.</summary>
    public IReadOnlyDictionary<int, Raft.RaftEndpoint> QuorumVoters { get; }

    /// <summary>controller.quorum.bootstrap.servers (a dynamic quorum, kraft.version 1); empty when unset.</summary>
    public IReadOnlyList<string> QuorumBootstrapServers => GetList("controller.quorum.bootstrap.servers");

    /// <summary>
    /// The controller listeners as other nodes reach them: each name of controller.listener.names from
    /// advertised.listeners, else from listeners (Kafka's effectiveAdvertisedControllerListeners).
    /// </summary>
    public IReadOnlyList<Endpoint> AdvertisedControllerListeners { get; }

    /// <summary>Dynamic configs of the cluster-default resource (BROKER with an empty name).</summary>
    public ImmutableDictionary<string, string> DynamicDefaultConfigs { get; }

    /// <summary>Dynamic configs of this broker's own resource (BROKER named by node.id).</summary>
    public ImmutableDictionary<string, string> DynamicBrokerConfigs { get; }

    public int NodeId { get; }

    public IReadOnlyList<string> ProcessRoles { get; }

    public IReadOnlyList<Endpoint> Listeners { get; }

    /// <summary>What Metadata returns: advertised.listeners, or listeners when unset, without the controller listeners.</summary>
    public IReadOnlyList<Endpoint> AdvertisedListeners { get; }

    public IReadOnlyDictionary<string, SecurityProtocol> ListenerSecurityProtocolMap { get; }

    public string InterBrokerListenerName { get; }

    public IReadOnlyList<string> ControllerListenerNames { get; }

    public IReadOnlyList<string> LogDirs { get; }

    /// <summary>Where the storage tool formats the metadata log (Kafka's metadataLogDir): metadata.log.dir, else the first of log.dirs.</summary>
    public string MetadataLogDir => GetString("metadata.log.dir") ?? LogDirs[0];

    public int NumPartitions => GetInt("num.partitions");

    public int DefaultReplicationFactor => GetInt("default.replication.factor");

    public bool AutoCreateTopicsEnable => GetBool("auto.create.topics.enable");

    public bool DeleteTopicEnable => GetBool("delete.topic.enable");

    public int MinInSyncReplicas => GetInt("min.insync.replicas");

    public bool UncleanLeaderElectionEnable => GetBool("unclean.leader.election.enable");

    public int LogSegmentBytes => GetInt("log.segment.bytes");

    /// <summary>log.roll.ms, else log.roll.hours in milliseconds (KafkaConfig.logRollTimeMillis).</summary>
    public long LogRollMs => GetNullableLong(D.LogRollMs) ?? GetInt(D.LogRollHours) * 3_600_000L;

    public long LogRollJitterMs => GetNullableLong(D.LogRollJitterMs) ?? GetInt(D.LogRollJitterHours) * 3_600_000L;

    /// <summary>
    /// log.retention.ms, else .minutes, else .hours, in milliseconds; any negative result is -1
    /// (unlimited), as KafkaConfig.logRetentionTimeMillis does.
    /// </summary>
    public long LogRetentionMs
    {
        get
        {
            var millis = GetNullableLong(D.LogRetentionMs)
                ?? (GetNullableInt(D.LogRetentionMinutes) is { } minutes ? minutes * 60_000L : GetInt(D.LogRetentionHours) * 3_600_000L);
            return millis < 0 ? -1 : millis;
        }
    }

    public long LogRetentionBytes => GetLong("log.retention.bytes");

    public long LogRetentionCheckIntervalMs => GetLong("log.retention.check.interval.ms");

    public long LogFlushIntervalMessages => GetLong("log.flush.interval.messages");

    /// <summary>log.flush.interval.ms, else log.flush.scheduler.interval.ms (Kafka's fallback).</summary>
    public long LogFlushIntervalMs => GetNullableLong(D.LogFlushIntervalMs) ?? GetLong(D.LogFlushSchedulerIntervalMs);

    public long LogFlushSchedulerIntervalMs => GetLong(D.LogFlushSchedulerIntervalMs);

    public int LogIndexIntervalBytes => GetInt("log.index.interval.bytes");

    public int LogIndexSizeMaxBytes => GetInt("log.index.size.max.bytes");

    public IReadOnlyList<string> LogCleanupPolicy => GetList("log.cleanup.policy");

    public string LogMessageTimestampType => GetString("log.message.timestamp.type")!;

    public long LogSegmentDeleteDelayMs => GetLong("log.segment.delete.delay.ms");

    public string CompressionType => GetString("compression.type")!;

    public int MessageMaxBytes => GetInt("message.max.bytes");

    public int SocketRequestMaxBytes => GetInt("socket.request.max.bytes");

    public long ConnectionsMaxIdleMs => GetLong("connections.max.idle.ms");

    public int QueuedMaxRequests => GetInt("queued.max.requests");

    public int NumNetworkThreads => GetInt("num.network.threads");

    public int NumIoThreads => GetInt("num.io.threads");

    public int FetchMaxBytes => GetInt("fetch.max.bytes");

    public int GroupInitialRebalanceDelayMs => GetInt("group.initial.rebalance.delay.ms");

    public int GroupMinSessionTimeoutMs => GetInt("group.min.session.timeout.ms");

    public int GroupMaxSessionTimeoutMs => GetInt("group.max.session.timeout.ms");

    public int GroupMaxSize => GetInt("group.max.size");

    public int GroupShareMaxSize => GetInt("group.share.max.size");

    public int GroupConsumerMaxSize => GetInt("group.consumer.max.size");

    public int GroupShareInitializeRetryIntervalMs => GetInt("group.share.initialize.retry.interval.ms");

    public Groups.Consumer.ConsumerGroupMigrationPolicy GroupConsumerMigrationPolicy => Groups.Consumer.ConsumerGroupMigrationPolicies.Parse(GetString("group.consumer.migration.policy")!);

    public int GroupConsumerRegexRefreshIntervalMs => GetInt("group.consumer.regex.refresh.interval.ms");

    public int OffsetsTopicNumPartitions => GetInt("offsets.topic.num.partitions");

    public short OffsetsTopicReplicationFactor => (short)_parsed["offsets.topic.replication.factor"]!;

    public int OffsetsTopicSegmentBytes => GetInt("offsets.topic.segment.bytes");

    public int OffsetsRetentionMinutes => GetInt("offsets.retention.minutes");

    public long OffsetsRetentionCheckIntervalMs => GetLong("offsets.retention.check.interval.ms");

    public int OffsetMetadataMaxBytes => GetInt("offset.metadata.max.bytes");

    public int TransactionStateLogNumPartitions => GetInt("transaction.state.log.num.partitions");

    public int TransactionMaxTimeoutMs => GetInt("transaction.max.timeout.ms");

    public int TransactionalIdExpirationMs => GetInt("transactional.id.expiration.ms");

    public int ProducerIdExpirationMs => GetInt("producer.id.expiration.ms");

    /// <summary>Builds a snapshot; KafkaCompat's embedded defaults fill what <paramref name="staticConfigs"/> lacks.</summary>
    /// <exception cref="ConfigException">A value is invalid or the listeners do not fit together.</exception>
    public static BrokerConfig Create(
        IReadOnlyDictionary<string, string> staticConfigs,
        IReadOnlyDictionary<string, string>? dynamicDefaultConfigs = null,
        IReadOnlyDictionary<string, string>? dynamicBrokerConfigs = null)
    {
        var merged = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in KafkaCompatDefaults.Values)
        {
            // An embedded default must not shadow the user's legacy synonym: broker.id for node.id, log.dir for log.dirs.
            var shadowed = (name == D.NodeId && staticConfigs.ContainsKey(D.BrokerId))
                || (name == D.LogDirs && staticConfigs.ContainsKey(D.LogDir));
            if (!shadowed)
            {
                merged[name] = value;
            }
        }
        foreach (var (name, value) in staticConfigs)
        {
            merged[name] = value;
        }
        return new BrokerConfig(
            merged.ToImmutable(),
            staticConfigs.Keys.ToImmutableHashSet(StringComparer.Ordinal),
            ToImmutable(dynamicDefaultConfigs),
            ToImmutable(dynamicBrokerConfigs));
    }

    /// <summary>A snapshot with other dynamic layers and the same static one (after an alter, or on metadata replay).</summary>
    /// <exception cref="ConfigException">The result is invalid.</exception>
    public BrokerConfig WithDynamicConfigs(IReadOnlyDictionary<string, string> dynamicDefaultConfigs, IReadOnlyDictionary<string, string> dynamicBrokerConfigs) =>
        new(StaticConfigs, GivenConfigNames, ToImmutable(dynamicDefaultConfigs), ToImmutable(dynamicBrokerConfigs));

    /// <summary>
    /// The raw effective value of a config: dynamic layers count only for configs Kafka lets you
    /// update dynamically; null when unset and Kafka's default is null.
    /// </summary>
    public string? Value(string name)
    {
        var definition = D.Find(name);
        var dynamic = definition is null || definition.IsDynamic;
        if (dynamic && DynamicBrokerConfigs.TryGetValue(name, out var perBroker))
        {
            return perBroker;
        }
        if (dynamic && DynamicDefaultConfigs.TryGetValue(name, out var clusterDefault))
        {
            return clusterDefault;
        }
        return StaticConfigs.TryGetValue(name, out var configured) ? configured : definition?.DefaultValue;
    }

    /// <summary>Where <see cref="Value"/> comes from.</summary>
    public ConfigSource SourceOf(string name)
    {
        var dynamic = D.Find(name) is not { IsDynamic: false };
        if (dynamic && DynamicBrokerConfigs.ContainsKey(name))
        {
            return ConfigSource.DynamicBrokerConfig;
        }
        if (dynamic && DynamicDefaultConfigs.ContainsKey(name))
        {
            return ConfigSource.DynamicDefaultBrokerConfig;
        }
        return StaticConfigs.ContainsKey(name) ? ConfigSource.StaticBrokerConfig : ConfigSource.DefaultConfig;
    }

    public int GetInt(string name) => (int)_parsed[name]!;

    public int? GetNullableInt(string name) => (int?)_parsed[name];

    public short GetShort(string name) => (short)_parsed[name]!;

    public long GetLong(string name) => (long)_parsed[name]!;

    public long? GetNullableLong(string name) => (long?)_parsed[name];

    public bool GetBool(string name) => (bool)_parsed[name]!;

    public double GetDouble(string name) => (double)_parsed[name]!;

    public string? GetString(string name) => (string?)_parsed[name];

    public IReadOnlyList<string> GetList(string name) => (IReadOnlyList<string>?)_parsed[name] ?? [];

    private int ResolveNodeId()
    {
        var nodeId = GetInt(D.NodeId);
        var brokerId = GetInt(D.BrokerId);
        if (nodeId >= 0 && brokerId >= 0 && nodeId != brokerId)
        {
            throw new ConfigException($"The values for broker.id ({brokerId}) and node.id ({nodeId}) must be the same if both are specified");
        }
        var id = nodeId >= 0 ? nodeId : brokerId;
        if (id < 0)
        {
            throw new ConfigException(D.NodeId, Value(D.NodeId), "Missing required configuration `node.id` which has no default value.");
        }
        return id;
    }

    private IReadOnlyDictionary<string, SecurityProtocol> ResolveProtocolMap()
    {
        var map = new Dictionary<string, SecurityProtocol>(
            Endpoint.ParseProtocolMap(D.ListenerSecurityProtocolMap, GetString(D.ListenerSecurityProtocolMap) ?? ""), StringComparer.Ordinal);
        // Kafka maps unmapped controller listeners to PLAINTEXT only while the map is left at its default.
        if (SourceOf(D.ListenerSecurityProtocolMap) == ConfigSource.DefaultConfig)
        {
            foreach (var name in ControllerListenerNames)
            {
                map.TryAdd(name, SecurityProtocol.Plaintext);
            }
        }
        return map;
    }

    private IReadOnlyDictionary<int, Raft.RaftEndpoint> ResolveQuorumVoters()
    {
        var value = string.Join(",", GetList("controller.quorum.voters"));
        try
        {
            return Raft.QuorumConfig.ParseVoters(value);
        }
        catch (FormatException e)
        {
            throw new ConfigException("controller.quorum.voters", value, e.Message);
        }
    }

    private IReadOnlyList<Endpoint> ResolveAdvertisedControllerListeners(IReadOnlyList<Endpoint>? configuredAdvertised) =>
        ControllerListenerNames
            .Select(name => configuredAdvertised?.FirstOrDefault(e => e.ListenerName == name) ?? Listeners.FirstOrDefault(e => e.ListenerName == name))
            .OfType<Endpoint>()
            .ToList();

    private IReadOnlyList<Endpoint> ResolveAdvertisedListeners(IReadOnlyList<Endpoint>? configuredAdvertised)
    {
        var configured = GetString(D.AdvertisedListeners);
        // Since KIP-853 advertised.listeners may name the controller listener too (how other
        // controllers reach this one); clients are only ever given the broker listeners.
        var advertised = (configuredAdvertised ?? Listeners).Where(l => !ControllerListenerNames.Contains(l.ListenerName)).ToList();
        if (advertised.Any(e => e.Host == "0.0.0.0"))
        {
            throw new ConfigException(D.AdvertisedListeners, configured ?? GetString(D.Listeners),
                "advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. Use a routable IP address.");
        }
        var listenerNames = Listeners.Select(l => l.ListenerName).ToHashSet(StringComparer.Ordinal);
        var unknown = advertised.Where(e => !listenerNames.Contains(e.ListenerName)).Select(e => e.ListenerName).ToList();
        if (unknown.Count > 0)
        {
            throw new ConfigException(D.AdvertisedListeners, configured,
                $"advertised.listeners listener names must be equal to or a subset of the ones defined in listeners. Found {string.Join(",", advertised.Select(e => e.ListenerName))}. The valid options based on currently configured listeners are {string.Join(",", listenerNames)}");
        }
        // An empty host means "all interfaces" for binding; clients need a name, so Kafka advertises the host's.
        return advertised.Select(e => e.Host.Length == 0 ? e with { Host = Dns.GetHostName() } : e).ToList();
    }

    private string ResolveInterBrokerListenerName()
    {
        var name = GetString(D.InterBrokerListenerName);
        if (name is not null && StaticConfigs.ContainsKey("security.inter.broker.protocol"))
        {
            throw new ConfigException("Only one of inter.broker.listener.name and security.inter.broker.protocol should be set.");
        }
        var listenerName = (name ?? GetString("security.inter.broker.protocol")!).ToUpperInvariant();
        // Only a node with the broker role replicates, so only it needs an inter-broker listener.
        if (ProcessRoles.Contains("broker") && !AdvertisedListeners.Any(e => e.ListenerName == listenerName))
        {
            throw new ConfigException(D.InterBrokerListenerName, name ?? listenerName,
                $"inter.broker.listener.name must be a listener name defined in advertised.listeners. The valid options based on currently configured listeners are {string.Join(",", AdvertisedListeners.Select(e => e.ListenerName))}");
        }
        return listenerName;
    }

    private static ImmutableDictionary<string, string> ToImmutable(IReadOnlyDictionary<string, string>? values) =>
        values is null ? ImmutableDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal) : values.ToImmutableDictionary(StringComparer.Ordinal);
}
