using System.Text;

namespace KafkaCompat.Records.Tests;

internal static class TestData
{
    public static readonly CompressionType[] AllCodecs =
        [CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd];

    public static readonly CompressionType[] CompressingCodecs =
        [CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd];

    public static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>JSON-ish event lines: repetitive like real payloads, so codecs have something to find.</summary>
    public static byte[] Compressible(int length, int seed)
    {
        var random = new Random(seed);
        string[] events = ["click", "view", "purchase", "scroll"];
        var text = new StringBuilder(length + 200);
        for (int i = 0; text.Length < length; i++)
        {
            text.Append("{\"id\":").Append(i)
                .Append(",\"user\":\"user-").Append(random.Next(1000)).Append('"')
                .Append(",\"event\":\"").Append(events[random.Next(events.Length)]).Append('"')
                .Append(",\"amount\":").Append(random.Next(50_000) / 100.0)
                .Append("}\n");
        }

        return Encoding.ASCII.GetBytes(text.ToString())[..length];
    }

    public static string FixturePath(string name) => Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", name);

    public static byte[] Fixture(string name) => File.ReadAllBytes(FixturePath(name));
}
