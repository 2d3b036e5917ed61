using System.Collections.Concurrent;
using System.Text;
using KafkaCompat.Records;

namespace KafkaCompat.Storage.Tests;

public class CleanerConcurrencyTests
{
    [Test]
    public void ReadersRunningWhileSegmentsAreSwapped_AlwaysReadAWholeValidLog_ThatNeverGoesBack()
    {
        const int Keys = 20;
        const int Rounds = 60;
        using var fixture = new LogFixture(Compacted.Config);
        using LogCleaner cleaner = Compacted.CleanerFor(fixture);
        var failures = new ConcurrentQueue<string>();
        int reads = 0;
        using var done = new CancellationTokenSource();
        int[] newestSeen = [.. Enumerable.Repeat(-1, Keys)];
        Task reader = Task.Run(() =>
        {
            while (!done.IsCancellationRequested)
            {
                // Bounded by the log end as the read finds it: a high watermark taken before the read may be
                // older than a clean that removed every record below it, and then the read is rightly empty.
                PartitionLog log = fixture.Log;
                using LogReadResult read = log.Read(log.LogStartOffset, int.MaxValue / 2, long.MaxValue, minOneBatch: true);
                if (CheckRead(read.Records.ToArray(), newestSeen) is { } failure)
                {
                    failures.Enqueue(failure);
                    return;
                }

                Interlocked.Increment(ref reads);
            }
        });

        long timestamp = 0;
        int cleans = 0;
        for (int round = 0; round < Rounds && failures.IsEmpty; round++)
        {
            for (int key = 0; key < Keys; key += 4)
            {
                fixture.Append(Compacted.Batch(timestamp += 1_000, [.. Enumerable.Range(key, 4).Select(k => ($"k{k}", (string?)$"{round}"))]));
            }

            cleans += cleaner.CleanFilthiestLog() is null ? 0 : 1;
        }

        done.Cancel();
        reader.Wait();
        Assert.That(failures, Is.Empty);
        Assert.That(cleans, Is.EqualTo(Rounds));
        Assert.That(reads, Is.GreaterThan(0));
        Assert.That(Compacted.Records(fixture).Count(r => r.EndsWith($"={Rounds - 1}")), Is.EqualTo(Keys), "every key's last value is there");
    }

    [Test]
    public void ASwap_IsRefused_WhenRetentionRemovedOneOfTheSegmentsMeanwhile()
    {
        using var fixture = new LogFixture(Compacted.Config with { CleanupPolicy = ["compact", "delete"], RetentionMs = 10_000 });
        long now = fixture.Time.NowMs;
        fixture.Append(Compacted.Batch(now - 20_000, ("a", "1")));
        fixture.Append(Compacted.Batch(now, ("a", "2")));
        fixture.Append(Compacted.Batch(now + 1_000, ("b", "1")));
        LogSegment first = fixture.Log.Segments[0];

        Assert.That(fixture.Log.ApplyRetention(now), Is.EqualTo(1));
        bool swapped = fixture.Log.ReplaceSegments([first], () => throw new AssertionException("a stale swap must not start"));

        Assert.That(swapped, Is.False);
        Assert.That(Compacted.Records(fixture), Is.EqualTo(new[] { "1:a=2", "2:b=1" }));
    }

    /// <summary>Null when the read is whole and valid and no key's newest value is older than in an earlier read.</summary>
    private static string? CheckRead(byte[] records, int[] newestSeen)
    {
        long lastOffset = -1;
        var newest = new int[newestSeen.Length];
        Array.Fill(newest, -1);
        foreach (RecordBatch batch in new RecordBatchSet(records))
        {
            if (!batch.IsValidCrc() || batch.BaseOffset <= lastOffset)
            {
                return $"batch at {batch.BaseOffset} after {lastOffset}: CRC valid {batch.IsValidCrc()}";
            }

            lastOffset = batch.LastOffset;
            using RecordBatchReader reader = batch.OpenRecords(int.MaxValue);
            foreach (Record record in reader)
            {
                int key = int.Parse(Encoding.UTF8.GetString(record.KeySpan)[1..]);
                newest[key] = Math.Max(newest[key], int.Parse(Encoding.UTF8.GetString(record.ValueSpan)));
            }
        }

        for (int key = 0; key < newest.Length; key++)
        {
            if (newest[key] < newestSeen[key])
            {
                return $"key k{key}: newest value {newest[key]} after {newestSeen[key]} was read";
            }

            newestSeen[key] = newest[key];
        }

        return null;
    }
}
