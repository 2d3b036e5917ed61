using System.Runtime.InteropServices;

namespace KafkaCompat.Records;

/// <summary>
/// An LZ4F decompression context, cached one per thread because creating one per batch costs more
/// than decoding a small batch. The finalizer frees the native context when its thread ends.
/// </summary>
internal sealed class Lz4DecompressionContext : SafeHandle
{
    [ThreadStatic]
    private static Lz4DecompressionContext? _cached;

    private unsafe Lz4DecompressionContext()
        : base(0, ownsHandle: true)
    {
        nint context;
        nuint result = Lz4Native.CreateDecompressionContext(&context, Lz4Native.FrameVersion);
        if (Lz4Native.IsError(result) != 0)
        {
            throw new InvalidOperationException($"LZ4F_createDecompressionContext failed: {Lz4Native.ErrorName(result)}");
        }

        SetHandle(context);
    }

    public override bool IsInvalid => handle == 0;

    public static Lz4DecompressionContext Rent()
    {
        Lz4DecompressionContext? context = _cached;
        _cached = null;
        return context ?? new Lz4DecompressionContext();
    }

    public static void Return(Lz4DecompressionContext context, bool reusable)
    {
        if (reusable && _cached is null)
        {
            _cached = context;
        }
        else
        {
            context.Dispose();
        }
    }

    protected override bool ReleaseHandle()
    {
        Lz4Native.FreeDecompressionContext(handle);
        return true;
    }
}
