using KafkaCompat.Protocol;
using KafkaCompat.Raft;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// What every KRaft RPC handler shares: the request goes to the Raft client as a
/// <see cref="RaftInboundRequest"/> (with its version and arrival time), and the answer is what the
/// Raft client completes it with, awaited without holding a thread (a follower's Fetch may wait
/// there up to its MaxWaitMs). The Raft client owns every decision, errors included, as Kafka's
/// ControllerApis hands these requests to its RaftManager untouched. A connection that closes
/// first stops waiting; the Raft client's answer then goes nowhere.
/// </summary>
public abstract class RaftRpcHandler<TRequest, TResponse>(IRaftRequestHandler raft, TimeProvider time) : ApiHandler<TRequest, TResponse>
    where TRequest : class, IApiMessage
    where TResponse : class, IApiMessage
{
    protected override async ValueTask<TResponse?> HandleAsync(RequestContext context, TRequest request, CancellationToken cancellationToken)
    {
        var completion = new TaskCompletionSource<IApiMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        raft.Handle(new RaftInboundRequest(context.ApiVersion, request, time.GetUtcNow().ToUnixTimeMilliseconds(), completion));
        var response = await completion.Task.WaitAsync(cancellationToken);
        return response as TResponse
            ?? throw new InvalidOperationException($"the Raft client answered {ApiKey} with a {response.GetType().Name}");
    }
}
