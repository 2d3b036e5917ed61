using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using KafkaCompat.IntegrationTests.Fixtures;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Records;
using static KafkaCompat.IntegrationTests.Fixtures.KafkaClients;
using ErrorCode = KafkaCompat.Protocol.ErrorCode;

namespace KafkaCompat.IntegrationTests;

/// <summary>
/// A whole transaction of transaction version 2 (KIP-890 part 2) over the wire, in the order and at
/// the versions a Kafka 4.x Java producer sends once ApiVersions finalizes transaction.version 2:
/// InitProducerId v5, Produce v12 and TxnOffsetCommit v5 with no AddPartitionsToTxn or
/// AddOffsetsToTxn, EndTxn v5 whose answer gives the epoch of the next transaction. No Java client
/// runs here, so the requests are sent as that client sends them; librdkafka 2.15.1 (which never
/// speaks version 2) then reads the result with read_committed and read_uncommitted.
/// </summary>
[TestFixture]
public sealed partial class TransactionVersion2WireTests : InProcessBrokerTests
{
    private const string TransactionalId = "tv2-wire";
    private const string Group = "tv2-wire-group";

    [Test]
    public async Task ACommittedAndAnAbortedTransactionOfVersion2AreReadAsKafkaServesThem()
    {
        const string topic = "tv2-wire-out";
        await CreateTopicAsync(Bootstrap, topic, 1);
        await CreateTopicAsync(Bootstrap, "tv2-wire-in", 1);
        using var client = await KafkaWireClient.ConnectAsync(Broker.BoundPort);

        var versions = await client.SendAsync<ApiVersionsResponseData>(new ApiVersionsRequestData { ClientSoftwareName = "apache-kafka-java", ClientSoftwareVersion = "4.1.0" }, 4);
        Assert.That(versions.FinalizedFeatures.Select(f => (f.Name, f.MaxVersionLevel)), Does.Contain(("transaction.version", (short)2)), "what makes a 4.x Java producer use version 2");
        Assert.That(versions.ApiKeys.Where(k => k.ApiKey is 0 or 26 or 28).Select(k => ((int)k.ApiKey, (int)k.MaxVersion)), Is.EquivalentTo(new[] { (0, 13), (26, 5), (28, 5) }));

        var coordinator = await client.SendAsync<FindCoordinatorResponseData>(new FindCoordinatorRequestData { KeyType = 1, CoordinatorKeys = [TransactionalId] }, 4);
        Assert.That(coordinator.Coordinators.Single().ErrorCode, Is.Zero);
        var init = await client.SendAsync<InitProducerIdResponseData>(
            new InitProducerIdRequestData { TransactionalId = TransactionalId, TransactionTimeoutMs = 60_000, ProducerId = -1, ProducerEpoch = -1 }, 5);
        Assert.That(init.ErrorCode, Is.Zero);
        var (id, epoch) = (init.ProducerId, init.ProducerEpoch);

        // Transaction 1: two records and the consumed offset, committed.
        Assert.That(await ProduceAsync(client, topic, id, epoch, "committed-1", "committed-2"), Is.EqualTo((ErrorCode.None, 0L)));
        var offsets = await client.SendAsync<TxnOffsetCommitResponseData>(new TxnOffsetCommitRequestData
        {
            TransactionalId = TransactionalId, GroupId = Group, ProducerId = id, ProducerEpoch = epoch, GenerationId = -1, MemberId = "",
            Topics = [new() { Name = "tv2-wire-in", Partitions = [new() { PartitionIndex = 0, CommittedOffset = 7, CommittedLeaderEpoch = -1 }] }],
        }, 5);
        Assert.That(offsets.Topics.Single().Partitions.Single().ErrorCode, Is.Zero);
        var committed = await EndAsync(client, id, epoch, commit: true);
        Assert.That(committed, Is.EqualTo((ErrorCode.None, id, (short)(epoch + 1))));

        // Transaction 2, at the epoch EndTxn answered: one record, aborted.
        Assert.That(await ProduceAsync(client, topic, id, (short)(epoch + 1), "aborted-1"), Is.EqualTo((ErrorCode.None, 3L)), "after the COMMIT marker at offset 2");
        var aborted = await EndAsync(client, id, (short)(epoch + 1), commit: false);
        Assert.That(aborted, Is.EqualTo((ErrorCode.None, id, (short)(epoch + 2))));

        // read_committed Fetch: up to the last stable offset, with the aborted transaction listed.
        var partition = await FetchCommittedAsync(client, topic, expectedLastStableOffset: 5);
        Assert.That((partition.HighWatermark, partition.LastStableOffset), Is.EqualTo((5L, 5L)), "3 records and 2 markers");
        Assert.That(partition.AbortedTransactions!.Select(a => (a.ProducerId, a.FirstOffset)), Is.EqualTo(new[] { (id, 3L) }));
        var batches = new List<RecordBatch>();
        for (var reader = new RecordBatchEnumerator(partition.Records!.Value); reader.MoveNext();)
        {
            batches.Add(reader.Current);
        }
        Assert.That(batches.Select(b => (b.BaseOffset, b.IsControl, b.ProducerEpoch)), Is.EqualTo(new[]
        {
            (0L, false, epoch), (2L, true, (short)(epoch + 1)), (3L, false, (short)(epoch + 1)), (4L, true, (short)(epoch + 2)),
        }), "each marker carries the epoch EndTxn bumped to");

        // A real read_committed consumer sees the committed records only; read_uncommitted sees all three.
        var tp = new TopicPartition(topic, 0);
        var readCommitted = ReadFromBeginning(Bootstrap, [tp], 2, configure: c => c.IsolationLevel = IsolationLevel.ReadCommitted);
        var readUncommitted = ReadFromBeginning(Bootstrap, [tp], 3, configure: c => c.IsolationLevel = IsolationLevel.ReadUncommitted);
        Assert.That(readCommitted.Select(r => Text(r.Message.Value)), Is.EqualTo(new[] { "committed-1", "committed-2" }));
        Assert.That(readUncommitted.Select(r => Text(r.Message.Value)), Is.EqualTo(new[] { "committed-1", "committed-2", "aborted-1" }));

        // The offset committed in transaction 1 is the group's, and stable.
        var fetched = await client.SendAsync<OffsetFetchResponseData>(new OffsetFetchRequestData
        {
            RequireStable = true,
            Groups = [new() { GroupId = Group, Topics = [new() { Name = "tv2-wire-in", PartitionIndexes = [0] }] }],
        }, 8);
        var offset = fetched.Groups.Single().Topics.Single().Partitions.Single();
        Assert.That((offset.ErrorCode, offset.CommittedOffset), Is.EqualTo(((short)0, 7L)));
    }

