using System.Buffers.Binary;
using System.Text;
using KafkaCompat.Broker.Config;
using KafkaCompat.Broker.Groups;
using KafkaCompat.Broker.Handlers;
using KafkaCompat.Broker.Tests.Handlers;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Broker.Replication;
using KafkaCompat.Broker.Share;
using KafkaCompat.Broker.Share.Coordinator;
using KafkaCompat.Broker.Tests.Metadata;
using KafkaCompat.Broker.Tests.Share;
using KafkaCompat.Broker.Transactions;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Raft;
using KafkaCompat.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace KafkaCompat.Broker.Tests.Groups;

/// <summary>
/// A coordinator over the real storage stack (in-memory files, metadata controller, replica manager)
/// and a fake clock; <see cref="RestartAsync"/> reopens everything on the same files and journal.
/// </summary>
internal sealed class GroupHarness : IAsyncDisposable
{
    public const string Group = "orders-app";
    public const int SessionTimeoutMs = 10_000;
    public const int RebalanceTimeoutMs = 30_000;
    public const string ControllerListener = "CONTROLLER";

    private readonly MemoryFileSystem _files = new();
    private readonly Dictionary<string, string> _configs;
    private LogManager _logs = null!;
    private MetadataNode _metadata = null!;

    private readonly IShareStatePersister? _sharePersister;
    private readonly IRaftRequestHandler? _raft;

    /// <param name="configs">Broker configs over the harness's own.</param>
    /// <param name="sharePersister">The share coordinator's stand-in for share groups (none: the harness's own share coordinator, as in the server).</param>
    /// <param name="raft">
    /// The Raft client's request handler of a node that runs the KRaft quorum: its RPCs are then
    /// served on the controller listener <see cref="ControllerListener"/> (none: a node without the quorum, as the server is today).
    /// </param>
    public GroupHarness(Dictionary<string, string>? configs = null, IShareStatePersister? sharePersister = null, IRaftRequestHandler? raft = null)
    {
        _sharePersister = sharePersister;
        _raft = raft;
        _configs = new Dictionary<string, string>
        {
            ["offsets.topic.num.partitions"] = "3",
            ["group.initial.rebalance.delay.ms"] = "0",
            ["log.dirs"] = "/data",
        };
        if (raft is not null)
        {
            _configs["controller.listener.names"] = ControllerListener;
        }
        foreach (var (k, v) in configs ?? [])
        {
            _configs[k] = v;
        }
        Open(hold: null);
    }

    public FakeTime Time { get; } = new();

    public GroupCoordinator Coordinator { get; private set; } = null!;

    public MetadataController Metadata { get; private set; } = null!;

    public ReplicaManager Replicas { get; private set; } = null!;

    public BrokerState Broker { get; private set; } = null!;

    /// <summary>The transaction coordinator, writing its markers through the WriteTxnMarkers handler as the server's does.</summary>
    public TransactionCoordinator Transactions { get; private set; } = null!;

    /// <summary>The share coordinator (KIP-932), over the same partitions and metadata.</summary>
    public ShareCoordinator Shares { get; private set; } = null!;

    /// <summary>The share coordinator's in-memory stand-in for <see cref="SharePartitions"/>: kept across <see cref="RestartAsync"/>, as __share_group_state would be.</summary>
    public InMemoryShareStatePersister SharePersister { get; } = new();

    /// <summary>The share-partition leader (KIP-932) of ShareFetch and ShareAcknowledge, over <see cref="SharePersister"/>.</summary>
    public SharePartitionManager SharePartitions { get; private set; } = null!;

    /// <summary>Every handler, composed over these pieces as the server composes them.</summary>
    public HandlerTable Handlers { get; private set; } = null!;

