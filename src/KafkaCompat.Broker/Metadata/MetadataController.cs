using KafkaCompat.Broker.Config;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Metadata;

namespace KafkaCompat.Broker.Metadata;

/// <summary>The outcome of a metadata change: Kafka's error code and message, or success.</summary>
public readonly record struct MetadataResult(ErrorCode Error, string? Message = null)
{
    public static readonly MetadataResult Ok = new(ErrorCode.None);

    public bool IsOk => Error == ErrorCode.None;
}

/// <summary>
/// The single-node controller: turns admin operations into metadata records,
/// appends them to the journal and replays them into a new
/// <see cref="MetadataImage"/>. State changes only by replaying records, so
/// start-up (replaying the journal) and normal operation share one code path.
/// Writes are serialized; readers take <see cref="Image"/> without locking.
/// </summary>
public sealed class MetadataController
{
    private readonly IMetadataJournal _journal;
    private readonly int _nodeId;
    private readonly object _writeLock = new();
    private volatile MetadataImage _image = MetadataImage.Empty;

    public MetadataController(IMetadataJournal journal, int nodeId)
    {
        _journal = journal;
        _nodeId = nodeId;
        var image = MetadataImage.Empty;
        foreach (var record in journal.Replay())
        {
            image = image.Apply(record);
        }
        _image = image;
    }

    public MetadataImage Image => _image;

    /// <summary>Raised after each change, with the new image (the replica manager opens and deletes partition logs from it).</summary>
    public event Action<MetadataImage>? Changed;

    /// <summary>
    /// CreateTopics' rules, as Kafka's controller applies them: defaults for -1, manual assignments
    /// (which, on this single node, may only name this node), replication factor, config values;
    /// then the topic is created (or, with <paramref name="validateOnly"/>, only checked).
    /// </summary>
    public MetadataResult CreateTopic(NewTopic topic, TopicDefaults defaults, bool validateOnly = false)
    {
        var partitions = topic.NumPartitions == -1 ? defaults.NumPartitions : topic.NumPartitions;
        var replicationFactor = topic.ReplicationFactor == -1 ? defaults.ReplicationFactor : topic.ReplicationFactor;
        if (topic.Assignments.Count > 0)
        {
            if (topic.NumPartitions != -1 || topic.ReplicationFactor != -1)
            {
                return new(ErrorCode.InvalidRequest, "Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.");
            }
            if (topic.Assignments.Any(a => a.Replicas.Count == 0 || a.Replicas.Any(id => id != _nodeId) || a.Replicas.Distinct().Count() != a.Replicas.Count))
            {
                return new(ErrorCode.InvalidReplicaAssignment, $"The manual partition assignment includes a broker other than {_nodeId}, or duplicates.");
            }
            if (!topic.Assignments.Select(a => a.Partition).Order().SequenceEqual(Enumerable.Range(0, topic.Assignments.Count)))
            {
                return new(ErrorCode.InvalidReplicaAssignment, "Partitions should be 0-based and consecutive.");
            }
            partitions = topic.Assignments.Count;
            replicationFactor = (short)topic.Assignments[0].Replicas.Count;
        }
        if (partitions <= 0)
        {
            return new(ErrorCode.InvalidPartitions, "Number of partitions was set to an invalid non-positive value.");
        }
        if (replicationFactor <= 0)
        {
            return new(ErrorCode.InvalidReplicationFactor, "Replication factor must be larger than 0, or -1 to use the default value.");
        }
        if (replicationFactor > 1)
        {
            return new(ErrorCode.InvalidReplicationFactor, $"Unable to replicate the partition {replicationFactor} time(s): The target replication factor of {replicationFactor} cannot be reached because only 1 broker(s) are registered.");
        }
        var check = TopicConfigValidator.Validate(topic.Configs);
        if (!check.IsOk)
        {
            return new(check.Error, check.Message);
        }
        return CreateTopic(topic.Name, partitions, topic.Configs.ToDictionary(c => c.Key, c => c.Value!), validateOnly);
    }

