using System.Collections.Concurrent;
using KafkaCompat.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KafkaCompat.Raft;

/// <summary>
/// A replica of the KRaft quorum (Kafka's KafkaRaftClient, KIP-595, KIP-630, KIP-996): elects a
/// leader among the static voters, replicates the metadata log by followers' Fetch, moves the high
/// watermark by a majority, serves snapshots to replicas behind the log start, and hands committed
/// batches to its listeners. Single-threaded: every state change happens in <see cref="Poll"/>,
/// on one thread (the <see cref="RaftClientDriver"/>'s); <see cref="Handle"/>, the outbound
/// callbacks, <see cref="Register"/>, <see cref="ScheduleAppend"/> and <see cref="Resign"/> may
/// be called from any thread and only queue work and wake the poll. The request handlers are in
/// the RaftClient.*.cs files, one per RPC.
/// </summary>
public sealed partial class RaftClient : IRaftRequestHandler, IDisposable
{
    /// <summary>How long a follower's Fetch waits at the leader for new records (Kafka's FETCH_MAX_WAIT_MS).</summary>
    public const int FetchMaxWaitMs = 500;

    /// <summary>The most a Fetch or FetchSnapshot asks for at once (Kafka's MAX_FETCH_SIZE_BYTES).</summary>
    public const int MaxFetchSizeBytes = 8 * 1024 * 1024;

    /// <summary>Kafka's RETRY_BACKOFF_BASE_MS, the unit of the exponential election backoff.</summary>
    private const int RetryBackoffBaseMs = 100;

    private const int MaxStatePollsPerRound = 4;

    private readonly string _clusterId;
    private readonly QuorumConfig _config;
    private readonly IRaftLog _log;
    private readonly IRaftChannel _channel;
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly ILogger _logger;
    private readonly QuorumState _quorum;
    private readonly RequestManager _requestManager;
    private readonly IReadOnlyList<int> _voterIds;
    private readonly ConcurrentQueue<object> _messages = new();
    private readonly ConcurrentQueue<IRaftListener> _pendingRegistrations = new();
    private readonly ManualResetEventSlim _wakeup = new(false);
    private readonly List<ListenerContext> _listeners = [];
    private readonly List<PendingFetch> _pendingFetches = [];
    private int _bootstrapCursor;
    private volatile LeaderState? _leaderStateForAppends;
    private LeaderAndEpoch _leaderAndEpoch = LeaderAndEpoch.Unknown;
    private readonly Lock _leaderAndEpochLock = new();
    private int _resignEpoch = -1;
    private long _highWatermark;
    private GracefulShutdown? _shutdown;
    private bool _initialized;

    /// <param name="nodeId">This replica's node.id.</param>
    /// <param name="clusterId">The cluster id formatted into meta.properties; requests carrying another are refused with INCONSISTENT_CLUSTER_ID.</param>
    /// <param name="config">The controller.quorum.* settings; <see cref="QuorumConfig.Voters"/> is the static voter set.</param>
    /// <param name="log">The metadata log and its snapshots.</param>
    /// <param name="store">The quorum-state file.</param>
    /// <param name="channel">How requests reach the other replicas.</param>
    /// <param name="time">The clock every timer reads (a hand-moved one in tests).</param>
    /// <param name="random">The source of the randomized election timeouts and backoffs (seeded in the simulation).</param>
    /// <param name="logger">Where transitions are logged.</param>
    /// <param name="listenerName">The controller listener's name, as DescribeQuorum v2 lists the voters' endpoints under.</param>
    public RaftClient(int nodeId, string clusterId, QuorumConfig config, IRaftLog log, IQuorumStateStore store, IRaftChannel channel, TimeProvider? time = null, Random? random = null, ILogger? logger = null, string listenerName = "CONTROLLER")
    {
        NodeId = nodeId;
        _clusterId = clusterId;
        _config = config;
        _log = log;
        _channel = channel;
        _time = time ?? TimeProvider.System;
        _random = random ?? Random.Shared;
        _logger = logger ?? NullLogger.Instance;
        ListenerName = listenerName;
        _quorum = new QuorumState(nodeId, config.Voters, store, config, _random);
        _requestManager = new RequestManager(config.RetryBackoffMs, config.RequestTimeoutMs);
        _voterIds = [.. config.Voters.Keys.Order()];
    }

    public int NodeId { get; }

    public string ListenerName { get; }

