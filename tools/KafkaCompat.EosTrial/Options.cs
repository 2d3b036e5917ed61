using System.Globalization;

namespace KafkaCompat.EosTrial;

/// <summary><c>--name value</c> pairs after the mode word; every option read must exist, every option given must be read.</summary>
public sealed class Options
{
    private readonly Dictionary<string, string> _values = [];

    private Options(string mode) => Mode = mode;

    public string Mode { get; }

    public static Options Parse(string[] args)
    {
        if (args.Length == 0 || args[0] is not ("trial" or "process"))
        {
            throw new ArgumentException(Usage);
        }
        var options = new Options(args[0]);
        for (var i = 1; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"expected --name value at '{args[i]}'\n{Usage}");
            }
            options._values[args[i][2..]] = args[++i];
        }
        return options;
    }

    public string Text(string name, string fallback) => _values.Remove(name, out var v) ? v : fallback;

    public string Required(string name) => _values.Remove(name, out var v) ? v : throw new ArgumentException($"--{name} is required\n{Usage}");

    public int Int(string name, int fallback) => int.Parse(Text(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

    /// <summary>Throws when an option was given that nothing read (a typo would otherwise be ignored).</summary>
    public void EnsureAllRead()
    {
        if (_values.Count > 0)
        {
            throw new ArgumentException($"unknown option --{_values.Keys.First()}\n{Usage}");
        }
    }

    public const string Usage = """
        usage: kafkacompat-eos-trial trial --server path/to/kafkacompat.dll [--librdkafka .deps/librdkafka/librdkafka.so.1]
                   [--records 3000] [--faults 10] [--broker-every 4] [--batch 20] [--dwell-ms 50] [--seed 1] [--catch-up-s 180]
               kafkacompat-eos-trial process --bootstrap host:port --input T --output T --group G --transactional-id X
                   [--batch 20] [--dwell-ms 0] [--librdkafka ...]   (the application the trial kills; runs until killed)
        """;
}
