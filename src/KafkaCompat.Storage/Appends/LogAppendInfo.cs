using System.Diagnostics.CodeAnalysis;
using KafkaCompat.Protocol;
using KafkaCompat.Records;

namespace KafkaCompat.Storage;

/// <summary>
/// Kafka's LogAppendInfo: what one walk over the batch headers of an append found, batch by batch
/// (<see cref="BatchInfo"/>) and in sum, so nothing after that walk parses a header again. A Produce
/// builds it while <c>LogValidator</c> walks the batches (<see cref="TryAdd"/>); an append from
/// inside the broker (coordinators, the metadata log) gets it from <see cref="TryAnalyze"/>.
/// </summary>
/// <remarks>
/// max.message.bytes is checked here and nowhere else: in <see cref="TryAdd"/>, which both paths
/// (and the re-encoding for a topic's compression.type) go through. Kafka checks it in the log
/// layer too (UnifiedLog's analyzeAndValidateRecords, again after re-encoding), not in its
/// LogValidator, because coordinator appends must respect it as well. A struct, passed by
/// reference, with the first batch inline (a request almost always carries one batch per
/// partition): describing an append allocates nothing unless it has several batches.
/// </remarks>
public struct LogAppendInfo
{
    private BatchInfo _first;
    private BatchInfo[]? _more;
    private bool _hasMaxTimestamp;
    private long _maxTimestamp;
    private long _relativeOffsetOfMaxTimestamp;

    public int BatchCount { readonly get; private set; }

    /// <summary>The bytes of all batches added: the append must be exactly this long.</summary>
    public int Bytes { readonly get; private set; }

    /// <summary>The offsets the batches take, in sum.</summary>
    public long OffsetCount { readonly get; private set; }

    /// <summary>The largest batch max timestamp, or -1.</summary>
    public readonly long MaxTimestamp => _hasMaxTimestamp ? _maxTimestamp : -1;

    /// <summary>Relative to the append's first offset: the last offset of the first batch reaching <see cref="MaxTimestamp"/>, or -1.</summary>
    public readonly long RelativeOffsetOfMaxTimestamp => _hasMaxTimestamp ? _relativeOffsetOfMaxTimestamp : -1;

    /// <summary>Whether any batch carries a producer id (then the producer state checks the append).</summary>
    public bool HasProducerBatches { readonly get; private set; }

    public readonly BatchInfo this[int index] => index == 0 && BatchCount > 0 ? _first
        : index > 0 && index < BatchCount ? _more![index - 1]
        : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>
    /// Takes the next batch of the append, <paramref name="batch"/> being exactly its bytes (as a
    /// batch enumerator framed them). False, with the message to answer MESSAGE_TOO_LARGE with, when
    /// the batch is larger than the topic's max.message.bytes.
    /// </summary>
    public bool TryAdd(ReadOnlySpan<byte> batch, LogConfig config, [NotNullWhen(false)] out string? tooLarge)
    {
        if (batch.Length > config.MaxMessageBytes)
        {
            tooLarge = $"The record batch size in the append ({batch.Length} bytes) exceeds max.message.bytes ({config.MaxMessageBytes})";
            return false;
        }

        tooLarge = null;
        Add(BatchInfo.Read(new RecordBatchHeader(batch), Bytes, batch.Length, OffsetCount));
        return true;
    }

    /// <summary>
    /// The one header walk for an append nobody validated (the coordinators' and the metadata log's
    /// batches, built in this process): framing, magic, declared offsets and max.message.bytes, so a
    /// bad batch cannot make the segment unreadable. CRCs and records are not checked: the bytes were
    /// built here with their CRC computed over exactly these bytes (the CRC guards the network and the
    /// disk, which these bytes have not crossed), and recovery checks every CRC after a crash anyway.
    /// False, with <paramref name="failure"/> set, when the bytes are refused.
    /// </summary>
    internal static bool TryAnalyze(ReadOnlySpan<byte> records, LogConfig config, TopicPartition topicPartition, out LogAppendInfo info, out LogAppendResult failure)
    {
        info = default;
        failure = default;
        int position = 0;
        while (position < records.Length)
        {
            ReadOnlySpan<byte> rest = records[position..];
            if (rest.Length < RecordBatchHeader.Size)
            {
                failure = LogAppendResult.Failed(ErrorCode.CorruptMessage, 0, $"The records of {topicPartition} end with a partial batch.");
                return false;
            }

            var header = new RecordBatchHeader(rest);
            if (!header.IsPlausible(rest.Length))
            {
                failure = LogAppendResult.Failed(ErrorCode.CorruptMessage, 0, $"The records of {topicPartition} hold a malformed batch at byte {position}.");
                return false;
            }

            int size = (int)header.SizeInBytes;
            if (!info.TryAdd(rest[..size], config, out string? tooLarge))
            {
                failure = LogAppendResult.Failed(ErrorCode.MessageTooLarge, 0, $"{tooLarge} of {topicPartition}.");
                return false;
            }

            position += size;
        }

        return true;
    }

    private void Add(BatchInfo batch)
    {
        if (BatchCount == 0)
        {
            _first = batch;
        }
        else
        {
            _more ??= new BatchInfo[2];
            if (BatchCount - 1 == _more.Length)
            {
                Array.Resize(ref _more, _more.Length * 2);
            }

            _more[BatchCount - 1] = batch;
        }

        if (batch.MaxTimestamp > MaxTimestamp)
        {
            _hasMaxTimestamp = true;
            _maxTimestamp = batch.MaxTimestamp;
            _relativeOffsetOfMaxTimestamp = batch.RelativeOffset + batch.LastOffsetDelta;
        }

        HasProducerBatches |= batch.HasProducerId;
        OffsetCount += batch.OffsetCount;
        Bytes += batch.Size;
        BatchCount++;
    }
}
