using System.Buffers;
using System.IO.Hashing;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using KafkaCompat.Records;

namespace KafkaCompat.Benchmarks;

/// <summary>
/// The record layer's hot paths, each over 1 MiB so the GB/s column compares directly: CRC32C,
/// validating a Produce-sized set of batches, iterating their records, and every codec on
/// JSON-like data (compress reads 1 MiB, decompress writes 1 MiB).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(RecordsBenchmarksConfig))]
public class RecordsBenchmarks
{
    public const int PayloadBytes = 1 << 20;

    private readonly ArrayBufferWriter<byte> _output = new(2 * PayloadBytes);
    private readonly Dictionary<CompressionType, byte[]> _compressed = [];
    private byte[] _random = [];
    private byte[] _json = [];
    private byte[] _batches = [];

    public static IEnumerable<CompressionType> Codecs =>
        [CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd];

    [GlobalSetup]
    public void Setup()
    {
        _random = new byte[PayloadBytes];
        new Random(42).NextBytes(_random);
        _json = JsonLines(PayloadBytes);
        _batches = BatchSet(PayloadBytes);
        foreach (CompressionType codec in Codecs)
        {
            var compressed = new ArrayBufferWriter<byte>();
            CompressionCodecs.Compress(codec, _json, compressed);
            _compressed[codec] = compressed.WrittenSpan.ToArray();
        }
    }

    [Benchmark]
    public uint Crc32C_1MiB() => Crc32C.Compute(_random);

    [Benchmark]
    public uint Crc32C_Software_1MiB() => Crc32C.ComputeSoftware(_random);

    /// <summary>The library alternative to <see cref="Crc32C"/>, kept here to re-check the choice (see Crc32C.cs).</summary>
    [Benchmark]
    public uint Crc32C_SystemIOHashing_1MiB() => Crc32.HashToUInt32(Crc32ParameterSet.Crc32C, _random);

    /// <summary>What the broker does for a Produce request: split into batches and check every CRC.</summary>
    [Benchmark]
    public int ValidateBatches_1MiB() => new RecordBatchSet(_batches).EnsureValid();

    [Benchmark]
    public long IterateRecords_1MiB()
    {
        long sum = 0;
        foreach (RecordBatch batch in new RecordBatchSet(_batches))
        {
            using RecordBatchReader records = batch.OpenRecords(PayloadBytes);
            foreach (Record record in records)
            {
                sum += record.Offset + record.ValueSpan.Length;
            }
        }

        return sum;
    }

    [Benchmark]
    [ArgumentsSource(nameof(Codecs))]
    public int Compress_1MiB(CompressionType codec)
    {
        _output.ResetWrittenCount();
        return CompressionCodecs.Compress(codec, _json, _output);
    }

    [Benchmark]
    [ArgumentsSource(nameof(Codecs))]
    public int Decompress_1MiB(CompressionType codec)
    {
        _output.ResetWrittenCount();
        return CompressionCodecs.Decompress(codec, _compressed[codec], _output, 2 * PayloadBytes);
    }

    internal static byte[] JsonLines(int length)
    {
        var random = new Random(7);
        string[] events = ["page_view", "add_to_cart", "checkout", "search"];
        var text = new System.Text.StringBuilder(length + 256);
        for (int i = 0; text.Length < length; i++)
        {
            text.Append("{\"eventId\":\"").Append(Guid.CreateVersion7(DateTimeOffset.UnixEpoch.AddSeconds(i)).ToString()).Append('"')
                .Append(",\"userId\":").Append(random.Next(100_000))
                .Append(",\"type\":\"").Append(events[random.Next(events.Length)]).Append('"')
                .Append(",\"ts\":").Append(1_700_000_000_000L + (i * 13))
                .Append(",\"price\":").Append(random.Next(100_000) / 100.0)
                .Append(",\"country\":\"").Append(random.Next(2) == 0 ? "DE" : "US").Append("\"}\n");
        }

        return System.Text.Encoding.ASCII.GetBytes(text.ToString())[..length];
    }

    // About 16 KiB per batch (the Java producer's default batch.size) of 200-byte records, adding
    // batches while another 16 KiB still fits in the buffer, so the set is close to 1 MiB.
    private static byte[] BatchSet(int length)
    {
        byte[] json = JsonLines(length);
        var output = new ArrayBufferWriter<byte>(length);
        int source = 0;
        long offset = 0;
        while (true)
        {
            using var builder = new RecordBatchBuilder { BaseOffset = offset, ProducerId = 1000, ProducerEpoch = 0, BaseSequence = (int)offset };
            for (int i = 0; i < 80; i++)
            {
                builder.Append(1_700_000_000_000 + offset, null, json.AsMemory(source % (length - 200), 200));
                source += 200;
                offset++;
            }

            if (output.WrittenCount + (16 * 1024) > length)
            {
                return output.WrittenSpan.ToArray();
            }

            builder.WriteTo(output);
        }
    }
}

/// <summary>Adds a GB/s column: every benchmark here processes <see cref="RecordsBenchmarks.PayloadBytes"/> per operation.</summary>
public sealed class RecordsBenchmarksConfig : ManualConfig
{
    public RecordsBenchmarksConfig() => AddColumn(new ThroughputColumn());

    private sealed class ThroughputColumn : IColumn
    {
        public string Id => nameof(ThroughputColumn);

        public string ColumnName => "GB/s";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "Throughput: 1 MiB per operation / Mean, in 10^9 bytes per second";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            double? meanNanoseconds = summary[benchmarkCase]?.ResultStatistics?.Mean;
            return meanNanoseconds is > 0 ? (RecordsBenchmarks.PayloadBytes / meanNanoseconds.Value).ToString("0.00") : "-";
        }

        public bool IsAvailable(Summary summary) => true;

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    }
}
