using KafkaCompat.Broker.Fetch;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Broker.Replication;
using KafkaCompat.Broker.Share;
using KafkaCompat.Broker.Share.Partitions;
using KafkaCompat.Broker.Share.Sessions;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// ShareFetch (key 78), versions 1-2 (KIP-932; v0 was Kafka 4.0's early access, which 4.1 dropped).
/// librdkafka 2.15.1's share consumer sends v1. v2 (Kafka 4.2) adds the record_limit acquire mode
/// (KIP-1206: no more than MaxRecords, even within a batch) and renew acknowledgements (KIP-1222:
/// with IsRenewAck the request only acknowledges, and must ask for no records, bytes or wait). A member's share session is opened at epoch 0,
/// carried on at its next epoch and closed at -1 (<see cref="ShareSessionCache"/>). Piggybacked
/// acknowledgements are applied first (none allowed at epoch 0); then, unless the session closes,
/// each of the session's partitions acquires records for the member (<see cref="SharePartitionManager.Acquire"/>)
/// within MaxRecords and MaxBytes (capped by fetch.max.bytes), in AcquiredRecords ranges of about
/// BatchSize records (cut between log batches). With fewer than MinBytes acquired the
/// request waits up to MaxWaitMs as a <see cref="DelayedFetch"/> registered on the partitions and on
/// their share-partitions before their first read, so an append, a release or an expired lock wakes
/// it. The answer carries the acquired records' log batches uncopied and their AcquiredRecords ranges.
/// </summary>
public sealed class ShareFetchHandler(SharePartitionManager shares, ReplicaManager replicas, MetadataController metadata, BrokerState broker, TimeProvider time)
    : TypedApiHandler<ShareFetchRequestData, ShareFetchResponseData>
{
    private const sbyte BatchOptimized = 0;
    private const sbyte RecordLimit = 1;

    public override ApiKey ApiKey => ApiKey.ShareFetch;

    public override VersionRange Versions => new(1, 2);

    public override async ValueTask<ApiResponse?> HandleAsync(RequestContext context, IApiMessage message, CancellationToken cancellationToken)
    {
        var request = (ShareFetchRequestData)message;
        if (string.IsNullOrEmpty(request.GroupId) || string.IsNullOrEmpty(request.MemberId))
        {
            return Error(ErrorCode.InvalidRequest, "A share fetch needs a group id and a member id");
        }
        if (request.ShareAcquireMode is not (BatchOptimized or RecordLimit))
        {
            return Error(ErrorCode.InvalidRequest, $"Unknown share acquire mode {request.ShareAcquireMode}");
        }
        if (request.IsRenewAck && (request.MaxBytes != 0 || request.MinBytes != 0 || request.MaxRecords != 0 || request.MaxWaitMs != 0))
        {
            return Error(ErrorCode.InvalidRequest, "A share fetch renewing acquisition locks fetches nothing: MaxBytes, MinBytes, MaxRecords and MaxWaitMs must be 0");
        }
        var groupId = request.GroupId;
        var memberId = request.MemberId;
        var epoch = request.ShareSessionEpoch;
        var acknowledgements = request.Topics
            .SelectMany(t => t.Partitions.Where(p => p.AcknowledgementBatches.Count > 0).Select(p => (
                new SharePartitionKey(t.TopicId, p.PartitionIndex),
                (IReadOnlyList<AcknowledgementBatch>)[.. p.AcknowledgementBatches.Select(b => new AcknowledgementBatch(b.FirstOffset, b.LastOffset, b.AcknowledgeTypes))])))
            .ToList();
        var requested = request.Topics.SelectMany(t => t.Partitions.Select(p => new SharePartitionKey(t.TopicId, p.PartitionIndex))).ToList();
        var forgotten = request.ForgottenTopicsData.SelectMany(t => t.Partitions.Select(p => new SharePartitionKey(t.TopicId, p))).ToList();

        List<SharePartitionKey> fetching;
        var full = epoch == ShareSessionCache.InitialEpoch;
        if (epoch == ShareSessionCache.FinalEpoch)
        {
            if (forgotten.Count > 0)
            {
                return Error(ErrorCode.InvalidRequest, "A share fetch closing its session cannot forget partitions");
            }
            if (!shares.Sessions.Contains(groupId, memberId))
            {
                return Error(ErrorCode.ShareSessionNotFound, null);
            }
            fetching = [];
        }
        else if (full)
        {
            if (acknowledgements.Count > 0)
            {
                return Error(ErrorCode.InvalidRequest, "A share fetch opening a share session cannot carry acknowledgements");
            }
            var (error, session, replaced) = shares.Sessions.Open(groupId, memberId, requested);
            if (replaced is not null)
            {
                await shares.ReleaseSessionAsync(groupId, memberId, replaced.Partitions);
            }
            if (error != ErrorCode.None)
            {
                return Error(error, null);
            }
            shares.CloseWithConnection(session!, context.Connection.Closed);
            fetching = requested;
        }
        else
        {
            var (error, partitions) = shares.Sessions.Update(groupId, memberId, epoch, requested, forgotten);
            if (error != ErrorCode.None)
            {
                return Error(error, null);
            }
            fetching = partitions;
        }

        var image = metadata.Image;
        var acknowledged = await ShareAcknowledgements.ApplyAsync(shares, image, groupId, memberId, acknowledgements, request.IsRenewAck);
        if (epoch == ShareSessionCache.FinalEpoch)
        {
            // The member is done: what it still holds goes back to the group now rather than when its locks expire.
            var closed = shares.Sessions.Remove(groupId, memberId) ?? [];
            await shares.ReleaseSessionAsync(groupId, memberId, closed.Concat(acknowledged.Keys).Distinct());
        }
        var settings = shares.SettingsOf(groupId);
        var fetches = await LoadAsync(groupId, fetching, image);
        using var delayed = request.MaxWaitMs > 0 && request.MinBytes > 0 && request.MaxRecords > 0 && fetches.Count > 0 ? new DelayedFetch(time) : null;
        try
        {
            await AcquireAsync(fetches, delayed, memberId, request, cancellationToken);
        }
        catch
        {
            foreach (var fetch in fetches)
            {
                fetch.Acquisition?.Read?.Dispose();
            }
            throw;
        }
        finally
        {
            if (delayed is not null)
            {
                foreach (var fetch in fetches)
                {
                    fetch.Share?.Unwatch(delayed);
                }
            }
        }
        return Respond(fetches, acknowledged, full, settings);
    }

    private sealed class PartitionFetch(SharePartitionKey key)
    {
        public SharePartitionKey Key { get; } = key;
        public SharePartition? Share { get; set; }
        public ErrorCode Error { get; set; }
        public string? Message { get; set; }
        public ShareAcquisition? Acquisition { get; set; }
        public int Bytes => Acquisition?.Records.Length ?? 0;
        public int Records => Acquisition?.Ranges.Sum(r => r.Count) ?? 0;
    }

    /// <summary>The session's partitions with their share-partitions, loaded from the share coordinator on first use.</summary>
    private async Task<List<PartitionFetch>> LoadAsync(string groupId, List<SharePartitionKey> keys, MetadataImage image)
    {
        var fetches = new List<PartitionFetch>(keys.Count);
        foreach (var key in keys)
        {
            var fetch = new PartitionFetch(key);
            fetches.Add(fetch);
            var topic = image.Topic(key.TopicId);
            var log = topic is null ? null : replicas.GetPartition(topic.Name, key.Partition);
            if (log is null)
            {
                fetch.Error = topic is null ? ErrorCode.UnknownTopicId : ErrorCode.UnknownTopicOrPartition;
                continue;
            }
            var (share, error, message) = await shares.GetOrLoadAsync(groupId, key.TopicId, log);
            fetch.Share = share;
            fetch.Error = error;
            fetch.Message = message;
        }
        return fetches;
    }

    private async Task AcquireAsync(List<PartitionFetch> fetches, DelayedFetch? delayed, string memberId, ShareFetchRequestData request, CancellationToken cancellationToken)
    {
        if (request.MaxRecords <= 0)
        {
            // Acknowledgements alone (librdkafka sends MaxRecords 0 to flush them; a v2 renewal must).
            return;
        }
        var maxBytes = Math.Min(request.MaxBytes, broker.Config.FetchMaxBytes);
        var deadline = time.GetUtcNow().AddMilliseconds(Math.Max(request.MaxWaitMs, 0));
        var byPartition = new Dictionary<Partition, PartitionFetch>();
        foreach (var fetch in fetches.Where(f => f.Share is not null))
        {
            byPartition[fetch.Share!.Log] = fetch;
            if (delayed is not null)
            {
                // Before the first read: an append, release or expiry from now on is seen.
                delayed.Watch(fetch.Share.Log);
                fetch.Share.Watch(delayed);
            }
        }
        foreach (var fetch in fetches)
        {
            Acquire(fetch, fetches, memberId, request.MaxRecords, maxBytes, request.ShareAcquireMode == RecordLimit, request.BatchSize);
        }
        while (delayed is not null && fetches.Sum(f => f.Bytes) < request.MinBytes && fetches.All(f => f.Error == ErrorCode.None))
        {
            var remaining = deadline - time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                break;
            }
            foreach (var changed in await delayed.WaitForChangesAsync(remaining, cancellationToken))
            {
                if (byPartition.TryGetValue(changed, out var fetch) && fetch.Acquisition is null)
                {
                    Acquire(fetch, fetches, memberId, request.MaxRecords, maxBytes, request.ShareAcquireMode == RecordLimit, request.BatchSize);
                }
            }
        }
    }

    /// <summary>Acquires for one partition what the request's other partitions leave of MaxRecords and MaxBytes; the first data of the answer may exceed MaxBytes by one batch (KIP-74).</summary>
    private void Acquire(PartitionFetch fetch, List<PartitionFetch> fetches, string memberId, int maxRecords, int maxBytes, bool recordLimit, int batchSize)
    {
        if (fetch.Share is null || fetch.Acquisition is not null)
        {
            return;
        }
        var otherBytes = fetches.Sum(f => f.Bytes);
        var records = maxRecords - fetches.Sum(f => f.Records);
        var acquisition = shares.Acquire(fetch.Share, memberId, records, Math.Max(0, maxBytes - otherBytes), minOneBatch: otherBytes == 0, recordLimit, batchSize);
        if (acquisition.Error != ErrorCode.None)
        {
            fetch.Error = acquisition.Error;
            fetch.Message = acquisition.Message;
        }
        else if (acquisition.Ranges.Count > 0)
        {
            fetch.Acquisition = acquisition;
        }
    }

    /// <summary>
    /// The answer owns every read. An opening fetch answers every partition of the session; a later one
    /// only those with records, an error or an acknowledgement outcome, as Kafka's share session context does.
    /// </summary>
    private static ApiResponse Respond(List<PartitionFetch> fetches, Dictionary<SharePartitionKey, (ErrorCode Error, string? Message)> acknowledged,
        bool full, ShareGroupSettings settings)
    {
        var response = new ShareFetchResponseData { AcquisitionLockTimeoutMs = settings.RecordLockDurationMs };
        var answer = new ApiResponse(response);
        var byTopic = new Dictionary<Uuid, ShareFetchResponseData.ShareFetchableTopicResponse>();
        var answered = new HashSet<SharePartitionKey>();
        foreach (var fetch in fetches)
        {
            var hasAcknowledgement = acknowledged.TryGetValue(fetch.Key, out var ack);
            if (!full && fetch.Acquisition is null && fetch.Error == ErrorCode.None && !hasAcknowledgement)
            {
                continue;
            }
            if (fetch.Acquisition?.Read is { } read)
            {
                answer.Own(read, fetch.Acquisition.Records.Length);
            }
            answered.Add(fetch.Key);
            Partition(response, byTopic, fetch.Key).Add(new ShareFetchResponseData.PartitionData
            {
                PartitionIndex = fetch.Key.Partition,
                ErrorCode = (short)fetch.Error,
                ErrorMessage = fetch.Message,
                AcknowledgeErrorCode = (short)ack.Error,
                AcknowledgeErrorMessage = ack.Message,
                Records = fetch.Acquisition?.Records ?? ReadOnlyMemory<byte>.Empty,
                AcquiredRecords = [.. (fetch.Acquisition?.Ranges ?? []).Select(r => new ShareFetchResponseData.AcquiredRecords
                {
                    FirstOffset = r.FirstOffset,
                    LastOffset = r.LastOffset,
                    DeliveryCount = r.DeliveryCount,
                })],
            });
        }
        // Acknowledgements of partitions this answer does not fetch (the session is closing) still get their outcome.
        foreach (var (key, (error, message)) in acknowledged.Where(a => !answered.Contains(a.Key)))
        {
            Partition(response, byTopic, key).Add(new ShareFetchResponseData.PartitionData
            {
                PartitionIndex = key.Partition,
                AcknowledgeErrorCode = (short)error,
                AcknowledgeErrorMessage = message,
                Records = ReadOnlyMemory<byte>.Empty,
            });
        }
        return answer;
    }

    private static List<ShareFetchResponseData.PartitionData> Partition(ShareFetchResponseData response,
        Dictionary<Uuid, ShareFetchResponseData.ShareFetchableTopicResponse> byTopic, SharePartitionKey key)
    {
        if (!byTopic.TryGetValue(key.TopicId, out var topic))
        {
            topic = new ShareFetchResponseData.ShareFetchableTopicResponse { TopicId = key.TopicId };
            byTopic[key.TopicId] = topic;
            response.Responses.Add(topic);
        }
        return topic.Partitions;
    }

    private static ApiResponse Error(ErrorCode error, string? message) =>
        new(new ShareFetchResponseData { ErrorCode = (short)error, ErrorMessage = message });

    /// <summary>As Kafka's: the top-level error alone.</summary>
    protected override ShareFetchResponseData ErrorResponse(ShareFetchRequestData request, short version, ErrorCode error, string message) =>
        new() { ErrorCode = (short)error, ErrorMessage = message };
}
