using KafkaCompat.Broker.Share;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Tests.Share;

/// <summary>
/// A share coordinator kept in memory, for tests only (the real one keeps __share_group_state), used
/// by the group coordinator's tests and the share-partition leader's alike: state per group and
/// partition, created by InitializeShareGroupState, replaced by each write's batches over the offsets
/// they cover and trimmed below the start offset, as the share coordinator combines writes, and
/// forgotten by DeleteShareGroupState. A partition never initialised or written reads as
/// UNKNOWN_TOPIC_OR_PARTITION. <see cref="Refuse"/> makes initializations and deletions answer an
/// error, <see cref="FailWrites"/> writes, for the paths that must not hide one.
/// </summary>
internal sealed class InMemoryShareStatePersister : IShareStatePersister
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Group, Uuid TopicId, int Partition), State> _states = [];

    public int Writes { get; private set; }

    public ErrorCode FailWrites { get; set; }

    /// <summary>While set, every partition asked of InitializeState or DeleteState answers this error.</summary>
    public ErrorCode? Refuse { get; set; }

    public List<InitializeShareGroupStateRequestData> InitializeRequests { get; } = [];

    public List<DeleteShareGroupStateRequestData> DeleteRequests { get; } = [];

    /// <summary>(group, topic id, partition) to (state epoch, start offset), as held now.</summary>
    public Dictionary<(string Group, Uuid TopicId, int Partition), (int StateEpoch, long StartOffset)> States
    {
        get
        {
            lock (_lock)
            {
                return _states.ToDictionary(s => s.Key, s => (s.Value.StateEpoch, s.Value.StartOffset));
            }
        }
    }

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
                        _states[(request.GroupId, topic.TopicId, partition.Partition)] = new State(partition.StateEpoch, partition.StartOffset, new SortedDictionary<long, (sbyte, short)>());
                    }
                    result.Partitions.Add(new InitializeShareGroupStateResponseData.PartitionResult { Partition = partition.Partition, ErrorCode = (short)(Refuse ?? ErrorCode.None) });
                }
                response.Results.Add(result);
            }
        }
        return Task.FromResult(response);
    }

    public Task<ReadShareGroupStateResponseData> ReadStateAsync(ReadShareGroupStateRequestData request, CancellationToken cancellationToken = default)
    {
        var response = new ReadShareGroupStateResponseData();
        lock (_lock)
        {
            foreach (var topic in request.Topics)
            {
                var result = new ReadShareGroupStateResponseData.ReadStateResult { TopicId = topic.TopicId };
                foreach (var partition in topic.Partitions)
                {
                    if (!_states.TryGetValue((request.GroupId, topic.TopicId, partition.Partition), out var state))
                    {
                        result.Partitions.Add(new ReadShareGroupStateResponseData.PartitionResult
                        {
                            Partition = partition.Partition,
                            ErrorCode = (short)ErrorCode.UnknownTopicOrPartition,
                            StartOffset = -1,
                        });
                        continue;
                    }
                    result.Partitions.Add(new ReadShareGroupStateResponseData.PartitionResult
                    {
                        Partition = partition.Partition,
                        StateEpoch = state.StateEpoch,
                        StartOffset = state.StartOffset,
                        StateBatches = [.. state.Offsets.Select(o => new ReadShareGroupStateResponseData.StateBatch
                        {
                            FirstOffset = o.Key,
                            LastOffset = o.Key,
                            DeliveryState = o.Value.State,
                            DeliveryCount = o.Value.DeliveryCount,
                        })],
                    });
                }
                response.Results.Add(result);
            }
        }
        return Task.FromResult(response);
    }

    public Task<WriteShareGroupStateResponseData> WriteStateAsync(WriteShareGroupStateRequestData request, CancellationToken cancellationToken = default)
    {
        var response = new WriteShareGroupStateResponseData();
        lock (_lock)
        {
            foreach (var topic in request.Topics)
            {
                var result = new WriteShareGroupStateResponseData.WriteStateResult { TopicId = topic.TopicId };
                foreach (var partition in topic.Partitions)
                {
                    var key = (request.GroupId, topic.TopicId, partition.Partition);
                    var fenced = _states.TryGetValue(key, out var state) && partition.StateEpoch < state.StateEpoch;
                    var error = FailWrites != ErrorCode.None ? FailWrites : fenced ? ErrorCode.FencedStateEpoch : ErrorCode.None;
                    result.Partitions.Add(new WriteShareGroupStateResponseData.PartitionResult { Partition = partition.Partition, ErrorCode = (short)error });
                    if (error != ErrorCode.None)
                    {
                        continue;
                    }
                    Writes++;
                    var offsets = state?.Offsets ?? new SortedDictionary<long, (sbyte, short)>();
                    foreach (var batch in partition.StateBatches)
                    {
                        for (var offset = batch.FirstOffset; offset <= batch.LastOffset; offset++)
                        {
                            offsets[offset] = (batch.DeliveryState, batch.DeliveryCount);
                        }
                    }
                    foreach (var below in offsets.Keys.Where(o => o < partition.StartOffset).ToList())
                    {
                        offsets.Remove(below);
                    }
                    _states[key] = new State(partition.StateEpoch, partition.StartOffset, offsets);
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
                        _states.Remove((request.GroupId, topic.TopicId, partition.Partition));
                    }
                    result.Partitions.Add(new DeleteShareGroupStateResponseData.PartitionResult { Partition = partition.Partition, ErrorCode = (short)(Refuse ?? ErrorCode.None) });
                }
                response.Results.Add(result);
            }
        }
        return Task.FromResult(response);
    }

    public Task<ReadShareGroupStateSummaryResponseData> ReadStateSummaryAsync(ReadShareGroupStateSummaryRequestData request, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("no test of this stand-in reads a state summary: the share coordinator's own tests do");

    /// <summary>The persisted start offset and per-offset (state, delivery count) of a partition, or null.</summary>
    public (long StartOffset, IReadOnlyDictionary<long, (sbyte State, short DeliveryCount)> Offsets)? StateOf(string group, Uuid topicId, int partition)
    {
        lock (_lock)
        {
            return _states.TryGetValue((group, topicId, partition), out var state)
                ? (state.StartOffset, new Dictionary<long, (sbyte, short)>(state.Offsets))
                : null;
        }
    }

    private sealed record State(int StateEpoch, long StartOffset, SortedDictionary<long, (sbyte State, short DeliveryCount)> Offsets);
}
