using System.Text;
using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Broker.Tests.Replication;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Records;

namespace KafkaCompat.Broker.Tests.Handlers;

/// <summary>Produce, Fetch and InitProducerId: records in, the same records out, at the oldest and newest layouts served.</summary>
public class ProduceFetchHandlerTests
{
    private static ProduceRequestData ProduceRequest(long timestamp, int partition, params string[] values) => new()
    {
        Acks = -1,
        TimeoutMs = 30_000,
        TransactionalId = null,
        TopicData =
        [
            new ProduceRequestData.TopicProduceData
            {
                Name = "t",
                PartitionData = [new ProduceRequestData.PartitionProduceData { Index = partition, Records = ReplicaHarness.Batch(timestamp, values) }],
            },
        ],
    };

    /// <summary>From v13 (KIP-516) a request names its topics by id, and the name field is gone.</summary>
    private static ProduceRequestData ForVersion(GroupHarness harness, short version, ProduceRequestData request)
    {
        if (version >= 13)
        {
            foreach (var topic in request.TopicData)
            {
                topic.TopicId = harness.Metadata.Image.Topic(topic.Name)!.Id;
                topic.Name = "";
            }
        }
        return request;
    }

    [TestCase((short)3)]
    [TestCase((short)11)]
    [TestCase((short)12)]
    [TestCase((short)13)]
    [HandlerVersionTest(ApiKey.Produce, 3)]
    [HandlerVersionTest(ApiKey.Produce, 13)]
    public async Task ProduceAppendsAndAnswersEachBatchsFirstOffset(short version)
    {
        await using var harness = new GroupHarness();

        var first = await harness.SendAsync<ProduceResponseData>(version, ForVersion(harness, version, ProduceRequest(harness.Time.NowMs, 1, "a", "b")));
        var second = await harness.SendAsync<ProduceResponseData>(version, ForVersion(harness, version, ProduceRequest(harness.Time.NowMs, 1, "c")));

        var answer = first.Responses.Single();
        Assert.That((answer.Name, answer.TopicId), Is.EqualTo(version >= 13 ? ("", harness.Metadata.Image.Topic("t")!.Id) : ("t", Uuid.Zero)));
        var p = answer.PartitionResponses.Single();
        Assert.That((p.Index, p.ErrorCode, p.BaseOffset), Is.EqualTo((1, (short)0, 0L)));
        Assert.That(second.Responses.Single().PartitionResponses.Single().BaseOffset, Is.EqualTo(2L), "after the first batch's two records");
        // CreateTime topic: Kafka answers -1 for the log append time.
        Assert.That(p.LogAppendTimeMs, Is.EqualTo(-1L));
        Assert.That(harness.Replicas.GetPartition("t", 1)!.HighWatermark, Is.EqualTo(3L));
        if (version >= 5)
        {
            Assert.That(p.LogStartOffset, Is.Zero);
        }
    }

    [TestCase((short)3)]
    [TestCase((short)13)]
    [HandlerVersionTest(ApiKey.Produce, 3)]
    [HandlerVersionTest(ApiKey.Produce, 13)]
    public async Task ProduceToAPartitionThatDoesNotExistIsUnknownTopicOrPartition(short version)
    {
        await using var harness = new GroupHarness();

        var p = (await harness.SendAsync<ProduceResponseData>(version, ForVersion(harness, version, ProduceRequest(harness.Time.NowMs, 7, "a")))).Responses.Single().PartitionResponses.Single();

        Assert.That(((ErrorCode)p.ErrorCode, p.BaseOffset), Is.EqualTo((ErrorCode.UnknownTopicOrPartition, -1L)));
    }

    [Test]
    [HandlerVersionTest(ApiKey.Produce, 13)]
    public async Task ProduceV13ToATopicIdTheClusterDoesNotKnowIsUnknownTopicIdAndAppendsNothing()
    {
        await using var harness = new GroupHarness();
        var request = ForVersion(harness, 13, ProduceRequest(harness.Time.NowMs, 0, "a"));
        var unknownId = Uuid.NewRandom();
        request.TopicData.Add(new ProduceRequestData.TopicProduceData
        {
            TopicId = unknownId,
            PartitionData = [new ProduceRequestData.PartitionProduceData { Index = 0, Records = ReplicaHarness.Batch(harness.Time.NowMs, "b") }],
        });

        var response = await harness.SendAsync<ProduceResponseData>(13, request);

        Assert.That(response.Responses.Select(t => t.TopicId), Is.EqualTo(new[] { harness.Metadata.Image.Topic("t")!.Id, unknownId }));
        var known = response.Responses[0].PartitionResponses.Single();
        var unknown = response.Responses[1].PartitionResponses.Single();
        Assert.That(((ErrorCode)known.ErrorCode, known.BaseOffset), Is.EqualTo((ErrorCode.None, 0L)));
        Assert.That(((ErrorCode)unknown.ErrorCode, unknown.BaseOffset), Is.EqualTo((ErrorCode.UnknownTopicId, -1L)));
        Assert.That(harness.Replicas.GetPartition("t", 0)!.HighWatermark, Is.EqualTo(1L), "only the known topic's batch was appended");
    }

