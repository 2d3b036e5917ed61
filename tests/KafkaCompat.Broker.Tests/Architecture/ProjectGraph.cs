using System.Reflection;
using System.Xml.Linq;

namespace KafkaCompat.Broker.Tests.Architecture;

/// <summary>
/// The references between the repository's projects, read two ways: as the .csproj files declare
/// them, and as the compiled assemblies record them (what the code really uses).
/// </summary>
internal static class ProjectGraph
{
    /// <summary>The source projects, by assembly name (the server's executable is named kafkacompat).</summary>
    public static IReadOnlyDictionary<string, string> ProjectByAssemblyName { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["KafkaCompat.Protocol"] = "KafkaCompat.Protocol",
        ["KafkaCompat.Records"] = "KafkaCompat.Records",
        ["KafkaCompat.Storage"] = "KafkaCompat.Storage",
        ["KafkaCompat.Network"] = "KafkaCompat.Network",
        ["KafkaCompat.Raft"] = "KafkaCompat.Raft",
        ["KafkaCompat.Broker"] = "KafkaCompat.Broker",
        ["kafkacompat"] = "KafkaCompat.Server",
    };

    public static string Root { get; } = FindRoot();

    /// <summary>Every .csproj below <paramref name="folder"/> (src, tools, tests) by project name.</summary>
    public static IReadOnlyDictionary<string, string> ProjectFiles(string folder) =>
        Directory.GetFiles(Path.Combine(Root, folder), "*.csproj", SearchOption.AllDirectories)
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToDictionary(path => Path.GetFileNameWithoutExtension(path), StringComparer.Ordinal);

    /// <summary>
    /// The projects a .csproj references for their assembly. A reference with
    /// ReferenceOutputAssembly="false" (Protocol's code generator, run at build time) is left out.
    /// </summary>
    public static IReadOnlyList<string> ProjectReferences(string csproj)
    {
        var project = XDocument.Load(csproj);
        var properties = project.Descendants("PropertyGroup").Elements()
            .GroupBy(p => p.Name.LocalName)
            .ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);
        properties["MSBuildThisFileDirectory"] = Path.GetDirectoryName(csproj) + Path.DirectorySeparatorChar;
        return project.Descendants("ProjectReference")
            .Where(r => !string.Equals((string?)r.Attribute("ReferenceOutputAssembly"), "false", StringComparison.OrdinalIgnoreCase))
            .Select(r => Path.GetFileNameWithoutExtension(Expand((string)r.Attribute("Include")!, properties).Replace('\\', '/')))
            .ToList();
    }

    /// <summary>Package, framework and file references of a .csproj: anything beyond the base class library.</summary>
    public static IReadOnlyList<string> OtherReferences(string csproj) =>
        XDocument.Load(csproj).Descendants()
            .Where(e => e.Name.LocalName is "PackageReference" or "FrameworkReference" or "Reference")
            .Select(e => $"{e.Name.LocalName} {(string?)e.Attribute("Include")}")
            .ToList();

    /// <summary>The source projects a compiled assembly references (by project name).</summary>
    public static IReadOnlyList<string> CompiledReferences(Assembly assembly) =>
        assembly.GetReferencedAssemblies()
            .Select(name => ProjectByAssemblyName.GetValueOrDefault(name.Name!))
            .OfType<string>()
            .ToList();

    private static string Expand(string value, IReadOnlyDictionary<string, string> properties)
    {
        for (var depth = 0; depth < 5 && value.Contains("$(", StringComparison.Ordinal); depth++)
        {
            foreach (var (name, replacement) in properties)
            {
                value = value.Replace($"$({name})", replacement, StringComparison.Ordinal);
            }
        }
        return value;
    }

    internal static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "KafkaCompat.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("KafkaCompat.sln not found above " + AppContext.BaseDirectory);
    }
}
