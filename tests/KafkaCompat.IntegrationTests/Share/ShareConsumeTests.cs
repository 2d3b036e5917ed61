using System.Text;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using KafkaCompat.IntegrationTests.Fixtures;
using KafkaCompat.Protocol.Messages;
using static KafkaCompat.IntegrationTests.Fixtures.KafkaClients;
using AcknowledgeType = KafkaCompat.IntegrationTests.Share.LibrdkafkaShareConsumer.AcknowledgeType;

namespace KafkaCompat.IntegrationTests.Share;

/// <summary>
/// KIP-932 end to end with librdkafka 2.15.1's share consumer (its C API, <see cref="LibrdkafkaShareConsumer"/>):
/// membership through ShareGroupHeartbeat, records through ShareFetch with acknowledgements, state on
/// the share coordinator. Each group's <c>share.auto.offset.reset</c> is set to earliest through
/// IncrementalAlterConfigs (a GROUP config), so records produced before the members join are theirs.
/// </summary>
[TestFixture]
public sealed class ShareConsumeTests
{
    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(60);

    private InProcessBroker _broker = null!;

    // A short heartbeat interval so members get their partitions quickly; the delivery-count limit at
    // Kafka's minimum (2) and a lock floor of 1 s so that the limit and lock expiry show within a test.
    [OneTimeSetUp]
    public async Task StartBroker() => _broker = await InProcessBroker.StartAsync(
        "offsets.topic.replication.factor=1", "offsets.topic.num.partitions=3", "share.coordinator.state.topic.num.partitions=3",
        "group.share.heartbeat.interval.ms=500", "group.share.min.heartbeat.interval.ms=500", "group.share.session.timeout.ms=10000",
        "group.share.delivery.count.limit=2", "group.share.min.record.lock.duration.ms=1000");

    [OneTimeTearDown]
    public async Task StopBroker() => await _broker.DisposeAsync();

    [TearDown]
    public void ShowBrokerLogOnFailure() => _broker.Log.ShowTailIfTestFailed(120);

    [Test]
    public async Task ThreeConsumersOnOnePartitionEachGetRecordsAndEveryRecordIsDeliveredOnce()
    {
        const string topic = "share-consume-three";
        const string group = "share-consume-three";
        await PrepareAsync(topic, group, 0);
        var settings = new Dictionary<string, string> { ["share.acknowledgement.mode"] = "explicit" };
        var consumers = Enumerable.Range(0, 3).Select(_ => new LibrdkafkaShareConsumer(_broker.BootstrapServers, group, settings)).ToList();
        var got = new List<(int Consumer, long Offset, string Value, short DeliveryCount)>();
        Task? producing = null;
        try
        {
            consumers.ForEach(c => c.Subscribe(topic));
            // Records arrive one batch at a time while the three members poll, as in a queue's steady
            // state: whichever member's fetch is waiting takes what arrived. (Records produced all
            // before would go to the first fetch, up to its record limit, in Kafka too.)
            producing = Task.Run(async () =>
            {
                using var producer = Producer(_broker.BootstrapServers, c => c.LingerMs = 0);
                for (var i = 0; i < 300; i++)
                {
                    await producer.ProduceAsync(topic, new Message<byte[]?, byte[]?> { Value = Encoding.UTF8.GetBytes($"v{i}") });
                    await Task.Delay(5);
                }
            });
            var deadline = DateTime.UtcNow + Bounded;
            while (got.Count < 300 && DateTime.UtcNow < deadline)
            {
                for (var i = 0; i < consumers.Count; i++)
                {
                    foreach (var record in consumers[i].Poll(50))
                    {
                        Assert.That(record.Error, Is.Zero, $"record error at offset {record.Offset}");
                        got.Add((i, record.Offset, Encoding.UTF8.GetString(record.Value!), record.DeliveryCount));
                        consumers[i].Acknowledge(record, AcknowledgeType.Accept);
                    }
                }
            }
            // A second longer look: nothing accepted comes back.
            foreach (var consumer in consumers)
            {
                Assert.That(consumer.CommitSync(10_000), Is.Empty, "every acceptance acknowledged");
            }
            for (var round = 0; round < 10; round++)
            {
                for (var i = 0; i < consumers.Count; i++)
                {
                    got.AddRange(consumers[i].Poll(100).Select(r => (i, r.Offset, Encoding.UTF8.GetString(r.Value!), r.DeliveryCount)));
                }
            }
            consumers.ForEach(c => c.Close());
            await producing;
        }
        finally
        {
            consumers.ForEach(c => c.Dispose());
        }

        Assert.That(got.Select(r => r.Offset).Order(), Is.EqualTo(Enumerable.Range(0, 300).Select(i => (long)i)), "each record delivered exactly once");
        Assert.That(got.All(r => r.Value == $"v{r.Offset}" && r.DeliveryCount == 1));
        var perConsumer = got.GroupBy(r => r.Consumer).ToDictionary(g => g.Key, g => g.Count());
        TestContext.Progress.WriteLine($"records per share consumer: {string.Join(", ", perConsumer.OrderBy(kv => kv.Key).Select(kv => kv.Value))}");
        Assert.That(perConsumer.Keys, Is.EquivalentTo(new[] { 0, 1, 2 }), "all three members on the one partition got records");
    }

