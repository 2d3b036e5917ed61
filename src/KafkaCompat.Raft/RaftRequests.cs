using KafkaCompat.Protocol;

namespace KafkaCompat.Raft;

/// <summary>
/// A Raft request this replica sends to another (Vote, BeginQuorumEpoch, EndQuorumEpoch, Fetch,
/// FetchSnapshot, and from kraft.version 1 AddRaftVoter / RemoveRaftVoter / UpdateRaftVoter and the
/// ApiVersions the channel needs). <see cref="Data"/> is the request body; the channel picks the
/// version both ends serve. The channel calls <see cref="OnResponse"/> exactly once: with the
/// response, or with a transport error when the request could not be sent or got no answer in
/// time (the Raft client treats those as a lost message and retries by its own timers).
/// </summary>
public sealed record RaftOutboundRequest(int CorrelationId, int DestinationId, IApiMessage Data, long CreatedMs, Action<RaftResponse> OnResponse)
{
    public ApiKey ApiKey => Data.ApiKey;
}

/// <summary>
/// The answer to a <see cref="RaftOutboundRequest"/>: <see cref="Data"/> is the response body,
/// or null with <see cref="TransportError"/> (NETWORK_EXCEPTION for a lost connection,
/// REQUEST_TIMED_OUT for no answer within <c>controller.quorum.request.timeout.ms</c>, BROKER_NOT_AVAILABLE
/// when the destination's address is not known).
/// </summary>
public sealed record RaftResponse(int CorrelationId, int SourceId, IApiMessage? Data, ErrorCode TransportError, long ReceivedMs);

/// <summary>
/// A Raft request another replica (or an admin client, for DescribeQuorum) sent this one, with the
/// version it came in at (some fields exist only from a version on). The Raft client answers it by
/// completing <see cref="Completion"/> with the response body, from its own thread, when it has
/// handled it (a Fetch from a follower may wait there up to its MaxWaitMs for new records).
/// </summary>
public sealed record RaftInboundRequest(short ApiVersion, IApiMessage Data, long ReceivedMs, TaskCompletionSource<IApiMessage> Completion)
{
    public ApiKey ApiKey => Data.ApiKey;
}

/// <summary>Where the Raft RPCs' handlers hand inbound requests over (the Raft client's queue); it must not block.</summary>
public interface IRaftRequestHandler
{
    void Handle(RaftInboundRequest request);
}

/// <summary>
/// How the Raft client reaches the other replicas (Kafka's NetworkChannel): over TCP to their
/// controller listener in a cluster, through an in-memory network in the simulation. Send must
/// not block; the response comes back through the request's callback, on any thread.
/// </summary>
public interface IRaftChannel : IDisposable
{
    int NewCorrelationId();

    void Send(RaftOutboundRequest request);

    /// <summary>The address of a replica, learned from the voter set or a BeginQuorumEpoch/Fetch response's NodeEndpoints.</summary>
    void UpdateEndpoint(int nodeId, RaftEndpoint endpoint);
}
