using KafkaCompat.Broker.Metadata;
using KafkaCompat.Broker.Share;
using KafkaCompat.Broker.Share.Partitions;
using KafkaCompat.Broker.Share.Sessions;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// ShareAcknowledge (key 79), versions 1-2 (KIP-932; as ShareFetch, v0 was Kafka 4.0's early access;
/// v2 adds IsRenewAck and renew acknowledgements, KIP-1222, and answers the acquisition lock
/// timeout so the member knows how long a renewed lock lasts). Acknowledges records a member
/// acquired through ShareFetch, within its share session: epoch 0 is INVALID_SHARE_SESSION_EPOCH (an
/// acknowledgement cannot open a session), -1 acknowledges and then closes the session, releasing
/// what the member still holds; any other epoch must be the session's next. Each partition answers
/// its own outcome (INVALID_RECORD_STATE for offsets the member does not hold), once the new state is
/// written to the share coordinator.
/// </summary>
public sealed class ShareAcknowledgeHandler(SharePartitionManager shares, MetadataController metadata)
    : ApiHandler<ShareAcknowledgeRequestData, ShareAcknowledgeResponseData>
{
    public override ApiKey ApiKey => ApiKey.ShareAcknowledge;

    public override VersionRange Versions => new(1, 2);

    protected override async ValueTask<ShareAcknowledgeResponseData?> HandleAsync(RequestContext context, ShareAcknowledgeRequestData request, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(request.GroupId) || string.IsNullOrEmpty(request.MemberId))
        {
            return new ShareAcknowledgeResponseData { ErrorCode = (short)ErrorCode.InvalidRequest, ErrorMessage = "A share acknowledgement needs a group id and a member id" };
        }
        var groupId = request.GroupId;
        var memberId = request.MemberId;
        var sessionError = shares.Sessions.Acknowledge(groupId, memberId, request.ShareSessionEpoch);
        if (sessionError != ErrorCode.None)
        {
            return new ShareAcknowledgeResponseData { ErrorCode = (short)sessionError };
        }
        var acknowledgements = request.Topics
            .SelectMany(t => t.Partitions.Select(p => (
                new SharePartitionKey(t.TopicId, p.PartitionIndex),
                (IReadOnlyList<AcknowledgementBatch>)[.. p.AcknowledgementBatches.Select(b => new AcknowledgementBatch(b.FirstOffset, b.LastOffset, b.AcknowledgeTypes))])))
            .ToList();
        var results = await ShareAcknowledgements.ApplyAsync(shares, metadata.Image, groupId, memberId, acknowledgements, request.IsRenewAck);
        if (request.ShareSessionEpoch == ShareSessionCache.FinalEpoch)
        {
            var closed = shares.Sessions.Remove(groupId, memberId) ?? [];
            await shares.ReleaseSessionAsync(groupId, memberId, closed.Concat(results.Keys).Distinct());
        }
        var response = new ShareAcknowledgeResponseData
        {
            AcquisitionLockTimeoutMs = context.ApiVersion >= 2 ? shares.SettingsOf(groupId).RecordLockDurationMs : 0,
        };
        foreach (var topic in request.Topics)
        {
            response.Responses.Add(new ShareAcknowledgeResponseData.ShareAcknowledgeTopicResponse
            {
                TopicId = topic.TopicId,
                Partitions = [.. topic.Partitions.Select(p => Answer(p.PartitionIndex, results[new SharePartitionKey(topic.TopicId, p.PartitionIndex)]))],
            });
        }
        return response;
    }

    private static ShareAcknowledgeResponseData.PartitionData Answer(int partition, (ErrorCode Error, string? Message) result) =>
        new() { PartitionIndex = partition, ErrorCode = (short)result.Error, ErrorMessage = result.Message };

    /// <summary>As Kafka's: the top-level error alone.</summary>
    protected override ShareAcknowledgeResponseData ErrorResponse(ShareAcknowledgeRequestData request, short version, ErrorCode error, string message) =>
        new() { ErrorCode = (short)error, ErrorMessage = message };
}
