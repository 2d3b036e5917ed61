using System.Buffers;
using BenchmarkDotNet.Attributes;
using KafkaCompat.Records;

namespace KafkaCompat.Benchmarks;

/// <summary>
/// The legacy formats: down-converting record batches v2 to magic 1 for Fetch v0-3 (the one path
/// where fetched bytes are re-encoded) and up-converting a Produce v2 message set, over 1 MiB of
/// 1 KiB record values in 16 KiB batches (the Java producer's default batch.size), each codec;
/// and CRC-32 (IEEE), the legacy message checksum, over 1 MiB.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(RecordsBenchmarksConfig))]
public class DownConversionBenchmarks
{
    private const int RecordBytes = 1024;
    private const int RecordsPerBatch = 16;

    private readonly ArrayBufferWriter<byte> _output = new(4 * RecordsBenchmarks.PayloadBytes);
    private readonly Dictionary<CompressionType, byte[]> _batches = [];
    private readonly Dictionary<CompressionType, byte[]> _messageSets = [];
    private byte[] _random = [];

    public static IEnumerable<CompressionType> Codecs =>
        [CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4];

    [GlobalSetup]
    public void Setup()
    {
        _random = new byte[RecordsBenchmarks.PayloadBytes];
        new Random(42).NextBytes(_random);
        byte[] values = RecordsBenchmarks.JsonLines(RecordsBenchmarks.PayloadBytes);
        foreach (CompressionType codec in Codecs)
        {
            var batches = new ArrayBufferWriter<byte>();
            for (int offset = 0; offset * RecordBytes < values.Length; offset += RecordsPerBatch)
            {
                using var builder = new RecordBatchBuilder(codec) { BaseOffset = offset };
                for (int i = 0; i < RecordsPerBatch; i++)
                {
                    builder.Append(1_700_000_000_000 + offset + i, null, values.AsMemory((offset + i) * RecordBytes, RecordBytes));
                }

                builder.WriteTo(batches);
            }

            _batches[codec] = batches.WrittenSpan.ToArray();
            var messageSet = new ArrayBufferWriter<byte>();
            RecordBatchDownConverter.Convert(_batches[codec], 0, 1, int.MaxValue, false, messageSet, int.MaxValue);
            _messageSets[codec] = messageSet.WrittenSpan.ToArray();
        }
    }

    [Benchmark]
    public uint Crc32Ieee_1MiB() => Crc32Ieee.Compute(_random);

    /// <summary>A Fetch v2-3 answer: every batch re-encoded as magic 1 messages (or one wrapper per batch).</summary>
    [Benchmark]
    [ArgumentsSource(nameof(Codecs))]
    public int DownConvertToMagic1_1MiB(CompressionType codec)
    {
        _output.ResetWrittenCount();
        return RecordBatchDownConverter.Convert(_batches[codec], 0, 1, int.MaxValue, false, _output, int.MaxValue);
    }

    /// <summary>A Produce v2 request: one message set (a wrapper when compressed) of a batch's records to a record batch v2.</summary>
    [Benchmark]
    [ArgumentsSource(nameof(Codecs))]
    public int UpConvertFromMagic1_1MiB(CompressionType codec)
    {
        _output.ResetWrittenCount();
        int records = 0;
        ReadOnlyMemory<byte> remaining = _messageSets[codec];
        var messages = new LegacyMessageEnumerator(remaining);
        if (codec != CompressionType.None)
        {
            // One wrapper per produce partition, as a producer sends it.
            while (messages.MoveNext())
            {
                records += LegacyMessageSetConverter.ToRecordBatch(messages.Current.Memory, _output, int.MaxValue);
            }

            return records;
        }

        return LegacyMessageSetConverter.ToRecordBatch(remaining, _output, int.MaxValue);
    }
}