    /// <summary>
    /// librdkafka 2.15.1 on a broker that finalizes transaction.version 2: which flavour it speaks is
    /// read from its protocol debug log. It stays on the classic one (AddPartitionsToTxn before
    /// producing, EndTxn below v5, Produce below v12), and its transactions still commit and abort.
    /// </summary>
    [Test]
    public async Task Librdkafka2151KeepsTheClassicFlavourWhenTransactionVersion2IsFinalized()
    {
        const string topic = "tv2-librdkafka";
        await CreateTopicAsync(Bootstrap, topic, 1);
        var sent = new ConcurrentDictionary<string, short>();
        void Record(LogMessage log)
        {
            foreach (Match m in SentRequest().Matches(log.Message))
            {
                var version = short.Parse(m.Groups["version"].Value, System.Globalization.CultureInfo.InvariantCulture);
                sent.AddOrUpdate(m.Groups["api"].Value, version, (_, seen) => Math.Max(seen, version));
            }
        }
        var config = new ProducerConfig { BootstrapServers = Bootstrap, TransactionalId = "tv2-librdkafka-tx", Debug = "protocol", MessageTimeoutMs = 30_000 };
        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(config).SetLogHandler((_, m) => Record(m)).Build())
        {
            producer.InitTransactions(DefaultTimeout);
            foreach (var (value, commit) in new[] { ("kept", true), ("dropped", false) })
            {
                producer.BeginTransaction();
                await producer.ProduceAsync(new TopicPartition(topic, 0), new Message<byte[]?, byte[]?> { Value = Bytes(value) });
                if (commit)
                {
                    producer.CommitTransaction(DefaultTimeout);
                }
                else
                {
                    producer.AbortTransaction(DefaultTimeout);
                }
            }
        }

