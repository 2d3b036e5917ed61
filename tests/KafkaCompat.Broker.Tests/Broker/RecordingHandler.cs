using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Tests.Broker;

/// <summary>
/// A handler for tests of what surrounds handlers (the table, the dispatcher): claims the versions it
/// is given, answers an empty response and keeps the context of every request it handled.
/// </summary>
internal sealed class RecordingHandler(ApiKey apiKey, VersionRange versions) : IApiHandler
{
    private readonly List<RequestContext> _contexts = [];

    public ApiKey ApiKey => apiKey;

    public VersionRange Versions => versions;

    public IReadOnlyList<RequestContext> Contexts => _contexts;

    public ValueTask<ApiResponse?> HandleAsync(RequestContext context, IApiMessage request, CancellationToken cancellationToken)
    {
        _contexts.Add(context);
        return ValueTask.FromResult<ApiResponse?>(new ApiResponse(ApiKeys.NewResponse(apiKey)));
    }

    public IApiMessage ErrorResponse(IApiMessage request, short version, ErrorCode error, string message) => ApiKeys.NewResponse(apiKey);
}
