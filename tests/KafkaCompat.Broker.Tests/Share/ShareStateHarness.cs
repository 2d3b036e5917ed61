using KafkaCompat.Broker.Share.Coordinator;
using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Tests.Share;

/// <summary>
/// A broker (<see cref="GroupHarness"/>: real storage, metadata and a hand-moved clock) whose share
/// coordinator is driven through its persister API, on share-partitions of the harness's topic "t".
/// </summary>
internal sealed class ShareStateHarness : IAsyncDisposable
{
    public const string Group = "share-app";

    public ShareStateHarness(Dictionary<string, string>? configs = null)
    {
        var all = new Dictionary<string, string> { ["share.coordinator.state.topic.num.partitions"] = "3" };
        foreach (var (k, v) in configs ?? [])
        {
            all[k] = v;
        }
        Broker = new GroupHarness(all);
    }

    public GroupHarness Broker { get; }

    public Uuid TopicId => Broker.Metadata.Image.Topic("t")!.Id;

    public SharePartitionKey Key(int partition = 0) => new(Group, TopicId, partition);

    public ShareGroupOffset? State(int partition = 0) => Broker.Shares.ShardOf(Key(partition))?.State(Key(partition));

    public async Task<ErrorCode> InitializeAsync(int partition = 0, int stateEpoch = 0, long startOffset = 0)
    {
        var response = await Broker.Shares.InitializeStateAsync(new InitializeShareGroupStateRequestData
        {
            GroupId = Group,
            Topics = [new() { TopicId = TopicId, Partitions = [new() { Partition = partition, StateEpoch = stateEpoch, StartOffset = startOffset }] }],
        });
        return (ErrorCode)response.Results.Single().Partitions.Single().ErrorCode;
    }

    public async Task<ErrorCode> WriteAsync(int leaderEpoch, long startOffset, params PersisterStateBatch[] batches) =>
        await WriteAsync(0, 0, leaderEpoch, startOffset, batches);

    public async Task<ErrorCode> WriteAsync(int partition, int stateEpoch, int leaderEpoch, long startOffset, params PersisterStateBatch[] batches)
    {
        var response = await Broker.Shares.WriteStateAsync(new WriteShareGroupStateRequestData
        {
            GroupId = Group,
            Topics = [new()
            {
                TopicId = TopicId,
                Partitions = [new()
                {
                    Partition = partition, StateEpoch = stateEpoch, LeaderEpoch = leaderEpoch, StartOffset = startOffset,
                    StateBatches = [.. batches.Select(b => new WriteShareGroupStateRequestData.StateBatch
                    {
                        FirstOffset = b.FirstOffset, LastOffset = b.LastOffset, DeliveryState = b.DeliveryState, DeliveryCount = b.DeliveryCount,
                    })],
                }],
            }],
        });
        return (ErrorCode)response.Results.Single().Partitions.Single().ErrorCode;
    }

    public async Task<ReadShareGroupStateResponseData.PartitionResult> ReadAsync(int leaderEpoch, int partition = 0)
    {
        var response = await Broker.Shares.ReadStateAsync(new ReadShareGroupStateRequestData
        {
            GroupId = Group,
            Topics = [new() { TopicId = TopicId, Partitions = [new() { Partition = partition, LeaderEpoch = leaderEpoch }] }],
        });
        return response.Results.Single().Partitions.Single();
    }

    /// <summary>Stops the broker cleanly, starts it again on the same data and waits for the share coordinator to load.</summary>
    public async Task RestartAsync()
    {
        await Broker.RestartAsync();
        await Broker.Shares.DrainAsync();
    }

    public ValueTask DisposeAsync() => Broker.DisposeAsync();
}