    /// <summary>Creates a topic of <paramref name="partitions"/> partitions with valid <paramref name="configs"/> (auto-creation, internal topics).</summary>
    public MetadataResult CreateTopic(string name, int partitions, IReadOnlyDictionary<string, string> configs, bool validateOnly = false)
    {
        lock (_writeLock)
        {
            if (TopicNames.Validate(name) is { } invalid)
            {
                return new(ErrorCode.InvalidTopicException, invalid);
            }
            if (_image.Topic(name) is not null)
            {
                return new(ErrorCode.TopicAlreadyExists, $"Topic '{name}' already exists.");
            }
            var unified = TopicNames.Unify(name);
            if (_image.Topics.Keys.FirstOrDefault(t => TopicNames.Unify(t) == unified) is { } collision)
            {
                return new(ErrorCode.InvalidTopicException, $"Topic '{name}' collides with existing topic: {collision}");
            }
            if (partitions < 1)
            {
                return new(ErrorCode.InvalidPartitions, "Number of partitions must be larger than 0.");
            }
            if (validateOnly)
            {
                return MetadataResult.Ok;
            }
            var id = Uuid.NewRandom();
            var records = new List<IKafkaMessage> { new TopicRecord { Name = name, TopicId = id } };
            for (var p = 0; p < partitions; p++)
            {
                records.Add(NewPartition(id, p));
            }
            records.AddRange(configs.Select(c => new ConfigRecord { ResourceType = MetadataImage.TopicResource, ResourceName = name, Name = c.Key, Value = c.Value }));
            Write(records);
            return MetadataResult.Ok;
        }
    }

    public MetadataResult CreatePartitions(string name, int newTotal, bool validateOnly = false)
    {
        lock (_writeLock)
        {
            if (_image.Topic(name) is not { } topic)
            {
                return new(ErrorCode.UnknownTopicOrPartition, $"The topic '{name}' does not exist.");
            }
            var current = topic.Partitions.Length;
            if (newTotal <= current)
            {
                return new(ErrorCode.InvalidPartitions, newTotal == current
                    ? $"Topic already has {current} partitions."
                    : $"Topic currently has {current} partitions, which is higher than the requested {newTotal}.");
            }
            if (!validateOnly)
            {
                Write(Enumerable.Range(current, newTotal - current).Select(p => (IKafkaMessage)NewPartition(topic.Id, p)).ToList());
            }
            return MetadataResult.Ok;
        }
    }

    public MetadataResult DeleteTopic(Uuid id)
    {
        lock (_writeLock)
        {
            if (_image.Topic(id) is null)
            {
                return new(ErrorCode.UnknownTopicId, $"No topic with id {id}.");
            }
            Write([new RemoveTopicRecord { TopicId = id }]);
            return MetadataResult.Ok;
        }
    }

    /// <summary>Sets (value) or removes (null) config overrides of a topic (resource type 2) or the broker (4).</summary>
    public MetadataResult AlterConfigs(sbyte resourceType, string resourceName, IReadOnlyList<KeyValuePair<string, string?>> changes)
    {
        lock (_writeLock)
        {
            if (resourceType == MetadataImage.TopicResource && _image.Topic(resourceName) is null)
            {
                return new(ErrorCode.UnknownTopicOrPartition, $"The topic '{resourceName}' does not exist.");
            }
            if (changes.Count > 0)
            {
                Write(changes.Select(c => (IKafkaMessage)new ConfigRecord { ResourceType = resourceType, ResourceName = resourceName, Name = c.Key, Value = c.Value }).ToList());
            }
            return MetadataResult.Ok;
        }
    }

    /// <summary>Reserves a block of producer ids (KIP-730): the record makes the reservation survive a restart.</summary>
    public (long First, long Count) AllocateProducerIds(int count)
    {
        lock (_writeLock)
        {
            var first = _image.NextProducerId;
            Write([new ProducerIdsRecord { BrokerId = _nodeId, BrokerEpoch = 0, NextProducerId = first + count }]);
            return (first, count);
        }
    }

    private PartitionRecord NewPartition(Uuid topicId, int partition) => new()
    {
        TopicId = topicId,
        PartitionId = partition,
        Replicas = [_nodeId],
        Isr = [_nodeId],
        Leader = _nodeId,
        LeaderEpoch = 0,
        PartitionEpoch = 0,
    };

    private void Write(IReadOnlyList<IKafkaMessage> records)
    {
        _journal.Append(records);
        var image = _image;
        foreach (var record in records)
        {
            image = image.Apply(record);
        }
        _image = image;
        Changed?.Invoke(image);
    }
}
