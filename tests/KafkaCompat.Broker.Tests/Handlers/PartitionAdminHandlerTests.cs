using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Broker.Tests.Replication;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Tests.Handlers;

/// <summary>ListOffsets, DeleteRecords and DescribeLogDirs over a partition holding three single-record batches.</summary>
public class PartitionAdminHandlerTests
{
    private static readonly long[] Timestamps = [1_000, 2_000, 3_000];

    /// <summary>Offsets 0, 1, 2 with the timestamps above, on t-0; returns the bytes of the batches appended.</summary>
    private static long FillPartition(GroupHarness harness)
    {
        long bytes = 0;
        var partition = harness.Replicas.GetPartition("t", 0)!;
        foreach (var timestamp in Timestamps)
        {
            var batch = ReplicaHarness.Batch(timestamp, $"v{timestamp}");
            bytes += batch.Length;
            Assert.That(partition.AppendAsLeader(batch).Error, Is.EqualTo(ErrorCode.None));
        }
        return bytes;
    }

    [TestCase((short)1)]
    [TestCase((short)9)]
    [TestCase((short)11)]
    [HandlerVersionTest(ApiKey.ListOffsets, 1)]
    [HandlerVersionTest(ApiKey.ListOffsets, 11)]
    public async Task ListOffsetsFindsOffsetsByTimestamp(short version)
    {
        await using var harness = new GroupHarness();
        FillPartition(harness);
        // -1 latest, -2 earliest, then plain timestamps; from v7 -3 (KIP-734), v8 -4 (KIP-405), v9 -5 (KIP-1005), v11 -6.
        var asked = new List<long> { -1, -2, 1_500, 3_000, 3_001 };
        var expected = new List<(long Offset, long Timestamp)> { (3, -1), (0, -1), (1, 2_000), (2, 3_000), (-1, -1) };
        if (version >= 9)
        {
            asked.AddRange([-3, -4, -5]);
            expected.AddRange([(2, 3_000), (0, -1), (-1, -1)]);
        }
        if (version >= 11)
        {
            // KIP-1023's earliest pending upload: nothing is tiered, so none, as Kafka answers without remote storage.
            asked.Add(-6);
            expected.Add((-1, -1));
        }
        var request = new ListOffsetsRequestData
        {
            ReplicaId = -1,
            Topics = [new() { Name = "t", Partitions = [.. asked.Select(t => new ListOffsetsRequestData.ListOffsetsPartition { PartitionIndex = 0, Timestamp = t })] }],
        };
        request.Topics.Add(new() { Name = "t", Partitions = [new() { PartitionIndex = 9, Timestamp = -1 }] });

        var response = await harness.SendAsync<ListOffsetsResponseData>(version, request);

        var answers = response.Topics[0].Partitions;
        Assert.That(answers.Select(a => a.ErrorCode), Is.All.Zero);
        Assert.That(answers.Select(a => (a.Offset, a.Timestamp)), Is.EqualTo(expected));
        if (version >= 4)
        {
            // KIP-320: a found offset comes with its leader epoch (the partition's first, 0); none found, none given.
            Assert.That(answers.Select(a => a.LeaderEpoch), Is.EqualTo(expected.Select(e => e.Offset >= 0 ? 0 : -1)));
        }
        Assert.That((ErrorCode)response.Topics[1].Partitions.Single().ErrorCode, Is.EqualTo(ErrorCode.UnknownTopicOrPartition));
    }

    [TestCase((short)0)]
    [TestCase((short)2)]
    [HandlerVersionTest(ApiKey.DeleteRecords, 0)]
    [HandlerVersionTest(ApiKey.DeleteRecords, 2)]
    public async Task DeleteRecordsMovesTheLogStartOffsetUpToTheOffsetGiven(short version)
    {
        await using var harness = new GroupHarness();
        FillPartition(harness);
        var request = new DeleteRecordsRequestData
        {
            TimeoutMs = 30_000,
            Topics = [new() { Name = "t", Partitions = [new() { PartitionIndex = 0, Offset = 2 }, new() { PartitionIndex = 1, Offset = 10 }] }],
        };

        var response = await harness.SendAsync<DeleteRecordsResponseData>(version, request);

        var results = response.Topics.Single().Partitions;
        Assert.That((results[0].PartitionIndex, results[0].ErrorCode, results[0].LowWatermark), Is.EqualTo((0, (short)0, 2L)));
        Assert.That(harness.Replicas.GetPartition("t", 0)!.LogStartOffset, Is.EqualTo(2L));
        Assert.That((results[1].PartitionIndex, (ErrorCode)results[1].ErrorCode), Is.EqualTo((1, ErrorCode.OffsetOutOfRange)), "t-1 is empty: 10 is past its high watermark");
    }

    [TestCase((short)0)]
    [TestCase((short)4)]
    [HandlerVersionTest(ApiKey.DescribeLogDirs, 0)]
    [HandlerVersionTest(ApiKey.DescribeLogDirs, 4)]
    public async Task DescribeLogDirsSizesTheAskedPartitionsInTheirLogDir(short version)
    {
        // A directory that exists, for v4's file system totals (the logs themselves are in memory).
        var logDir = Path.GetTempPath().TrimEnd('/');
        await using var harness = new GroupHarness(new() { ["log.dirs"] = logDir });
        var bytes = FillPartition(harness);
        var request = new DescribeLogDirsRequestData { Topics = [new() { Topic = "t", Partitions = [0, 1] }] };

        var response = await harness.SendAsync<DescribeLogDirsResponseData>(version, request);

        var dir = response.Results.Single();
        Assert.That((dir.ErrorCode, dir.LogDir), Is.EqualTo(((short)0, logDir)));
        var topic = dir.Topics.Single();
        Assert.That(topic.Name, Is.EqualTo("t"));
        Assert.That(topic.Partitions.Select(p => (p.PartitionIndex, p.PartitionSize, p.OffsetLag)), Is.EqualTo(new[] { (0, bytes, 0L), (1, 0L, 0L) }));
        if (version >= 4)
        {
            Assert.That(dir.TotalBytes, Is.GreaterThan(0L));
            Assert.That(dir.UsableBytes, Is.InRange(0L, dir.TotalBytes));
        }
    }
}
