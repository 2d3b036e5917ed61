using System.Collections.Concurrent;
using KafkaCompat.Broker.Config;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Storage;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.Broker.Replication;

/// <summary>
/// Keeps one <see cref="Partition"/> per partition in the metadata image
/// (opening, reconfiguring and deleting their logs as the image changes).
/// Handlers and coordinators find partitions here and then work through them.
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
                        existing.UpdateConfig(config);
                        continue;
                    }
                    var log = _logs.GetOrCreateLog(tp, config);
                    if (log.Config != config)
                    {
                        // Logs found on disk at start-up opened with the defaults; now their topic's config is known.
                        log.UpdateConfig(config);
                    }
                    _partitions[tp] = new Partition(tp, log, p.LeaderEpoch);
                }
            }
            foreach (var gone in _partitions.Keys.Where(tp => !wanted.Contains(tp)).ToList())
            {
                if (_partitions.TryRemove(gone, out var removed))
                {
                    _logs.DeleteLog(gone);
                    removed.Close();
                    _logger.LogInformation("Deleted log for partition {Partition}", gone);
                }
            }
        }
    }
}
