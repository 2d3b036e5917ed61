using System.Collections.Concurrent;
using KafkaCompat.Broker.Config;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Storage;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.Broker.Replication;

/// <summary>A partition this broker leads: its log and the signal fetches wait on.</summary>
public sealed record Partition(TopicPartition TopicPartition, PartitionLog Log, AppendSignal Appended, int LeaderEpoch);

/// <summary>
/// Keeps one partition log per partition in the metadata image (opening,
/// reconfiguring and deleting logs as the image changes) and is where
/// produce appends and fetch reads meet the log. Single node: this broker
/// leads every partition, the ISR is itself, so the high watermark moves to
/// the log end as soon as an append is in the log.
/// </summary>
public sealed class ReplicaManager
{
    private readonly LogManager _logs;
    private readonly BrokerState _broker;
    private readonly ILogger<ReplicaManager> _logger;
    private readonly ConcurrentDictionary<TopicPartition, Partition> _partitions = new();
    private readonly object _syncLock = new();

    public ReplicaManager(LogManager logs, BrokerState broker, ILogger<ReplicaManager> logger)
    {
        _logs = logs;
        _broker = broker;
        _logger = logger;
    }

    public Partition? GetPartition(string topic, int partition) =>
        _partitions.GetValueOrDefault(new TopicPartition(topic, partition));

    public IEnumerable<Partition> Partitions => _partitions.Values;

    /// <summary>Brings the set of open logs in line with the image (called at start-up and after every metadata change).</summary>
    public void Sync(MetadataImage image)
    {
        lock (_syncLock)
        {
            var wanted = new HashSet<TopicPartition>();
            foreach (var topic in image.Topics.Values)
            {
                var config = TopicConfigs.ToLogConfig(_broker.Config, topic.Configs);
                foreach (var p in topic.Partitions)
                {
                    var tp = new TopicPartition(topic.Name, p.Partition);
                    wanted.Add(tp);
                    if (_partitions.TryGetValue(tp, out var existing))
                    {
                        if (existing.Log.Config != config)
                        {
                            existing.Log.UpdateConfig(config);
                        }
                        continue;
                    }
                    var log = _logs.GetOrCreateLog(tp, config);
                    if (log.Config != config)
                    {
                        // Logs found on disk at start-up opened with the defaults; now their topic's config is known.
                        log.UpdateConfig(config);
                    }
                    // Everything recovered from disk was acknowledged by this (sole) replica.
                    log.UpdateHighWatermark(log.LogEndOffset);
                    _partitions[tp] = new Partition(tp, log, new AppendSignal(), p.LeaderEpoch);
                }
            }
            foreach (var gone in _partitions.Keys.Where(tp => !wanted.Contains(tp)).ToList())
            {
                if (_partitions.TryRemove(gone, out var removed))
                {
                    removed.Appended.Signal();
                    _logs.DeleteLog(gone);
                    _logger.LogInformation("Deleted log for partition {Partition}", gone);
                }
            }
        }
    }

    /// <summary>Appends validated batches (offsets assigned in place) and advances the high watermark.</summary>
    public LogAppendResult Append(Partition partition, Memory<byte> records)
    {
        var result = partition.Log.Append(records, partition.LeaderEpoch);
        if (result.Error == KafkaCompat.Protocol.ErrorCode.None && !result.IsDuplicate)
        {
            partition.Log.UpdateHighWatermark(partition.Log.LogEndOffset);
            partition.Appended.Signal();
        }
        return result;
    }
}
