using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.InterNode;

/// <summary>
/// A request to another node: the body (the client picks the version), when it was created (its
/// timeout runs from there until it is written), and the callback that gets its one
/// <see cref="InterNodeResponse"/>. <see cref="Versions"/> narrows what the sender can express (a
/// Raft Fetch needs v12+ for its epochs); the client sends the highest version both ends serve within it.
/// </summary>
public sealed record InterNodeRequest(int DestinationId, IApiMessage Data, long CreatedMs, Action<InterNodeResponse> OnComplete)
{
    public VersionRange? Versions { get; init; }

    public ApiKey ApiKey => Data.ApiKey;
}

/// <summary>
/// The outcome of an <see cref="InterNodeRequest"/>, reported exactly once: the response body and
/// the version it was exchanged at, or no body and <see cref="Error"/>: NETWORK_EXCEPTION (the
/// connection could not be made or was lost, or the client closed), REQUEST_TIMED_OUT,
/// BROKER_NOT_AVAILABLE (no address for the node), UNSUPPORTED_VERSION (no version both ends serve
/// can carry the request).
/// </summary>
public sealed record InterNodeResponse(InterNodeRequest Request, IApiMessage? Data, short Version, ErrorCode Error, long ReceivedMs)
{
    public bool Failed => Data is null;
}
