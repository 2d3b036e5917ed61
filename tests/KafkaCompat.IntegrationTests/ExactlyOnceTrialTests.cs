using System.Text.RegularExpressions;
using KafkaCompat.IntegrationTests.Fixtures;

namespace KafkaCompat.IntegrationTests;

/// <summary>
/// A short run of the exactly-once fault trial (tools/KafkaCompat.EosTrial; its long runs are
/// documented in docs/exactly-once-trial.md): a Confluent.Kafka consume-transform-produce
/// application with sendOffsetsToTransaction, killed with SIGKILL at random points and restarted,
/// the broker killed and restarted too; the checker then finds every input record's result
/// exactly once, in order, and the group's offsets at the input's end.
/// </summary>
[TestFixture]
public sealed class ExactlyOnceTrialTests
{
    [TestCase(7)]
    public async Task ConsumeTransformProduceSurvivesKillsOfTheApplicationAndTheBroker(int seed)
    {
        var result = await ExternalCommand.RunAsync("dotnet",
            [RepoPaths.EosTrialDll, "trial", "--server", RepoPaths.ServerDll, "--librdkafka", RepoPaths.Librdkafka,
             "--records", "3000", "--faults", "8", "--broker-every", "4", "--batch", "20", "--dwell-ms", "50", "--seed", $"{seed}", "--catch-up-s", "120"],
            timeout: TimeSpan.FromMinutes(5));
        TestContext.Out.WriteLine(result.StandardOutput);

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(result.StandardOutput, Does.Contain("anomalies: 0"));
        var faults = Regex.Match(result.StandardOutput, @"(\d+) application kills, (\d+) broker kills");
        Assert.That(faults.Success, Is.True, "the trial reports its faults");
        Assert.That((int.Parse(faults.Groups[1].Value), int.Parse(faults.Groups[2].Value)), Is.EqualTo((6, 2)), "faults injected: 8, every 4th one the broker");
        Assert.That(result.StandardOutput, Does.Contain("output visible to read_committed 3000,"));
    }
}
