using KafkaCompat.Broker.Config;
using KafkaCompat.Broker.Coordinators;
using KafkaCompat.Protocol.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Raft;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.Broker.Metadata;

/// <summary>The outcome of a metadata change: Kafka's error code and message, or success.</summary>
public readonly record struct MetadataResult(ErrorCode Error, string? Message = null)
{
    public static readonly MetadataResult Ok = new(ErrorCode.None);

    public bool IsOk => Error == ErrorCode.None;
}

/// <summary>
/// The controller (Kafka's QuorumController, for one voter): it applies the rules of the admin
/// operations and turns them into metadata records, records first. Every operation and every
/// journal event runs on one event queue, in order. An operation reads the latest state (what is
/// committed plus what is in flight), appends its records at the current epoch, and its task
/// completes only when the journal reports them committed (an operation that writes nothing
/// waits for the records it read to be committed). When the journal fails a write, the
/// controller renounces: every uncommitted operation fails with the write's error and the state
/// reverts to the last committed image, so nothing of them remains. The broker's own image is
/// the <see cref="MetadataLoader"/>'s, built from committed records only.
/// </summary>
public sealed class MetadataController : IMetadataListener
{
    private readonly IMetadataJournal _journal;
    private readonly int _nodeId;
    private readonly ILogger _logger;
    private readonly SerialExecutor _queue;

    // Owned by the event queue.
    private readonly List<(long Offset, MetadataImage Image)> _inFlight = [];
    private readonly List<Deferred> _deferred = [];
    private MetadataImage _latest = MetadataImage.Empty;
    private int _epoch = -1;
    private long _lastCommittedOffset = -1;

    private volatile MetadataImage _committed = MetadataImage.Empty;

    /// <summary>Registers with <paramref name="journal"/>, which replays committed state to it when started.</summary>
    public MetadataController(IMetadataJournal journal, int nodeId, ILogger? logger = null)
    {
        _journal = journal;
        _nodeId = nodeId;
        _logger = logger ?? NullLogger.Instance;
        _queue = new SerialExecutor(_logger);
        journal.Register(this);
    }

    /// <summary>The last committed image: what every completed operation has written, and nothing in flight.</summary>
    public MetadataImage Image => _committed;

    /// <summary>
    /// CreateTopics' rules, as Kafka's controller applies them: defaults for -1, manual assignments
    /// (which, on this single node, may only name this node), replication factor, config values;
    /// then the topic is created (or, with <paramref name="validateOnly"/>, only checked).
    /// </summary>
    public Task<CreateTopicResult> CreateTopic(NewTopic topic, TopicDefaults defaults, bool validateOnly = false) =>
        Write(image => CreateTopicRecords(image, topic, defaults, validateOnly), error => new CreateTopicResult(error));

    /// <summary>Creates a topic of <paramref name="partitions"/> partitions with valid <paramref name="configs"/> (auto-creation, internal topics).</summary>
    public Task<MetadataResult> CreateTopic(string name, int partitions, IReadOnlyDictionary<string, string> configs, bool validateOnly = false) =>
        Write(image =>
        {
            var result = CreateTopicRecords(image, name, partitions, 1, configs, validateOnly);
            return new ControllerResult<MetadataResult>(result.Records, result.Response.Result);
        }, error => error);

    /// <summary>
    /// Grows a topic to <paramref name="newTotal"/> partitions (never shrinks). Manual
    /// <paramref name="assignments"/> may only name this broker.
    /// </summary>
    public Task<MetadataResult> CreatePartitions(string name, int newTotal, IReadOnlyList<IReadOnlyList<int>>? assignments = null, bool validateOnly = false) =>
        Write(image =>
        {
            if (assignments is not null && assignments.Any(a => a.Any(id => id != _nodeId)))
            {
                return Refuse(new MetadataResult(ErrorCode.InvalidReplicaAssignment, $"The manual partition assignment includes a broker other than {_nodeId}."));
            }
            if (image.Topic(name) is not { } topic)
            {
                return Refuse(new MetadataResult(ErrorCode.UnknownTopicOrPartition, $"The topic '{name}' does not exist."));
            }
            var current = topic.Partitions.Length;
            if (newTotal <= current)
            {
                return Refuse(new MetadataResult(ErrorCode.InvalidPartitions, newTotal == current
                    ? $"Topic already has {current} partitions."
                    : $"Topic currently has {current} partitions, which is higher than the requested {newTotal}."));
            }
            return validateOnly
                ? Refuse(MetadataResult.Ok)
                : new ControllerResult<MetadataResult>([.. Enumerable.Range(current, newTotal - current).Select(p => NewPartition(topic.Id, p))], MetadataResult.Ok);
        }, error => error);

