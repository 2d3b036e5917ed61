using System.Runtime.InteropServices;
using System.Text;

namespace KafkaCompat.IntegrationTests.Share;

/// <summary>
/// librdkafka 2.15.1's share consumer (KIP-932, a preview of its C API only: Confluent.Kafka has no
/// wrapper) bound through P/Invoke: create with a configuration, subscribe, poll batches,
/// acknowledge each record with a type, commit the acknowledgements, close. The functions are looked
/// up in the file <see cref="LibraryPath"/> names, the librdkafka 2.15.1 Confluent.Kafka is mapped to.
/// Not thread-safe, as the C handle is not: one thread drives one consumer. tools/KafkaCompat.PerfTest
/// compiles this same file (a link, not a copy), so it depends on nothing of the test project.
/// </summary>
internal sealed class LibrdkafkaShareConsumer : IDisposable
{
    /// <summary>librdkafka's rd_kafka_share_AcknowledgeType_t.</summary>
    public enum AcknowledgeType
    {
        Accept = 1,
        Release = 2,
        Reject = 3,
    }

    /// <summary>One record of a polled batch: a copy of what librdkafka handed out, plus the native message acknowledgements name.</summary>
    public sealed record Record(string Topic, int Partition, long Offset, byte[]? Key, byte[]? Value, short DeliveryCount, int Error, IntPtr Native);

    private IntPtr _handle;
    private IntPtr _batch;

    /// <summary>The librdkafka 2.15.1 shared library; set once, before the first consumer is created.</summary>
    public static string? LibraryPath { get; set; }

