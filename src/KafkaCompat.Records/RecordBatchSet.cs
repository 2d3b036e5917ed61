namespace KafkaCompat.Records;

/// <summary>A records buffer of concatenated batches; enumerate it with foreach.</summary>
public readonly struct RecordBatchSet(ReadOnlyMemory<byte> records)
{
    public ReadOnlyMemory<byte> Memory => records;

    public int SizeInBytes => records.Length;

    public RecordBatchEnumerator GetEnumerator() => new(records);

    /// <summary>
    /// Checks what a Produce request needs: only whole batches, each with a valid CRC.
    /// Returns the number of batches.
    /// </summary>
    /// <exception cref="CorruptRecordException">A batch is corrupt or the buffer ends with a partial batch.</exception>
    /// <exception cref="UnsupportedRecordVersionException">The buffer holds a legacy (magic 0/1) message set.</exception>
    public int EnsureValid()
    {
        var batches = new RecordBatchEnumerator(records);
        int count = 0;
        while (batches.MoveNext())
        {
            batches.Current.EnsureValid();
            count++;
        }

        if (batches.HasTrailingPartialBatch)
        {
            throw new CorruptRecordException(
                $"Records end with a partial batch of {batches.TrailingPartialBatchBytes} bytes after {count} whole batches.");
        }

        return count;
    }
}
