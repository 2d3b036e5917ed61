using KafkaCompat.Broker.Fetch;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Broker.Replication;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Records;
using KafkaCompat.Storage;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// Fetch (key 1), versions 0-18; v0-3 get legacy message sets (<see cref="FetchDownConversion"/>).
/// Long poll: when fewer than MinBytes are available the request waits, up
/// to MaxWaitMs, as a <see cref="DelayedFetch"/> registered on its partitions
/// before they are first read; each append to one of them wakes it, and only
/// the partitions that changed are read again. MaxBytes (capped by the
/// broker's fetch.max.bytes) and PartitionMaxBytes limit the answer, except
/// that the first batch found is returned whole even when larger, so a
/// consumer can always make progress (KIP-74). Reads stop at the high
/// watermark (read_uncommitted) or the last stable offset (read_committed).
/// v7+ fetch sessions (KIP-227); v13+ topics by id (KIP-516). Follower
/// fetches are not served: this is a single-node broker. v18 only adds the
/// follower's high watermark as a tagged field (KIP-1166), which a consumer
/// leaves at its default: a consumer's v18 fetch is answered as v17's.
/// </summary>
public sealed class FetchHandler(ReplicaManager replicas, MetadataController metadata, FetchSessionCache sessions, BrokerState broker, TimeProvider time)
    : TypedApiHandler<FetchRequestData, FetchResponseData>
{
    private const sbyte ReadCommitted = 1;

    public override ApiKey ApiKey => ApiKey.Fetch;

    public override VersionRange Versions => new(0, 18);

    public override async ValueTask<ApiResponse?> HandleAsync(RequestContext context, IApiMessage message, CancellationToken cancellationToken)
    {
        var request = (FetchRequestData)message;
        var version = context.ApiVersion;
        var fetch = sessions.Resolve(request, version, metadata.Image);
        if (fetch.Error != ErrorCode.None)
        {
            return new ApiResponse(new FetchResponseData { ErrorCode = (short)fetch.Error, SessionId = 0 });
        }
        var limits = new ReadLimits(
            Math.Min(request.MaxBytes, broker.Config.FetchMaxBytes),
            request.IsolationLevel == ReadCommitted ? FetchIsolation.TxnCommitted : FetchIsolation.HighWatermark);
        var reads = new PartitionRead[fetch.Targets.Count];
        var totalBytes = 0;
        var deadline = time.GetUtcNow().AddMilliseconds(Math.Max(request.MaxWaitMs, 0));
        using var delayed = request.MaxWaitMs > 0 && request.MinBytes > 0 ? new DelayedFetch(time) : null;
        // Only a fetch that may wait needs to find a changed partition's read again.
        var byPartition = delayed is null ? null : new Dictionary<Partition, int>();
        try
        {
            for (var i = 0; i < reads.Length; i++)
            {
                var target = fetch.Targets[i];
                var partition = target.Topic is null ? null : replicas.GetPartition(target.Topic, target.Partition);
                // Watch before the first read: an append from here on is seen, even one that lands before the wait starts.
                if (partition is not null && byPartition?.TryAdd(partition, i) == true)
                {
                    delayed!.Watch(partition);
                }
                reads[i] = new PartitionRead(target, partition);
            }
            for (var i = 0; i < reads.Length; i++)
            {
                totalBytes += Read(reads[i], totalBytes, limits, version);
            }
            while (delayed is not null && !Satisfied(reads, totalBytes, request.MinBytes))
            {
                var remaining = deadline - time.GetUtcNow();
                if (remaining <= TimeSpan.Zero)
                {
                    break;
                }
                foreach (var changed in await delayed.WaitForChangesAsync(remaining, cancellationToken))
                {
                    if (byPartition!.TryGetValue(changed, out var i))
                    {
                        totalBytes += Read(reads[i], totalBytes - reads[i].Bytes, limits, version);
                    }
                }
            }
            return Respond(fetch, reads, version, request.IsolationLevel);
        }
        catch
        {
            foreach (var read in reads)
            {
                read?.Result?.Dispose();
                read?.Converted?.Dispose();
            }
            throw;
        }
    }

    private readonly record struct ReadLimits(int MaxBytes, FetchIsolation Isolation);

    private sealed class PartitionRead(FetchTarget target, Partition? partition)
    {
        public FetchTarget Target { get; } = target;
        public Partition? Partition { get; } = partition;
        public ErrorCode Error { get; set; }
        public LogReadResult? Result { get; set; }
        /// <summary>The read down-converted for Fetch v0-3.</summary>
        public PooledBufferWriter? Converted { get; set; }
        public ReadOnlyMemory<byte> Records => Converted?.WrittenMemory ?? Result?.Records ?? ReadOnlyMemory<byte>.Empty;
        public int Bytes => Records.Length;
    }

    private static bool Satisfied(PartitionRead[] reads, int totalBytes, int minBytes) =>
        totalBytes >= minBytes || reads.Length == 0 || reads.Any(r => r.Error != ErrorCode.None);

    /// <summary>
    /// (Re)reads one partition within what the response's other partitions (<paramref name="others"/>
    /// bytes) leave of MaxBytes; it may return one whole batch beyond that only when no other
    /// partition returned data (KIP-74). Returns how many bytes the response's total changed by.
    /// </summary>
    private int Read(PartitionRead read, int others, ReadLimits limits, short version)
    {
        var before = read.Bytes;
        read.Result?.Dispose();
        read.Result = null;
        read.Converted?.Dispose();
        read.Converted = null;
        var target = read.Target;
        // A deleted topic's partition is gone from the replica manager: its waiters wake and find out here.
        var partition = target.Topic is null ? null : replicas.GetPartition(target.Topic, target.Partition);
        if (partition is null || partition != read.Partition)
        {
            read.Error = version >= 13 && target.Topic is null ? ErrorCode.UnknownTopicId : ErrorCode.UnknownTopicOrPartition;
            return -before;
        }
        var budget = Math.Max(0, Math.Min(target.PartitionMaxBytes, limits.MaxBytes - others));
        read.Result = partition.Read(target.FetchOffset, budget, limits.Isolation, minOneBatch: others == 0);
        read.Error = read.Result.Error;
        if (version <= FetchDownConversion.LastLegacyVersion && read.Error == ErrorCode.None)
        {
            var enabled = FetchDownConversion.Enabled(broker.Config, metadata.Image.Topic(target.Topic!));
            read.Converted = FetchDownConversion.Convert(read.Result, target.FetchOffset, version, budget, others == 0, partition.Config, enabled, out var error);
            read.Error = error;
            if (error != ErrorCode.None)
            {
                // Kafka's answer for a partition that cannot be converted carries no offsets either.
                read.Result.Dispose();
                read.Result = null;
            }
        }
        return read.Bytes - before;
    }

    /// <summary>The answer owns every read: the record bytes go out beside the frame and are released once it is sent.</summary>
    private static ApiResponse Respond(FetchContext fetch, PartitionRead[] reads, short version, sbyte isolation)
    {
        var response = new FetchResponseData { SessionId = fetch.ResponseSessionId };
        var answer = new ApiResponse(response);
        var byTopic = new Dictionary<(Uuid, string?), FetchResponseData.FetchableTopicResponse>();
        foreach (var read in reads)
        {
            var result = read.Result;
            if (result is not null)
            {
                answer.Own(result, read.Error == ErrorCode.None && read.Converted is null ? result.Records.Length : 0);
            }
            if (read.Converted is { } converted)
            {
                answer.Own(converted, converted.WrittenCount);
            }
            var hw = result?.HighWatermark ?? -1;
            var lso = result?.LastStableOffset ?? -1;
            var logStart = result?.LogStartOffset ?? -1;
            var target = read.Target;
            // An incremental response leaves out partitions with nothing new (KIP-227).
            if (fetch.Incremental && read.Error == ErrorCode.None && read.Records.IsEmpty
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
                AbortedTransactions = isolation == ReadCommitted ? AbortedTransactions(result) : null,
                Records = read.Error == ErrorCode.None ? read.Records : ReadOnlyMemory<byte>.Empty,
            });
        }
        return answer;
    }

    /// <summary>A read_committed partition's aborted transactions (KIP-98): the consumer skips their records.</summary>
    private static List<FetchResponseData.AbortedTransaction> AbortedTransactions(LogReadResult? result)
    {
        var aborted = new List<FetchResponseData.AbortedTransaction>(result?.AbortedTransactions.Count ?? 0);
        if (result is not null)
        {
            foreach (var txn in result.AbortedTransactions)
            {
                aborted.Add(new FetchResponseData.AbortedTransaction { ProducerId = txn.ProducerId, FirstOffset = txn.FirstOffset });
            }
        }
        return aborted;
    }

    /// <summary>
    /// As Kafka's: from v13 the top-level error alone; before, every partition asked for carries it
    /// too, since v4-6 have no top-level error and would otherwise answer an empty fetch.
    /// </summary>
    protected override FetchResponseData ErrorResponse(FetchRequestData request, short version, ErrorCode error, string message)
    {
        var response = new FetchResponseData { ErrorCode = (short)error };
        if (version >= 13)
        {
            return response;
        }
        foreach (var topic in request.Topics)
        {
            response.Responses.Add(new FetchResponseData.FetchableTopicResponse
            {
                Topic = topic.Topic,
                Partitions = [.. topic.Partitions.Select(p => new FetchResponseData.PartitionData
                {
                    PartitionIndex = p.Partition,
                    ErrorCode = (short)error,
                    HighWatermark = -1,
                    LastStableOffset = -1,
                    LogStartOffset = -1,
                    Records = ReadOnlyMemory<byte>.Empty,
                })],
            });
        }
        return response;
    }
}
