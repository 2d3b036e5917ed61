using System.Globalization;
using System.Text.RegularExpressions;

namespace KafkaCompat.Broker.Config;

/// <summary>
/// One entry of listeners / advertised.listeners: NAME://host:port. An empty host means every
/// interface; an IPv6 host is written in brackets ([::1]) and kept here without them.
/// </summary>
public sealed partial record Endpoint(string ListenerName, string Host, int Port, SecurityProtocol SecurityProtocol)
{
    /// <summary>Host as a URI authority needs it: IPv6 back in brackets.</summary>
    public string ConnectionString => $"{ListenerName}://{(Host.Contains(':') ? $"[{Host}]" : Host)}:{Port}";

    public override string ToString() => ConnectionString;

    /// <summary>
    /// Parses a comma-separated listener list like Kafka's listenerListToEndPoints: listener names are
    /// upper-cased, each must be in the protocol map, and names and ports must not repeat.
    /// </summary>
    /// <exception cref="ConfigException">The list cannot be used.</exception>
    public static IReadOnlyList<Endpoint> ParseList(string configName, string value, IReadOnlyDictionary<string, SecurityProtocol> protocolMap)
    {
        var endpoints = new List<Endpoint>();
        foreach (var item in ConfigDefinition.ParseList(value))
        {
            var match = EndpointPattern().Match(item);
            if (!match.Success || !int.TryParse(match.Groups[3].Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var port))
            {
                throw new ConfigException(configName, value, $"Unable to parse {item} to a broker endpoint");
            }
            if (port is < 0 or > 65535)
            {
                throw new ConfigException(configName, value, $"Invalid port {port} in {item}");
            }
            var name = match.Groups[1].Value.ToUpperInvariant();
            if (!protocolMap.TryGetValue(name, out var protocol))
            {
                throw new ConfigException(configName, value, $"No security protocol defined for listener {name}");
            }
            endpoints.Add(new Endpoint(name, match.Groups[2].Value, port, protocol));
        }
        if (endpoints.Select(e => e.ListenerName).Distinct().Count() != endpoints.Count)
        {
            throw new ConfigException(configName, value, $"Each listener must have a different name, {configName}: {value}");
        }
        return endpoints;
    }

    /// <summary>
    /// Parses listener.security.protocol.map (NAME:PROTOCOL,...). Kafka normalises listener names to
    /// upper case, so "internal" and "INTERNAL" are the same listener.
    /// </summary>
    /// <exception cref="ConfigException">An entry is malformed or names an unknown protocol.</exception>
    public static IReadOnlyDictionary<string, SecurityProtocol> ParseProtocolMap(string configName, string value)
    {
        var map = new Dictionary<string, SecurityProtocol>(StringComparer.Ordinal);
        foreach (var item in ConfigDefinition.ParseList(value))
        {
            var colon = item.LastIndexOf(':');
            if (colon <= 0 || !SecurityProtocols.TryParse(item[(colon + 1)..], out var protocol))
            {
                throw new ConfigException(configName, value, $"Map entry '{item}' is not NAME:PROTOCOL with PROTOCOL one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL");
            }
            map[item[..colon].Trim().ToUpperInvariant()] = protocol;
        }
        return map;
    }

    // Kafka's endpoint pattern: the host may be bracketed (IPv6), empty, or a name/IPv4 address.
    [GeneratedRegex(@"^(.*)://\[?([0-9a-zA-Z\-%._:]*?)\]?:(-?[0-9]+)$")]
    private static partial Regex EndpointPattern();
}
