using KafkaCompat.Broker.Fetch;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Broker.Replication;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Storage;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// Fetch (key 1), versions 4-17.
/// Long poll: when fewer than MinBytes are available the request waits, up
/// to MaxWaitMs, on the partitions' append signals (no polling loop).
/// MaxBytes and PartitionMaxBytes limit the answer, except that the first
/// batch found is returned whole even when larger, so a consumer can always
/// make progress (KIP-74). Reads stop at the high watermark (read_uncommitted)
/// or the last stable offset (read_committed, v4+). v7+ fetch sessions
/// (KIP-227); v13+ topics by id (KIP-516). Follower fetches are not served:
/// this is a single-node broker.
/// </summary>
public sealed class FetchHandler(ReplicaManager replicas, MetadataController metadata, FetchSessionCache sessions, TimeProvider time)
    : ApiHandler<FetchRequestData, FetchResponseData>
{
    private const sbyte ReadCommitted = 1;

    public override ApiKey ApiKey => ApiKey.Fetch;

    public override VersionRange Versions => new(4, 17);

    protected override async ValueTask<FetchResponseData?> HandleAsync(RequestContext context, FetchRequestData request, CancellationToken cancellationToken)
    {
        var version = context.ApiVersion;
        var fetch = sessions.Resolve(request, version, metadata.Image);
        if (fetch.Error != ErrorCode.None)
        {
            return new FetchResponseData { ErrorCode = (short)fetch.Error, SessionId = 0 };
        }
        var deadline = time.GetUtcNow().AddMilliseconds(Math.Max(request.MaxWaitMs, 0));
        while (true)
        {
            var reads = Read(fetch.Targets, request, version);
            var bytes = reads.Sum(r => r.Result?.Records.Length ?? 0);
            var remaining = deadline - time.GetUtcNow();
            if (bytes >= request.MinBytes || reads.Any(r => r.Error != ErrorCode.None) || remaining <= TimeSpan.Zero || reads.Count == 0)
            {
                return Respond(context, fetch, reads, version, request.IsolationLevel);
            }
            foreach (var read in reads)
            {
                read.Result?.Dispose();
            }
            var signals = reads.Where(r => r.Partition is not null).Select(r => r.Partition!.Appended.Next).ToList();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Task.Delay(remaining, time, timeout.Token);
            await Task.WhenAny(signals.Append(delay));
            await timeout.CancelAsync();
        }
    }

    private sealed record PartitionRead(FetchTarget Target, Partition? Partition, ErrorCode Error, LogReadResult? Result);

    private List<PartitionRead> Read(IReadOnlyList<FetchTarget> targets, FetchRequestData request, short version)
    {
        var reads = new List<PartitionRead>(targets.Count);
        var budget = request.MaxBytes;
        var minOneBatch = true;
        foreach (var target in targets)
        {
            var partition = target.Topic is null ? null : replicas.GetPartition(target.Topic, target.Partition);
            if (partition is null)
            {
                var unknown = version >= 13 && target.Topic is null ? ErrorCode.UnknownTopicId : ErrorCode.UnknownTopicOrPartition;
                reads.Add(new PartitionRead(target, null, unknown, null));
                continue;
            }
            var log = partition.Log;
            var maxOffset = request.IsolationLevel == ReadCommitted ? log.LastStableOffset : log.HighWatermark;
            var result = log.Read(target.FetchOffset, Math.Max(0, Math.Min(target.PartitionMaxBytes, budget)), maxOffset, minOneBatch);
            if (result.Records.Length > 0)
            {
                budget -= result.Records.Length;
                minOneBatch = false;
            }
            reads.Add(new PartitionRead(target, partition, result.Error, result));
        }
        return reads;
    }

    private static FetchResponseData Respond(RequestContext context, FetchContext fetch, List<PartitionRead> reads, short version, sbyte isolation)
    {
        var response = new FetchResponseData { SessionId = fetch.ResponseSessionId };
        var byTopic = new Dictionary<(Uuid, string?), FetchResponseData.FetchableTopicResponse>();
        foreach (var read in reads)
        {
            var result = read.Result;
            if (result is not null)
            {
                context.ResponseResources.Add(result);
                if (read.Error == ErrorCode.None)
                {
                    context.SplicedRecordBytes += result.Records.Length;
                }
            }
            var hw = result?.HighWatermark ?? -1;
            var lso = result?.LastStableOffset ?? -1;
            var logStart = result?.LogStartOffset ?? -1;
            var target = read.Target;
            // An incremental response leaves out partitions with nothing new (KIP-227).
            if (fetch.Incremental && read.Error == ErrorCode.None && result!.Records.IsEmpty
                && hw == target.SentHighWatermark && lso == target.SentLastStableOffset && logStart == target.SentLogStartOffset)
            {
                continue;
            }
            target.SentHighWatermark = hw;
            target.SentLastStableOffset = lso;
            target.SentLogStartOffset = logStart;
            var key = version >= 13 ? (target.TopicId, (string?)null) : (Uuid.Zero, target.Topic);
            if (!byTopic.TryGetValue(key, out var topic))
            {
                topic = new FetchResponseData.FetchableTopicResponse { Topic = version >= 13 ? "" : target.Topic ?? "", TopicId = target.TopicId };
                byTopic[key] = topic;
                response.Responses.Add(topic);
            }
            topic.Partitions.Add(new FetchResponseData.PartitionData
            {
                PartitionIndex = target.Partition,
                ErrorCode = (short)read.Error,
                HighWatermark = hw,
                LastStableOffset = lso,
                LogStartOffset = logStart,
                AbortedTransactions = isolation == ReadCommitted ? [] : null,
                Records = read.Error == ErrorCode.None ? result!.Records : ReadOnlyMemory<byte>.Empty,
            });
        }
        return response;
    }

    protected override FetchResponseData ErrorResponse(FetchRequestData request, short version, ErrorCode error, string message) =>
        new() { ErrorCode = (short)error };
}
