using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Metadata;
using KafkaCompat.Records;
using KafkaCompat.Server.Storage;
using KafkaCompat.Storage;

namespace KafkaCompat.IntegrationTests.Storage;

/// <summary>
/// <c>kafkacompat storage</c> in this process on real directories: what it writes, prints and exits
/// with, against Kafka's storage tool (its messages, its files: meta.properties, bootstrap.checkpoint,
/// the dynamic quorum's 0-0 snapshot).
/// </summary>
[TestFixture]
public sealed class StorageToolTests
{
    private const string ClusterId = "XcZZOzUqS4yHOjhMQB6JLQ";

    private static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter { NewLine = "\n" };
        var error = new StringWriter { NewLine = "\n" };
        var exitCode = StorageTool.Run(args, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    private static string SnapshotPath(string logDir) => Path.Combine(logDir, "__cluster_metadata-0", "00000000000000000000-0000000000.checkpoint");

    [Test]
    public void Random_uuid_prints_a_kafka_cluster_id()
    {
        var (exitCode, output, _) = Run("random-uuid");

        Assert.That(exitCode, Is.Zero);
        Assert.That(output, Does.Match("^[A-Za-z0-9_-]{22}\n$"));
        Assert.That(() => Uuid.Parse(output.Trim()), Throws.Nothing);
    }

    [Test]
    public void Formatting_twice_is_refused_unless_formatted_dirs_are_ignored()
    {
        using var node = new QuickStartNode();

        var first = Run("format", "-t", ClusterId, "-c", node.ConfigFile, "--standalone");
        var second = Run("format", "-t", ClusterId, "-c", node.ConfigFile, "--standalone");
        var ignored = Run("format", "--cluster-id", ClusterId, "--config", node.ConfigFile, "--standalone", "--ignore-formatted");

        Assert.That(first, Is.EqualTo((0, $"Formatting dynamic metadata voter directory {node.LogDir} with metadata.version 4.0-IV3.\n", "")));
        Assert.That(second, Is.EqualTo((1, "", $"Log directory {node.LogDir} is already formatted. Use --ignore-formatted to ignore this directory and format the others.\n")));
        Assert.That(ignored, Is.EqualTo((0, "All of the log directories are already formatted.\n", "")));
    }

    [Test]
    public void Standalone_writes_meta_properties_the_feature_levels_and_the_bootstrap_snapshot_of_one_voter()
    {
        using var node = new QuickStartNode();

        Assert.That(Run("format", "-t", ClusterId, "-c", node.ConfigFile, "-s").ExitCode, Is.Zero);

        var fileSystem = new DiskFileSystem();
        var meta = MetaProperties.Read(fileSystem, node.LogDir)!;
        Assert.That((meta.NodeId, meta.ClusterId), Is.EqualTo((1, ClusterId)));
        Assert.That(meta.DirectoryId, Is.Not.Null);

        // bootstrap.checkpoint: metadata.version first, then the features above level 0 by name.
        var bootstrap = MetadataSnapshotFile.TryRead(fileSystem, Path.Combine(node.LogDir, "bootstrap.checkpoint"), out var problem);
        Assert.That(bootstrap, Is.Not.Null, problem);
        Assert.That(bootstrap!.Records.Cast<FeatureLevelRecord>().Select(r => $"{r.Name}={r.FeatureLevel}"), Is.EqualTo(new[]
        {
            "metadata.version=25", "group.version=1", "kraft.version=1", "share.version=1", "transaction.version=2",
        }));

        // The 0-0 snapshot: KIP-853's KRaftVersion and KRaftVoters, in the header's control batch, as Kafka writes them.
        var snapshot = MetadataSnapshotFile.TryRead(fileSystem, SnapshotPath(node.LogDir), out problem);
        Assert.That(snapshot, Is.Not.Null, problem);
        Assert.That(snapshot!.Records, Is.Empty);
        Assert.That(snapshot.KRaftVersion!.KRaftVersion, Is.EqualTo(1));
        var voter = snapshot.Voters!.Voters.Single();
        Assert.That((voter.VoterId, voter.VoterDirectoryId), Is.EqualTo((1, meta.DirectoryId!.Value)), "the voter is this node's metadata directory");
        Assert.That(voter.Endpoints.Select(e => (e.Name, e.Host, (int)e.Port)), Is.EqualTo(new[] { ("CONTROLLER", "localhost", node.ControllerPort) }));
        var batches = new RecordBatchEnumerator(File.ReadAllBytes(SnapshotPath(node.LogDir)));
        var layout = new List<string>();
        while (batches.MoveNext())
        {
            var types = new List<ControlRecordType>();
            using (var records = batches.Current.OpenRecords(1 << 20))
            {
                foreach (var record in records)
                {
                    types.Add(ControlRecord.ReadType(record.KeySpan));
                }
            }
            layout.Add($"{batches.Current.BaseOffset}:{(batches.Current.IsControl ? "control" : "data")}:{string.Join(",", types)}");
        }
        Assert.That(layout, Is.EqualTo(new[] { "0:control:SnapshotHeader,KRaftVersion,KRaftVoters", "3:control:SnapshotFooter" }));
    }

    [Test]
    public void A_static_quorum_formats_without_a_bootstrap_snapshot_at_kraft_version_0()
    {
        using var node = new QuickStartNode();
        File.WriteAllLines(node.ConfigFile, File.ReadAllLines(node.ConfigFile)
            .Select(l => l.StartsWith("controller.quorum.bootstrap.servers=", StringComparison.Ordinal) ? $"controller.quorum.voters=1@localhost:{node.ControllerPort}" : l));

        var run = Run("format", "-t", ClusterId, "-c", node.ConfigFile, "--release-version", "3.9");

        Assert.That(run, Is.EqualTo((0, $"Formatting metadata directory {node.LogDir} with metadata.version 3.9-IV0.\n", "")));
        Assert.That(File.Exists(SnapshotPath(node.LogDir)), Is.False);
        var levels = BootstrapCheckpoint.Read(new DiskFileSystem(), node.LogDir)!;
        Assert.That(levels, Is.EqualTo(new Dictionary<string, short> { ["metadata.version"] = 21 }),
            "3.9 predates transaction.version 2 (4.0-IV2) and group.version 1 (4.0-IV0); kraft.version 0 is left out");
    }

    [Test]
    public void Several_log_dirs_format_the_first_as_the_metadata_directory_and_skip_an_unreadable_one()
    {
        using var node = new QuickStartNode();
        var (a, b, file) = (Path.Combine(node.Scratch, "a-logs"), Path.Combine(node.Scratch, "b-logs"), Path.Combine(node.Scratch, "c-file"));
        File.WriteAllText(file, "not a directory");
        File.WriteAllLines(node.ConfigFile, File.ReadAllLines(node.ConfigFile)
            .Select(l => l.StartsWith("log.dirs=", StringComparison.Ordinal) ? $"log.dirs={a},{file},{b}" : l));

        var run = Run("format", "-t", ClusterId, "-c", node.ConfigFile, "--standalone");

        Assert.That(run, Is.EqualTo((0,
            $"I/O error trying to read log directory {file}. Ignoring...\n" +
            $"Formatting dynamic metadata voter directory {a} with metadata.version 4.0-IV3.\n" +
            $"Formatting data directory {b} with metadata.version 4.0-IV3.\n", "")));
        Assert.That(File.Exists(SnapshotPath(a)), Is.True);
        Assert.That(File.Exists(SnapshotPath(b)), Is.False, "the bootstrap snapshot lives in the metadata directory only");
        Assert.That(File.Exists(Path.Combine(b, "bootstrap.checkpoint")), Is.True, "every formatted dir gets the feature levels");
        var fileSystem = new DiskFileSystem();
        Assert.That(MetaProperties.Read(fileSystem, a)!.DirectoryId, Is.Not.EqualTo(MetaProperties.Read(fileSystem, b)!.DirectoryId));
    }

    [Test]
    public void A_dynamic_controller_needs_one_of_the_quorum_flags_and_nothing_is_written_without()
    {
        using var node = new QuickStartNode();

        var run = Run("format", "-t", ClusterId, "-c", node.ConfigFile);

        Assert.That(run, Is.EqualTo((1, "",
            "Because controller.quorum.voters is not set on this controller, you must specify one of the following: --standalone, --initial-controllers, or --no-initial-controllers.\n")));
        Assert.That(Directory.Exists(node.LogDir), Is.False);
    }

    [TestCase(new[] { "--no-initial-controllers", "--standalone" }, "argument --standalone/-s: not allowed with argument --no-initial-controllers/-N")]
    [TestCase(new[] { "--standalone", "--initial-controllers", "1@localhost:9093:JEXY6aqzQY-32P5TStzaFg" }, "argument --initial-controllers/-I: not allowed with argument --standalone/-s")]
    [TestCase(new[] { "--feature", "kraft.version5" }, "Can't parse feature=level string kraft.version5: equals sign not found.")]
    [TestCase(new[] { "--feature", "kraft.version=foo" }, "Can't parse feature=level string kraft.version=foo: unable to parse foo as a short.")]
    [TestCase(new[] { "--standalone", "--feature", "non.existent.feature=20" }, "Unsupported feature: non.existent.feature. Supported features are: eligible.leader.replicas.version, group.version, kraft.version, share.version, streams.version, transaction.version")]
    [TestCase(new[] { "--standalone", "--feature", "kraft.version=999" }, "No feature:kraft.version with feature level 999")]
    [TestCase(new[] { "--standalone", "--feature", "kraft.version=0" }, "Cannot set kraft.version to 0 if KIP-853 configuration is present. Try removing the --feature flag for kraft.version.")]
    [TestCase(new[] { "--standalone", "--release-version", "3.9", "--feature", "metadata.version=21" }, "Use --release-version instead of --feature metadata.version=X to avoid ambiguity.")]
    [TestCase(new[] { "--standalone", "--release-version", "4.1" }, "Version 4.1 is not a valid version")]
    [TestCase(new[] { "--standalone", "--add-scram", "SCRAM-SHA-256=[name=alice,password=alice-secret]" }, "--add-scram: SCRAM credentials are not served by KafkaCompat yet (SASL/SCRAM is issue 14); nothing was formatted.")]
    public void Refusals_name_the_problem_and_write_nothing(string[] extra, string message)
    {
        using var node = new QuickStartNode();

        var run = Run(["format", "-t", ClusterId, "-c", node.ConfigFile, .. extra]);

        Assert.That(run.ExitCode, Is.EqualTo(1));
        Assert.That(run.Error, Does.Contain(message + "\n"));
        Assert.That(Directory.Exists(node.LogDir), Is.False);
    }

    [Test]
    public void A_cluster_id_that_is_not_a_kafka_uuid_is_refused()
    {
        using var node = new QuickStartNode();

        var run = Run("format", "-t", "my-cluster", "-c", node.ConfigFile, "--standalone");

        Assert.That(run.ExitCode, Is.EqualTo(1));
        Assert.That(run.Error, Does.StartWith("Cluster ID string my-cluster does not appear to be a valid UUID: "));
    }

    [Test]
    public void Initial_controllers_give_this_voter_its_directory_id_and_the_feature_flag_as_an_alternative_to_the_release()
    {
        using var node = new QuickStartNode();

        var run = Run("format", "-t", ClusterId, "-c", node.ConfigFile, "--feature", "metadata.version=20",
            "--initial-controllers", $"1@localhost:{node.ControllerPort}:JEXY6aqzQY-32P5TStzaFg,2@localhost:9094:MvDxzVmcRsaTz33bUuRU6A");

        Assert.That(run, Is.EqualTo((0, $"Formatting dynamic metadata voter directory {node.LogDir} with metadata.version 3.8-IV0.\n", "")));
        Assert.That(MetaProperties.Read(new DiskFileSystem(), node.LogDir)!.DirectoryId.ToString(), Is.EqualTo("JEXY6aqzQY-32P5TStzaFg"));
        var voters = MetadataSnapshotFile.TryRead(new DiskFileSystem(), SnapshotPath(node.LogDir), out _)!.Voters!.Voters;
        Assert.That(voters.Select(v => v.VoterId), Is.EqualTo(new[] { 1, 2 }));
    }

    [Test]
    public void Info_prints_what_kafka_prints()
    {
        using var node = new QuickStartNode();
        var before = Run("info", "-c", node.ConfigFile);
        Directory.CreateDirectory(node.LogDir);
        var unformatted = Run("info", "-c", node.ConfigFile);
        Run("format", "-t", ClusterId, "-c", node.ConfigFile, "--standalone");
        var directoryId = MetaProperties.Read(new DiskFileSystem(), node.LogDir)!.DirectoryId;

        var formatted = Run("info", "-c", node.ConfigFile);

        Assert.That(before, Is.EqualTo((1, $"Found problem:\n  {node.LogDir} does not exist\n\n", "")));
        Assert.That(unformatted, Is.EqualTo((1, $"Found log directory:\n  {node.LogDir}\n\nFound problem:\n  {node.LogDir} is not formatted.\n\n", "")));
        Assert.That(formatted, Is.EqualTo((0,
            $"Found log directory:\n  {node.LogDir}\n\nFound metadata: {{cluster.id={ClusterId}, directory.id={directoryId}, node.id=1, version=1}}\n\n", "")));
    }

    [Test]
    public void A_configuration_without_process_roles_is_a_legacy_one_to_kafkas_tool()
    {
        using var node = new QuickStartNode();
        File.WriteAllLines(node.ConfigFile, File.ReadAllLines(node.ConfigFile).Where(l => !l.StartsWith("process.roles=", StringComparison.Ordinal)));

        Assert.That(Run("format", "-t", ClusterId, "-c", node.ConfigFile), Is.EqualTo((1, "",
            "The kafka configuration file appears to be for a legacy cluster. Formatting is only supported for clusters in KRaft mode.\n")));
    }

    [Test]
    public void Usage_errors_print_the_usage_and_exit_1()
    {
        var missing = Run("format", "-c", "server.properties");
        var unknown = Run("frobnicate");
        var none = Run();
        var help = Run("format", "-h");

        Assert.That(missing.ExitCode, Is.EqualTo(1));
        Assert.That(missing.Error, Does.Contain("error: argument --cluster-id/-t is required"));
        Assert.That(unknown.ExitCode, Is.EqualTo(1));
        Assert.That(unknown.Error, Does.Contain("error: argument command: invalid choice: 'frobnicate' (choose from 'info', 'format', 'random-uuid')"));
        Assert.That((none.ExitCode, none.Output), Is.EqualTo((1, "")));
        Assert.That(none.Error, Does.Contain("error: too few arguments"));
        Assert.That((help.ExitCode, help.Error), Is.EqualTo((0, "")));
        Assert.That(help.Output, Does.StartWith("usage: kafkacompat storage format [-h] [--config CONFIG] [--cluster-id CLUSTER_ID]"));
    }
}
