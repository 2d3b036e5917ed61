using KafkaCompat.ProtocolGen.CodeGen;
using KafkaCompat.ProtocolGen.Spec;

namespace KafkaCompat.ProtocolGen;

/// <summary>Turns a folder of specs into C# sources (file name -> contents).</summary>
public static class Generator
{
    /// <summary>
    /// Specs in a sub-folder named like Kafka's source modules land in their own namespace:
    /// coordinator records, KRaft metadata records, raft state; everything else is a message.
    /// </summary>
    public static string NamespaceFor(string specFolder, string specPath)
    {
        var relative = Path.GetRelativePath(specFolder, Path.GetDirectoryName(specPath)!);
        return relative.Split(Path.DirectorySeparatorChar)[0] switch
        {
            "coordinator" => "KafkaCompat.Protocol.Coordinator",
            "metadata" => "KafkaCompat.Protocol.Metadata",
            "raft" => "KafkaCompat.Protocol.Raft",
            _ => "KafkaCompat.Protocol.Messages",
        };
    }

    public static IReadOnlyDictionary<string, string> Generate(string specFolder)
    {
        var models = SpecReader.ReadFolder(specFolder)
            .Select(x => new MessageModel(x.Spec, NamespaceFor(specFolder, x.Path)))
            .ToList();
        var output = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var model in models)
        {
            var file = $"{model.Namespace[("KafkaCompat.Protocol.".Length)..]}.{model.Root.ClassName}.g.cs";
            if (!output.TryAdd(file, MessageGenerator.Generate(model)))
            {
                throw new FormatException($"two specs generate {file}");
            }
        }
        var apis = ApiKeysGenerator.Pair(models);
        if (apis.Count > 0)
        {
            output["ApiKeys.g.cs"] = ApiKeysGenerator.Generate(apis);
        }
        if (models.Any(m => m.Spec.Type == "metadata"))
        {
            output["Metadata.MetadataRecordType.g.cs"] = MetadataRecordsGenerator.Generate(models);
        }
        return output;
    }
}