    /// <summary>The leader and epoch as last seen by the poll thread; safe to read from any thread.</summary>
    public LeaderAndEpoch LeaderAndEpoch
    {
        get
        {
            lock (_leaderAndEpochLock)
            {
                return _leaderAndEpoch;
            }
        }
    }

    /// <summary>The high watermark of the local log as of the last poll (committed offsets are below it); safe to read from any thread, unlike the log itself.</summary>
    public long HighWatermark => Volatile.Read(ref _highWatermark);

    /// <summary>True once a graceful shutdown has finished (another leader known, no one to hand over to, or its timeout passed).</summary>
    public bool IsShutdownComplete => _shutdown?.IsFinished(NowMs) == true;

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// Reads the quorum-state file and the log and takes up the state they describe. A lone voter
    /// elects itself at once (it is its own majority).
    /// </summary>
    public void Initialize()
    {
        if (_initialized)
        {
            throw new InvalidOperationException("The Raft client is initialized already.");
        }
        foreach (var (id, endpoint) in _config.Voters)
        {
            _channel.UpdateEndpoint(id, endpoint);
        }
        var now = NowMs;
        _quorum.Initialize(new OffsetAndEpoch(_log.EndOffset, _log.LastFetchedEpoch), now);
        _initialized = true;
        OnTransition(now);
        if (_quorum.IsOnlyVoter)
        {
            if (_quorum.IsCandidate)
            {
                MaybeTransitionToLeader(_quorum.CandidateStateOrThrow(), now);
            }
            else
            {
                TransitionToProspective(now);
            }
        }
    }

    /// <summary>Adds a listener: it is given the committed log from the start (a snapshot first when the log starts later) and the leader changes, from the poll thread.</summary>
    public void Register(IRaftListener listener)
    {
        _pendingRegistrations.Enqueue(listener);
        _wakeup.Set();
    }

    /// <summary>
    /// Queues <paramref name="records"/> (one v2 batch, null keys) for the log; thread-safe. They
    /// are appended when controller.quorum.append.linger.ms has passed since the first of a burst,
    /// and are committed once the high watermark passes the returned offset.
    /// </summary>
    /// <returns>The offset of the last record.</returns>
    /// <exception cref="NotLeaderException">This replica does not lead <paramref name="epoch"/> (or no longer does).</exception>
    /// <exception cref="ArgumentException">An epoch later than the current one, no records, or a batch over 8 MiB.</exception>
    public long ScheduleAppend(int epoch, IReadOnlyList<ReadOnlyMemory<byte>> records)
    {
        var leader = _leaderStateForAppends;
        if (leader is null || leader.Epoch != epoch)
        {
            var current = LeaderAndEpoch.Epoch;
            if (epoch > current)
            {
                throw new ArgumentException($"Epoch {epoch} is later than the current epoch {current}.", nameof(epoch));
            }
            throw new NotLeaderException($"Node {NodeId} does not lead epoch {epoch}.");
        }
        var lastOffset = leader.Accumulator.Append(records, NowMs);
        _wakeup.Set();
        return lastOffset;
    }

    /// <summary>
    /// Gives up the leadership of <paramref name="epoch"/> (Kafka's resign): the leader resigns on its
    /// next poll and tells the voters with EndQuorumEpoch. An older epoch is ignored.
    /// </summary>
    /// <exception cref="ArgumentException">An epoch later than the current one.</exception>
    public void Resign(int epoch)
    {
        var current = LeaderAndEpoch;
        if (epoch > current.Epoch)
        {
            throw new ArgumentException($"Epoch {epoch} is later than the current epoch {current.Epoch}.", nameof(epoch));
        }
        Volatile.Write(ref _resignEpoch, epoch);
        _wakeup.Set();
    }

    /// <summary>
    /// Starts a graceful shutdown: a leader resigns and names its successors; the shutdown finishes
    /// once another leader is known or <paramref name="timeoutMs"/> has passed. Listeners are told at once.
    /// </summary>
    public Task BeginShutdown(long timeoutMs)
    {
        var shutdown = new GracefulShutdown(NowMs + timeoutMs);
        if (Interlocked.CompareExchange(ref _shutdown, shutdown, null) is { } existing)
        {
            return existing.Completion.Task;
        }
        _messages.Enqueue(shutdown);
        _wakeup.Set();
        return shutdown.Completion.Task;
    }

    /// <summary>Queues a request from another replica (or an admin client); answered from the poll thread.</summary>
    public void Handle(RaftInboundRequest request)
    {
        _messages.Enqueue(request);
        _wakeup.Set();
    }

