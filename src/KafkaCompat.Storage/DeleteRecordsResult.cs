using KafkaCompat.Protocol;

namespace KafkaCompat.Storage;

/// <summary>The outcome of DeleteRecords on a partition: the new low watermark (log start offset).</summary>
public readonly record struct DeleteRecordsResult(ErrorCode Error, long LowWatermark, string? ErrorMessage = null);
