using System.Collections;
using System.Text;

namespace KafkaCompat.Broker.Config;

/// <summary>
/// Turns environment variables into configs like the apache/kafka Docker image does
/// (docker/resources/utility, kafka-propertiesSpec.json): variables starting with KAFKA_ lose the
/// prefix, are lower-cased, and a run of one underscore becomes '.', two become '_', three become '-'
/// (KAFKA_ADVERTISED_LISTENERS is advertised.listeners). The image's own settings are not configs.
/// </summary>
public static class KafkaEnvironment
{
    public const string Prefix = "KAFKA_";

    /// <summary>
    /// The image's exclusion list, plus KAFKA_HEAP_OPTS and KAFKA_HOME, which its scripts also use
    /// (the image's list spells the former KAFKA_HEAP_OPT).
    /// </summary>
    public static IReadOnlySet<string> Ignored { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "KAFKA_VERSION", "KAFKA_HOME", "KAFKA_HEAP_OPT", "KAFKA_HEAP_OPTS", "KAFKA_LOG4J_OPTS", "KAFKA_OPTS",
        "KAFKA_JMX_OPTS", "KAFKA_JVM_PERFORMANCE_OPTS", "KAFKA_GC_LOG_OPTS", "KAFKA_LOG4J_ROOT_LOGLEVEL",
        "KAFKA_LOG4J_LOGGERS", "KAFKA_TOOLS_LOG4J_LOGLEVEL",
    };

    /// <summary>The configs the environment sets, by config name.</summary>
    public static IReadOnlyDictionary<string, string> ToConfigs(IDictionary environment)
    {
        var configs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry variable in environment)
        {
            if (variable.Key is string name && variable.Value is string value
                && name.StartsWith(Prefix, StringComparison.Ordinal) && name.Length > Prefix.Length && !Ignored.Contains(name))
            {
                configs[ToConfigName(name[Prefix.Length..])] = value;
            }
        }
        return configs;
    }

    /// <summary>LOG_RETENTION_MS is log.retention.ms, ABC__DEF is abc_def, ABC___DEF is abc-def.</summary>
    public static string ToConfigName(string variable)
    {
        var sb = new StringBuilder(variable.Length);
        for (var i = 0; i < variable.Length;)
        {
            if (variable[i] != '_')
            {
                sb.Append(char.ToLowerInvariant(variable[i++]));
                continue;
            }
            var run = 0;
            while (i < variable.Length && variable[i] == '_')
            {
                run++;
                i++;
            }
            // The image leaves longer runs undefined; they are kept as they are.
            sb.Append(run switch { 1 => ".", 2 => "_", 3 => "-", _ => new string('_', run) });
        }
        return sb.ToString();
    }
}