    /// <summary>Deletes a topic named by <paramref name="name"/> or, when that is null, by <paramref name="id"/>; both given must agree.</summary>
    public Task<DeleteTopicResult> DeleteTopic(string? name, Uuid id) =>
        Write(image =>
        {
            var topic = name is not null ? image.Topic(name) : image.Topic(id);
            if (topic is null)
            {
                return ControllerResult<DeleteTopicResult>.Of(new DeleteTopicResult(name is not null
                    ? new MetadataResult(ErrorCode.UnknownTopicOrPartition, "This server does not host this topic-partition.")
                    : new MetadataResult(ErrorCode.UnknownTopicId, $"This server does not host topic id {id}."), name, id));
            }
            if (name is not null && id != Uuid.Zero && topic.Id != id)
            {
                return ControllerResult<DeleteTopicResult>.Of(new DeleteTopicResult(new MetadataResult(ErrorCode.InvalidRequest, $"Topic {name} has id {topic.Id}, not {id}."), name, id));
            }
            return new ControllerResult<DeleteTopicResult>([new RemoveTopicRecord { TopicId = topic.Id }], new DeleteTopicResult(MetadataResult.Ok, topic.Name, topic.Id));
        }, error => new DeleteTopicResult(error, name, id));

    /// <summary>Sets (value) or removes (null) config overrides of a topic (resource type 2) or the broker (4).</summary>
    public Task<MetadataResult> AlterConfigs(sbyte resourceType, string resourceName, IReadOnlyList<KeyValuePair<string, string?>> changes) =>
        AlterConfigs(resourceType, resourceName, _ => (MetadataResult.Ok, changes), validateOnly: false);

    /// <summary>
    /// Changes config overrides as <paramref name="alter"/> computes them from the latest image (so
    /// two changes of one resource never both start from the same overrides), after the resource is
    /// found; with <paramref name="validateOnly"/> only the result of the computation is returned.
    /// </summary>
    public Task<MetadataResult> AlterConfigs(
        sbyte resourceType, string resourceName, Func<MetadataImage, (MetadataResult Result, IReadOnlyList<KeyValuePair<string, string?>> Changes)> alter, bool validateOnly) =>
        Write(image =>
        {
            if (resourceType == MetadataImage.TopicResource && image.Topic(resourceName) is null)
            {
                return Refuse(new MetadataResult(ErrorCode.UnknownTopicOrPartition, $"The topic '{resourceName}' does not exist."));
            }
            var (result, changes) = alter(image);
            if (!result.IsOk || validateOnly || changes.Count == 0)
            {
                return Refuse(result);
            }
            return new ControllerResult<MetadataResult>(
                [.. changes.Select(c => new ConfigRecord { ResourceType = resourceType, ResourceName = resourceName, Name = c.Key, Value = c.Value })], MetadataResult.Ok);
        }, error => error);

    /// <summary>Reserves a block of producer ids (KIP-730): the record makes the reservation survive a restart.</summary>
    public Task<(long First, long Count)> AllocateProducerIds(int count) =>
        Write(image =>
        {
            var first = image.NextProducerId;
            return new ControllerResult<(long, long)>([new ProducerIdsRecord { BrokerId = _nodeId, BrokerEpoch = 0, NextProducerId = first + count }], (first, count));
        }, error => throw new MetadataJournalException(error.Error, error.Message ?? "producer id allocation failed"));

    /// <summary>Stops taking operations; those queued still run.</summary>
    public Task StopAsync() => _queue.StopAsync();

    public void HandleLoadSnapshot(OffsetAndEpoch snapshotId, long lastContainedLogTimestamp, IReadOnlyList<IKafkaMessage> records) => OnQueue(() =>
    {
        _latest = MetadataImage.Empty.ApplyAll(records);
        _committed = _latest;
        _lastCommittedOffset = snapshotId.Offset - 1;
    });

