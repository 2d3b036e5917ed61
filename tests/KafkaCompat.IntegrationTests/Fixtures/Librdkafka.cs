using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace KafkaCompat.IntegrationTests.Fixtures;

/// <summary>
/// Points Confluent.Kafka's P/Invokes at the librdkafka 2.15.1 that test.sh built into .deps/
/// (the librdkafka.redist package is not on this machine's NuGet mirror). A resolver rather than
/// <c>Library.Load(path)</c>, which fails on Debian 12.
/// </summary>
internal static class Librdkafka
{
    private static readonly Lazy<string> Mapped = new(Map);

    /// <summary>Maps the library once; returns librdkafka's version string.</summary>
    public static string EnsureMapped() => Mapped.Value;

    private static string Map()
    {
        var path = RepoPaths.Librdkafka;
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"librdkafka 2.15.1 is not installed at {path}: run ./test.sh, which builds it into .deps/", path);
        }
        // Confluent.Kafka imports "librdkafka" (and distro-specific variants of the name): all are this one file.
        NativeLibrary.SetDllImportResolver(typeof(Library).Assembly, (name, _, _) =>
            name.Contains("librdkafka", StringComparison.Ordinal) ? NativeLibrary.Load(path) : IntPtr.Zero);
        return Library.VersionString;
    }
}
