using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.Broker.Coordinators;

/// <summary>The internal topic a coordinator keeps its state in, and how Kafka creates it.</summary>
public sealed record CoordinatorTopic(string Name, Func<int> PartitionCount, Func<IReadOnlyDictionary<string, string>> Configs);

/// <summary>
/// The shards of one coordinator: one per partition of its internal topic, each a
/// <see cref="CoordinatorRuntime"/> driving a state machine. Creates the topic the first time it is
/// needed (as Kafka does on FindCoordinator), loads the partitions of an existing one in the
/// background (requests meanwhile get COORDINATOR_LOAD_IN_PROGRESS), and routes a key's requests
/// to the shard of its partition. The group coordinator uses it for <c>__consumer_offsets</c>; the
/// transaction and share coordinators will for theirs.
/// </summary>
public sealed class CoordinatorShards<TShard>(CoordinatorTopic topic, MetadataController metadata, Func<int, TShard> create, Func<TShard, CoordinatorRuntime> runtimeOf, ILogger logger)
    where TShard : class
{
    private readonly Lock _topicLock = new();
    private volatile TShard[]? _shards;

    /// <summary>The shards once the topic exists (null before).</summary>
    public IReadOnlyList<TShard>? All => _shards;

    /// <summary>The topic's partition count once it exists, else what it will be created with.</summary>
    public int PartitionCount => _shards?.Length ?? topic.PartitionCount();

    /// <summary>At start-up: the shards of an existing topic, loaded in the background. <paramref name="beforeLoad"/> runs on each executor first (tests hold loading with it).</summary>
    public void Start(Action? beforeLoad = null)
    {
        lock (_topicLock)
        {
            if (metadata.Image.Topic(topic.Name) is { } existing)
            {
                _shards = StartShards(existing.Partitions.Length, load: true, beforeLoad);
            }
        }
    }

    /// <summary>Creates the topic if it does not exist yet; the error a request gets when that fails.</summary>
    public ErrorCode EnsureTopic()
    {
        if (_shards is not null)
        {
            return ErrorCode.None;
        }
        lock (_topicLock)
        {
            if (_shards is not null)
            {
                return ErrorCode.None;
            }
            if (metadata.Image.Topic(topic.Name) is null)
            {
                // Once per internal topic; the shards are created from the committed topic, so this waits for the commit.
                var created = metadata.CreateTopic(topic.Name, topic.PartitionCount(), topic.Configs()).GetAwaiter().GetResult();
                if (!created.IsOk && created.Error != ErrorCode.TopicAlreadyExists)
                {
                    logger.LogWarning("Creating {Topic} failed: {Error} {Message}", topic.Name, created.Error, created.Message);
                    return ErrorCode.CoordinatorNotAvailable;
                }
                logger.LogInformation("Created {Topic} with {Partitions} partitions", topic.Name, topic.PartitionCount());
            }
            // A topic created just now has nothing to load: its shards serve at once.
            _shards = StartShards(metadata.Image.Topic(topic.Name)!.Partitions.Length, load: false, beforeLoad: null);
            return ErrorCode.None;
        }
    }

    /// <summary>The active shard of a partition, or the error its requests get now (call <see cref="EnsureTopic"/> first: the partition depends on the topic's size).</summary>
    public (TShard? Shard, ErrorCode Error) Route(int partition)
    {
        if (_shards is not { } shards)
        {
            return (null, ErrorCode.CoordinatorNotAvailable);
        }
        var shard = shards[partition];
        return runtimeOf(shard).Status switch
        {
            ShardStatus.Active => (shard, ErrorCode.None),
            ShardStatus.Loading => (null, ErrorCode.CoordinatorLoadInProgress),
            _ => (null, ErrorCode.CoordinatorNotAvailable),
        };
    }

    /// <summary>The shards that serve now, and whether any is still loading.</summary>
    public (IReadOnlyList<TShard> Active, bool Loading) Serving()
    {
        var shards = _shards ?? [];
        return ([.. shards.Where(s => runtimeOf(s).Status == ShardStatus.Active)], shards.Any(s => runtimeOf(s).Status == ShardStatus.Loading));
    }

    /// <summary>Completes once every shard has run what was queued before (timer expirations included).</summary>
    public Task DrainAsync() => Task.WhenAll((_shards ?? []).Select(s => runtimeOf(s).Executor.Submit(() => 0)));

    public Task CloseAsync() => Task.WhenAll((_shards ?? []).Select(s => runtimeOf(s).CloseAsync()));

    private TShard[] StartShards(int count, bool load, Action? beforeLoad)
    {
        var shards = new TShard[count];
        for (var p = 0; p < count; p++)
        {
            var shard = create(p);
            var runtime = runtimeOf(shard);
            shards[p] = shard;
            if (!load)
            {
                runtime.MarkLoaded();
                continue;
            }
            var partition = p;
            runtime.Executor.Post(() =>
            {
                beforeLoad?.Invoke();
                var started = Environment.TickCount64;
                var records = runtime.Load();
                if (records > 0)
                {
                    logger.LogInformation("Loaded {Records} records of {Topic}-{Partition} in {Ms} ms", records, topic.Name, partition, Environment.TickCount64 - started);
                }
            });
        }
        return shards;
    }
}
