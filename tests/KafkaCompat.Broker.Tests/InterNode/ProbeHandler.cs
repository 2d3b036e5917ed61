using System.Collections.Concurrent;
using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Tests.InterNode;

/// <summary>
/// A handler of any API at the versions a test gives it: records the version, client id and body of
/// each request it gets and answers with what <paramref name="answer"/> builds, after <see cref="Gate"/>
/// opens (open unless a test closes it to hold requests in flight).
/// </summary>
internal sealed class ProbeHandler(ApiKey apiKey, VersionRange versions, Func<IApiMessage, short, IApiMessage> answer) : IApiHandler
{
    private readonly SemaphoreSlim _arrived = new(0);

    public ApiKey ApiKey { get; } = apiKey;

    public VersionRange Versions { get; } = versions;

    public ConcurrentQueue<(short Version, string? ClientId, IApiMessage Body)> Received { get; } = new();

    public TaskCompletionSource Gate { get; set; } = Open();

    public static TaskCompletionSource Open()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.SetResult();
        return gate;
    }

    public async ValueTask<ApiResponse?> HandleAsync(RequestContext context, IApiMessage request, CancellationToken cancellationToken)
    {
        Received.Enqueue((context.ApiVersion, context.ClientId, request));
        _arrived.Release();
        await Gate.Task.WaitAsync(cancellationToken);
        return new ApiResponse(answer(request, context.ApiVersion));
    }

    /// <summary>Waits (up to 10 s) until <paramref name="count"/> requests have arrived in all.</summary>
    public async Task WaitForAsync(int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (Received.Count < count)
        {
            await _arrived.WaitAsync(timeout.Token);
        }
    }

    public IApiMessage ErrorResponse(IApiMessage request, short version, ErrorCode error, string message) => ApiKeys.NewResponse(ApiKey);
}
