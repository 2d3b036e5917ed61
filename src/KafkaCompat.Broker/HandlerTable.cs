using KafkaCompat.Protocol;

namespace KafkaCompat.Broker;

/// <summary>
/// The handlers by API key. ApiVersions answers from this table, so nothing is advertised that no
/// handler serves. A node that runs the KRaft quorum also serves the controller's APIs on its
/// controller listeners (<c>controller.listener.names</c>), and only there, as Kafka keeps those
/// (Vote, BeginQuorumEpoch, ... ApiMessageType's "controller" listener) off its broker listeners;
/// there they take the place of a broker handler of the same key (a Fetch on the controller
/// listener is a replica's fetch of the metadata log, as in Kafka's ControllerApis).
/// </summary>
public sealed class HandlerTable
{
    private readonly IApiHandler?[] _byKey;
    private readonly IApiHandler?[] _controllerByKey;
    private readonly HashSet<string> _controllerListeners;

    public HandlerTable(IEnumerable<IApiHandler> handlers)
        : this(handlers, [], [])
    {
    }

    /// <param name="handlers">Served on every listener, except where <paramref name="controllerHandlers"/> has one of the same key.</param>
    /// <param name="controllerHandlers">Served on the listeners named in <paramref name="controllerListeners"/> only.</param>
    /// <param name="controllerListeners">The controller listeners' names (<c>controller.listener.names</c>).</param>
    public HandlerTable(IEnumerable<IApiHandler> handlers, IEnumerable<IApiHandler> controllerHandlers, IEnumerable<string> controllerListeners)
    {
        var broker = handlers.ToList();
        var controllerOnly = controllerHandlers.ToList();
        _byKey = ByKey(broker);
        var controller = controllerOnly.Concat(broker.Where(h => controllerOnly.All(c => c.ApiKey != h.ApiKey))).ToList();
        _controllerByKey = controllerOnly.Count == 0 ? _byKey : ByKey(controller);
        _controllerListeners = controllerListeners.ToHashSet(StringComparer.Ordinal);
        Handlers = broker.Concat(controllerOnly).OrderBy(h => h.ApiKey).ToList();
        BrokerListenerHandlers = broker.OrderBy(h => h.ApiKey).ToList();
        ControllerListenerHandlers = controller.OrderBy(h => h.ApiKey).ToList();
    }

    /// <summary>Every handler the node runs, whichever listeners serve it.</summary>
    public IReadOnlyList<IApiHandler> Handlers { get; }

    private IReadOnlyList<IApiHandler> BrokerListenerHandlers { get; }

    private IReadOnlyList<IApiHandler> ControllerListenerHandlers { get; }

    /// <summary>What a connection on <paramref name="listenerName"/> is served, and so what ApiVersions lists there.</summary>
    public IReadOnlyList<IApiHandler> HandlersOn(string listenerName) =>
        IsControllerListener(listenerName) ? ControllerListenerHandlers : BrokerListenerHandlers;

    /// <summary>The handler of <paramref name="apiKey"/> on a broker listener.</summary>
    public IApiHandler? Find(short apiKey) => Find(_byKey, apiKey);

    public IApiHandler? Find(short apiKey, string listenerName) =>
        Find(IsControllerListener(listenerName) ? _controllerByKey : _byKey, apiKey);

    private bool IsControllerListener(string listenerName) => _controllerListeners.Contains(listenerName);

    private static IApiHandler? Find(IApiHandler?[] byKey, short apiKey) => apiKey >= 0 && apiKey < byKey.Length ? byKey[apiKey] : null;

    private static IApiHandler?[] ByKey(List<IApiHandler> handlers)
    {
        var byKey = new IApiHandler?[handlers.Count == 0 ? 0 : handlers.Max(h => (int)h.ApiKey) + 1];
        foreach (var handler in handlers)
        {
            var spec = ApiKeys.ValidVersions(handler.ApiKey);
            if (handler.Versions.IsEmpty || handler.Versions.Intersect(spec) != handler.Versions)
            {
                throw new InvalidOperationException($"{handler.GetType().Name} claims {handler.ApiKey} {handler.Versions}, outside the spec's {spec}");
            }
            if (byKey[(int)handler.ApiKey] is not null)
            {
                throw new InvalidOperationException($"two handlers for {handler.ApiKey}");
            }
            byKey[(int)handler.ApiKey] = handler;
        }
        return byKey;
    }
}
