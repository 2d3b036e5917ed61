using KafkaCompat.IntegrationTests.Fixtures;

namespace KafkaCompat.IntegrationTests;

/// <summary>The kafkacompat executable refusing a configuration it cannot serve: it exits, it does not half-start.</summary>
[TestFixture]
public sealed class StartupRefusalTests
{
    [TestCase("SSL", "SSL")]
    [TestCase("SASL_PLAINTEXT", "SASL_PLAINTEXT")]
    [TestCase("EXTERNAL", "SASL_SSL")]
    public async Task AListenerOfAnUnservedSecurityProtocolStopsStartUpBeforeTheDataDirectoryIsWritten(string listenerName, string protocol)
    {
        using var scratch = new TempDirectory("kafkacompat-refusal-");
        var dataDirectory = Path.Combine(scratch.Path, "data");
        var listener = $"{listenerName}://127.0.0.1:{FreePort.Pick()}";
        var run = await ExternalCommand.RunAsync("dotnet",
        [
            RepoPaths.ServerDll,
            "--override", $"listeners=PLAINTEXT://127.0.0.1:{FreePort.Pick()},{listener}",
            "--override", $"listener.security.protocol.map=PLAINTEXT:PLAINTEXT,{listenerName}:{protocol}",
            "--override", $"log.dirs={dataDirectory}",
        ], timeout: TimeSpan.FromSeconds(30));

        // Before the fix the broker started and served plaintext on the listener: the run timed out.
        Assert.That(run.ExitCode, Is.Not.Zero, run.ToString());
        Assert.That(run.StandardOutput, Does.Contain($"Security protocol not supported yet: listener {listener} in listeners uses {protocol}"), run.ToString());
        Assert.That(Directory.Exists(dataDirectory), Is.False, "nothing written to log.dirs");
    }

    [Test]
    public async Task A_quorum_of_several_voters_stops_start_up_until_the_quorum_is_served()
    {
        using var scratch = new TempDirectory("kafkacompat-refusal-");
        var dataDirectory = Path.Combine(scratch.Path, "data");
        var run = await ExternalCommand.RunAsync("dotnet",
        [
            RepoPaths.ServerDll,
            "--override", $"listeners=PLAINTEXT://127.0.0.1:{FreePort.Pick()}",
            "--override", "controller.quorum.voters=1@localhost:9093,2@localhost:9094,3@localhost:9095",
            "--override", $"log.dirs={dataDirectory}",
        ], timeout: TimeSpan.FromSeconds(30));

        // Before the fix the node warned that controller.quorum.voters is not acted on and ran as a cluster of one: the run timed out.
        Assert.That(run.ExitCode, Is.Not.Zero, run.ToString());
        Assert.That(run.StandardOutput, Does.Contain("KafkaCompat does not run a multi-node KRaft controller quorum yet: controller.quorum.voters names 3 voters (1,2,3)"), run.ToString());
        Assert.That(Directory.Exists(dataDirectory), Is.False, "nothing written to log.dirs");
    }
}
