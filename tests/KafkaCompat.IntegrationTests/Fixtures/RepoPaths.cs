using System.Reflection;

namespace KafkaCompat.IntegrationTests.Fixtures;

/// <summary>Locates the repository and what the solution build and test.sh put into it.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>Where test.sh installs librdkafka 2.15.1 (git-ignored).</summary>
    public static string Librdkafka => Path.Combine(Root, ".deps", "librdkafka", "librdkafka.so.1");

    /// <summary>The kafkacompat executable of the same configuration (Debug/Release) as these tests.</summary>
    public static string ServerDll => Path.Combine(Root, "src", "KafkaCompat.Server", "bin", Configuration, "net10.0", "kafkacompat.dll");

    /// <summary>The exactly-once fault trial (tools/KafkaCompat.EosTrial) of the same configuration.</summary>
    public static string EosTrialDll => Path.Combine(Root, "tools", "KafkaCompat.EosTrial", "bin", Configuration, "net10.0", "kafkacompat-eos-trial.dll");

    /// <summary>Where test.sh and compat-tests/run.sh install the JavaScript clients (git-ignored): pass to a script as its modules folder.</summary>
    public static string NodeClients => Path.Combine(Root, "compat-tests", ".deps", "node");

    public static string Scripts => Path.Combine(AppContext.BaseDirectory, "scripts");

    private static string Configuration =>
        typeof(RepoPaths).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration is { Length: > 0 } configuration
            ? configuration
            : "Release";

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
