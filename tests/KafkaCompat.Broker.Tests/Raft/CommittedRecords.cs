using KafkaCompat.Raft;

namespace KafkaCompat.Broker.Tests.Raft;

/// <summary>The record values a listener was told are committed, by offset (thread-safe: the Raft client's thread writes, the test reads).</summary>
internal sealed class CommittedRecords : IRaftListener
{
    private readonly Lock _lock = new();
    private readonly SortedDictionary<long, string> _values = [];

    public IReadOnlyDictionary<long, string> Snapshot()
    {
        lock (_lock)
        {
            return new SortedDictionary<long, string>(_values);
        }
    }

    public void HandleLoadSnapshot(RaftSnapshot snapshot)
    {
        lock (_lock)
        {
            _values.Clear();
        }
    }

    public void HandleCommit(RaftBatch batch)
    {
        lock (_lock)
        {
            for (var i = 0; i < batch.Records.Count; i++)
            {
                _values[batch.BaseOffset + i] = System.Text.Encoding.UTF8.GetString(batch.Records[i].Span);
            }
        }
    }

    public void HandleLeaderChange(LeaderAndEpoch leader)
    {
    }

    public void BeginShutdown()
    {
    }
}
