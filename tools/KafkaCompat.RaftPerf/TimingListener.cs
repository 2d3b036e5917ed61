using System.Collections.Concurrent;
using System.Diagnostics;
using KafkaCompat.Raft;

namespace KafkaCompat.RaftPerf;

/// <summary>
/// Stamps, on the Raft client's own thread, when each offset was handed to this listener as
/// committed and when the listener was told of each leader: what a controller's metadata loader
/// would see, and when.
/// </summary>
internal sealed class TimingListener : IRaftListener
{
    private readonly ConcurrentDictionary<long, long> _committedAt = new();
    private readonly ManualResetEventSlim _changed;
    private long _committedUpTo = -1;
    private LeaderAndEpoch _leader = LeaderAndEpoch.Unknown;
    private long _leaderAt;

    public TimingListener(ManualResetEventSlim changed) => _changed = changed;

    /// <summary>The last offset handed over as committed (-1: none yet).</summary>
    public long CommittedUpTo => Volatile.Read(ref _committedUpTo);

    public (LeaderAndEpoch Leader, long At) Leader
    {
        get
        {
            lock (_committedAt)
            {
                return (_leader, _leaderAt);
            }
        }
    }

    public long CommittedAt(long offset) => _committedAt[offset];

    public void HandleCommit(RaftBatch batch)
    {
        var now = Stopwatch.GetTimestamp();
        for (var offset = batch.BaseOffset; offset <= batch.LastOffset; offset++)
        {
            _committedAt[offset] = now;
        }
        Volatile.Write(ref _committedUpTo, Math.Max(batch.LastOffset, CommittedUpTo));
        _changed.Set();
    }

    public void HandleLoadSnapshot(RaftSnapshot snapshot)
    {
    }

    public void HandleLeaderChange(LeaderAndEpoch leader)
    {
        lock (_committedAt)
        {
            _leader = leader;
            _leaderAt = Stopwatch.GetTimestamp();
        }
        _changed.Set();
    }

    public void BeginShutdown()
    {
    }
}
