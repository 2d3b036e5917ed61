using System.Text.Json;
using Confluent.Kafka;
using KafkaCompat.IntegrationTests.Fixtures;
using static KafkaCompat.IntegrationTests.Fixtures.KafkaClients;

namespace KafkaCompat.IntegrationTests;

/// <summary>
/// Transactional producers of Confluent.Kafka 2.15.1 (librdkafka 2.15.1) and kafkajs 2.2.4, both
/// of the classic protocol (AddPartitionsToTxn, EndTxn), against the broker in this process, read
/// back by read_committed and read_uncommitted consumers. Expected records are the ones the test sent in committed
/// transactions, never what the broker answered.
/// </summary>
[TestFixture]
public sealed class TransactionTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Test]
    public async Task ReadCommittedSeesExactlyTheCommittedRecordsInOrderAndReadUncommittedSeesAll()
    {
        await using var broker = await InProcessBroker.StartAsync();
        const string topic = "txn-visibility";
        await CreateTopicAsync(broker.BootstrapServers, topic, 2);
        var partitions = new[] { new TopicPartition(topic, 0), new TopicPartition(topic, 1) };
        var committed = new List<(int Partition, string Value)>();
        var all = new List<(int Partition, string Value)>();

        using (var producer = TransactionalProducer(broker.BootstrapServers, "visibility-tx"))
        {
            producer.InitTransactions(Timeout);
            foreach (var (name, commit) in new[] { ("first", true), ("aborted", false), ("second", true), ("aborted-again", false), ("third", true) })
            {
                producer.BeginTransaction();
                var sent = await ProduceAsync(producer, partitions, name, 6);
                all.AddRange(sent);
                if (commit)
                {
                    producer.CommitTransaction(Timeout);
                    committed.AddRange(sent);
                }
                else
                {
                    producer.AbortTransaction(Timeout);
                }
            }
        }

        var readCommitted = ReadFromBeginning(broker.BootstrapServers, partitions, committed.Count, configure: c => c.IsolationLevel = IsolationLevel.ReadCommitted);
        Assert.That(Values(readCommitted, 0), Is.EqualTo(Sent(committed, 0)), "read_committed, partition 0: every committed record, in order, no aborted one");
        Assert.That(Values(readCommitted, 1), Is.EqualTo(Sent(committed, 1)), "read_committed, partition 1");

        // Control records (the markers) take offsets but are never handed to the application.
        var readUncommitted = ReadFromBeginning(broker.BootstrapServers, partitions, all.Count, configure: c => c.IsolationLevel = IsolationLevel.ReadUncommitted);
        Assert.That(Values(readUncommitted, 0), Is.EqualTo(Sent(all, 0)), "read_uncommitted, partition 0: committed and aborted records, no markers");
        Assert.That(Values(readUncommitted, 1), Is.EqualTo(Sent(all, 1)), "read_uncommitted, partition 1");
        var offsets = readUncommitted.Where(r => r.Partition.Value == 0).Select(r => r.Offset.Value).ToList();
        Assert.That(offsets, Is.Ordered.And.Unique);
        Assert.That(offsets[^1] - offsets[0] + 1, Is.EqualTo(offsets.Count + 4), "the four markers before the last transaction's records take an offset each");
    }

    [Test]
    public async Task AnOpenTransactionHoldsBackReadCommittedUntilItCommits()
    {
        await using var broker = await InProcessBroker.StartAsync();
        const string topic = "txn-lso";
        await CreateTopicAsync(broker.BootstrapServers, topic, 1);
        var partition = new TopicPartition(topic, 0);

        using var producer = TransactionalProducer(broker.BootstrapServers, "lso-tx");
        producer.InitTransactions(Timeout);
        producer.BeginTransaction();
        var open = await ProduceAsync(producer, [partition], "open", 3);
        using (var plain = Producer(broker.BootstrapServers))
        {
            await plain.ProduceAsync(partition, new Message<byte[]?, byte[]?> { Value = Bytes("after-the-open-transaction") });
        }

        var whileOpen = ReadFromBeginning(broker.BootstrapServers, [partition], 1, TimeSpan.FromSeconds(3), c => c.IsolationLevel = IsolationLevel.ReadCommitted);
        Assert.That(whileOpen, Is.Empty, "the last stable offset stays at the open transaction's first record, so nothing after it is readable either");

        producer.CommitTransaction(Timeout);
        var afterCommit = ReadFromBeginning(broker.BootstrapServers, [partition], 4, configure: c => c.IsolationLevel = IsolationLevel.ReadCommitted);
        Assert.That(afterCommit.Select(r => Text(r.Message.Value)), Is.EqualTo(open.Select(s => s.Value).Append("after-the-open-transaction")));
    }

    [Test]
    public async Task ANewProducerWithTheSameTransactionalIdFencesTheOldOneWhoseWritesNeverBecomeVisible()
    {
        await using var broker = await InProcessBroker.StartAsync();
        const string topic = "txn-zombie";
        await CreateTopicAsync(broker.BootstrapServers, topic, 1);
        var partition = new TopicPartition(topic, 0);

        using var zombie = TransactionalProducer(broker.BootstrapServers, "zombie-tx");
        zombie.InitTransactions(Timeout);
        zombie.BeginTransaction();
        await ProduceAsync(zombie, [partition], "zombie-before", 3);

        List<(int Partition, string Value)> successor;
        using (var next = TransactionalProducer(broker.BootstrapServers, "zombie-tx"))
        {
            // Bumps the epoch: the zombie's open transaction is aborted, the zombie fenced.
            next.InitTransactions(Timeout);
            next.BeginTransaction();
            successor = await ProduceAsync(next, [partition], "successor", 3);
            next.CommitTransaction(Timeout);
        }

        var late = Assert.CatchAsync<KafkaException>(async () =>
        {
            await ProduceAsync(zombie, [partition], "zombie-late", 1);
            zombie.CommitTransaction(Timeout);
        });
        Assert.That(late!.Error.Code, Is.EqualTo(ErrorCode.ProducerFenced).Or.EqualTo(ErrorCode.InvalidProducerEpoch), late.Error.ToString());

        var readCommitted = ReadFromBeginning(broker.BootstrapServers, [partition], successor.Count, configure: c => c.IsolationLevel = IsolationLevel.ReadCommitted);
        Assert.That(readCommitted.Select(r => Text(r.Message.Value)), Is.EqualTo(successor.Select(s => s.Value)), "only the successor's committed records");
    }

    [TestCase(true)]
    [TestCase(false)]
    public async Task ABrokerRestartInTheMiddleOfATransactionKeepsItOpenForItsCommitOrAbort(bool commit)
    {
        // A fixed port, so the producer finds the broker again after the restart.
        var port = FreePort.Pick();
        await using var broker = await InProcessBroker.StartAsync($"listeners=PLAINTEXT://127.0.0.1:{port}");
        var topic = commit ? "txn-restart-commit" : "txn-restart-abort";
        await CreateTopicAsync(broker.BootstrapServers, topic, 1);
        var partition = new TopicPartition(topic, 0);

        using var producer = TransactionalProducer(broker.BootstrapServers, $"restart-tx-{commit}");
        producer.InitTransactions(Timeout);
        producer.BeginTransaction();
        var before = await ProduceAsync(producer, [partition], "before-restart", 4);

        await broker.RestartAsync();

        var after = await ProduceAsync(producer, [partition], "after-restart", 4);
        if (commit)
        {
            producer.CommitTransaction(Timeout);
        }
        else
        {
            producer.AbortTransaction(Timeout);
        }
        // The producer goes on with its next transaction as usual.
        producer.BeginTransaction();
        var next = await ProduceAsync(producer, [partition], "next", 2);
        producer.CommitTransaction(Timeout);

        var expected = (commit ? before.Concat(after) : []).Concat(next).Select(s => s.Value).ToList();
        var readCommitted = ReadFromBeginning(broker.BootstrapServers, [partition], expected.Count, configure: c => c.IsolationLevel = IsolationLevel.ReadCommitted);
        Assert.That(readCommitted.Select(r => Text(r.Message.Value)), Is.EqualTo(expected));
    }

    [Test]
    public async Task KafkajsCommitsAndAbortsAndItsReadCommittedConsumerSeesOnlyTheCommittedRecords()
    {
        await using var broker = await InProcessBroker.StartAsync();
        var kafkajs = Path.Combine(RepoPaths.NodeClients, "node_modules", "kafkajs");
        Assert.That(Directory.Exists(kafkajs), Is.True, $"kafkajs at {kafkajs}, installed by test.sh (compat-tests/lib/install-node-clients.sh)");
        var script = Path.Combine(RepoPaths.Scripts, "kafkajs_transactions.mjs");

        var run = await ExternalCommand.RunAsync("node", [script, broker.BootstrapServers, "kafkajs-transactions", RepoPaths.NodeClients], timeout: TimeSpan.FromSeconds(120));

        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        var result = JsonSerializer.Deserialize<JsonElement>(run.StandardOutput);
        string[] Values(string name) => [.. result.GetProperty(name).EnumerateArray().Select(v => v.GetString()!)];
        // What the script sends: first-0..2 committed, aborted-0..2 aborted, second-0..2 committed.
        string[] Transaction(string name) => [$"{name}-0", $"{name}-1", $"{name}-2"];
        Assert.That(Values("committed"), Is.EqualTo(Transaction("first").Concat(Transaction("second"))), run.StandardError);
        Assert.That(Values("uncommitted"), Is.EqualTo(Transaction("first").Concat(Transaction("aborted")).Concat(Transaction("second"))), run.StandardError);
    }

    [Test]
    public async Task ATransactionLeftOpenPastItsTimeoutIsAbortedByTheBroker()
    {
        // The coordinator looks for timed-out transactions every 200 ms here (Kafka's default: 10 s).
        await using var broker = await InProcessBroker.StartAsync("transaction.abort.timed.out.transaction.cleanup.interval.ms=200");
        const string topic = "txn-timeout";
        await CreateTopicAsync(broker.BootstrapServers, topic, 1);
        var partition = new TopicPartition(topic, 0);

        // librdkafka wants its socket and message timeouts within the transaction timeout.
        using (var abandoning = Producer(broker.BootstrapServers, c => (c.TransactionalId, c.TransactionTimeoutMs, c.SocketTimeoutMs, c.MessageTimeoutMs) = ("timeout-tx", 2000, 2000, 2000)))
        {
            abandoning.InitTransactions(Timeout);
            abandoning.BeginTransaction();
            await ProduceAsync(abandoning, [partition], "abandoned", 4);
            // Well past the 2 s timeout and many coordinator checks; nothing the producer does ends it.
            await Task.Delay(TimeSpan.FromSeconds(5));
            var error = Assert.Catch<KafkaException>(() => abandoning.CommitTransaction(Timeout), "the broker aborted the transaction and bumped the epoch: its commit cannot succeed");
            TestContext.Out.WriteLine($"commit after the timeout: {error!.Error.Code} {error.Error.Reason}");
        }

        List<(int Partition, string Value)> after;
        using (var next = TransactionalProducer(broker.BootstrapServers, "timeout-tx"))
        {
            next.InitTransactions(Timeout);
            next.BeginTransaction();
            after = await ProduceAsync(next, [partition], "after", 3);
            next.CommitTransaction(Timeout);
        }
        var readCommitted = ReadFromBeginning(broker.BootstrapServers, [partition], after.Count, configure: c => c.IsolationLevel = IsolationLevel.ReadCommitted);
        Assert.That(readCommitted.Select(r => Text(r.Message.Value)), Is.EqualTo(after.Select(s => s.Value)), "the timed-out transaction's records were aborted");
    }

    /// <summary>
    /// ListTransactions, DescribeTransactions and DescribeProducers as @platformatic/kafka's own
    /// request builders send them (the requests of kafka-transactions.sh list / describe /
    /// describe-producers; no Java client runs here), while its transaction is open and after the commit.
    /// </summary>
    [Test]
    public async Task TransactionAdminRequestsOfPlatformaticDescribeAnOpenAndACommittedTransaction()
    {
        await using var broker = await InProcessBroker.StartAsync();
        var script = Path.Combine(RepoPaths.Scripts, "platformatic_transaction_admin.mjs");
        const string topic = "txn-admin";

        var run = await ExternalCommand.RunAsync("node", [script, broker.BootstrapServers, topic, RepoPaths.NodeClients], timeout: TimeSpan.FromSeconds(120));

        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        var result = JsonSerializer.Deserialize<JsonElement>(run.StandardOutput);
        var producerId = result.GetProperty("producerId").GetString();
        string Listed(JsonElement when, string filter) => string.Join(",", when.GetProperty(filter).EnumerateArray()
            .Select(t => $"{t.GetProperty("transactionalId").GetString()}/{t.GetProperty("producerId").GetString()}/{t.GetProperty("transactionState").GetString()}"));
        var (open, committed) = (result.GetProperty("open"), result.GetProperty("committed"));

        Assert.That(Listed(open, "ongoing"), Is.EqualTo($"{topic}-tx/{producerId}/Ongoing"), "state filter Ongoing, transaction open");
        Assert.That(Listed(committed, "ongoing"), Is.Empty, "state filter Ongoing, after the commit");
        Assert.That(Listed(committed, "byProducer"), Is.EqualTo($"{topic}-tx/{producerId}/CompleteCommit"), "producer id filter");
        Assert.That(Listed(open, "byOtherProducer"), Is.Empty, "another producer id");
        var upperCase = open.GetProperty("upperCase");
        Assert.That(upperCase.GetProperty("unknownStateFilters").EnumerateArray().Select(f => f.GetString()), Is.EqualTo(new[] { "ONGOING" }), "Kafka's state names are case-sensitive");
        Assert.That(upperCase.GetProperty("transactionStates").GetArrayLength(), Is.Zero);

        var described = open.GetProperty("described");
        Assert.That(described[0].GetProperty("errorCode").GetInt32(), Is.Zero);
        Assert.That(described[0].GetProperty("transactionState").GetString(), Is.EqualTo("Ongoing"));
        Assert.That(described[0].GetProperty("producerId").GetString(), Is.EqualTo(producerId));
        Assert.That(described[0].GetProperty("topics").EnumerateArray().Select(t => $"{t.GetProperty("topic").GetString()}:{string.Join(",", t.GetProperty("partitions").EnumerateArray())}"),
            Is.EqualTo(new[] { $"{topic}:0" }), "the partition the transaction wrote to");
        Assert.That(described[1].GetProperty("errorCode").GetInt32(), Is.EqualTo(105), "TRANSACTIONAL_ID_NOT_FOUND for an unknown transactional id");
        Assert.That(committed.GetProperty("described")[0].GetProperty("transactionState").GetString(), Is.EqualTo("CompleteCommit"));
        Assert.That(committed.GetProperty("described")[0].GetProperty("topics").GetArrayLength(), Is.Zero);

        JsonElement Producers(JsonElement when, int partition) => when.GetProperty("producers")[0].GetProperty("partitions")[partition].GetProperty("activeProducers");
        var active = Producers(open, 0).EnumerateArray().Single();
        Assert.That((active.GetProperty("producerId").GetString(), active.GetProperty("lastSequence").GetInt32(), active.GetProperty("currentTxnStartOffset").GetString()),
            Is.EqualTo((producerId, 2, "0")), "three records from offset 0, transaction open");
        Assert.That(Producers(committed, 0)[0].GetProperty("currentTxnStartOffset").GetString(), Is.EqualTo("-1"), "no transaction open after the commit");
        Assert.That(Producers(open, 1).GetArrayLength(), Is.Zero, "nothing written to partition 1");
    }

    private static IProducer<byte[]?, byte[]?> TransactionalProducer(string bootstrap, string transactionalId) =>
        Producer(bootstrap, c => c.TransactionalId = transactionalId);

    /// <summary>Sends <paramref name="count"/> records round robin over the partitions and waits for every delivery.</summary>
    private static async Task<List<(int Partition, string Value)>> ProduceAsync(IProducer<byte[]?, byte[]?> producer, IReadOnlyList<TopicPartition> partitions, string name, int count)
    {
        var sent = Enumerable.Range(0, count).Select(i => (Partition: partitions[i % partitions.Count].Partition.Value, Value: $"{name}-{i}")).ToList();
        var deliveries = sent.Select(s => producer.ProduceAsync(new TopicPartition(partitions[0].Topic, s.Partition), new Message<byte[]?, byte[]?> { Value = Bytes(s.Value) })).ToList();
        await Task.WhenAll(deliveries);
        return sent;
    }

    private static List<string?> Values(List<ConsumeResult<byte[]?, byte[]?>> records, int partition) =>
        [.. records.Where(r => r.Partition.Value == partition).Select(r => Text(r.Message.Value))];

    private static List<string?> Sent(List<(int Partition, string Value)> sent, int partition) =>
        [.. sent.Where(s => s.Partition == partition).Select(s => (string?)s.Value)];
}
