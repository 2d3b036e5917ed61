using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Tests.Handlers;

/// <summary>
/// Marks a test as driving the handler of <see cref="Api"/> at <see cref="Version"/>;
/// <see cref="HandlerVersionCoverageTests"/> requires one at each end of every handler's range.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
internal sealed class HandlerVersionTestAttribute(ApiKey api, short version) : Attribute
{
    public ApiKey Api { get; } = api;

    public short Version { get; } = version;
}