    [Test]
    public async Task ReleasedRecordsComeBackRejectedOnesAndThoseAtTheDeliveryLimitDoNot()
    {
        const string topic = "share-consume-ack-types";
        const string group = "share-consume-ack-types";
        await PrepareAsync(topic, group, 10);
        using var consumer = new LibrdkafkaShareConsumer(_broker.BootstrapServers, group, new Dictionary<string, string> { ["share.acknowledgement.mode"] = "explicit" });
        consumer.Subscribe(topic);
        var deliveries = new List<(long Offset, short DeliveryCount)>();
        // Offsets 0-1 rejected, 2-4 released every time (delivery limit 2: twice, then archived),
        // 5-9 released once and accepted when they come back.
        var deadline = DateTime.UtcNow + Bounded;
        while (DateTime.UtcNow < deadline && !(deliveries.Count(d => d.Offset >= 5) == 10 && deliveries.Count(d => d.Offset is >= 2 and <= 4) == 6))
        {
            foreach (var record in consumer.Poll(100))
            {
                deliveries.Add((record.Offset, record.DeliveryCount));
                var type = record.Offset switch
                {
                    < 2 => AcknowledgeType.Reject,
                    < 5 => AcknowledgeType.Release,
                    _ => record.DeliveryCount == 1 ? AcknowledgeType.Release : AcknowledgeType.Accept,
                };
                consumer.Acknowledge(record, type);
            }
        }
        Assert.That(consumer.CommitSync(10_000), Is.Empty);
        // Long enough for any wrongly available record to be fetched again.
        for (var round = 0; round < 20; round++)
        {
            deliveries.AddRange(consumer.Poll(100).Select(r => (r.Offset, r.DeliveryCount)));
        }
        consumer.Close();

        Assert.That(deliveries.Where(d => d.Offset < 2), Is.EquivalentTo(new[] { (0L, (short)1), (1L, (short)1) }), "rejected: delivered once");
        Assert.That(deliveries.Where(d => d.Offset is >= 2 and <= 4).Order(),
            Is.EqualTo(new[] { (2L, (short)1), (2L, (short)2), (3L, (short)1), (3L, (short)2), (4L, (short)1), (4L, (short)2) }), "released twice: archived at the delivery-count limit");
        Assert.That(deliveries.Where(d => d.Offset >= 5).Order(),
            Is.EqualTo(Enumerable.Range(5, 5).SelectMany(o => new[] { ((long)o, (short)1), ((long)o, (short)2) })), "released once, accepted on the second delivery");
    }