        TestContext.Out.WriteLine("librdkafka sent: " + string.Join(", ", sent.OrderBy(s => s.Key).Select(s => $"{s.Key} v{s.Value}")));
        Assert.That(sent.Keys, Is.SupersetOf(new[] { "InitProducerId", "AddPartitionsToTxn", "Produce", "EndTxn" }), "the classic flavour adds partitions explicitly");
        Assert.That(sent["EndTxn"], Is.LessThan((short)5));
        Assert.That(sent["Produce"], Is.LessThan((short)12));
        var read = ReadFromBeginning(Bootstrap, [new TopicPartition(topic, 0)], 1, configure: c => c.IsolationLevel = IsolationLevel.ReadCommitted);
        Assert.That(read.Select(r => Text(r.Message.Value)), Is.EqualTo(new[] { "kept" }));
    }

    [GeneratedRegex(@"Sent (?<api>\w+)Request \(v(?<version>\d+)")]
    private static partial Regex SentRequest();

    private static async Task<(ErrorCode Error, long BaseOffset)> ProduceAsync(KafkaWireClient client, string topic, long producerId, short epoch, params string[] values)
    {
        using var builder = new RecordBatchBuilder { ProducerId = producerId, ProducerEpoch = epoch, BaseSequence = 0, IsTransactional = true };
        foreach (var value in values)
        {
            builder.Append(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), (byte[]?)null, Bytes(value));
        }
        var records = builder.ToArray();
        var deadline = DateTime.UtcNow + DefaultTimeout;
        while (true)
        {
            var response = await client.SendAsync<ProduceResponseData>(new ProduceRequestData
            {
                TransactionalId = TransactionalId,
                Acks = -1,
                TimeoutMs = 30_000,
                TopicData = [new() { Name = topic, PartitionData = [new() { Index = 0, Records = records.ToArray() }] }],
            }, 12);
            var partition = response.Responses.Single().PartitionResponses.Single();
            // The previous transaction's markers are written after EndTxn answered: until they are, the
            // implicit add meets CONCURRENT_TRANSACTIONS, which a producer gets as the retriable
            // NOT_ENOUGH_REPLICAS and retries (the Java client does), with the same batch.
            if ((ErrorCode)partition.ErrorCode != ErrorCode.NotEnoughReplicas || DateTime.UtcNow > deadline)
            {
                return ((ErrorCode)partition.ErrorCode, partition.BaseOffset);
            }
            await Task.Delay(20);
        }
    }

    private static async Task<(ErrorCode Error, long ProducerId, short ProducerEpoch)> EndAsync(KafkaWireClient client, long producerId, short epoch, bool commit)
    {
        var response = await client.SendAsync<EndTxnResponseData>(
            new EndTxnRequestData { TransactionalId = TransactionalId, ProducerId = producerId, ProducerEpoch = epoch, Committed = commit }, 5);
        return ((ErrorCode)response.ErrorCode, response.ProducerId, response.ProducerEpoch);
    }

    /// <summary>Fetches with read_committed until the markers (written after EndTxn answered) have released the last stable offset.</summary>
    private static async Task<FetchResponseData.PartitionData> FetchCommittedAsync(KafkaWireClient client, string topic, long expectedLastStableOffset)
    {
        var deadline = DateTime.UtcNow + DefaultTimeout;
        while (true)
        {
            var response = await client.SendAsync<FetchResponseData>(new FetchRequestData
            {
                ReplicaId = -1,
                MaxWaitMs = 500,
                MinBytes = 1,
                IsolationLevel = 1,
                Topics = [new() { Topic = topic, Partitions = [new() { Partition = 0, FetchOffset = 0, PartitionMaxBytes = 1 << 20 }] }],
            }, 12);
            var partition = response.Responses.Single().Partitions.Single();
            Assert.That(partition.ErrorCode, Is.Zero);
            if (partition.LastStableOffset >= expectedLastStableOffset || DateTime.UtcNow > deadline)
            {
                return partition;
            }
        }
    }
}
