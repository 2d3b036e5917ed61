using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;

namespace KafkaCompat.Network;

/// <summary>
/// A response ready to send: the 4-byte size prefix and the encoded frame in
/// one pooled buffer, plus record batches spliced in at their places (a fetch
/// response carries log segment bytes without copying them into the frame).
/// The buffer goes back to the pool, and the splices' owners are disposed,
/// once the frame has been written to the connection.
/// </summary>
public sealed class ResponseFrame : IDisposable
{
    private byte[]? _buffer;
    private readonly int _bufferLength;
    private readonly List<IDisposable> _owners = [];

    private ResponseFrame(byte[] buffer, int bufferLength, List<FrameSplice> splices)
    {
        _buffer = buffer;
        _bufferLength = bufferLength;
        Splices = splices;
    }

    /// <summary>Bytes to insert; positions are relative to the frame (after the size prefix), in increasing order.</summary>
    public List<FrameSplice> Splices { get; }

    /// <summary>The encoded part: size prefix plus everything but the splices.</summary>
    public ReadOnlyMemory<byte> Memory => (_buffer ?? throw new ObjectDisposedException(nameof(ResponseFrame))).AsMemory(0, _bufferLength);

    /// <summary>
    /// Rents room for a frame of <paramref name="frameSize"/> bytes of which <paramref name="splicedBytes"/>
    /// will be spliced record batches; the caller encodes into <paramref name="body"/>.
    /// </summary>
    public static ResponseFrame Rent(int frameSize, int splicedBytes, out Span<byte> body)
    {
        var encoded = frameSize - splicedBytes;
        var buffer = ArrayPool<byte>.Shared.Rent(encoded + 4);
        BinaryPrimitives.WriteInt32BigEndian(buffer, frameSize);
        body = buffer.AsSpan(4, encoded);
        return new ResponseFrame(buffer, encoded + 4, []);
    }

    /// <summary>Keeps what the splices point into alive until the frame is written.</summary>
    public void Own(IDisposable owner) => _owners.Add(owner);

    /// <summary>Writes the frame with its splices in place.</summary>
    public void WriteTo(PipeWriter output)
    {
        var memory = Memory;
        var written = 0;
        foreach (var splice in Splices)
        {
            var end = splice.Position + 4;
            output.Write(memory.Span[written..end]);
            output.Write(splice.Bytes.Span);
            written = end;
        }
        output.Write(memory.Span[written..]);
    }

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is null)
        {
            return;
        }
        ArrayPool<byte>.Shared.Return(buffer);
        foreach (var owner in _owners)
        {
            owner.Dispose();
        }
    }
}
