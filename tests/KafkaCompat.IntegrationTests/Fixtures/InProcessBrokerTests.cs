namespace KafkaCompat.IntegrationTests.Fixtures;

/// <summary>
/// Base of fixtures that share one broker running in the test process: started once with the
/// fixture's <see cref="Overrides"/>, stopped after the last test, and its log tail printed under
/// any test that fails.
/// </summary>
public abstract class InProcessBrokerTests
{
    private protected InProcessBroker Broker { get; private set; } = null!;

    /// <summary>Broker configs (key=value) the fixture needs.</summary>
    private protected virtual string[] Overrides => [];

    private protected string Bootstrap => Broker.BootstrapServers;

    [OneTimeSetUp]
    public async Task StartBroker() => Broker = await InProcessBroker.StartAsync(Overrides);

    [OneTimeTearDown]
    public async Task StopBroker() => await Broker.DisposeAsync();

    [TearDown]
    public void ShowBrokerLogOnFailure() => Broker.Log.ShowTailIfTestFailed(60);
}