    /// <param name="bootstrapServers">The broker.</param>
    /// <param name="groupId">The share group.</param>
    /// <param name="settings">Further librdkafka properties (<c>share.acknowledgement.mode=explicit</c> to acknowledge each record).</param>
    public LibrdkafkaShareConsumer(string bootstrapServers, string groupId, IReadOnlyDictionary<string, string>? settings = null)
    {
        var conf = Native.ConfNew();
        var all = new Dictionary<string, string> { ["bootstrap.servers"] = bootstrapServers, ["group.id"] = groupId };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }
        var error = new byte[512];
        foreach (var (key, value) in all)
        {
            if (Native.ConfSet(conf, key, value, error, (UIntPtr)error.Length) != 0)
            {
                Native.ConfDestroy(conf);
                throw new InvalidOperationException($"librdkafka refused {key}={value}: {CString(error)}");
            }
        }
        // On success the handle owns the configuration.
        _handle = Native.ShareConsumerNew(conf, error, (UIntPtr)error.Length);
        if (_handle == IntPtr.Zero)
        {
            Native.ConfDestroy(conf);
            throw new InvalidOperationException($"rd_kafka_share_consumer_new failed: {CString(error)}");
        }
    }

    public void Subscribe(params string[] topics)
    {
        var list = Native.TopicPartitionListNew(topics.Length);
        try
        {
            foreach (var topic in topics)
            {
                // RD_KAFKA_PARTITION_UA: the topic, not a partition of it.
                Native.TopicPartitionListAdd(list, topic, -1);
            }
            Check(Native.ShareSubscribe(_handle, list), "rd_kafka_share_subscribe");
        }
        finally
        {
            Native.TopicPartitionListDestroy(list);
        }
    }

    /// <summary>
    /// Polls one batch (empty when <paramref name="timeoutMs"/> passes without records). The records of
    /// the previous batch may be acknowledged only until this call, which releases them (in librdkafka's
    /// implicit mode, this call accepts them). Without <paramref name="copyPayloads"/> each record's key
    /// and value stay null, so a benchmark measures the broker rather than copies into .NET arrays.
    /// </summary>
    public IReadOnlyList<Record> Poll(int timeoutMs, bool copyPayloads = true)
    {
        ReleaseBatch();
        var error = Native.SharePoll(_handle, timeoutMs, out _batch);
        ThrowIfError(error, "rd_kafka_share_poll");
        if (_batch == IntPtr.Zero)
        {
            return [];
        }
        var count = (int)Native.MessagesCount(_batch);
        var records = new List<Record>(count);
        for (var i = 0; i < count; i++)
        {
            var message = Native.MessagesGet(_batch, (UIntPtr)i);
            var m = Marshal.PtrToStructure<NativeMessage>(message);
            records.Add(new Record(
                m.Rkt == IntPtr.Zero ? "" : Marshal.PtrToStringUTF8(Native.TopicName(m.Rkt)) ?? "",
                m.Partition,
                m.Offset,
                copyPayloads ? Copy(m.Key, m.KeyLen) : null,
                copyPayloads ? Copy(m.Payload, m.Len) : null,
                Native.MessageDeliveryCount(message),
                m.Err,
                message));
        }
        return records;
    }

    /// <summary>Acknowledges a record of the current batch (explicit mode).</summary>
    public void Acknowledge(Record record, AcknowledgeType type) =>
        Check(Native.ShareAcknowledgeType(_handle, record.Native, (int)type), "rd_kafka_share_acknowledge_type");

    /// <summary>Sends the acknowledgements made so far and waits for the answers; the librdkafka error codes of the partitions that failed.</summary>
    public IReadOnlyList<(string Topic, int Partition, int Error)> CommitSync(int timeoutMs)
    {
        var error = Native.ShareCommitSync(_handle, timeoutMs, out var partitions);
        ThrowIfError(error, "rd_kafka_share_commit_sync");
        if (partitions == IntPtr.Zero)
        {
            return [];
        }
        try
        {
            var list = Marshal.PtrToStructure<NativeTopicPartitionList>(partitions);
            var size = Marshal.SizeOf<NativeTopicPartition>();
            return Enumerable.Range(0, list.Cnt)
                .Select(i => Marshal.PtrToStructure<NativeTopicPartition>(list.Elems + (i * size)))
                .Select(p => (Marshal.PtrToStringUTF8(p.Topic) ?? "", p.Partition, p.Err))
                .Where(p => p.Err != 0)
                .ToList();
        }
        finally
        {
            Native.TopicPartitionListDestroy(partitions);
        }
    }

    /// <summary>Sends pending acknowledgements and leaves the share group (ShareGroupHeartbeat with epoch -1).</summary>
    public void Close()
    {
        if (_handle == IntPtr.Zero)
        {
            return;
        }
        ReleaseBatch();
        ThrowIfError(Native.ShareConsumerClose(_handle), "rd_kafka_share_consumer_close");
    }

    public void Dispose()
    {
        if (_handle == IntPtr.Zero)
        {
            return;
        }
        ReleaseBatch();
        var error = Native.ShareDestroy(_handle);
        _handle = IntPtr.Zero;
        if (error != IntPtr.Zero)
        {
            Native.ErrorDestroy(error);
        }
    }

    private void ReleaseBatch()
    {
        if (_batch != IntPtr.Zero)
        {
            Native.MessagesDestroy(_batch);
            _batch = IntPtr.Zero;
        }
    }

    private static void Check(int error, string call)
    {
        if (error != 0)
        {
            throw new InvalidOperationException($"{call}: {Marshal.PtrToStringUTF8(Native.Err2Str(error))} ({error})");
        }
    }

    private static void ThrowIfError(IntPtr error, string call)
    {
        if (error == IntPtr.Zero)
        {
            return;
        }
        var message = Marshal.PtrToStringUTF8(Native.ErrorString(error));
        var code = Native.ErrorCode(error);
        Native.ErrorDestroy(error);
        throw new InvalidOperationException($"{call}: {message} ({code})");
    }

    private static byte[]? Copy(IntPtr data, UIntPtr length)
    {
        if (data == IntPtr.Zero)
        {
            return null;
        }
        var bytes = new byte[(int)length];
        Marshal.Copy(data, bytes, 0, bytes.Length);
        return bytes;
    }

    private static string CString(byte[] bytes) => Encoding.UTF8.GetString(bytes, 0, Math.Max(0, Array.IndexOf(bytes, (byte)0)));

    /// <summary>librdkafka's public rd_kafka_message_t.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct NativeMessage
    {
        public int Err;
        public IntPtr Rkt;
        public int Partition;
        public IntPtr Payload;
        public UIntPtr Len;
        public IntPtr Key;
        public UIntPtr KeyLen;
        public long Offset;
        public IntPtr Private;
    }

    /// <summary>librdkafka's public rd_kafka_topic_partition_list_t.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct NativeTopicPartitionList
    {
        public int Cnt;
        public int Size;
        public IntPtr Elems;
    }

    /// <summary>librdkafka's public rd_kafka_topic_partition_t.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct NativeTopicPartition
    {
        public IntPtr Topic;
        public int Partition;
        public long Offset;
        public IntPtr Metadata;
        public UIntPtr MetadataSize;
        public IntPtr Opaque;
        public int Err;
        public IntPtr Private;
    }

    /// <summary>
    /// The C functions, from <see cref="LibraryPath"/> (the integration tests' IntegrationSetup and the
    /// perf tool's Program set it to the file they map Confluent.Kafka to): the name below resolves to that file.
    /// </summary>
    private static class Native
    {
        private const string Lib = "librdkafka-share-consumer";

        static Native()
        {
            var path = LibraryPath ?? throw new InvalidOperationException("LibrdkafkaShareConsumer.LibraryPath is not set");
            NativeLibrary.SetDllImportResolver(typeof(Native).Assembly, (name, _, _) =>
                name == Lib ? NativeLibrary.Load(path) : IntPtr.Zero);
        }

        [DllImport(Lib, EntryPoint = "rd_kafka_conf_new")]
        public static extern IntPtr ConfNew();

        [DllImport(Lib, EntryPoint = "rd_kafka_conf_set")]
        public static extern int ConfSet(IntPtr conf, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, byte[] error, UIntPtr errorSize);

        [DllImport(Lib, EntryPoint = "rd_kafka_conf_destroy")]
        public static extern void ConfDestroy(IntPtr conf);

        [DllImport(Lib, EntryPoint = "rd_kafka_share_consumer_new")]
        public static extern IntPtr ShareConsumerNew(IntPtr conf, byte[] error, UIntPtr errorSize);

        [DllImport(Lib, EntryPoint = "rd_kafka_topic_partition_list_new")]
        public static extern IntPtr TopicPartitionListNew(int size);

        [DllImport(Lib, EntryPoint = "rd_kafka_topic_partition_list_add")]
        public static extern IntPtr TopicPartitionListAdd(IntPtr list, [MarshalAs(UnmanagedType.LPUTF8Str)] string topic, int partition);

        [DllImport(Lib, EntryPoint = "rd_kafka_topic_partition_list_destroy")]
        public static extern void TopicPartitionListDestroy(IntPtr list);

        [DllImport(Lib, EntryPoint = "rd_kafka_share_subscribe")]
        public static extern int ShareSubscribe(IntPtr handle, IntPtr topics);

        [DllImport(Lib, EntryPoint = "rd_kafka_share_poll")]
        public static extern IntPtr SharePoll(IntPtr handle, int timeoutMs, out IntPtr batch);

        [DllImport(Lib, EntryPoint = "rd_kafka_messages_count")]
        public static extern UIntPtr MessagesCount(IntPtr batch);

        [DllImport(Lib, EntryPoint = "rd_kafka_messages_get")]
        public static extern IntPtr MessagesGet(IntPtr batch, UIntPtr index);

        [DllImport(Lib, EntryPoint = "rd_kafka_messages_destroy")]
        public static extern void MessagesDestroy(IntPtr batch);

        [DllImport(Lib, EntryPoint = "rd_kafka_message_delivery_count")]
        public static extern short MessageDeliveryCount(IntPtr message);

        [DllImport(Lib, EntryPoint = "rd_kafka_topic_name")]
        public static extern IntPtr TopicName(IntPtr topic);

        [DllImport(Lib, EntryPoint = "rd_kafka_share_acknowledge_type")]
        public static extern int ShareAcknowledgeType(IntPtr handle, IntPtr message, int type);

        [DllImport(Lib, EntryPoint = "rd_kafka_share_commit_sync")]
        public static extern IntPtr ShareCommitSync(IntPtr handle, int timeoutMs, out IntPtr partitions);

        [DllImport(Lib, EntryPoint = "rd_kafka_share_consumer_close")]
        public static extern IntPtr ShareConsumerClose(IntPtr handle);

        /// <summary>Returns an rd_kafka_error_t (or null), as the disassembly of 2.15.1 shows: not void.</summary>
        [DllImport(Lib, EntryPoint = "rd_kafka_share_destroy")]
        public static extern IntPtr ShareDestroy(IntPtr handle);

        [DllImport(Lib, EntryPoint = "rd_kafka_error_string")]
        public static extern IntPtr ErrorString(IntPtr error);

        [DllImport(Lib, EntryPoint = "rd_kafka_error_code")]
        public static extern int ErrorCode(IntPtr error);

        [DllImport(Lib, EntryPoint = "rd_kafka_error_destroy")]
        public static extern void ErrorDestroy(IntPtr error);

        [DllImport(Lib, EntryPoint = "rd_kafka_err2str")]
        public static extern IntPtr Err2Str(int error);
    }
}
