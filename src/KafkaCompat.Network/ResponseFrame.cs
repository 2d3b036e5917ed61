using System.Buffers;
using System.Buffers.Binary;

namespace KafkaCompat.Network;

/// <summary>
/// A response ready to send: the 4-byte size prefix and the frame in one
/// pooled buffer, returned to the pool once written to the socket.
/// </summary>
public sealed class ResponseFrame : IDisposable
{
    private byte[]? _buffer;

    private ResponseFrame(byte[] buffer, int length)
    {
        _buffer = buffer;
        Length = length;
    }

    /// <summary>Size prefix plus frame.</summary>
    public int Length { get; }

    public ReadOnlyMemory<byte> Memory => (_buffer ?? throw new ObjectDisposedException(nameof(ResponseFrame))).AsMemory(0, Length);

    /// <summary>Rents room for a frame of <paramref name="frameSize"/> bytes; the caller fills <paramref name="body"/>.</summary>
    public static ResponseFrame Rent(int frameSize, out Span<byte> body)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(frameSize + 4);
        BinaryPrimitives.WriteInt32BigEndian(buffer, frameSize);
        body = buffer.AsSpan(4, frameSize);
        return new ResponseFrame(buffer, frameSize + 4);
    }

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
