using System.Text.Json;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Protocol.Tests;

/// <summary>
/// Request frames captured from real clients (see Golden/README.md): the bytes
/// after the size prefix, and the facts the capture scripts sent.
/// </summary>
public sealed record GoldenFrame(string File, ApiKey ApiKey, short ApiVersion, byte[] Frame, JsonElement Facts)
{
    public RequestHeaderData Header { get; private init; } = new();
    public short HeaderVersion { get; private init; }
    public int HeaderLength { get; private init; }
    public byte[] Body => Frame[HeaderLength..];

    public override string ToString() => File;

    public static GoldenFrame Parse(string file, JsonElement facts)
    {
        var hex = string.Concat(System.IO.File.ReadAllLines(Path.Combine(RepoPaths.Golden, file)).Select(l => l.Trim()));
        var frame = Convert.FromHexString(hex);
        // The header's first two fields say which API and version; that picks the header version.
        var key = (ApiKey)(short)(frame[0] << 8 | frame[1]);
        var version = (short)(frame[2] << 8 | frame[3]);
        var headerVersion = ApiKeys.RequestHeaderVersion(key, version);
        var reader = new KafkaReader(frame);
        var header = new RequestHeaderData();
        header.Read(ref reader, headerVersion);
        return new GoldenFrame(file, key, version, frame, facts)
        {
            Header = header,
            HeaderVersion = headerVersion,
            HeaderLength = reader.Position,
        };
    }

    public static IReadOnlyList<GoldenFrame> Load()
    {
        using var doc = JsonDocument.Parse(System.IO.File.ReadAllText(Path.Combine(RepoPaths.Golden, "golden.json")));
        return doc.RootElement.EnumerateArray()
            .Select(e => Parse(e.GetProperty("file").GetString()!, e.Clone()))
            .ToList();
    }
}
