using System.Runtime.InteropServices;

namespace KafkaCompat.Records;

/// <summary>
/// A ZSTD_DStream, cached one per thread: creating one allocates a large native context, far more
/// work than decoding a small batch. The finalizer frees it when its thread ends.
/// </summary>
internal sealed class ZstdDecompressionStream : SafeHandle
{
    [ThreadStatic]
    private static ZstdDecompressionStream? _cached;

    private ZstdDecompressionStream()
        : base(0, ownsHandle: true)
    {
        nint stream = ZstdNative.CreateDStream();
        if (stream == 0)
        {
            throw new InvalidOperationException("ZSTD_createDStream failed.");
        }

        SetHandle(stream);
    }

    public override bool IsInvalid => handle == 0;

    public static ZstdDecompressionStream Rent()
    {
        ZstdDecompressionStream? stream = _cached;
        _cached = null;
        return stream ?? new ZstdDecompressionStream();
    }

    public static void Return(ZstdDecompressionStream stream)
    {
        if (_cached is null)
        {
            _cached = stream;
        }
        else
        {
            stream.Dispose();
        }
    }

    protected override bool ReleaseHandle()
    {
        ZstdNative.FreeDStream(handle);
        return true;
    }
}
