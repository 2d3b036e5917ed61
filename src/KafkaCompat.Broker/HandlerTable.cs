using KafkaCompat.Protocol;

namespace KafkaCompat.Broker;

/// <summary>The handlers by API key. ApiVersions answers from this table, so nothing is advertised that no handler serves.</summary>
public sealed class HandlerTable
{
    private readonly IApiHandler?[] _byKey;

    public HandlerTable(IEnumerable<IApiHandler> handlers)
    {
        var list = handlers.ToList();
        _byKey = new IApiHandler?[list.Count == 0 ? 0 : list.Max(h => (int)h.ApiKey) + 1];
        foreach (var handler in list)
        {
            var spec = ApiKeys.ValidVersions(handler.ApiKey);
            if (handler.Versions.IsEmpty || handler.Versions.Intersect(spec) != handler.Versions)
            {
                throw new InvalidOperationException($"{handler.GetType().Name} claims {handler.ApiKey} {handler.Versions}, outside the spec's {spec}");
            }
            if (_byKey[(int)handler.ApiKey] is not null)
            {
                throw new InvalidOperationException($"two handlers for {handler.ApiKey}");
            }
            _byKey[(int)handler.ApiKey] = handler;
        }
        Handlers = list.OrderBy(h => h.ApiKey).ToList();
    }

    public IReadOnlyList<IApiHandler> Handlers { get; }

    public IApiHandler? Find(short apiKey) => apiKey >= 0 && apiKey < _byKey.Length ? _byKey[apiKey] : null;
}
