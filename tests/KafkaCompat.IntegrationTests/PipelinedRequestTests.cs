using KafkaCompat.IntegrationTests.Fixtures;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Records;
using static KafkaCompat.IntegrationTests.Fixtures.KafkaClients;

namespace KafkaCompat.IntegrationTests;

/// <summary>
/// Requests pipelined on one connection, as clients send them: each is dispatched in request order
/// (where a connection's appends are ordered) while earlier ones complete in the background, and the
/// answers leave in request order.
/// </summary>
[TestFixture]
public sealed class PipelinedRequestTests : InProcessBrokerTests
{
    private const short FetchVersion = 12;
    private const short ProduceVersion = 9;

    [Test]
    public async Task AProduceBehindAWaitingFetchOnTheSameConnectionIsDispatchedAndWakesIt()
    {
        // If a connection's requests ran one after another, the produce would wait for the fetch's
        // minute-long max wait and the fetch would come back empty.
        const string topic = "pipelined-fetch-produce";
        await CreateTopicAsync(Bootstrap, topic, 1);
        using var client = await KafkaWireClient.ConnectAsync(Broker.BoundPort);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(45));

        var fetch = await client.SendOnlyAsync(Fetch(topic), FetchVersion, timeout.Token);
        var produce = await client.SendOnlyAsync(Produce(topic, "behind the fetch"), ProduceVersion, timeout.Token);

        var fetched = await client.ReceiveAsync<FetchResponseData>(ApiKey.Fetch, FetchVersion, fetch, timeout.Token);
        var produced = await client.ReceiveAsync<ProduceResponseData>(ApiKey.Produce, ProduceVersion, produce, timeout.Token);
        Assert.That(produced.Responses.Single().PartitionResponses.Single().ErrorCode, Is.Zero);
        Assert.That(Values(fetched), Is.EqualTo(new[] { "behind the fetch" }), "the fetch answered with the record produced behind it");
    }

    [Test]
    public async Task PipelinedProducesAreAppendedInRequestOrder()
    {
        const string topic = "pipelined-produces";
        const int count = 50;
        await CreateTopicAsync(Bootstrap, topic, 1);
        using var client = await KafkaWireClient.ConnectAsync(Broker.BoundPort);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(45));

        var sent = new List<int>();
        for (var i = 0; i < count; i++)
        {
            sent.Add(await client.SendOnlyAsync(Produce(topic, $"record-{i}"), ProduceVersion, timeout.Token));
        }
        var offsets = new List<long>();
        foreach (var correlationId in sent)
        {
            var answer = await client.ReceiveAsync<ProduceResponseData>(ApiKey.Produce, ProduceVersion, correlationId, timeout.Token);
            offsets.Add(answer.Responses.Single().PartitionResponses.Single().BaseOffset);
        }

        Assert.That(offsets, Is.EqualTo(Enumerable.Range(0, count).Select(i => (long)i)), "the n-th request got offset n");
    }

    private static FetchRequestData Fetch(string topic) => new()
    {
        ReplicaId = -1, MaxWaitMs = 60_000, MinBytes = 1, MaxBytes = 1 << 20, SessionId = 0, SessionEpoch = -1,
        Topics = [new FetchRequestData.FetchTopic { Topic = topic, Partitions = [new FetchRequestData.FetchPartition { Partition = 0, FetchOffset = 0, PartitionMaxBytes = 1 << 20 }] }],
    };

    private static ProduceRequestData Produce(string topic, string value)
    {
        using var builder = new RecordBatchBuilder();
        builder.Append(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), null, Bytes(value));
        return new ProduceRequestData
        {
            Acks = 1,
            TimeoutMs = 30_000,
            TopicData = [new ProduceRequestData.TopicProduceData { Name = topic, PartitionData = [new ProduceRequestData.PartitionProduceData { Index = 0, Records = builder.ToArray() }] }],
        };
    }

    private static List<string> Values(FetchResponseData response)
    {
        var values = new List<string>();
        var partition = response.Responses.Single().Partitions.Single();
        Assert.That(partition.ErrorCode, Is.Zero);
        foreach (var batch in new RecordBatchSet(partition.Records ?? ReadOnlyMemory<byte>.Empty))
        {
            using var records = batch.OpenRecords(1 << 20);
            foreach (var record in records)
            {
                values.Add(Text(record.Value!.Value.ToArray())!);
            }
        }
        return values;
    }
}
