using KafkaCompat.Protocol;

namespace KafkaCompat.Broker;

/// <summary>
/// Serves one API. Each handler states the versions it really serves; the
/// handler table, and so ApiVersions, is built from those statements.
/// </summary>
public interface IApiHandler
{
    ApiKey ApiKey { get; }

    VersionRange Versions { get; }

    /// <summary>
    /// The answer, or null for a request that gets no response (produce with acks=0). Handling runs
    /// in two stages: what a handler does before its first await runs on the connection's read
    /// loop, in request order (the dispatch stage: where a Produce's appends are ordered); the rest
    /// completes in the background (a Fetch's long poll) while the connection's later requests are
    /// dispatched. Answers still leave in request order.
    /// </summary>
    ValueTask<ApiResponse?> HandleAsync(RequestContext context, IApiMessage request, CancellationToken cancellationToken);

    /// <summary>
    /// The response to send when the request is well-formed but cannot be
    /// served at all (Kafka's <c>getErrorResponse</c>): every entity gets the error.
    /// </summary>
    IApiMessage ErrorResponse(IApiMessage request, short version, ErrorCode error, string message);
}

/// <summary>
/// Typed base for handlers whose answer is a body alone: casts once, so handlers deal with their
/// own request and response classes.
/// </summary>
public abstract class ApiHandler<TRequest, TResponse> : TypedApiHandler<TRequest, TResponse>
    where TRequest : class, IApiMessage
    where TResponse : class, IApiMessage
{
    public override async ValueTask<ApiResponse?> HandleAsync(RequestContext context, IApiMessage request, CancellationToken cancellationToken) =>
        await HandleAsync(context, (TRequest)request, cancellationToken) is { } body ? new ApiResponse(body) : null;

    protected abstract ValueTask<TResponse?> HandleAsync(RequestContext context, TRequest request, CancellationToken cancellationToken);
}

/// <summary>
/// What every typed handler shares: its API, versions and typed error response. A handler whose
/// answer owns buffers (Fetch) derives from this directly and builds its <see cref="ApiResponse"/>.
/// </summary>
public abstract class TypedApiHandler<TRequest, TResponse> : IApiHandler
    where TRequest : class, IApiMessage
    where TResponse : class, IApiMessage
{
    public abstract ApiKey ApiKey { get; }

    public abstract VersionRange Versions { get; }

    public abstract ValueTask<ApiResponse?> HandleAsync(RequestContext context, IApiMessage request, CancellationToken cancellationToken);

    public IApiMessage ErrorResponse(IApiMessage request, short version, ErrorCode error, string message) =>
        ErrorResponse((TRequest)request, version, error, message);

    protected abstract TResponse ErrorResponse(TRequest request, short version, ErrorCode error, string message);
}