    [Test]
    public async Task RecordsOfAMemberThatStopsPollingGoToAnotherWhenTheirLockExpires()
    {
        const string topic = "share-consume-lock";
        const string group = "share-consume-lock";
        // The group's own lock duration (a GROUP config), under the broker's 30 s default.
        await PrepareAsync(topic, group, 5, ("share.record.lock.duration.ms", "2000"));
        var settings = new Dictionary<string, string> { ["share.acknowledgement.mode"] = "explicit" };
        using var stuck = new LibrdkafkaShareConsumer(_broker.BootstrapServers, group, settings);
        using var other = new LibrdkafkaShareConsumer(_broker.BootstrapServers, group, settings);
        stuck.Subscribe(topic);
        var held = new List<long>();
        var deadline = DateTime.UtcNow + Bounded;
        while (held.Count < 5 && DateTime.UtcNow < deadline)
        {
            held.AddRange(stuck.Poll(100).Select(r => r.Offset));
        }
        Assert.That(held, Is.EqualTo(new long[] { 0, 1, 2, 3, 4 }));

        // The stuck member stays in the group (librdkafka heartbeats on its own thread) but never acknowledges.
        other.Subscribe(topic);
        var redelivered = new List<(long Offset, short DeliveryCount)>();
        while (redelivered.Count < 5 && DateTime.UtcNow < deadline)
        {
            foreach (var record in other.Poll(100))
            {
                redelivered.Add((record.Offset, record.DeliveryCount));
                other.Acknowledge(record, AcknowledgeType.Accept);
            }
        }
        Assert.That(other.CommitSync(10_000), Is.Empty);
        other.Close();
        Assert.That(redelivered, Is.EqualTo(Enumerable.Range(0, 5).Select(o => ((long)o, (short)2))), "every held record, on its second delivery");
    }

    [Test]
    public async Task AcceptedRecordsStayAcceptedAcrossABrokerRestart()
    {
        const string topic = "share-consume-restart";
        const string group = "share-consume-restart";
        await PrepareAsync(topic, group, 20);
        var settings = new Dictionary<string, string> { ["share.acknowledgement.mode"] = "explicit" };
        var first = new List<long>();
        using (var consumer = new LibrdkafkaShareConsumer(_broker.BootstrapServers, group, settings))
        {
            consumer.Subscribe(topic);
            var deadline = DateTime.UtcNow + Bounded;
            while (first.Count < 20 && DateTime.UtcNow < deadline)
            {
                foreach (var record in consumer.Poll(100))
                {
                    first.Add(record.Offset);
                    // The first half accepted; the rest released, to be delivered again after the restart.
                    consumer.Acknowledge(record, record.Offset < 10 ? AcknowledgeType.Accept : AcknowledgeType.Release);
                    if (record.Offset >= 10)
                    {
                        first.Remove(record.Offset);
                    }
                }
                if (first.Count == 10)
                {
                    break;
                }
            }
            Assert.That(consumer.CommitSync(10_000), Is.Empty);
            consumer.Close();
        }
        Assert.That(first, Is.EqualTo(Enumerable.Range(0, 10).Select(o => (long)o)));

        await _broker.RestartAsync();

        var after = await ConsumeAllAsync(group, topic, settings, 10);
        Assert.That(after.Order(), Is.EqualTo(Enumerable.Range(10, 10).Select(o => (long)o)), "the accepted half is not delivered again");
    }

    [Test]
    public async Task DescribeShareGroupOffsetsShowsTheStartOffsetPastWhatTheConsumerAccepted()
    {
        const string topic = "share-consume-offsets";
        const string group = "share-consume-offsets";
        await PrepareAsync(topic, group, 12);
        using (var consumer = new LibrdkafkaShareConsumer(_broker.BootstrapServers, group, new Dictionary<string, string> { ["share.acknowledgement.mode"] = "explicit" }))
        {
            consumer.Subscribe(topic);
            var acknowledged = 0;
            var deadline = DateTime.UtcNow + Bounded;
            while (acknowledged < 12 && DateTime.UtcNow < deadline)
            {
                foreach (var record in consumer.Poll(100))
                {
                    // The first eight accepted, the last four rejected: all twelve are finished.
                    consumer.Acknowledge(record, record.Offset < 8 ? AcknowledgeType.Accept : AcknowledgeType.Reject);
                    acknowledged++;
                }
            }
            Assert.That(consumer.CommitSync(10_000), Is.Empty);
            consumer.Close();
            Assert.That(acknowledged, Is.EqualTo(12));
        }

        // What kafka-share-groups.sh --describe --offsets asks the group coordinator (v1, every topic).
        using var wire = await KafkaWireClient.ConnectAsync(_broker.BoundPort);
        var described = await wire.SendAsync<DescribeShareGroupOffsetsResponseData>(
            new DescribeShareGroupOffsetsRequestData { Groups = [new() { GroupId = group, Topics = null }] }, 1);
        var answer = described.Groups.Single();
        Assert.That(answer.ErrorCode, Is.Zero, answer.ErrorMessage);
        var partition = answer.Topics.Single(t => t.TopicName == topic).Partitions.Single();
        Assert.That((partition.PartitionIndex, partition.ErrorCode, partition.StartOffset, partition.Lag), Is.EqualTo((0, (short)0, 12L, 0L)),
            "the start offset moved past the twelve finished records, and nothing is left to deliver");
    }

