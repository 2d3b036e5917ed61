using System.Buffers.Binary;
using System.Globalization;
using KafkaCompat.Records;

namespace KafkaCompat.Storage;

/// <summary>
/// <c>&lt;offset&gt;.snapshot</c>: the producer state as of that offset (everything before it applied),
/// so opening a log replays only the batches after the latest snapshot. Format (big-endian):
/// version int16, CRC32C uint32 of the rest, producer count int32, then per producer: id int64,
/// epoch int16, last timestamp int64, coordinator epoch int32, current transaction first offset
/// int64 (-1 when none: the fields Kafka's snapshots keep for transactions), batch count int32 and
/// per batch: first sequence int32, last sequence int32, first offset int64, last offset int64,
/// timestamp int64. Version 1 (written before transactions) lacks the two transaction fields.
/// </summary>
internal static class ProducerSnapshotFile
{
    public const string Extension = ".snapshot";

    private const short Version = 2;
    private const short VersionWithoutTransactions = 1;
    private const int HeaderSize = 2 + 4 + 4;
    private const int EntrySize = 8 + 2 + 8 + 4 + 8 + 4;
    private const int EntrySizeWithoutTransactions = 8 + 2 + 8 + 4;
    private const int BatchSize = 4 + 4 + 8 + 8 + 8;

    public static string PathFor(string directory, long offset) =>
        Path.Combine(directory, offset.ToString("D20", CultureInfo.InvariantCulture) + Extension);

    /// <summary>The snapshot files of a directory with their offsets, newest first.</summary>
    public static List<(long Offset, string Path)> List(IFileSystem fileSystem, string directory)
    {
        var snapshots = new List<(long, string)>();
        foreach (string path in fileSystem.ListFiles(directory))
        {
            if (LogSegment.TryParseBaseOffset(Path.GetFileName(path), Extension, out long offset))
            {
                snapshots.Add((offset, path));
            }
        }

        snapshots.Sort((a, b) => b.Item1.CompareTo(a.Item1));
        return snapshots;
    }

    public static void Write(IFileSystem fileSystem, string directory, long offset, ProducerStateManager state)
    {
        int size = HeaderSize;
        foreach (ProducerStateEntry entry in state.Entries)
        {
            size += EntrySize + (entry.Batches.Count * BatchSize);
        }

        byte[] content = new byte[size];
        Span<byte> span = content;
        BinaryPrimitives.WriteInt16BigEndian(span, Version);
        BinaryPrimitives.WriteInt32BigEndian(span[6..], state.Count);
        int position = HeaderSize;
        foreach (ProducerStateEntry entry in state.Entries)
        {
            BinaryPrimitives.WriteInt64BigEndian(span[position..], entry.ProducerId);
            BinaryPrimitives.WriteInt16BigEndian(span[(position + 8)..], entry.ProducerEpoch);
            BinaryPrimitives.WriteInt64BigEndian(span[(position + 10)..], entry.LastTimestamp);
            BinaryPrimitives.WriteInt32BigEndian(span[(position + 18)..], entry.CoordinatorEpoch);
            BinaryPrimitives.WriteInt64BigEndian(span[(position + 22)..], entry.CurrentTxnFirstOffset);
            BinaryPrimitives.WriteInt32BigEndian(span[(position + 30)..], entry.Batches.Count);
            position += EntrySize;
            foreach (BatchMetadata batch in entry.Batches)
            {
                BinaryPrimitives.WriteInt32BigEndian(span[position..], batch.FirstSequence);
                BinaryPrimitives.WriteInt32BigEndian(span[(position + 4)..], batch.LastSequence);
                BinaryPrimitives.WriteInt64BigEndian(span[(position + 8)..], batch.FirstOffset);
                BinaryPrimitives.WriteInt64BigEndian(span[(position + 16)..], batch.LastOffset);
                BinaryPrimitives.WriteInt64BigEndian(span[(position + 24)..], batch.Timestamp);
                position += BatchSize;
            }
        }

        BinaryPrimitives.WriteUInt32BigEndian(span[2..], Crc32C.Compute(span[6..]));
        fileSystem.WriteAllAtomic(PathFor(directory, offset), content);
    }

    /// <summary>Loads a snapshot into <paramref name="state"/>; false (state untouched) when it is torn or corrupt.</summary>
    public static bool TryRead(IFileSystem fileSystem, string path, ProducerStateManager state)
    {
        byte[] content = fileSystem.ReadAll(path);
        ReadOnlySpan<byte> span = content;
        if (span.Length < HeaderSize
            || BinaryPrimitives.ReadInt16BigEndian(span) is not (Version or VersionWithoutTransactions)
            || BinaryPrimitives.ReadUInt32BigEndian(span[2..]) != Crc32C.Compute(span[6..]))
        {
            return false;
        }

        bool hasTransactions = BinaryPrimitives.ReadInt16BigEndian(span) == Version;
        int entrySize = hasTransactions ? EntrySize : EntrySizeWithoutTransactions;

        int count = BinaryPrimitives.ReadInt32BigEndian(span[6..]);
        var entries = new List<ProducerStateEntry>(Math.Max(0, Math.Min(count, span.Length / entrySize)));
        int position = HeaderSize;
        for (int i = 0; i < count; i++)
        {
            if (span.Length - position < entrySize)
            {
                return false;
            }

            var entry = new ProducerStateEntry(BinaryPrimitives.ReadInt64BigEndian(span[position..]), BinaryPrimitives.ReadInt16BigEndian(span[(position + 8)..]));
            long lastTimestamp = BinaryPrimitives.ReadInt64BigEndian(span[(position + 10)..]);
            int coordinatorEpoch = hasTransactions ? BinaryPrimitives.ReadInt32BigEndian(span[(position + 18)..]) : -1;
            long currentTxnFirstOffset = hasTransactions ? BinaryPrimitives.ReadInt64BigEndian(span[(position + 22)..]) : -1;
            int batchCount = BinaryPrimitives.ReadInt32BigEndian(span[(position + entrySize - 4)..]);
            position += entrySize;
            if (batchCount < 0 || batchCount > ProducerStateEntry.MaxRetainedBatches || span.Length - position < batchCount * BatchSize)
            {
                return false;
            }

            var batches = new BatchMetadata[batchCount];
            for (int b = 0; b < batchCount; b++)
            {
                batches[b] = new BatchMetadata(
                    BinaryPrimitives.ReadInt32BigEndian(span[position..]),
                    BinaryPrimitives.ReadInt32BigEndian(span[(position + 4)..]),
                    BinaryPrimitives.ReadInt64BigEndian(span[(position + 8)..]),
                    BinaryPrimitives.ReadInt64BigEndian(span[(position + 16)..]),
                    BinaryPrimitives.ReadInt64BigEndian(span[(position + 24)..]));
                position += BatchSize;
            }

            entry.Restore(lastTimestamp, coordinatorEpoch, currentTxnFirstOffset, batches);
            entries.Add(entry);
        }

        state.Clear();
        foreach (ProducerStateEntry entry in entries)
        {
            state.Restore(entry);
        }

        return true;
    }
}
