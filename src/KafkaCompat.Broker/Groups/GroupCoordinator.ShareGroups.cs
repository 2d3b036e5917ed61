using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Groups;

/// <summary>The group coordinator's KIP-932 share-group requests, routed to the group's shard as every other group request.</summary>
public sealed partial class GroupCoordinator
{
    /// <summary>ShareGroupHeartbeat for the group's shard, with the topics as this node's metadata image has them now.</summary>
    public Task<ShareGroupHeartbeatResponseData> ShareGroupHeartbeatAsync(ShareGroupHeartbeatRequestData request, string clientId, string clientHost)
    {
        // Checked before routing, as Kafka's service does: an empty group id has no shard.
        if (GroupCoordinatorShard.InvalidShareHeartbeat(request) is { } invalid)
        {
            return Task.FromResult(new ShareGroupHeartbeatResponseData { ErrorCode = (short)ErrorCode.InvalidRequest, ErrorMessage = invalid });
        }
        var (shard, error) = Route(request.GroupId);
        if (shard is null)
        {
            return Task.FromResult(new ShareGroupHeartbeatResponseData { ErrorCode = (short)error, ErrorMessage = CoordinatorErrorMessage(error) });
        }
        var image = _metadata.Image;
        return shard.Executor.Submit(() => shard.ShareGroupHeartbeat(request, clientId, clientHost, image));
    }

    /// <summary>
    /// ShareGroupDescribe, in the order asked: an empty group id is INVALID_GROUP_ID; a group whose shard
    /// cannot answer gets the routing error with Kafka's message for it; the rest are described by their shards.
    /// </summary>
    public async Task<IReadOnlyList<ShareGroupDescribeResponseData.DescribedGroup>> ShareGroupDescribeAsync(IReadOnlyList<string> groupIds)
    {
        var image = _metadata.Image;
        var described = new List<ShareGroupDescribeResponseData.DescribedGroup>(groupIds.Count);
        foreach (var groupId in groupIds)
        {
            if (string.IsNullOrEmpty(groupId))
            {
                described.Add(ShareGroupDescribeError("", ErrorCode.InvalidGroupId, null));
                continue;
            }
            var (shard, error) = Route(groupId);
            described.Add(shard is null
                ? ShareGroupDescribeError(groupId, error, CoordinatorErrorMessage(error))
                : await shard.Executor.Submit(() => shard.DescribeShareGroup(groupId, image)));
        }
        return described;
    }

    /// <summary>A share group described by its error alone.</summary>
    public static ShareGroupDescribeResponseData.DescribedGroup ShareGroupDescribeError(string groupId, ErrorCode error, string? message) =>
        new() { GroupId = groupId, ErrorCode = (short)error, ErrorMessage = message, GroupState = "", AssignorName = "" };

    /// <summary>
    /// DeleteGroups of a share group: refused while it has members; otherwise its share-partition state
    /// is deleted through the persister first (a partition the share coordinator cannot delete fails
    /// the group with that error, and the group stays), then the group's records are tombstoned.
    /// </summary>
    private async Task<ErrorCode> DeleteShareGroupAsync(GroupCoordinatorShard shard, string groupId, (ErrorCode Error, DeleteShareGroupStateRequestData? StateDeletion) prepared)
    {
        if (prepared.Error != ErrorCode.None || prepared.StateDeletion is not { } deletion)
        {
            return prepared.Error;
        }
        if (deletion.Topics.Count > 0)
        {
            if (_context.SharePersister is not { } persister)
            {
                return ErrorCode.CoordinatorNotAvailable;
            }
            var deleted = await persister.DeleteStateAsync(deletion);
            var failed = deleted.Results.SelectMany(r => r.Partitions).FirstOrDefault(p => p.ErrorCode != (short)ErrorCode.None);
            if (failed is not null)
            {
                return (ErrorCode)failed.ErrorCode;
            }
        }
        return await shard.Executor.Submit(() => shard.RemoveEmptyShareGroup(groupId));
    }
}
