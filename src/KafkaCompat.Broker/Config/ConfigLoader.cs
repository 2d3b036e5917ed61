using System.Collections;

namespace KafkaCompat.Broker.Config;

/// <summary>The loaded configuration and what the caller should log about it.</summary>
public sealed record LoadedConfig(BrokerConfig Config, IReadOnlyList<string> Warnings);

/// <summary>
/// Builds the broker configuration from its sources, as kafka-server-start.sh and the apache/kafka
/// image do: <c>kafkacompat [server.properties] [--override key=value]...</c>. Precedence, highest
/// first: overrides, KAFKA_* environment variables, the file, then defaults. Unknown keys are
/// warned about and ignored; known keys the broker does not act on yet are warned about and kept
/// (<see cref="ConfigsNotActedOn"/>); a bad value throws <see cref="ConfigException"/> naming key and value.
/// </summary>
public static class ConfigLoader
{
    public const string OverrideOption = "--override";

    /// <exception cref="ConfigException">Bad arguments, an unreadable file, or an invalid value.</exception>
    public static LoadedConfig Load(string[] args, IDictionary environment)
    {
        var (file, overrides) = ParseArguments(args);
        var merged = new Dictionary<string, string>(StringComparer.Ordinal);
        if (file is not null)
        {
            Merge(merged, JavaProperties.LoadFile(file));
        }
        Merge(merged, KafkaEnvironment.ToConfigs(environment));
        Merge(merged, overrides);

        var warnings = new List<string>();
        foreach (var name in merged.Keys.Where(n => !BrokerConfigDefinitions.IsKnown(n)).Order(StringComparer.Ordinal).ToList())
        {
            // Kafka's wording when it meets a config it does not know.
            warnings.Add($"The configuration '{name}' was supplied but isn't a known config.");
            merged.Remove(name);
        }
        warnings.AddRange(ConfigsNotActedOn.ForBrokerConfigs(merged.Keys.Order(StringComparer.Ordinal)));
        return new LoadedConfig(BrokerConfig.Create(merged), warnings);
    }

    private static void Merge(Dictionary<string, string> into, IReadOnlyDictionary<string, string> from)
    {
        foreach (var (name, value) in from)
        {
            into[name] = value;
        }
    }

    /// <summary>An optional properties file first, then any number of --override key=value (or --override=key=value).</summary>
    private static (string? File, Dictionary<string, string> Overrides) ParseArguments(string[] args)
    {
        string? file = null;
        var overrides = new Dictionary<string, string>(StringComparer.Ordinal);
        var stray = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            string? pair = null;
            if (arg == OverrideOption)
            {
                if (++i >= args.Length)
                {
                    throw new ConfigException("Option --override requires an argument");
                }
                pair = args[i];
            }
            else if (arg.StartsWith(OverrideOption + "=", StringComparison.Ordinal))
            {
                pair = arg[(OverrideOption.Length + 1)..];
            }
            else if (i == 0 && !arg.StartsWith("--", StringComparison.Ordinal))
            {
                file = arg;
                continue;
            }
            else
            {
                stray.Add(arg);
                continue;
            }
            // Like Kafka's parseKeyValueArgs: split at the first '=', a missing value is empty.
            var equals = pair.IndexOf('=');
            var key = equals < 0 ? pair : pair[..equals];
            if (key.Length == 0)
            {
                throw new ConfigException($"Invalid command line properties: {pair}");
            }
            overrides[key] = equals < 0 ? "" : pair[(equals + 1)..];
        }
        if (stray.Count > 0)
        {
            throw new ConfigException("Found non argument parameters: " + string.Join(",", stray));
        }
        return (file, overrides);
    }
}