    /// <summary>
    /// One round of the client: handles what is queued, runs the current state's timers and
    /// requests, and tells listeners of new commits. With <paramref name="maxWaitMs"/> above zero,
    /// then waits (real time) up to that long, or until the next timer is due, for work to arrive,
    /// and runs another round.
    /// </summary>
    /// <returns>Milliseconds until the client's next timer is due.</returns>
    public long Poll(long maxWaitMs = 0)
    {
        if (!_initialized)
        {
            throw new InvalidOperationException("Initialize the Raft client before polling it.");
        }
        var timeoutMs = PollOnce();
        if (maxWaitMs > 0 && timeoutMs > 0 && _messages.IsEmpty && _pendingRegistrations.IsEmpty)
        {
            _wakeup.Wait(TimeSpan.FromMilliseconds(Math.Min(timeoutMs, maxWaitMs)));
            timeoutMs = PollOnce();
        }
        return timeoutMs;
    }

    /// <summary>Wakes a waiting <see cref="Poll"/>.</summary>
    public void Wakeup() => _wakeup.Set();

    public void Dispose()
    {
        _wakeup.Dispose();
        _shutdown?.Completion.TrySetResult();
    }

    private long PollOnce()
    {
        _wakeup.Reset();
        while (_pendingRegistrations.TryDequeue(out var listener))
        {
            _listeners.Add(new ListenerContext(listener));
        }
        while (_messages.TryDequeue(out var message))
        {
            var now = NowMs;
            switch (message)
            {
                case RaftInboundRequest request:
                    HandleRequest(request, now);
                    break;
                case RaftResponse response:
                    HandleResponse(response, now);
                    break;
                case GracefulShutdown:
                    foreach (var context in _listeners)
                    {
                        context.Listener.BeginShutdown();
                    }
                    break;
            }
        }
        var nowMs = NowMs;
        // A state that answers 0 has just transitioned (or must act again at once): poll the new
        // state now, so a transition's first requests go out in the same round, as Kafka's loop does.
        var timeoutMs = 0L;
        for (var round = 0; round < MaxStatePollsPerRound && timeoutMs == 0; round++)
        {
            timeoutMs = _shutdown is { } shutdown ? PollShutdown(shutdown, nowMs) : PollCurrentState(nowMs);
        }
        timeoutMs = Math.Min(timeoutMs, ExpirePendingFetches(nowMs));
        UpdateListenersProgress();
        timeoutMs = Math.Min(timeoutMs, MaybeCleanLog(nowMs));
        Volatile.Write(ref _highWatermark, _log.HighWatermark);
        return Math.Max(0, timeoutMs);
    }

    private long PollShutdown(GracefulShutdown shutdown, long nowMs)
    {
        if (shutdown.IsFinished(nowMs))
        {
            shutdown.Completion.TrySetResult();
            return long.MaxValue;
        }
        // Done once there is no one to hand over to, or someone else leads.
        if (_quorum.IsObserver || _quorum.IsOnlyVoter || (_quorum.HasLeader && _quorum.LeaderId != NodeId))
        {
            shutdown.Succeed();
            shutdown.Completion.TrySetResult();
            return long.MaxValue;
        }
        return Math.Min(shutdown.DeadlineMs - nowMs, PollCurrentState(nowMs));
    }

    /// <summary>Sends <paramref name="request"/> to <paramref name="destination"/> unless a request is in flight there or it is backing off; the time until it may be tried again.</summary>
    private long MaybeSendRequest(long nowMs, int destination, Func<IApiMessage> request)
    {
        if (_requestManager.IsBackingOff(destination, nowMs))
        {
            return _requestManager.RemainingBackoffMs(destination, nowMs);
        }
        if (_requestManager.IsReady(destination, nowMs))
        {
            var correlationId = _channel.NewCorrelationId();
            var data = request();
            _requestManager.OnRequestSent(destination, correlationId, nowMs);
            _channel.Send(new RaftOutboundRequest(correlationId, destination, data, nowMs, response =>
            {
                _messages.Enqueue(response);
                _wakeup.Set();
            }));
        }
        return _requestManager.RemainingRequestTimeMs(destination, nowMs);
    }

    private long MaybeSendRequests(long nowMs, IEnumerable<int> destinations, Func<int, IApiMessage> request)
    {
        var min = long.MaxValue;
        foreach (var destination in destinations)
        {
            min = Math.Min(min, MaybeSendRequest(nowMs, destination, () => request(destination)));
        }
        return min;
    }

