using System.Buffers.Binary;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.Raft.Tests.Simulation;

/// <summary>
/// One running incarnation of a node: a Raft client on the node's persistent state, polled by the
/// scheduler, and a listener that keeps what the client reported committed (the values the
/// simulation appends are 4-byte big-endian integers) and snapshots it every
/// <see cref="SnapshotEveryRecords"/> records; the client cleans its log behind the snapshots
/// every <see cref="LogCleanIntervalMs"/>.
/// </summary>
internal sealed class SimulatedNode
{
    private const string ClusterId = "SimulatedClusterId0000";
    private const long ShutdownTimeoutMs = 5000;
    private const int SnapshotEveryRecords = 20;
    private const long LogCleanIntervalMs = 200;

    private readonly PersistentState _disk;
    private bool _abandoned;
    private bool _shuttingDown;

    public SimulatedNode(int id, int incarnation, PersistentState disk, QuorumConfig config, IRaftChannel channel, SimulationTime time, Random random, ILoggerFactory loggers)
    {
        Id = id;
        Incarnation = incarnation;
        _disk = disk;
        Client = new RaftClient(id, ClusterId, config, disk.Log, disk.Store, channel, time, random, loggers.CreateLogger($"raft-{id}"))
        {
            LogCleanIntervalMs = LogCleanIntervalMs,
        };
        Committed = new CommittedValues(Client, SnapshotEveryRecords);
        Client.Register(Committed);
        Client.Initialize();
    }

    public int Id { get; }

    public int Incarnation { get; }

    public RaftClient Client { get; }

    public CommittedValues Committed { get; }

    public long HighWatermark => _disk.Log.HighWatermark;

    public long LogEndOffset => _disk.Log.EndOffset;

    public long LogStartOffset => _disk.Log.StartOffset;

    public bool HasShutDown => _shuttingDown && Client.IsShutdownComplete;

    public bool IsLeader => Client.LeaderAndEpoch.IsLeader(Id);

    public void Poll()
    {
        if (!_abandoned)
        {
            Client.Poll();
        }
    }

    public void BeginShutdown()
    {
        _shuttingDown = true;
        _ = Client.BeginShutdown(ShutdownTimeoutMs);
    }

    /// <summary>The process died: this client is never polled again.</summary>
    public void Abandon() => _abandoned = true;

    /// <summary>Appends one value if this node leads; false when it does not (or no longer) lead.</summary>
    public bool TryAppend(int value)
    {
        var leader = Client.LeaderAndEpoch;
        if (!leader.IsLeader(Id))
        {
            return false;
        }
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        try
        {
            Client.ScheduleAppend(leader.Epoch, [bytes]);
            return true;
        }
        catch (NotLeaderException)
        {
            return false;
        }
    }

    public override string ToString() => $"{Id}: {Client.LeaderAndEpoch}, hw {HighWatermark}, log {LogStartOffset}-{LogEndOffset}";
}