    [Test]
    public async Task AfterAlterShareGroupOffsetsTheNextShareConsumerStartsFromTheNewStartOffset()
    {
        const string topic = "share-consume-alter";
        const string group = "share-consume-alter";
        await PrepareAsync(topic, group, 20);
        var settings = new Dictionary<string, string> { ["share.acknowledgement.mode"] = "explicit" };
        var first = await ConsumeAllAsync(group, topic, settings, 20);
        Assert.That(first.Order(), Is.EqualTo(Enumerable.Range(0, 20).Select(o => (long)o)));

        // What kafka-share-groups.sh --reset-offsets --to-offset 5 sends once the group is empty.
        using var wire = await KafkaWireClient.ConnectAsync(_broker.BoundPort);
        AlterShareGroupOffsetsResponseData altered = null!;
        var deadline = DateTime.UtcNow + Bounded;
        do
        {
            altered = await wire.SendAsync<AlterShareGroupOffsetsResponseData>(new AlterShareGroupOffsetsRequestData
            {
                GroupId = group,
                Topics = [new() { TopicName = topic, Partitions = [new() { PartitionIndex = 0, StartOffset = 5 }] }],
            }, 0);
        }
        while (altered.ErrorCode == (short)Protocol.ErrorCode.NonEmptyGroup && DateTime.UtcNow < deadline && await Task.Delay(200).ContinueWith(_ => true));
        Assert.That(altered.ErrorCode, Is.Zero, altered.ErrorMessage);
        Assert.That(altered.Responses.Single().Partitions.Single().ErrorCode, Is.Zero);

        var second = await ConsumeAllAsync(group, topic, settings, 15);
        Assert.That(second.Order(), Is.EqualTo(Enumerable.Range(5, 15).Select(o => (long)o)),
            "the partition leader starts over from the altered start offset, not from its own copy of the group's state");
    }

    /// <summary>One share consumer of <paramref name="group"/> accepts records until it has <paramref name="count"/>, polls a second more, and closes.</summary>
    private Task<List<long>> ConsumeAllAsync(string group, string topic, Dictionary<string, string> settings, int count) => Task.Run(() =>
    {
        var offsets = new List<long>();
        using var consumer = new LibrdkafkaShareConsumer(_broker.BootstrapServers, group, settings);
        consumer.Subscribe(topic);
        var deadline = DateTime.UtcNow + Bounded;
        while (offsets.Count < count && DateTime.UtcNow < deadline)
        {
            foreach (var record in consumer.Poll(100))
            {
                offsets.Add(record.Offset);
                consumer.Acknowledge(record, AcknowledgeType.Accept);
            }
        }
        // A second of polls more: a record delivered twice would show here.
        for (var round = 0; round < 10; round++)
        {
            offsets.AddRange(consumer.Poll(100).Select(r => r.Offset));
        }
        Assert.That(consumer.CommitSync(10_000), Is.Empty);
        consumer.Close();
        return offsets;
    });

    /// <summary>A one-partition topic with <paramref name="records"/> values v0, v1, ..., and the group's share configs (earliest, plus <paramref name="configs"/>).</summary>
    private async Task PrepareAsync(string topic, string group, int records, params (string Name, string Value)[] configs)
    {
        await CreateTopicAsync(_broker.BootstrapServers, topic, 1);
        using (var producer = Producer(_broker.BootstrapServers))
        {
            for (var i = 0; i < records; i++)
            {
                producer.Produce(topic, new Message<byte[]?, byte[]?> { Value = Encoding.UTF8.GetBytes($"v{i}") });
            }
            producer.Flush(TimeSpan.FromSeconds(30));
        }
        using var admin = Admin(_broker.BootstrapServers);
        await admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
        {
            [new ConfigResource { Type = ResourceType.Group, Name = group }] =
                [.. configs.Append((Name: "share.auto.offset.reset", Value: "earliest")).Select(c => new ConfigEntry { Name = c.Name, Value = c.Value, IncrementalOperation = AlterConfigOpType.Set })],
        });
    }
}