    private void HandleRequest(RaftInboundRequest request, long nowMs)
    {
        try
        {
            IApiMessage? response = request.Data switch
            {
                Protocol.Messages.VoteRequestData vote => HandleVoteRequest(vote, request.ApiVersion, nowMs),
                Protocol.Messages.BeginQuorumEpochRequestData begin => HandleBeginQuorumEpochRequest(begin, request.ApiVersion, nowMs),
                Protocol.Messages.EndQuorumEpochRequestData end => HandleEndQuorumEpochRequest(end, request.ApiVersion, nowMs),
                Protocol.Messages.FetchRequestData => HandleFetchRequest(request, nowMs),
                Protocol.Messages.FetchSnapshotRequestData fetchSnapshot => HandleFetchSnapshotRequest(fetchSnapshot, nowMs),
                Protocol.Messages.DescribeQuorumRequestData describe => HandleDescribeQuorumRequest(describe, nowMs),
                _ => HandleVoterChangeRequest(request.Data),
            };
            if (response is not null)
            {
                request.Completion.TrySetResult(response);
            }
        }
        catch (Exception e)
        {
            request.Completion.TrySetException(e);
            throw;
        }
    }

    private void HandleResponse(RaftResponse response, long nowMs)
    {
        if (!_requestManager.IsResponseExpected(response.SourceId, response.CorrelationId))
        {
            // Sent before a transition (or timed out): its state is gone.
            return;
        }
        bool handled;
        if (response.Data is null)
        {
            _logger.LogDebug("Request {CorrelationId} to {Node} failed: {Error}", response.CorrelationId, response.SourceId, response.TransportError);
            handled = false;
        }
        else
        {
            handled = response.Data switch
            {
                Protocol.Messages.VoteResponseData vote => HandleVoteResponse(vote, response.SourceId, nowMs),
                Protocol.Messages.BeginQuorumEpochResponseData begin => HandleBeginQuorumEpochResponse(begin, response.SourceId, nowMs),
                Protocol.Messages.EndQuorumEpochResponseData end => HandleEndQuorumEpochResponse(end, response.SourceId, nowMs),
                Protocol.Messages.FetchResponseData fetch => HandleFetchResponse(fetch, nowMs),
                Protocol.Messages.FetchSnapshotResponseData fetchSnapshot => HandleFetchSnapshotResponse(fetchSnapshot, nowMs),
                _ => throw new InvalidOperationException($"Unexpected {response.Data.ApiKey} response."),
            };
        }
        _requestManager.OnResponseResult(response.SourceId, response.CorrelationId, handled, nowMs);
    }

    private bool HasValidClusterId(string? requestClusterId) => requestClusterId is null || requestClusterId == _clusterId;

    /// <summary>Requests meant for the leader of <paramref name="requestEpoch"/> (Fetch, FetchSnapshot).</summary>
    private ErrorCode ValidateLeaderOnlyRequest(int requestEpoch)
    {
        if (requestEpoch < _quorum.Epoch)
        {
            return ErrorCode.FencedLeaderEpoch;
        }
        if (requestEpoch > _quorum.Epoch)
        {
            return ErrorCode.UnknownLeaderEpoch;
        }
        if (!_quorum.IsLeader)
        {
            return ErrorCode.NotLeaderOrFollower;
        }
        return _shutdown is not null ? ErrorCode.BrokerNotAvailable : ErrorCode.None;
    }

    /// <summary>Requests that establish leadership (Vote, BeginQuorumEpoch, EndQuorumEpoch); static voters only, so a sender outside the voter set is refused.</summary>
    private ErrorCode ValidateVoterOnlyRequest(int remoteNodeId, int requestEpoch)
    {
        if (requestEpoch < _quorum.Epoch)
        {
            return ErrorCode.FencedLeaderEpoch;
        }
        if (remoteNodeId < 0)
        {
            return ErrorCode.InvalidRequest;
        }
        if (_quorum.IsObserver || !_quorum.IsVoterId(remoteNodeId))
        {
            return ErrorCode.InconsistentVoterSet;
        }
        return ErrorCode.None;
    }

    private sealed class GracefulShutdown(long deadlineMs)
    {
        private bool _succeeded;

        public long DeadlineMs { get; } = deadlineMs;

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Succeed() => _succeeded = true;

        public bool IsFinished(long nowMs) => _succeeded || nowMs >= DeadlineMs;
    }
}
