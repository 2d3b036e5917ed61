using KafkaCompat.ProtocolGen;
using KafkaCompat.ProtocolGen.Spec;

// kafkacompat-protocolgen generate <spec folder> <output folder>
//   Emits the C# serializers (run by src/KafkaCompat.Protocol's build).
// kafkacompat-protocolgen facts <upstream spec folder> <output folder>
//   Writes the wire facts of each upstream spec (no comments, no prose) in the
//   project's canonical layout: how protocol-specs/ is refreshed when Kafka adds versions.
if (args.Length != 3 || args[0] is not ("generate" or "facts"))
{
    Console.Error.WriteLine("usage: KafkaCompat.ProtocolGen generate|facts <spec folder> <output folder>");
    return 2;
}
var (command, input, output) = (args[0], Path.GetFullPath(args[1]), Path.GetFullPath(args[2]));
try
{
    if (command == "generate")
    {
        var files = Generator.Generate(input);
        Directory.CreateDirectory(output);
        foreach (var stale in Directory.EnumerateFiles(output, "*.g.cs").Where(f => !files.ContainsKey(Path.GetFileName(f))))
        {
            File.Delete(stale);
        }
        foreach (var (name, text) in files)
        {
            var path = Path.Combine(output, name);
            // Rewrite only what changed, so an unchanged spec does not force a recompile downstream.
            if (!File.Exists(path) || File.ReadAllText(path) != text)
            {
                File.WriteAllText(path, text);
            }
        }
        Console.WriteLine($"KafkaCompat.ProtocolGen: {files.Count} files in {output}");
    }
    else
    {
        var count = 0;
        foreach (var (path, spec) in SpecReader.ReadFolder(input))
        {
            var target = Path.Combine(output, Path.GetRelativePath(input, path));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.WriteAllText(target, SpecFactsWriter.Write(spec));
            count++;
        }
        Console.WriteLine($"KafkaCompat.ProtocolGen: wire facts of {count} specs written to {output}");
    }
    return 0;
}
catch (FormatException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
