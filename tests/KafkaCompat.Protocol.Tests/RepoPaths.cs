namespace KafkaCompat.Protocol.Tests;

/// <summary>Locates the repository's folders from the test assembly's location.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string ProtocolSpecs => Path.Combine(Root, "protocol-specs");

    /// <summary>Apache Kafka's own specs, when ../shared sits beside the checkout (as in CI).</summary>
    public static string UpstreamSpecs => Path.Combine(Root, "..", "shared", "kafka-protocol");

    /// <summary>The protocol as of mid-2026 in a compact notation, when ../shared sits beside the checkout.</summary>
    public static string NewerSpecs => Path.Combine(Root, "..", "shared", "kafka-protocol-newer");

    public static string Golden => Path.Combine(AppContext.BaseDirectory, "Golden");

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "KafkaCompat.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("KafkaCompat.sln not found above " + AppContext.BaseDirectory);
    }
}