    private void Open(ManualResetEventSlim? hold)
    {
        var broker = new BrokerState(BrokerConfig.Create(_configs), "test-cluster");
        _logs = LogManager.Start(_files, new LogManagerConfig { LogDirs = broker.Config.LogDirs, NodeId = 1, ClusterId = "test-cluster" }, Time);
        _metadata = new MetadataNode(_logs, _files, Time);
        Metadata = _metadata.Controller;
        Replicas = new ReplicaManager(_logs, broker, NullLogger<ReplicaManager>.Instance);
        Replicas.Sync(_metadata.Loader.Image);
        _metadata.Loader.Install(Replicas.Sync);
        if (Metadata.Image.Topic("t") is null)
        {
            Metadata.CreateTopic("t", 3, new Dictionary<string, string>()).GetAwaiter().GetResult();
            Metadata.CreateTopic("other", 1, new Dictionary<string, string>()).GetAwaiter().GetResult();
        }
        // The share coordinator first, as the server composes it: without a stand-in it is the group
        // coordinator's persister.
        var metadata = Metadata;
        Shares = new ShareCoordinator(Metadata, new ShareCoordinatorContext(Time, () => broker.Config, Replicas, () => metadata.Image, NullLogger.Instance));
        Shares.Start();
        _metadata.Loader.Install(Shares.OnMetadataImage);
        Coordinator = new GroupCoordinator(broker, Metadata, Replicas, Time, NullLogger.Instance, _sharePersister ?? Shares) { HoldLoading = hold };
        Coordinator.Start();
        _metadata.Loader.Install(Coordinator);
        Broker = broker;
        var markers = new LocalTransactionMarkerWriter(new WriteTxnMarkersHandler(Replicas, Metadata, Coordinator));
        Transactions = new TransactionCoordinator(Metadata, new TransactionCoordinatorContext(Time, () => broker.Config, Replicas, NullLogger.Instance,
            new ProducerIdManager(Metadata).NextProducerId, markers, () => BrokerFeatures.TransactionVersion));
        Transactions.Start();
        SharePartitions = new SharePartitionManager(SharePersister, _ => ShareGroupSettings.FromBroker(broker.Config), broker.Config.GetInt("group.share.max.share.sessions"),
            Time, NullLogger.Instance);
        _metadata.Loader.Install(SharePartitions.OnMetadataImage);
        Handlers = BrokerHandlers.Compose(Metadata, broker, Replicas, Coordinator, Transactions, Shares, SharePartitions, Time, NullLoggerFactory.Instance, _raft).Table;
    }

    /// <summary>Sends a request to its handler at that version, both ways through the wire format (<see cref="HandlerRequest"/>).</summary>
    public Task<TResponse> SendAsync<TResponse>(short version, IApiMessage request, string listener = HandlerRequest.Listener) where TResponse : class, IApiMessage, new() =>
        HandlerRequest.SendAsync<TResponse>(Handlers, version, request, listener);

    /// <summary>Stops the broker cleanly and starts it again on the same data (optionally with loading held).</summary>
    public async Task RestartAsync(ManualResetEventSlim? hold = null)
    {
        await Transactions.DisposeAsync();
        await Shares.DisposeAsync();
        await Coordinator.DisposeAsync();
        SharePartitions.Dispose();
        _metadata.Dispose();
        _logs.Shutdown();
        Open(hold);
        if (hold is null)
        {
            await SettleAsync();
        }
    }

    /// <summary>Lets every shard run what is queued (timer expirations included).</summary>
    public async Task SettleAsync()
    {
        for (var i = 0; i < 3; i++)
        {
            await Coordinator.DrainAsync();
        }
    }

    /// <summary>
    /// Moves the clock timer by timer, letting the coordinator run what each expiry queued before the
    /// next one, so work is always done at the time it was due (as with a real clock).
    /// </summary>
    public Task AdvanceAsync(int ms) => Time.AdvanceSettlingAsync(ms, SettleAsync);

    public ClassicGroup? GroupState(string group = Group) => Coordinator.ShardOf(group)?.Group(group);

