using System.Runtime.InteropServices;
using ZstdSharp.Unsafe;

namespace KafkaCompat.Records;

/// <summary>
/// A ZSTD_DStream, cached one per thread: creating one allocates a large context (ZstdSharp, like
/// libzstd, takes it from unmanaged memory), far more work than decoding a small batch. The
/// finalizer frees it when its thread ends.
/// </summary>
internal sealed unsafe class ZstdDecompressionStream : SafeHandle
{
    [ThreadStatic]
    private static ZstdDecompressionStream? _cached;

    private ZstdDecompressionStream()
        : base(0, ownsHandle: true)
    {
        ZSTD_DCtx_s* stream = Methods.ZSTD_createDStream();
        if (stream == null)
        {
            throw new InvalidOperationException("ZSTD_createDStream failed.");
        }

        SetHandle((nint)stream);
    }

    public override bool IsInvalid => handle == 0;

    public ZSTD_DCtx_s* Context => (ZSTD_DCtx_s*)handle;

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
        Methods.ZSTD_freeDStream((ZSTD_DCtx_s*)handle);
        return true;
    }
}
