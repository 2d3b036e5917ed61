using System.Text;

namespace KafkaCompat.Records.Tests;

/// <summary>Data written by independent tools; see Fixtures/README.md for how each file was made.</summary>
public class InteropFixtureTests
{
    [TestCase("input.txt.gz", CompressionType.Gzip)]
    [TestCase("input.txt.xerial-snappy", CompressionType.Snappy)]
    [TestCase("input.txt.lz4", CompressionType.Lz4)]
    [TestCase("input.txt.linked-blocks.lz4", CompressionType.Lz4)]
    [TestCase("input.txt.zst", CompressionType.Zstd)]
    [TestCase("input.txt.streamed.zst", CompressionType.Zstd)]
    public void Decompress_FrameWrittenByAnotherTool(string fixture, CompressionType codec)
    {
        byte[] expected = TestData.Fixture("input.txt");
        byte[] compressed = TestData.Fixture(fixture);

        Assert.That(CompressionCodecsTests.Decompress(codec, compressed, expected.Length), Is.EqualTo(expected));
        Assert.Throws<DecompressionLimitExceededException>(
            () => CompressionCodecsTests.Decompress(codec, compressed, expected.Length - 1));
    }

    [Test]
    public void KafkaPythonBatch_ParsesToTheRecordsItWrote([ValueSource(typeof(TestData), nameof(TestData.AllCodecs))] CompressionType codec)
    {
        byte[] bytes = TestData.Fixture($"kafka-python-batch-{codec.ToString().ToLowerInvariant()}.bin");

        var batch = new RecordBatch(bytes);
        batch.EnsureValid();
        Assert.Multiple(() =>
        {
            Assert.That(batch.Compression, Is.EqualTo(codec));
            Assert.That(batch.BaseOffset, Is.Zero);
            Assert.That(batch.LastOffsetDelta, Is.EqualTo(49));
            Assert.That(batch.RecordCount, Is.EqualTo(50));
            Assert.That(batch.ProducerId, Is.EqualTo(4242));
            Assert.That(batch.ProducerEpoch, Is.EqualTo(7));
            Assert.That(batch.BaseSequence, Is.EqualTo(100));
            Assert.That(batch.BaseTimestamp, Is.EqualTo(1_700_000_000_000));
            Assert.That(batch.MaxTimestamp, Is.EqualTo(1_700_000_000_490));
            Assert.That(batch.TimestampType, Is.EqualTo(TimestampType.CreateTime));
            Assert.That(batch.IsTransactional, Is.False);
            Assert.That(batch.IsControl, Is.False);
        });

        using RecordBatchReader records = batch.OpenRecords(1 << 20);
        int i = 0;
        foreach (Record record in records)
        {
            Assert.That(record.Offset, Is.EqualTo(i));
            Assert.That(record.Timestamp, Is.EqualTo(1_700_000_000_000 + (i * 10)));
            Assert.That(record.Key?.ToArray(), Is.EqualTo(i % 10 == 3 ? null : Encoding.ASCII.GetBytes($"key-{i}")));
            string? expectedValue = i % 10 == 5 ? null : $"{{\"n\": {i}, \"payload\": \"{string.Concat(Enumerable.Repeat("abcdefgh", (i % 5) + 1))}\"}}";
            Assert.That(record.Value is { } v ? Encoding.ASCII.GetString(v.Span) : null, Is.EqualTo(expectedValue));

            var headers = new List<(string, string?)>();
            foreach (RecordHeader header in record.Headers)
            {
                headers.Add((header.KeyString, header.Value is { } hv ? Encoding.ASCII.GetString(hv.Span) : null));
            }

            var expectedHeaders = Enumerable.Range(0, i % 3).Select(j => ($"h{j}", j == 1 ? null : $"v{i + j}")).ToList();
            Assert.That(headers, Is.EqualTo(expectedHeaders), $"record {i}");
            i++;
        }

        Assert.That(i, Is.EqualTo(50));
    }
}
