using System.Text;

namespace KafkaCompat.Records;

/// <summary>
/// A record header: a UTF-8 key (never null) and an optional value. When read from a batch both are
/// slices of the batch's memory.
/// </summary>
public readonly struct RecordHeader
{
    public RecordHeader(ReadOnlyMemory<byte> key, ReadOnlyMemory<byte>? value)
    {
        Key = key;
        Value = value;
    }

    public RecordHeader(string key, ReadOnlyMemory<byte>? value)
        : this(Encoding.UTF8.GetBytes(key), value)
    {
    }

    /// <summary>
    /// Keeps a null array null: passed as <c>ReadOnlyMemory&lt;byte&gt;?</c> it would become empty memory.
    /// </summary>
    public RecordHeader(string key, byte[]? value)
        : this(Encoding.UTF8.GetBytes(key), value is null ? null : (ReadOnlyMemory<byte>?)value)
    {
    }

    public ReadOnlyMemory<byte> Key { get; }

    /// <summary>Null when the header has no value (length -1 on the wire).</summary>
    public ReadOnlyMemory<byte>? Value { get; }

    /// <summary>Decodes the key; allocates a string.</summary>
    public string KeyString => Encoding.UTF8.GetString(Key.Span);
}
