using KafkaCompat.Broker.Share;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Tests.Groups.Share;

/// <summary>
/// A test stand-in for the share coordinator behind <see cref="IShareStatePersister"/>: it keeps which
/// partitions of which group have state (with the state epoch and start offset they were initialized
/// at), answers every call per partition, and can be told to refuse partitions with an error. Only
/// initialize and delete are used by the group coordinator; the rest throw, so a test that reaches
/// them fails loudly.
/// </summary>
internal sealed class InMemoryShareStatePersister : IShareStatePersister
{
    private readonly Lock _lock = new();

    /// <summary>(group, topic id, partition) to (state epoch, start offset).</summary>
    public Dictionary<(string Group, Uuid TopicId, int Partition), (int StateEpoch, long StartOffset)> States { get; } = [];

    public List<InitializeShareGroupStateRequestData> InitializeRequests { get; } = [];

    public List<DeleteShareGroupStateRequestData> DeleteRequests { get; } = [];

    /// <summary>While set, every partition asked of InitializeState or DeleteState answers this error.</summary>
    public ErrorCode? Refuse { get; set; }

    public Task<InitializeShareGroupStateResponseData> InitializeStateAsync(InitializeShareGroupStateRequestData request, CancellationToken cancellationToken = default)
    {
        var response = new InitializeShareGroupStateResponseData();
        lock (_lock)
        {
            InitializeRequests.Add(request);
            foreach (var topic in request.Topics)
            {
                var result = new InitializeShareGroupStateResponseData.InitializeStateResult { TopicId = topic.TopicId };
                foreach (var partition in topic.Partitions)
                {
                    if (Refuse is null)
                    {
                        States[(request.GroupId, topic.TopicId, partition.Partition)] = (partition.StateEpoch, partition.StartOffset);
                    }
                    result.Partitions.Add(new() { Partition = partition.Partition, ErrorCode = (short)(Refuse ?? ErrorCode.None) });
                }
                response.Results.Add(result);
            }
        }
        return Task.FromResult(response);
    }

    public Task<DeleteShareGroupStateResponseData> DeleteStateAsync(DeleteShareGroupStateRequestData request, CancellationToken cancellationToken = default)
    {
        var response = new DeleteShareGroupStateResponseData();
        lock (_lock)
        {
            DeleteRequests.Add(request);
            foreach (var topic in request.Topics)
            {
                var result = new DeleteShareGroupStateResponseData.DeleteStateResult { TopicId = topic.TopicId };
                foreach (var partition in topic.Partitions)
                {
                    if (Refuse is null)
                    {
                        States.Remove((request.GroupId, topic.TopicId, partition.Partition));
                    }
                    result.Partitions.Add(new() { Partition = partition.Partition, ErrorCode = (short)(Refuse ?? ErrorCode.None) });
                }
                response.Results.Add(result);
            }
        }
        return Task.FromResult(response);
    }

    public Task<ReadShareGroupStateResponseData> ReadStateAsync(ReadShareGroupStateRequestData request, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("the group coordinator never reads share-partition state");

    public Task<WriteShareGroupStateResponseData> WriteStateAsync(WriteShareGroupStateRequestData request, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("the group coordinator never writes share-partition state");

    public Task<ReadShareGroupStateSummaryResponseData> ReadStateSummaryAsync(ReadShareGroupStateSummaryRequestData request, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("the group coordinator reads no share-partition summaries yet");
}