    [TestCase((short)4)]
    [TestCase((short)17)]
    [TestCase((short)18)]
    [HandlerVersionTest(ApiKey.Fetch, 4)]
    [HandlerVersionTest(ApiKey.Fetch, 18)]
    public async Task FetchReturnsTheProducedRecordsFromTheOffsetAsked(short version)
    {
        await using var harness = new GroupHarness();
        await harness.SendAsync<ProduceResponseData>(8, ProduceRequest(harness.Time.NowMs, 2, "a", "b"));
        await harness.SendAsync<ProduceResponseData>(8, ProduceRequest(harness.Time.NowMs, 2, "c"));
        var topicId = harness.Metadata.Image.Topic("t")!.Id;
        var topic = version >= 13 ? new FetchRequestData.FetchTopic { TopicId = topicId } : new FetchRequestData.FetchTopic { Topic = "t" };
        topic.Partitions.Add(new FetchRequestData.FetchPartition { Partition = 2, FetchOffset = 2, PartitionMaxBytes = 1 << 20 });
        topic.Partitions.Add(new FetchRequestData.FetchPartition { Partition = 0, FetchOffset = 5, PartitionMaxBytes = 1 << 20 });
        var missing = version >= 13 ? new FetchRequestData.FetchTopic { TopicId = Uuid.NewRandom() } : new FetchRequestData.FetchTopic { Topic = "missing" };
        missing.Partitions.Add(new FetchRequestData.FetchPartition { Partition = 0, FetchOffset = 0, PartitionMaxBytes = 1 << 20 });
        var request = new FetchRequestData { MaxWaitMs = 0, MinBytes = 1, MaxBytes = 50 << 20, Topics = [topic, missing] };

        var response = await harness.SendAsync<FetchResponseData>(version, request);

        Assert.That(response.Responses, Has.Count.EqualTo(2));
        var answer = response.Responses[0];
        Assert.That(version >= 13 ? (answer.TopicId, answer.Topic) : (Uuid.Zero, answer.Topic), Is.EqualTo(version >= 13 ? (topicId, "") : (Uuid.Zero, "t")));
        var read = answer.Partitions.Single(p => p.PartitionIndex == 2);
        Assert.That((read.ErrorCode, read.HighWatermark, read.LastStableOffset), Is.EqualTo(((short)0, 3L, 3L)));
        // Whole batches: the one holding offset 2 is the second, with "c" alone.
        Assert.That(Records(read.Records), Is.EqualTo(new[] { (2L, "c") }));
        var beyond = answer.Partitions.Single(p => p.PartitionIndex == 0);
        Assert.That((ErrorCode)beyond.ErrorCode, Is.EqualTo(ErrorCode.OffsetOutOfRange), "partition 0 is empty: offset 5 is past its end");
        // A topic the broker does not know: by id from v13 (KIP-516), by name before.
        var unknown = response.Responses[1];
        Assert.That(version >= 13 ? unknown.TopicId : Uuid.Zero, Is.EqualTo(version >= 13 ? missing.TopicId : Uuid.Zero));
        Assert.That((ErrorCode)unknown.Partitions.Single().ErrorCode, Is.EqualTo(version >= 13 ? ErrorCode.UnknownTopicId : ErrorCode.UnknownTopicOrPartition));
        if (version >= 5)
        {
            Assert.That(read.LogStartOffset, Is.Zero);
        }
    }

    [TestCase((short)0)]
    [TestCase((short)5)]
    [HandlerVersionTest(ApiKey.InitProducerId, 0)]
    [HandlerVersionTest(ApiKey.InitProducerId, 5)]
    public async Task InitProducerIdGivesEachIdempotentProducerItsOwnIdAtEpochZero(short version)
    {
        await using var harness = new GroupHarness();
        var request = new InitProducerIdRequestData { TransactionalId = null, TransactionTimeoutMs = 60_000 };

        var first = await harness.SendAsync<InitProducerIdResponseData>(version, request);
        if (version >= 3)
        {
            // KIP-360: a producer that already has an id sends it; without a transactional id it simply gets a new one.
            request.ProducerId = first.ProducerId;
            request.ProducerEpoch = first.ProducerEpoch;
        }
        var second = await harness.SendAsync<InitProducerIdResponseData>(version, request);

        Assert.That((first.ErrorCode, second.ErrorCode), Is.EqualTo(((short)0, (short)0)));
        Assert.That(first.ProducerId, Is.GreaterThanOrEqualTo(0L));
        Assert.That(second.ProducerId, Is.Not.EqualTo(first.ProducerId));
        Assert.That((first.ProducerEpoch, second.ProducerEpoch), Is.EqualTo(((short)0, (short)0)));
    }

    private static List<(long Offset, string Value)> Records(ReadOnlyMemory<byte>? records)
    {
        var values = new List<(long, string)>();
        foreach (var batch in new RecordBatchSet(records ?? ReadOnlyMemory<byte>.Empty))
        {
            using var reader = batch.OpenRecords(1 << 20);
            foreach (var record in reader)
            {
                values.Add((batch.BaseOffset + record.OffsetDelta, Encoding.UTF8.GetString(record.Value!.Value.Span)));
            }
        }
        return values;
    }
}