    public void HandleCommit(MetadataBatch batch) => OnQueue(() =>
    {
        if (_inFlight.Count > 0 && _inFlight[0].Offset == batch.LastOffset)
        {
            // Ours: the state after it was built when it was appended.
            _committed = _inFlight[0].Image;
            _inFlight.RemoveAt(0);
        }
        else if (_inFlight.Count == 0)
        {
            // Replayed at start-up (or, with a quorum, written by another controller).
            _committed = _committed.ApplyAll(batch.Records);
            _latest = _committed;
        }
        else
        {
            throw new InvalidOperationException($"Committed batch ending at {batch.LastOffset} is not the oldest in flight ({_inFlight[0].Offset}).");
        }
        _lastCommittedOffset = batch.LastOffset;
        var ready = _deferred.TakeWhile(d => d.Offset <= batch.LastOffset).ToList();
        _deferred.RemoveRange(0, ready.Count);
        foreach (var deferred in ready)
        {
            deferred.Complete();
        }
    });

    public void HandleLeaderChange(int epoch, Exception? cause) => OnQueue(() =>
    {
        if (_inFlight.Count > 0 || _deferred.Count > 0)
        {
            var error = cause switch
            {
                MetadataJournalException journal => new MetadataResult(journal.Error, journal.Message),
                null => new MetadataResult(ErrorCode.NotController, $"The controller moved to epoch {epoch} before the change was committed."),
                _ => new MetadataResult(ErrorCode.UnknownServerError, $"The metadata log write failed: {cause.Message}"),
            };
            _logger.LogError(cause, "Renouncing at epoch {Epoch}: {Count} uncommitted metadata changes fail ({Error}); reverting to the last committed offset {Offset}",
                _epoch, _deferred.Count, error.Error, _lastCommittedOffset);
            foreach (var deferred in _deferred)
            {
                deferred.Fail(error);
            }
            _deferred.Clear();
            _inFlight.Clear();
            _latest = _committed;
        }
        _epoch = epoch;
    });

    /// <summary>Runs <paramref name="operation"/> on the event queue; the task completes once its records are committed.</summary>
    private Task<T> Write<T>(Func<MetadataImage, ControllerResult<T>> operation, Func<MetadataResult, T> failed)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var queued = _queue.Submit(() =>
        {
            try
            {
                Run(operation, failed, done);
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }
            return true;
        });
        queued.ContinueWith(
            _ => done.TrySetResult(failed(new MetadataResult(ErrorCode.RequestTimedOut, "The controller is shutting down."))),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return done.Task;
    }

    private void Run<T>(Func<MetadataImage, ControllerResult<T>> operation, Func<MetadataResult, T> failed, TaskCompletionSource<T> done)
    {
        var result = operation(_latest);
        void Complete() => done.TrySetResult(result.Response);
        void Fail(MetadataResult error)
        {
            try
            {
                done.TrySetResult(failed(error));
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }
        }
        if (result.Records.Count == 0)
        {
            // The answer read the latest state, which may hold changes not committed yet: it is sent once they are.
            if (_inFlight.Count == 0)
            {
                Complete();
            }
            else
            {
                _deferred.Add(new Deferred(_inFlight[^1].Offset, Complete, Fail));
            }
            return;
        }
        long offset;
        try
        {
            offset = _journal.Append(_epoch, result.Records);
        }
        catch (MetadataJournalException e)
        {
            Fail(new MetadataResult(e.Error, e.Message));
            return;
        }
        _latest = _latest.ApplyAll(result.Records);
        _inFlight.Add((offset, _latest));
        _deferred.Add(new Deferred(offset, Complete, Fail));
    }

    /// <summary>Runs a journal event on the queue and waits for it, so the journal moves on only once the controller has seen it.</summary>
    private void OnQueue(Action handle)
    {
        try
        {
            _queue.Submit(() =>
            {
                handle();
                return true;
            }).GetAwaiter().GetResult();
        }
        catch (ObjectDisposedException)
        {
            // Stopped: nothing waits on the controller any more.
        }
    }

