namespace KafkaCompat.IntegrationTests.Fixtures;

/// <summary>
/// Base of fixtures that share one broker process: started once, killed after the last test,
/// and its log tail printed under any test that fails.
/// </summary>
public abstract class ProcessBrokerTests
{
    private protected ProcessBroker Broker { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartBroker() => Broker = await ProcessBroker.StartAsync();

    [OneTimeTearDown]
    public async Task StopBroker() => await Broker.DisposeAsync();

    [TearDown]
    public void ShowBrokerLogOnFailure() => Broker.Log.ShowTailIfTestFailed(60);
}
