using KafkaCompat.Broker.Config;
using KafkaCompat.Broker.Coordinators;
using KafkaCompat.Protocol.Messages;
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
    private readonly TimeProvider _time;
    private readonly ClusterControlManager _clusterControl;
    private readonly StripedReplicaPlacer _placer = new(new Random());
    private readonly ITimer _sessionTimer;

    // Owned by the event queue.
    private readonly List<(long Offset, MetadataImage Image)> _inFlight = [];
    private readonly List<Deferred> _deferred = [];
    private MetadataImage _latest = MetadataImage.Empty;
    private int _epoch = -1;
    private long _lastCommittedOffset = -1;

    private volatile MetadataImage _committed = MetadataImage.Empty;

    /// <summary>
    /// Registers with <paramref name="journal"/>, which replays committed state to it when started.
    /// <paramref name="cluster"/> holds the cluster id brokers must name and their session timeout,
    /// <paramref name="time"/> the clock of broker sessions (the system's when null).
    /// </summary>
    public MetadataController(IMetadataJournal journal, int nodeId, ClusterControlConfig cluster, ILogger? logger = null, TimeProvider? time = null)
    {
        _journal = journal;
        _nodeId = nodeId;
        _logger = logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
        _queue = new SerialExecutor(_logger);
        _clusterControl = new ClusterControlManager(cluster, _logger);
        // Fires when the earliest broker session may have expired (Kafka's maybeFenceStaleBroker event).
        _sessionTimer = _time.CreateTimer(_ => FenceStaleBrokers(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        journal.Register(this);
    }

    /// <summary>The cluster id registrations must name.</summary>
    public string ClusterId => _clusterControl.ClusterId;

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
    /// Grows a topic to <paramref name="newTotal"/> partitions (never shrinks), placed across the
    /// registered brokers or on the brokers of manual <paramref name="assignments"/>.
    /// </summary>
    public Task<MetadataResult> CreatePartitions(string name, int newTotal, IReadOnlyList<IReadOnlyList<int>>? assignments = null, bool validateOnly = false) =>
        Write(image =>
        {
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
            var replicationFactor = (short)(topic.Partitions.Length == 0 ? 1 : topic.Partitions[0].Replicas.Length);
            var (placement, refusal) = assignments is null
                ? Place(image, newTotal - current, replicationFactor)
                : CheckAssignments(image, assignments, current);
            if (refusal is { } refused)
            {
                return Refuse(refused);
            }
            return validateOnly
                ? Refuse(MetadataResult.Ok)
                : new ControllerResult<MetadataResult>([.. placement.Select((replicas, i) => NewPartition(image, topic.Id, current + i, replicas))], MetadataResult.Ok);
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

    /// <summary>
    /// AllocateProducerIds (KIP-730) for a registered broker at its current epoch: a block of
    /// <paramref name="count"/> ids, STALE_BROKER_EPOCH for any other epoch.
    /// </summary>
    public Task<(MetadataResult Result, long First, int Count)> AllocateProducerIds(int brokerId, long brokerEpoch, int count) =>
        Write(image =>
        {
            if (ClusterControlManager.CheckBrokerEpoch(image, brokerId, brokerEpoch) is { } stale)
            {
                return ControllerResult<(MetadataResult, long, int)>.Of((stale, -1, 0));
            }
            var first = image.NextProducerId;
            return new ControllerResult<(MetadataResult, long, int)>(
                [new ProducerIdsRecord { BrokerId = brokerId, BrokerEpoch = brokerEpoch, NextProducerId = first + count }], (MetadataResult.Ok, first, count));
        }, error => (error, -1, 0));

    /// <summary>
    /// BrokerRegistration (KIP-631): the broker is registered fenced, at an epoch that is the offset of
    /// its RegisterBrokerRecord.
    /// </summary>
    public Task<BrokerRegistrationReply> RegisterBroker(BrokerRegistrationRequestData request) =>
        Write((image, nextOffset) => WithSessionCheck(_clusterControl.RegisterBroker(image, request, nextOffset, NowMs), image),
            error => new BrokerRegistrationReply(error));

    /// <summary>BrokerHeartbeat (KIP-631): keeps the broker's session, and fences, unfences or shuts it down as it asks and as it has caught up.</summary>
    public Task<BrokerHeartbeatReply> BrokerHeartbeat(BrokerHeartbeatRequestData request) =>
        Write((image, nextOffset) => WithSessionCheck(_clusterControl.ProcessHeartbeat(image, request, nextOffset, NowMs), image),
            error => new BrokerHeartbeatReply(error));

    /// <summary>UnregisterBroker (KIP-631): removes a broker's registration, as <c>kafka-cluster unregister</c> does for a decommissioned one.</summary>
    public Task<MetadataResult> UnregisterBroker(int brokerId) =>
        Write(image => _clusterControl.UnregisterBroker(image, brokerId), error => error);

    /// <summary>ControllerRegistration (KIP-919): records a controller's endpoints and supported features.</summary>
    public Task<MetadataResult> RegisterController(ControllerRegistrationRequestData request) =>
        Write(_ => ClusterControlManager.RegisterController(request), error => error);

    /// <summary>Fences every broker whose session has expired; the session timer calls it, and it may be called at any time.</summary>
    public Task<IReadOnlyList<int>> FenceStaleBrokers() =>
        Write(image => WithSessionCheck(_clusterControl.FenceStaleBrokers(image, NowMs), image), _ => []);

    /// <summary>The latest image once everything written before this call is committed.</summary>
    public Task<MetadataImage> SyncAsync() => Write(image => ControllerResult<MetadataImage>.Of(image), _ => _committed);

    /// <summary>Stops taking operations; those queued still run.</summary>
    public async Task StopAsync()
    {
        await _sessionTimer.DisposeAsync();
        await _queue.StopAsync();
    }

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
        // Claiming an epoch makes this controller active: every registered broker gets a fresh session, as in Kafka.
        _clusterControl.Heartbeats.Activate(_latest.Cluster, NowMs);
        ScheduleSessionCheck(_latest);
    });

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The offset the next appended record gets: what a broker epoch is.</summary>
    private long NextWriteOffset => _inFlight.Count > 0 ? _inFlight[^1].Offset + 1 : _lastCommittedOffset + 1;

    /// <summary>Re-arms the session timer for the image <paramref name="result"/> leads to.</summary>
    private ControllerResult<T> WithSessionCheck<T>(ControllerResult<T> result, MetadataImage image)
    {
        ScheduleSessionCheck(image.ApplyAll(result.Records));
        return result;
    }

    private void ScheduleSessionCheck(MetadataImage image)
    {
        if (_clusterControl.Heartbeats.NextExpiryMs(image.Cluster) is { } expiry)
        {
            // A timer waits at most 2^32-2 ms; one that fires before any session expired just re-arms.
            _sessionTimer.Change(TimeSpan.FromMilliseconds(Math.Clamp(expiry - NowMs, 0, uint.MaxValue - 1L)), Timeout.InfiniteTimeSpan);
        }
        else
        {
            _sessionTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Runs <paramref name="operation"/> on the event queue; the task completes once its records are committed.</summary>
    private Task<T> Write<T>(Func<MetadataImage, ControllerResult<T>> operation, Func<MetadataResult, T> failed) =>
        Write((image, _) => operation(image), failed);

    /// <summary>As the other, for an operation that needs the offset its first record will get.</summary>
    private Task<T> Write<T>(Func<MetadataImage, long, ControllerResult<T>> operation, Func<MetadataResult, T> failed)
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

    private void Run<T>(Func<MetadataImage, long, ControllerResult<T>> operation, Func<MetadataResult, T> failed, TaskCompletionSource<T> done)
    {
        var expectedBase = NextWriteOffset;
        var result = operation(_latest, expectedBase);
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
        if (offset - result.Records.Count + 1 != expectedBase)
        {
            // A broker epoch handed out would not be its record's offset: the journal wrote something this controller did not see.
            _logger.LogError("The metadata log placed a batch at {Offset}, not at the expected {Expected}", offset - result.Records.Count + 1, expectedBase);
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
            if (!topic.Assignments.Select(a => a.Partition).Order().SequenceEqual(Enumerable.Range(0, topic.Assignments.Count)))
            {
                return Refuse(ErrorCode.InvalidReplicaAssignment, "Partitions should be 0-based and consecutive.");
            }
            var (_, refusal) = CheckAssignments(image, [.. topic.Assignments.OrderBy(a => a.Partition).Select(a => a.Replicas)], 0);
            if (refusal is { } refused)
            {
                return Refuse(refused.Error, refused.Message);
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
        var check = TopicConfigValidator.Validate(topic.Configs);
        if (!check.IsOk)
        {
            return Refuse(check.Error, check.Message);
        }
        IReadOnlyList<IReadOnlyList<int>>? manual = topic.Assignments.Count > 0 ? [.. topic.Assignments.OrderBy(a => a.Partition).Select(a => a.Replicas)] : null;
        return CreateTopicRecords(image, topic.Name, partitions, replicationFactor, topic.Configs.ToDictionary(c => c.Key, c => c.Value!), validateOnly, manual);
    }

    private ControllerResult<CreateTopicResult> CreateTopicRecords(MetadataImage image, string name, int partitions, short replicationFactor, IReadOnlyDictionary<string, string> configs,
        bool validateOnly, IReadOnlyList<IReadOnlyList<int>>? manual = null)
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
        var (placement, refusal) = manual is null ? Place(image, partitions, replicationFactor) : ([.. manual.Select(r => r.ToArray())], null);
        if (refusal is { } refused)
        {
            return Refuse(refused.Error, refused.Message);
        }
        if (validateOnly)
        {
            return ControllerResult<CreateTopicResult>.Of(new CreateTopicResult(MetadataResult.Ok, Uuid.Zero, partitions, replicationFactor));
        }
        var id = Uuid.NewRandom();
        var records = new List<IKafkaMessage> { new TopicRecord { Name = name, TopicId = id } };
        for (var p = 0; p < partitions; p++)
        {
            records.Add(NewPartition(image, id, p, placement[p]));
        }
        records.AddRange(configs.Select(c => new ConfigRecord { ResourceType = MetadataImage.TopicResource, ResourceName = name, Name = c.Key, Value = c.Value }));
        return new ControllerResult<CreateTopicResult>(records, new CreateTopicResult(MetadataResult.Ok, id, partitions, replicationFactor));
    }

    private static ControllerResult<CreateTopicResult> Refuse(ErrorCode error, string? message) =>
        ControllerResult<CreateTopicResult>.Of(new CreateTopicResult(new MetadataResult(error, message)));

    private static ControllerResult<MetadataResult> Refuse(MetadataResult result) => ControllerResult<MetadataResult>.Of(result);

    /// <summary>A new partition on <paramref name="replicas"/>: its ISR the active ones among them, led by the first of those, as Kafka's controller starts one.</summary>
    private static PartitionRecord NewPartition(MetadataImage image, Uuid topicId, int partition, IReadOnlyList<int> replicas)
    {
        var isr = replicas.Where(r => image.Cluster.Broker(r) is { IsActive: true }).ToList();
        return new PartitionRecord
        {
            TopicId = topicId,
            PartitionId = partition,
            Replicas = [.. replicas],
            Isr = isr,
            Leader = isr[0],
            LeaderEpoch = 0,
            PartitionEpoch = 0,
        };
    }

    /// <summary>
    /// Replicas for <paramref name="partitions"/> new partitions across the brokers that are registered
    /// and not shutting down (Kafka's StripedReplicaPlacer), with Kafka's INVALID_REPLICATION_FACTOR when
    /// they are too few or all fenced.
    /// </summary>
    private (IReadOnlyList<int[]> Placement, MetadataResult? Refusal) Place(MetadataImage image, int partitions, short replicationFactor)
    {
        var usable = image.Cluster.Brokers.Values.Where(b => !b.InControlledShutdown).Select(b => new StripedReplicaPlacer.UsableBroker(b.Id, b.Rack, b.Fenced));
        var (placement, error) = _placer.Place(partitions, replicationFactor, usable);
        if (error is null && placement.Any(replicas => !replicas.Any(r => image.Cluster.Broker(r) is { IsActive: true })))
        {
            error = "All brokers are currently fenced or in controlled shutdown.";
        }
        if (error is not null)
        {
            return ([], new MetadataResult(ErrorCode.InvalidReplicationFactor, $"Unable to replicate the partition {replicationFactor} time(s): {error}"));
        }
        return (placement, ReplicationNotServed(replicationFactor, ErrorCode.InvalidReplicationFactor));
    }

    /// <summary>Kafka's checks of a manual assignment (CreateTopics' assignments, CreatePartitions'), partition <paramref name="firstPartition"/> first.</summary>
    private static (IReadOnlyList<int[]> Placement, MetadataResult? Refusal) CheckAssignments(MetadataImage image, IReadOnlyList<IReadOnlyList<int>> assignments, int firstPartition)
    {
        for (var i = 0; i < assignments.Count; i++)
        {
            var replicas = assignments[i];
            string? error = null;
            if (replicas.Count == 0)
            {
                error = "The manual partition assignment includes an empty replica list.";
            }
            else if (replicas.Where(r => image.Cluster.Broker(r) is null).Select(r => (int?)r).FirstOrDefault() is { } unknown)
            {
                error = $"The manual partition assignment includes broker {unknown}, but no such broker is registered.";
            }
            else if (replicas.GroupBy(r => r).FirstOrDefault(g => g.Count() > 1) is { } twice)
            {
                error = $"The manual partition assignment includes the broker {twice.Key} more than once.";
            }
            else if (replicas.Count != assignments[0].Count)
            {
                error = $"The manual partition assignment includes a partition with {replicas.Count} replica(s), but this is not consistent with previous partitions, which have {assignments[0].Count} replica(s).";
            }
            else if (!replicas.Any(r => image.Cluster.Broker(r) is { IsActive: true }))
            {
                error = $"All brokers specified in the manual partition assignment for partition {firstPartition + i} are fenced or in controlled shutdown.";
            }
            if (error is not null)
            {
                return ([], new MetadataResult(ErrorCode.InvalidReplicaAssignment, error));
            }
        }
        return ([.. assignments.Select(a => a.ToArray())], ReplicationNotServed((short)assignments[0].Count, ErrorCode.InvalidReplicaAssignment));
    }

    /// <summary>
    /// Partitions are not replicated between brokers yet (issue 13): a follower would never fetch, so
    /// its replica would stay empty while the leader acknowledged acks=all writes alone. Rather than
    /// accept a replication factor it cannot keep, the controller refuses it.
    /// </summary>
    private static MetadataResult? ReplicationNotServed(short replicationFactor, ErrorCode error) => replicationFactor <= 1 ? null :
        new MetadataResult(error, $"Unable to replicate the partition {replicationFactor} time(s): partition replication between brokers is not served yet, so every partition has a single replica (replication factor 1).");

    /// <summary>An operation waiting for the commit of <see cref="Offset"/>.</summary>
    private sealed record Deferred(long Offset, Action Complete, Action<MetadataResult> Fail);
}
