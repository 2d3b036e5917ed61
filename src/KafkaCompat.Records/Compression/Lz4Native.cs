using System.Runtime.InteropServices;

namespace KafkaCompat.Records;

/// <summary>
/// The LZ4 frame API of liblz4 (Debian liblz4-1). Kafka's lz4 codec is the LZ4 frame format with
/// independent blocks, which is what the Java client and librdkafka both read.
/// </summary>
internal static unsafe partial class Lz4Native
{
    private const string Library = "liblz4.so.1";

    // LZ4F_VERSION from lz4frame.h: the API version a context is created for.
    public const uint FrameVersion = 100;

    public const int BlockSizeMax64KB = 4;
    public const int BlockIndependent = 1;

    [LibraryImport(Library, EntryPoint = "LZ4F_compressFrameBound")]
    public static partial nuint CompressFrameBound(nuint sourceSize, Preferences* preferences);

    [LibraryImport(Library, EntryPoint = "LZ4F_compressFrame")]
    public static partial nuint CompressFrame(byte* destination, nuint destinationCapacity, byte* source, nuint sourceSize, Preferences* preferences);

    [LibraryImport(Library, EntryPoint = "LZ4F_createDecompressionContext")]
    public static partial nuint CreateDecompressionContext(nint* context, uint version);

    [LibraryImport(Library, EntryPoint = "LZ4F_freeDecompressionContext")]
    public static partial nuint FreeDecompressionContext(nint context);

    [LibraryImport(Library, EntryPoint = "LZ4F_decompress")]
    public static partial nuint Decompress(nint context, byte* destination, nuint* destinationSize, byte* source, nuint* sourceSize, void* options);

    [LibraryImport(Library, EntryPoint = "LZ4F_isError")]
    public static partial uint IsError(nuint code);

    [LibraryImport(Library, EntryPoint = "LZ4F_getErrorName")]
    public static partial byte* GetErrorName(nuint code);

    public static string ErrorName(nuint code) => Marshal.PtrToStringUTF8((nint)GetErrorName(code)) ?? "unknown error";

    /// <summary>LZ4F_preferences_t (lz4 1.8.2+ layout: frame info, level, autoFlush, favorDecSpeed, 3 reserved).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Preferences
    {
        public int BlockSizeId;
        public int BlockMode;
        public int ContentChecksumFlag;
        public int FrameType;
        public ulong ContentSize;
        public uint DictionaryId;
        public int BlockChecksumFlag;
        public int CompressionLevel;
        public uint AutoFlush;
        public uint FavorDecompressionSpeed;
        public uint Reserved0;
        public uint Reserved1;
        public uint Reserved2;
    }
}
