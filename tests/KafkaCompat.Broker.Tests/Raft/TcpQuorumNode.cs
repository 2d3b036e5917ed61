using KafkaCompat.Broker.Handlers;
using KafkaCompat.Broker.InterNode;
using KafkaCompat.Broker.Tests.InterNode;
using KafkaCompat.Raft;
using KafkaCompat.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace KafkaCompat.Broker.Tests.Raft;

/// <summary>
/// One voter of a quorum made of the real pieces: its metadata log on disk (KafkaRaftLog), its
/// quorum-state file, the Raft client on its own poll thread, its channel to the others over TCP,
/// and a controller listener on a loopback port serving the Raft RPCs to it. The listener starts
/// first (the voters' ports must be known before any client is made), handing requests on once the
/// client exists.
/// </summary>
internal sealed class TcpQuorumNode : IAsyncDisposable
{
    private const string ClusterId = "TcpQuorumTestCluster00";
    private const string ControllerListener = "CONTROLLER";

    private readonly DeferredRaftHandler _handler;
    private readonly InterNodeListener _listener;
    private KafkaRaftLog? _log;
    private KafkaRaftChannel? _channel;
    private RaftClientDriver? _driver;

    private TcpQuorumNode(int id, string directory, DeferredRaftHandler handler, InterNodeListener listener)
    {
        Id = id;
        Directory = directory;
        _handler = handler;
        _listener = listener;
    }

    public int Id { get; }

    public string Directory { get; }

    public int Port => _listener.Port;

    public RaftClient? Client { get; private set; }

    public CommittedRecords Committed { get; } = new();

    public static async Task<TcpQuorumNode> ListenAsync(int id, string directory, int port = 0)
    {
        var handler = new DeferredRaftHandler();
        var table = new HandlerTable([], BrokerHandlers.RaftRpcHandlers(handler, TimeProvider.System), [ControllerListener]);
        var apiVersions = new ApiVersionsHandler(() => table);
        table = new HandlerTable([apiVersions], BrokerHandlers.RaftRpcHandlers(handler, TimeProvider.System), [ControllerListener]);
        var listener = await InterNodeListener.StartAsync(table, apiVersions, ControllerListener, port);
        return new TcpQuorumNode(id, directory, handler, listener);
    }

    /// <summary>Opens the node's log and state and starts its Raft client among <paramref name="voters"/>, Kafka's default timings.</summary>
    public void Start(IReadOnlyDictionary<int, RaftEndpoint> voters) => Start(new QuorumConfig { Voters = voters });

    /// <summary>Opens the node's log and state and starts its Raft client with <paramref name="config"/> (its voters and controller.quorum.* settings).</summary>
    public void Start(QuorumConfig config)
    {
        var voters = config.Voters;
        _log = KafkaRaftLog.Open(DiskFileSystem.Instance, Directory, new RaftLogConfig(), TimeProvider.System);
        _channel = KafkaRaftChannel.Create(Id, ControllerListener, config, TimeProvider.System, NullLoggerFactory.Instance);
        var store = new FileQuorumStateStore(Path.Combine(Directory, FileQuorumStateStore.DefaultFileName), voters.Keys);
        Client = new RaftClient(Id, ClusterId, config, _log, store, _channel);
        Client.Register(Committed);
        Client.Initialize();
        _handler.Target = Client;
        _driver = new RaftClientDriver(Client);
        _driver.Start();
    }

    /// <summary>
    /// Stops the client without a graceful resignation, as a process that is killed: the listener
    /// closes and the poll thread ends without BeginShutdown, so no EndQuorumEpoch is sent and the
    /// others find out only when their fetch timeout passes.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        _handler.Target = null;
        await _listener.DisposeAsync();
        _driver?.Dispose();
        Close();
    }

    /// <summary>
    /// Shuts down as a controller does on a clean stop: a leader resigns with EndQuorumEpoch naming
    /// its successors (KIP-595), so one of them stands at once; waits up to <paramref name="timeoutMs"/>
    /// for another leader to be known, then closes.
    /// </summary>
    public async Task ShutdownGracefullyAsync(long timeoutMs)
    {
        if (_driver is not null)
        {
            await _driver.StopAsync(timeoutMs);
            _driver.Dispose();
        }
        _handler.Target = null;
        await _listener.DisposeAsync();
        Close();
    }

    private void Close()
    {
        _channel?.Dispose();
        Client?.Dispose();
        _log?.Dispose();
    }

    /// <summary>Hands requests to the client once it exists; until then (and after it stops) they go unanswered, as to a node not up yet.</summary>
    private sealed class DeferredRaftHandler : IRaftRequestHandler
    {
        public volatile IRaftRequestHandler? Target;

        public void Handle(RaftInboundRequest request) => Target?.Handle(request);
    }
}
