using KafkaCompat.Broker.Config;
using KafkaCompat.Broker.Handlers;
using KafkaCompat.Broker.Replication;
using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Records;
using KafkaCompat.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace KafkaCompat.Broker.Tests.Handlers;

/// <summary>DescribeProducers (KIP-664) over t-0 holding an idempotent producer, an open transaction and a committed one.</summary>
public class DescribeProducersHandlerTests
{
    private const long Idempotent = 7;
    private const long Open = 9;
    private const long Committed = 11;

    [Test]
    [HandlerVersionTest(ApiKey.DescribeProducers, 0)]
    public async Task EachPartitionAskedGetsItsProducers_AndKafkasErrorsForTheRest()
    {
        await using var harness = new GroupHarness();
        var partition = harness.Replicas.GetPartition("t", 0)!;
        Append(partition, Batch(Idempotent, epoch: 2, sequence: 0, timestamp: 5_000, records: 3, transactional: false));  // 0-2
        Append(partition, Batch(Open, epoch: 0, sequence: 0, timestamp: 6_000, records: 1, transactional: true));         // 3, left open
        Append(partition, Batch(Committed, epoch: 1, sequence: 0, timestamp: 7_000, records: 2, transactional: true));    // 4-5
        Assert.That(partition.AppendEndTxnMarker(Committed, 1, coordinatorEpoch: 4, commit: true).Error, Is.EqualTo(ErrorCode.None)); // 6
        long markerTime = harness.Time.NowMs;
        var request = new DescribeProducersRequestData
        {
            Topics =
            [
                new() { Name = "t", PartitionIndexes = [0, 1, 9] },
                new() { Name = "missing", PartitionIndexes = [0] },
                new() { Name = "bad/name", PartitionIndexes = [0] },
            ],
        };

        var response = await harness.SendAsync<DescribeProducersResponseData>(0, request);

        Assert.That(response.Topics.Select(t => t.Name), Is.EqualTo(new[] { "t", "missing", "bad/name" }));
        var t = response.Topics[0].Partitions;
        Assert.That(t.Select(p => (p.PartitionIndex, (ErrorCode)p.ErrorCode)), Is.EqualTo(new[]
        {
            (0, ErrorCode.None), (1, ErrorCode.None), (9, ErrorCode.UnknownTopicOrPartition),
        }));
        Assert.That(t[0].ActiveProducers.Select(p => (p.ProducerId, p.ProducerEpoch, p.LastSequence, p.LastTimestamp, p.CoordinatorEpoch, p.CurrentTxnStartOffset)), Is.EqualTo(new[]
        {
            (Idempotent, 2, 2, 5_002L, -1, -1L),
            (Open, 0, 0, 6_000L, -1, 3L),
            (Committed, 1, 1, markerTime, 4, -1L),
        }), "the last sequence of a batch of n records from sequence 0 is n - 1; the marker's time and coordinator epoch replace the batch's");
        Assert.That(t[1].ActiveProducers, Is.Empty);
        Assert.That((ErrorCode)response.Topics[1].Partitions.Single().ErrorCode, Is.EqualTo(ErrorCode.UnknownTopicOrPartition));
        Assert.That((ErrorCode)response.Topics[2].Partitions.Single().ErrorCode, Is.EqualTo(ErrorCode.InvalidTopicException));
    }

    [Test]
    public async Task APartitionTheMetadataHasButThisNodeDoesNotHost_IsNotLeaderOrFollower()
    {
        await using var harness = new GroupHarness();
        var files = new MemoryFileSystem();
        var broker = new BrokerState(BrokerConfig.Create(new Dictionary<string, string> { ["log.dirs"] = "/elsewhere" }), "test-cluster");
        var logs = LogManager.Start(files, new LogManagerConfig { LogDirs = broker.Config.LogDirs, NodeId = 1, ClusterId = "test-cluster" }, harness.Time);
        try
        {
            // A replica manager that has not opened the image's partitions yet.
            var table = new HandlerTable([new DescribeProducersHandler(harness.Metadata, new ReplicaManager(logs, broker, NullLogger<ReplicaManager>.Instance))]);
            var request = new DescribeProducersRequestData { Topics = [new() { Name = "t", PartitionIndexes = [0, 3] }] };

            var response = await HandlerRequest.SendAsync<DescribeProducersResponseData>(table, 0, request);

            Assert.That(response.Topics.Single().Partitions.Select(p => (ErrorCode)p.ErrorCode), Is.EqualTo(new[] { ErrorCode.NotLeaderOrFollower, ErrorCode.UnknownTopicOrPartition }));
        }
        finally
        {
            logs.Shutdown();
        }
    }

    private static void Append(Partition partition, byte[] batch) =>
        Assert.That(partition.AppendAsLeader(batch).Error, Is.EqualTo(ErrorCode.None));

    private static byte[] Batch(long producerId, short epoch, int sequence, long timestamp, int records, bool transactional)
    {
        using var builder = new RecordBatchBuilder { ProducerId = producerId, ProducerEpoch = epoch, BaseSequence = sequence, IsTransactional = transactional };
        for (var i = 0; i < records; i++)
        {
            builder.Append(timestamp + i, null, new byte[] { 1 });
        }
        return builder.ToArray();
    }
}
