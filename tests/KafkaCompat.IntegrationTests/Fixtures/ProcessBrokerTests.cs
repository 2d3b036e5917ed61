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
    public void ShowBrokerLogOnFailure()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
        {
            TestContext.Out.WriteLine("Broker log (last lines):" + Environment.NewLine + Broker.Log.Tail());
        }
    }
}