    private ControllerResult<CreateTopicResult> CreateTopicRecords(MetadataImage image, NewTopic topic, TopicDefaults defaults, bool validateOnly)
    {
        var partitions = topic.NumPartitions == -1 ? defaults.NumPartitions : topic.NumPartitions;
        var replicationFactor = topic.ReplicationFactor == -1 ? defaults.ReplicationFactor : topic.ReplicationFactor;
        if (topic.Assignments.Count > 0)
        {
            if (topic.NumPartitions != -1 || topic.ReplicationFactor != -1)
            {
                return Refuse(ErrorCode.InvalidRequest, "Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.");
            }
            if (topic.Assignments.Any(a => a.Replicas.Count == 0 || a.Replicas.Any(id => id != _nodeId) || a.Replicas.Distinct().Count() != a.Replicas.Count))
            {
                return Refuse(ErrorCode.InvalidReplicaAssignment, $"The manual partition assignment includes a broker other than {_nodeId}, or duplicates.");
            }
            if (!topic.Assignments.Select(a => a.Partition).Order().SequenceEqual(Enumerable.Range(0, topic.Assignments.Count)))
            {
                return Refuse(ErrorCode.InvalidReplicaAssignment, "Partitions should be 0-based and consecutive.");
            }
            partitions = topic.Assignments.Count;
            replicationFactor = (short)topic.Assignments[0].Replicas.Count;
        }
        if (partitions <= 0)
        {
            return Refuse(ErrorCode.InvalidPartitions, "Number of partitions was set to an invalid non-positive value.");
        }
        if (replicationFactor <= 0)
        {
            return Refuse(ErrorCode.InvalidReplicationFactor, "Replication factor must be larger than 0, or -1 to use the default value.");
        }
        if (replicationFactor > 1)
        {
            return Refuse(ErrorCode.InvalidReplicationFactor, $"Unable to replicate the partition {replicationFactor} time(s): The target replication factor of {replicationFactor} cannot be reached because only 1 broker(s) are registered.");
        }
        var check = TopicConfigValidator.Validate(topic.Configs);
        if (!check.IsOk)
        {
            return Refuse(check.Error, check.Message);
        }
        return CreateTopicRecords(image, topic.Name, partitions, replicationFactor, topic.Configs.ToDictionary(c => c.Key, c => c.Value!), validateOnly);
    }

    private ControllerResult<CreateTopicResult> CreateTopicRecords(MetadataImage image, string name, int partitions, short replicationFactor, IReadOnlyDictionary<string, string> configs, bool validateOnly)
    {
        if (TopicNames.Validate(name) is { } invalid)
        {
            return Refuse(ErrorCode.InvalidTopicException, invalid);
        }
        if (image.Topic(name) is not null)
        {
            return Refuse(ErrorCode.TopicAlreadyExists, $"Topic '{name}' already exists.");
        }
        var unified = TopicNames.Unify(name);
        if (image.Topics.Keys.FirstOrDefault(t => TopicNames.Unify(t) == unified) is { } collision)
        {
            return Refuse(ErrorCode.InvalidTopicException, $"Topic '{name}' collides with existing topic: {collision}");
        }
        if (partitions < 1)
        {
            return Refuse(ErrorCode.InvalidPartitions, "Number of partitions must be larger than 0.");
        }
        if (validateOnly)
        {
            return ControllerResult<CreateTopicResult>.Of(new CreateTopicResult(MetadataResult.Ok, Uuid.Zero, partitions, replicationFactor));
        }
        var id = Uuid.NewRandom();
        var records = new List<IKafkaMessage> { new TopicRecord { Name = name, TopicId = id } };
        for (var p = 0; p < partitions; p++)
        {
            records.Add(NewPartition(id, p));
        }
        records.AddRange(configs.Select(c => new ConfigRecord { ResourceType = MetadataImage.TopicResource, ResourceName = name, Name = c.Key, Value = c.Value }));
        return new ControllerResult<CreateTopicResult>(records, new CreateTopicResult(MetadataResult.Ok, id, partitions, replicationFactor));
    }

    private static ControllerResult<CreateTopicResult> Refuse(ErrorCode error, string? message) =>
        ControllerResult<CreateTopicResult>.Of(new CreateTopicResult(new MetadataResult(error, message)));

    private static ControllerResult<MetadataResult> Refuse(MetadataResult result) => ControllerResult<MetadataResult>.Of(result);

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

    /// <summary>An operation waiting for the commit of <see cref="Offset"/>.</summary>
    private sealed record Deferred(long Offset, Action Complete, Action<MetadataResult> Fail);
}
