using System.Collections;
using KafkaCompat.Broker.Config;
using KafkaCompat.Protocol;
using KafkaCompat.Storage;

namespace KafkaCompat.Server.Storage;

/// <summary>
/// <c>kafkacompat storage</c>, Kafka's <c>kafka-storage.sh</c> with its commands, options (long and
/// short), output and exit codes: <c>random-uuid</c>; <c>format -t CLUSTER_ID -c server.properties
/// [--standalone | --initial-controllers ... | --no-initial-controllers] [--ignore-formatted]
/// [--release-version V] [--feature k=v]... [--add-scram ...]</c>; <c>info -c server.properties</c>.
/// Exit code 0 on success, 1 on any failure (a usage error prints the usage first, as argparse4j does).
/// </summary>
public static class StorageTool
{
    private const string Prog = "kafkacompat storage";
    private const string Usage = "usage: " + Prog + " [-h] {info,format,random-uuid} ...";

    private static readonly Option[] FormatOptions =
    [
        new("--config", "-c", TakesValue: true),
        new("--cluster-id", "-t", TakesValue: true),
        new("--add-scram", "-S", TakesValue: true),
        new("--ignore-formatted", "-g", TakesValue: false),
        new("--release-version", "-r", TakesValue: true),
        new("--feature", "-f", TakesValue: true),
        new("--standalone", "-s", TakesValue: false),
        new("--no-initial-controllers", "-N", TakesValue: false),
        new("--initial-controllers", "-I", TakesValue: true),
    ];

    private static readonly Option[] InfoOptions = [new("--config", "-c", TakesValue: true)];

    // Kafka's mutually exclusive group, in its order.
    private static readonly string[] QuorumOptions = ["--standalone", "--no-initial-controllers", "--initial-controllers"];

    public static int Run(string[] args, TextWriter output, TextWriter error, IFileSystem? fileSystem = null, TimeProvider? time = null)
    {
        fileSystem ??= new DiskFileSystem();
        try
        {
            if (args.Length == 0)
            {
                return UsageError(error, "too few arguments");
            }
            if (args[0] is "-h" or "--help")
            {
                output.WriteLine(Usage);
                output.WriteLine();
                output.WriteLine("The Kafka storage tool.");
                output.WriteLine();
                output.WriteLine("  info         Get information about the Kafka log directories on this node.");
                output.WriteLine("  format       Format the Kafka log directories on this node.");
                output.WriteLine("  random-uuid  Print a random UUID.");
                return 0;
            }
            if (args.Skip(1).Any(a => a is "-h" or "--help"))
            {
                // As argparse4j's help: the command's options, exit code 0.
                var options = args[0] switch { "format" => FormatOptions, "info" => InfoOptions, _ => [] };
                output.WriteLine($"usage: {Prog} {args[0]} [-h] {string.Join(" ", options.Select(o => o.TakesValue ? $"[{o.Long} {o.Long.TrimStart('-').Replace('-', '_').ToUpperInvariant()}]" : $"[{o.Long}]"))}");
                return 0;
            }
            switch (args[0])
            {
                case "random-uuid":
                    Parse(args[1..], []);
                    output.WriteLine(Uuid.NewRandom());
                    return 0;
                case "info":
                {
                    var parsed = Parse(args[1..], InfoOptions, "--config");
                    var config = LoadConfig(parsed.Single("--config")!);
                    var directories = new SortedSet<string>(config.LogDirs, StringComparer.Ordinal) { config.MetadataLogDir };
                    return StorageInfo.Run(fileSystem, directories, output);
                }
                case "format":
                {
                    var parsed = Parse(args[1..], FormatOptions, "--config", "--cluster-id");
                    var given = parsed.Order.Where(QuorumOptions.Contains).ToList();
                    if (given.Count > 1)
                    {
                        throw new ArgumentParseException($"argument {Names(given[1])}: not allowed with argument {Names(given[0])}");
                    }
                    var config = LoadConfig(parsed.Single("--config")!);
                    new StorageFormatter(fileSystem, time ?? TimeProvider.System, output).Run(config, new FormatRequest
                    {
                        ClusterId = parsed.Single("--cluster-id")!,
                        IgnoreFormatted = parsed.Values.ContainsKey("--ignore-formatted"),
                        ReleaseVersion = parsed.Single("--release-version"),
                        Features = parsed.All("--feature"),
                        Standalone = parsed.Values.ContainsKey("--standalone"),
                        InitialControllers = parsed.Single("--initial-controllers"),
                        NoInitialControllers = parsed.Values.ContainsKey("--no-initial-controllers"),
                        AddScram = parsed.All("--add-scram"),
                    });
                    return 0;
                }
                default:
                    throw new ArgumentParseException($"argument command: invalid choice: '{args[0]}' (choose from 'info', 'format', 'random-uuid')");
            }
        }
        catch (ArgumentParseException e)
        {
            return UsageError(error, e.Message);
        }
        catch (Exception e) when (e is StorageToolException or ConfigException or ArgumentException or InvalidOperationException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine(e.Message);
            return 1;
        }
    }

    private static int UsageError(TextWriter error, string message)
    {
        error.WriteLine(Usage);
        error.WriteLine($"{Prog}: error: {message}");
        return 1;
    }

    /// <summary>The server.properties as Kafka's storage tool reads it: the file alone, no environment or overrides.</summary>
    private static BrokerConfig LoadConfig(string path) => ConfigLoader.Load([path], new Hashtable()).Config;

    private static string Names(string longName)
    {
        var option = FormatOptions.First(o => o.Long == longName);
        return $"{option.Long}/{option.Short}";
    }

    private static ParsedArguments Parse(string[] args, Option[] options, params string[] required)
    {
        var values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var order = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            string? inline = null;
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && equals > 0)
            {
                inline = arg[(equals + 1)..];
                arg = arg[..equals];
            }
            var option = options.FirstOrDefault(o => o.Long == arg || o.Short == arg)
                ?? throw new ArgumentParseException($"unrecognized arguments: '{args[i]}'");
            string value = "";
            if (option.TakesValue)
            {
                if (inline is null && i + 1 >= args.Length)
                {
                    throw new ArgumentParseException($"argument {option.Long}/{option.Short}: expected one argument");
                }
                value = inline ?? args[++i];
            }
            if (!values.TryGetValue(option.Long, out var list))
            {
                values[option.Long] = list = [];
                order.Add(option.Long);
            }
            list.Add(value);
        }
        foreach (var name in required.Where(r => !values.ContainsKey(r)))
        {
            var option = options.First(o => o.Long == name);
            throw new ArgumentParseException($"argument {option.Long}/{option.Short} is required");
        }
        return new ParsedArguments(values, order);
    }

    private sealed record Option(string Long, string Short, bool TakesValue);

    /// <param name="Values">Each option's values, by long name.</param>
    /// <param name="Order">The options in the order they were first given (argparse4j names a conflict by it).</param>
    private sealed record ParsedArguments(Dictionary<string, List<string>> Values, List<string> Order)
    {
        /// <summary>A single-valued option: the last one given wins, as with argparse4j's store.</summary>
        public string? Single(string name) => Values.TryGetValue(name, out var list) ? list[^1] : null;

        public IReadOnlyList<string> All(string name) => Values.TryGetValue(name, out var list) ? list : [];
    }

    private sealed class ArgumentParseException(string message) : Exception(message);
}
