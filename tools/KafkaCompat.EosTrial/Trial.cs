using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace KafkaCompat.EosTrial;

public sealed record TrialSettings(string Server, string Librdkafka, int Records, int Faults, int BrokerEvery, int Batch, int DwellMs, int Seed, int CatchUpSeconds)
{
    public static TrialSettings From(Options o, string librdkafka)
    {
        var settings = new TrialSettings(Path.GetFullPath(o.Required("server")), librdkafka, o.Int("records", 3000), o.Int("faults", 10),
            o.Int("broker-every", 4), o.Int("batch", 20), o.Int("dwell-ms", 50), o.Int("seed", 1), o.Int("catch-up-s", 180));
        o.EnsureAllRead();
        return settings;
    }
}

/// <summary>
/// One trial: a broker process on a free loopback port, an input topic of numbered records, the
/// <see cref="Processor"/> application as its own process; then <c>Faults</c> faults at random
/// moments (seeded): SIGKILL of the application, and every <c>BrokerEvery</c>-th fault SIGKILL of the
/// broker, each followed by a restart; the application is also restarted whenever it exits by
/// itself. Once the group's committed offsets reach the input's end, <see cref="EosChecker"/>
/// judges the output. Exit code 0 when it found no anomaly.
/// </summary>
public static class Trial
{
    private const int Partitions = 3;
    private const string Input = "eos-input";
    private const string Output = "eos-output";
    private const string Group = "eos-app";

    public static async Task<int> RunAsync(TrialSettings s)
    {
        var work = Directory.CreateTempSubdirectory("kafkacompat-eos-").FullName;
        var port = FreePort();
        var bootstrap = $"127.0.0.1:{port}";
        string[] overrides =
        [
            $"listeners=PLAINTEXT://{bootstrap}", $"log.dirs={Path.Combine(work, "data")}", $"num.partitions={Partitions}",
            "group.initial.rebalance.delay.ms=0", "offsets.topic.num.partitions=5", "transaction.state.log.num.partitions=5",
        ];
        using var broker = new ChildProcess("broker", s.Server, overrides.SelectMany(o => new[] { "--override", o }).ToList(), Path.Combine(work, "broker.log"));
        var processor = new ProcessorSettings(bootstrap, Input, Output, Group, "eos-app-tx", s.Batch, s.DwellMs);
        using var app = new ChildProcess("app", typeof(Trial).Assembly.Location, processor.ToArgs(s.Librdkafka).ToList(), Path.Combine(work, "app.log"));
        var clock = Stopwatch.StartNew();
        var exits = new List<int>();
        var ok = false;
        try
        {
            broker.Start();
            await WaitForPortAsync(port, broker);
            await CreateTopicsAsync(bootstrap);
            await ProduceInputAsync(bootstrap, s.Records);
            Console.WriteLine($"trial: {s.Records} input records in {Input} at {bootstrap}; work directory {work}");

            app.Start();
            var random = new Random(s.Seed);
            int appKills = 0, brokerKills = 0;
            for (var fault = 1; fault <= s.Faults; fault++)
            {
                await SuperviseAsync(app, exits, TimeSpan.FromMilliseconds(random.Next(300, 2500)));
                if (fault % s.BrokerEvery == 0)
                {
                    broker.Kill();
                    brokerKills++;
                    broker.Start();
                    await WaitForPortAsync(port, broker);
                }
                else
                {
                    app.Kill();
                    appKills++;
                    app.Start();
                }
            }
            Console.WriteLine($"trial: {appKills} application kills, {brokerKills} broker kills, {exits.Count} exits of the application by itself (codes {string.Join(",", exits)}) in {clock.Elapsed.TotalSeconds:F1} s; catching up");

            var caughtUp = await CatchUpAsync(bootstrap, app, exits, s.Records, TimeSpan.FromSeconds(s.CatchUpSeconds));
            app.Kill();
            var report = EosChecker.Check(bootstrap, Input, Output, Group, Partitions);
            var anomalies = caughtUp ? report.Anomalies : [$"the group's committed offsets did not reach the input's end in {s.CatchUpSeconds} s", .. report.Anomalies];
            Console.WriteLine($"trial: input {report.Input}, output visible to read_committed {report.CommittedOutput}, " +
                $"in the log with aborted writes {report.UncommittedOutput} ({report.AbortedOutput} aborted), application starts {app.Starts}, " +
                $"broker starts {broker.Starts}, {clock.Elapsed.TotalSeconds:F1} s");
            foreach (var anomaly in anomalies.Take(30))
            {
                Console.WriteLine("anomaly: " + anomaly);
            }
            Console.WriteLine($"anomalies: {anomalies.Count}");
            ok = anomalies.Count == 0;
            return ok ? 0 : 1;
        }
        finally
        {
            if (!ok)
            {
                Console.WriteLine($"--- application log (tail) ---{Environment.NewLine}{app.Tail()}");
                Console.WriteLine($"--- broker log (tail) ---{Environment.NewLine}{broker.Tail()}");
            }
            app.Kill();
            broker.Kill();
            if (ok)
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }

    /// <summary>Waits, restarting the application whenever it has exited by itself (crash-only: a restart is its recovery).</summary>
    private static async Task SuperviseAsync(ChildProcess app, List<int> exits, TimeSpan duration)
    {
        var until = Stopwatch.StartNew();
        while (until.Elapsed < duration)
        {
            if (app.HasExited)
            {
                exits.Add(app.ExitCode ?? -1);
                app.Kill();
                app.Start();
            }
            await Task.Delay(100);
        }
    }

    private static async Task<bool> CatchUpAsync(string bootstrap, ChildProcess app, List<int> exits, int records, TimeSpan limit)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = Group }).Build();
        var partitions = Enumerable.Range(0, Partitions).Select(p => new TopicPartition(Input, p)).ToList();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit)
        {
            await SuperviseAsync(app, exits, TimeSpan.FromMilliseconds(500));
            try
            {
                var committed = consumer.Committed(partitions, TimeSpan.FromSeconds(10)).Sum(o => Math.Max(0, o.Offset.Value));
                if (committed == records)
                {
                    return true;
                }
            }
            catch (KafkaException)
            {
                // The coordinator may be loading or a transaction still pending: ask again.
            }
        }
        return false;
    }

    private static async Task CreateTopicsAsync(string bootstrap)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
        await admin.CreateTopicsAsync([
            new TopicSpecification { Name = Input, NumPartitions = Partitions, ReplicationFactor = 1 },
            new TopicSpecification { Name = Output, NumPartitions = Partitions, ReplicationFactor = 1 },
        ]);
    }

    /// <summary>Record i goes to partition i % 3 with value i, from an idempotent producer: so input offsets are i / 3.</summary>
    private static async Task ProduceInputAsync(string bootstrap, int records)
    {
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig { BootstrapServers = bootstrap, EnableIdempotence = true, LingerMs = 5 }).Build();
        var deliveries = Enumerable.Range(0, records).Select(i => producer.ProduceAsync(new TopicPartition(Input, i % Partitions),
            new Message<byte[]?, byte[]?> { Key = System.Text.Encoding.UTF8.GetBytes($"k{i % 50}"), Value = System.Text.Encoding.UTF8.GetBytes($"{i}") })).ToList();
        await Task.WhenAll(deliveries);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task WaitForPortAsync(int port, ChildProcess broker)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (broker.HasExited)
            {
                throw new InvalidOperationException($"the broker exited with code {broker.ExitCode} while starting:{Environment.NewLine}{broker.Tail()}");
            }
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(50);
            }
        }
    }
}
