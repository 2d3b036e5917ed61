using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Tests.Handlers;

/// <summary>max.incremental.fetch.session.cache.slots reaches the fetch session cache the server composes.</summary>
public class FetchSessionSlotsTests
{
    [TestCase(null, true)]
    [TestCase("0", false)]
    public async Task AFullSessionAskedForGetsOneOnlyWhenTheCacheHasSlots(string? slots, bool expectSession)
    {
        await using var harness = new GroupHarness(slots is null ? null : new() { ["max.incremental.fetch.session.cache.slots"] = slots });
        var topic = new FetchRequestData.FetchTopic { Topic = "t" };
        topic.Partitions.Add(new FetchRequestData.FetchPartition { Partition = 0, FetchOffset = 0, PartitionMaxBytes = 1 << 20 });
        // SessionId 0 with epoch 0 asks for a new incremental session (KIP-227).
        var request = new FetchRequestData { MaxWaitMs = 0, MinBytes = 0, MaxBytes = 1 << 20, SessionId = 0, SessionEpoch = 0, Topics = [topic] };

        var response = await harness.SendAsync<FetchResponseData>(12, request);

        Assert.That(response.ErrorCode, Is.Zero);
        Assert.That(response.SessionId != 0, Is.EqualTo(expectSession), $"session id {response.SessionId}");
    }
}