    public static byte[] Subscription(params string[] topics)
    {
        var size = 2 + 4 + topics.Sum(t => 2 + Encoding.UTF8.GetByteCount(t)) + 4;
        var bytes = new byte[size];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteInt16BigEndian(span, 0);
        BinaryPrimitives.WriteInt32BigEndian(span[2..], topics.Length);
        var position = 6;
        foreach (var topic in topics)
        {
            var length = Encoding.UTF8.GetBytes(topic, span[(position + 2)..]);
            BinaryPrimitives.WriteInt16BigEndian(span[position..], (short)length);
            position += 2 + length;
        }
        BinaryPrimitives.WriteInt32BigEndian(span[position..], -1);
        return bytes;
    }

    public Task<JoinGroupResponseData> JoinAsync(string memberId = "", string? instanceId = null, string protocol = "range", byte[]? metadata = null,
        string group = Group, int sessionTimeoutMs = SessionTimeoutMs, int rebalanceTimeoutMs = RebalanceTimeoutMs, bool requireKnownMemberId = false, string protocolType = "consumer",
        bool supportsSkippingAssignment = true) =>
        Coordinator.JoinGroupAsync(new JoinGroupParams(group, memberId, instanceId, "client", "/127.0.0.1", sessionTimeoutMs, rebalanceTimeoutMs, protocolType,
            [new MemberProtocol(protocol, metadata ?? Subscription("t"))], requireKnownMemberId, SupportsSkippingAssignment: supportsSkippingAssignment));

    public Task<SyncGroupResponseData> SyncAsync(string memberId, int generation, Dictionary<string, byte[]>? assignments = null, string? instanceId = null, string group = Group) =>
        Coordinator.SyncGroupAsync(new SyncGroupParams(group, generation, memberId, instanceId, null, null, assignments ?? []));

    public Task<ErrorCode> HeartbeatAsync(string memberId, int generation, string? instanceId = null, string group = Group) =>
        Coordinator.HeartbeatAsync(group, memberId, instanceId, generation);

    /// <summary>One member joins an empty group and syncs: generation 1, Stable.</summary>
    public async Task<string> StableSingleMemberAsync(string? instanceId = null, byte[]? assignment = null)
    {
        var joined = await JoinAsync(instanceId: instanceId);
        Assert.That((ErrorCode)joined.ErrorCode, Is.EqualTo(ErrorCode.None));
        var synced = await SyncAsync(joined.MemberId, joined.GenerationId, new() { [joined.MemberId] = assignment ?? [1, 2, 3] }, instanceId);
        Assert.That((ErrorCode)synced.ErrorCode, Is.EqualTo(ErrorCode.None));
        return joined.MemberId;
    }

    /// <summary>A member alone and stable, then a second one joins and the first rejoins: generation 2, CompletingRebalance, nobody synced yet.</summary>
    public async Task<(string Leader, string Follower)> SecondGenerationAsync()
    {
        var leader = await StableSingleMemberAsync();
        var followerJoin = JoinAsync();
        var leaderJoin = await JoinAsync(memberId: leader);
        var follower = await followerJoin;
        Assert.That(leaderJoin.GenerationId, Is.EqualTo(2));
        Assert.That(leaderJoin.Leader, Is.EqualTo(leader));
        return (leader, follower.MemberId);
    }

    /// <summary>An OffsetCommit, at v9 unless <paramref name="version"/> says otherwise.</summary>
    public Task<IReadOnlyList<ErrorCode>> CommitAsync(long offset, int generation = -1, string memberId = "", string topic = "t", int partition = 0, string group = Group, string? instanceId = null,
        short version = 9) =>
        Coordinator.CommitOffsetsAsync(new OffsetCommitParams(group, generation, memberId, instanceId,
            [new OffsetCommitEntry(topic, partition, offset, 0, "meta", Time.NowMs, null)], version));

    public async Task<long> CommittedAsync(string topic = "t", int partition = 0, string group = Group)
    {
        var result = await Coordinator.FetchOffsetsAsync(group, [(topic, [partition])]);
        return result.Offsets.Single().Offset;
    }

    public async ValueTask DisposeAsync()
    {
        await Transactions.DisposeAsync();
        await Shares.DisposeAsync();
        await Coordinator.DisposeAsync();
        SharePartitions.Dispose();
        _metadata.Dispose();
        _logs.Shutdown();
    }
}
