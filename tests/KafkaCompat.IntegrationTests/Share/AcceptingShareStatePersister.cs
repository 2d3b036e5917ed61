using System.Collections.Concurrent;
using KafkaCompat.Broker.Share;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.IntegrationTests.Share;

/// <summary>
/// Stands in for the share coordinator (another part of KIP-932, not in this server yet) so that share
/// groups get their partitions: it records every partition the group coordinator initializes or
/// deletes and accepts them all. Reading and writing share-partition state (the partition leader's
/// side) is not there: those calls throw.
/// </summary>
internal sealed class AcceptingShareStatePersister : IShareStatePersister
{
    /// <summary>(group, topic id, partition) with the state epoch and start offset each was initialized at.</summary>
    public ConcurrentDictionary<(string Group, Uuid TopicId, int Partition), (int StateEpoch, long StartOffset)> Initialized { get; } = new();

    public Task<InitializeShareGroupStateResponseData> InitializeStateAsync(InitializeShareGroupStateRequestData request, CancellationToken cancellationToken = default) =>
        Task.FromResult(new InitializeShareGroupStateResponseData
        {
            Results = request.Topics.Select(topic => new InitializeShareGroupStateResponseData.InitializeStateResult
            {
                TopicId = topic.TopicId,
                Partitions = topic.Partitions.Select(p =>
                {
                    Initialized[(request.GroupId, topic.TopicId, p.Partition)] = (p.StateEpoch, p.StartOffset);
                    return new InitializeShareGroupStateResponseData.PartitionResult { Partition = p.Partition };
                }).ToList(),
            }).ToList(),
        });

    public Task<DeleteShareGroupStateResponseData> DeleteStateAsync(DeleteShareGroupStateRequestData request, CancellationToken cancellationToken = default) =>
        Task.FromResult(new DeleteShareGroupStateResponseData
        {
            Results = request.Topics.Select(topic => new DeleteShareGroupStateResponseData.DeleteStateResult
            {
                TopicId = topic.TopicId,
                Partitions = topic.Partitions.Select(p =>
                {
                    Initialized.TryRemove((request.GroupId, topic.TopicId, p.Partition), out _);
                    return new DeleteShareGroupStateResponseData.PartitionResult { Partition = p.Partition };
                }).ToList(),
            }).ToList(),
        });

    public Task<ReadShareGroupStateResponseData> ReadStateAsync(ReadShareGroupStateRequestData request, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("share-partition state is read by the partition leader, not served here yet");

    public Task<WriteShareGroupStateResponseData> WriteStateAsync(WriteShareGroupStateRequestData request, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("share-partition state is written by the partition leader, not served here yet");

    public Task<ReadShareGroupStateSummaryResponseData> ReadStateSummaryAsync(ReadShareGroupStateSummaryRequestData request, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("share-partition summaries are not served here yet");
}
