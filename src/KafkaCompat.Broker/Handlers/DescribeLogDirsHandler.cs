using KafkaCompat.Broker.Replication;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// DescribeLogDirs (key 35), versions 0-4.
/// Each configured log dir with the size of every partition in it (all partitions when
/// Topics is null), an offset lag of 0 (this broker leads everything), and
/// from v4 the file system's total and usable bytes (KIP-827).
/// </summary>
public sealed class DescribeLogDirsHandler(ReplicaManager replicas, BrokerState broker) : ApiHandler<DescribeLogDirsRequestData, DescribeLogDirsResponseData>
{
    public override ApiKey ApiKey => ApiKey.DescribeLogDirs;

    public override VersionRange Versions => new(0, 4);

    protected override ValueTask<DescribeLogDirsResponseData?> HandleAsync(RequestContext context, DescribeLogDirsRequestData request, CancellationToken cancellationToken)
    {
        var response = new DescribeLogDirsResponseData();
        var partitions = replicas.Partitions
            .Where(p => request.Topics is null || request.Topics.Find(p.TopicPartition.Topic) is { } t && t.Partitions.Contains(p.TopicPartition.Partition))
            .ToLookup(p => Path.GetFullPath(p.LogDirectory));
        foreach (var dir in broker.Config.LogDirs.Select(Path.GetFullPath))
        {
            var result = new DescribeLogDirsResponseData.DescribeLogDirsResult { LogDir = dir };
            foreach (var topic in partitions[dir].GroupBy(p => p.TopicPartition.Topic).OrderBy(t => t.Key, StringComparer.Ordinal))
            {
                result.Topics.Add(new DescribeLogDirsResponseData.DescribeLogDirsTopic
                {
                    Name = topic.Key,
                    Partitions = [.. topic.OrderBy(p => p.TopicPartition.Partition).Select(p => new DescribeLogDirsResponseData.DescribeLogDirsPartition
                    {
                        PartitionIndex = p.TopicPartition.Partition,
                        PartitionSize = p.Size,
                        OffsetLag = 0,
                    })],
                });
            }
            if (context.ApiVersion >= 4)
            {
                var drive = new DriveInfo(dir);
                result.TotalBytes = drive.TotalSize;
                result.UsableBytes = drive.AvailableFreeSpace;
            }
            response.Results.Add(result);
        }
        return ValueTask.FromResult<DescribeLogDirsResponseData?>(response);
    }

    protected override DescribeLogDirsResponseData ErrorResponse(DescribeLogDirsRequestData request, short version, ErrorCode error, string message) =>
        new() { ErrorCode = (short)error };
}
