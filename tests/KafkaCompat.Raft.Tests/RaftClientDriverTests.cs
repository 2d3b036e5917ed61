namespace KafkaCompat.Raft.Tests;

/// <summary>The driver thread with the real clock: it polls on its own, commits, and stops cleanly.</summary>
public class RaftClientDriverTests
{
    [Test]
    public async Task TheDriverCommitsAppendsAndStopsGracefully()
    {
        using var directory = new TempDirectory();
        var voters = new Dictionary<int, RaftEndpoint> { [1] = new("localhost", 9991) };
        var config = new QuorumConfig { Voters = voters, AppendLingerMs = 1 };
        var store = new FileQuorumStateStore(directory.File(FileQuorumStateStore.DefaultFileName), voters.Keys);
        using var client = new RaftClient(1, RaftTestContext.ClusterId, config, new MemoryRaftLog(), store, new MockRaftChannel());
        var listener = new SignallingListener();
        client.Initialize();
        client.Register(listener);
        using var driver = new RaftClientDriver(client);
        driver.Start();

        var lastOffset = client.ScheduleAppend(client.LeaderAndEpoch.Epoch, TestRecords.Values("one"));
        var committed = await listener.Committed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await driver.StopAsync(5000).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.That(committed, Is.EqualTo(lastOffset));
        Assert.That(driver.Stopped.IsCompletedSuccessfully, Is.True);
        Assert.That(listener.ShutdownBegun, Is.True);
    }

    private sealed class SignallingListener : IRaftListener
    {
        public TaskCompletionSource<long> Committed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public volatile bool ShutdownBegun;

        public void HandleLoadSnapshot(RaftSnapshot snapshot)
        {
        }

        public void HandleCommit(RaftBatch batch) => Committed.TrySetResult(batch.LastOffset);

        public void HandleLeaderChange(LeaderAndEpoch leader)
        {
        }

        public void BeginShutdown() => ShutdownBegun = true;
    }
}
