using KafkaCompat.Protocol;

namespace KafkaCompat.Raft.Tests;

/// <summary>
/// One Raft client under test (as Kafka's RaftClientTestContext): a MemoryRaftLog, a quorum-state
/// file in a directory of its own, the mock channel, the hand-moved clock, a recording listener.
/// </summary>
internal sealed class RaftTestContext : IDisposable
{
    public const string ClusterId = "kafkacompat-raft-test-";
    public const int ElectionTimeoutMs = 1000;
    public const int FetchTimeoutMs = 2000;

    private readonly TempDirectory _directory;
    private readonly bool _ownsDirectory;
    private readonly int _seed;

    public RaftTestContext(int nodeId, int[] voters, MemoryRaftLog? log = null, TempDirectory? directory = null, FakeTimeProvider? time = null, int? seed = null)
    {
        NodeId = nodeId;
        _seed = seed ?? nodeId;
        _ownsDirectory = directory is null;
        _directory = directory ?? new TempDirectory();
        Voters = voters.ToDictionary(id => id, id => new RaftEndpoint("localhost", 9990 + id));
        Config = new QuorumConfig { Voters = Voters, ElectionTimeoutMs = ElectionTimeoutMs, FetchTimeoutMs = FetchTimeoutMs };
        Log = log ?? new MemoryRaftLog();
        Time = time ?? new FakeTimeProvider();
        Client = NewClient();
    }

    public int NodeId { get; }

    public IReadOnlyDictionary<int, RaftEndpoint> Voters { get; }

    public QuorumConfig Config { get; }

    public MemoryRaftLog Log { get; }

    public FakeTimeProvider Time { get; }

    public MockRaftChannel Channel { get; private set; } = new();

    public RecordingListener Listener { get; private set; } = new();

    public RaftClient Client { get; private set; }

    public string StatePath => _directory.File(FileQuorumStateStore.DefaultFileName);

    public ElectionState? PersistedState => new FileQuorumStateStore(StatePath, []).ReadElectionState();

    public void Initialize()
    {
        Client.Initialize();
        Client.Register(Listener);
        Client.Poll();
    }

    /// <summary>A process restart: the same log (less what was not flushed, when <paramref name="crash"/>) and quorum-state file, a new client.</summary>
    public void Restart(bool crash = false)
    {
        Client.Dispose();
        if (crash)
        {
            Log.Crash();
        }
        Channel = new MockRaftChannel();
        Listener = new RecordingListener();
        Client = NewClient();
        Initialize();
    }

    public void Poll() => Client.Poll();

    public void AdvanceAndPoll(long ms)
    {
        Time.AdvanceMs(ms);
        Client.Poll();
    }

    /// <summary>Hands a request to the client and polls; the task completes when the client answers.</summary>
    public Task<IApiMessage> Deliver(IApiMessage request, short apiVersion)
    {
        var completion = new TaskCompletionSource<IApiMessage>();
        Client.Handle(new RaftInboundRequest(apiVersion, request, Time.NowMs, completion));
        Client.Poll();
        return completion.Task;
    }

    /// <summary>The answer to a request the client answers at once.</summary>
    public T Answer<T>(IApiMessage request, short apiVersion) where T : IApiMessage
    {
        var task = Deliver(request, apiVersion);
        Assert.That(task.IsCompleted, Is.True, $"{request.ApiKey} was not answered at once");
        return (T)task.Result;
    }

    /// <summary>This replica follows <paramref name="leaderId"/> from its BeginQuorumEpoch; returns its first Fetch to that leader.</summary>
    public (RaftOutboundRequest Request, Protocol.Messages.FetchRequestData Data) FollowAndFetch(int leaderId, int epoch)
    {
        Answer<Protocol.Messages.BeginQuorumEpochResponseData>(RaftRequestBuilders.BeginQuorumEpoch(leaderId, epoch), 1);
        Poll();
        return Channel.DrainSent<Protocol.Messages.FetchRequestData>().Single();
    }

    /// <summary>
    /// Elects this replica (of several voters) through its own pre-vote and vote: the election
    /// timer runs out, the other voters grant whatever is asked.
    /// </summary>
    public void ElectLeader()
    {
        AdvanceAndPoll(2 * ElectionTimeoutMs);
        GrantAllVotes();
        Poll();
        GrantAllVotes();
        Poll();
        Assert.That(Client.LeaderAndEpoch.LeaderId, Is.EqualTo(NodeId), "elected");
    }

    public void GrantAllVotes()
    {
        foreach (var (request, vote) in Channel.DrainSent<Protocol.Messages.VoteRequestData>())
        {
            var partition = vote.Topics[0].Partitions[0];
            var epoch = partition.PreVote ? Client.LeaderAndEpoch.Epoch : partition.CandidateEpoch;
            MockRaftChannel.Respond(request, RaftMessages.VoteResponse(ErrorCode.None, epoch, -1, true), Time.NowMs);
        }
    }

    public void Dispose()
    {
        Client.Dispose();
        if (_ownsDirectory)
        {
            _directory.Dispose();
        }
    }

    private RaftClient NewClient() =>
        new(NodeId, ClusterId, Config, Log, new FileQuorumStateStore(StatePath, Voters.Keys), Channel, Time, new Random(_seed));
}
