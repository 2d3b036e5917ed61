using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.Network;

/// <summary>
/// One Kafka connection: reads size-prefixed frames, hands each to the
/// processor as soon as it is complete (so several requests can be in
/// progress), and writes the responses strictly in request order, as clients
/// match responses to requests by order as well as by correlation id.
/// </summary>
public sealed class KafkaConnectionHandler(
    IRequestProcessor processor,
    NetworkOptions options,
    ListenerDirectory listeners,
    ILogger<KafkaConnectionHandler> logger) : ConnectionHandler
{
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var info = new ConnectionInfo(connection.ConnectionId, listeners.NameFor(connection.LocalEndPoint), connection.RemoteEndPoint?.ToString() ?? "?");
        var pending = Channel.CreateBounded<Task<ResponseFrame?>>(new BoundedChannelOptions(options.MaxInFlightPerConnection) { SingleReader = true, SingleWriter = true });
        using var closing = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed);
        var writing = WriteResponsesAsync(connection, pending.Reader, closing);
        try
        {
            await ReadRequestsAsync(connection.Transport.Input, info, pending.Writer, closing.Token);
        }
        catch (FrameException e)
        {
            logger.LogWarning("Closing connection {Connection} from {Remote} on listener {Listener}: {Reason}", info.ConnectionId, info.RemoteAddress, info.ListenerName, e.Message);
        }
        catch (OperationCanceledException) when (!connection.ConnectionClosed.IsCancellationRequested && !closing.IsCancellationRequested)
        {
            logger.LogInformation("Closing idle connection {Connection} from {Remote} after {Idle}", info.ConnectionId, info.RemoteAddress, options.MaxIdle);
        }
        catch (Exception e) when (e is OperationCanceledException or ConnectionResetException or IOException)
        {
            // The peer went away or the server is stopping.
        }
        finally
        {
            pending.Writer.TryComplete();
        }
        await writing;
    }

    private async Task ReadRequestsAsync(PipeReader input, ConnectionInfo info, ChannelWriter<Task<ResponseFrame?>> pending, CancellationToken cancellationToken)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        byte[]? frame = null;
        var frameSize = 0;
        var filled = 0;
        try
        {
            while (true)
            {
                idle.CancelAfter(options.MaxIdle);
                var result = await input.ReadAsync(idle.Token);
                var buffer = result.Buffer;
                while (true)
                {
                    if (frame is null)
                    {
                        if (buffer.Length < 4)
                        {
                            break;
                        }
                        frameSize = ReadSize(buffer);
                        buffer = buffer.Slice(4);
                        // Copy the frame out as it arrives so the pipe never holds more than a read's worth.
                        frame = ArrayPool<byte>.Shared.Rent(frameSize);
                        filled = 0;
                    }
                    var take = (int)Math.Min(frameSize - filled, buffer.Length);
                    buffer.Slice(0, take).CopyTo(frame.AsSpan(filled));
                    filled += take;
                    buffer = buffer.Slice(take);
                    if (filled < frameSize)
                    {
                        break;
                    }
                    var processing = ProcessAsync(frame, frameSize, info, cancellationToken);
                    // ProcessAsync owns the frame now and returns it to the pool. Forget it before
                    // queuing, which throws when the connection closes while waiting for room: the
                    // finally below would return it a second time, and two later renters would share
                    // one array (responses overwritten by other requests' bytes).
                    frame = null;
                    try
                    {
                        await pending.WriteAsync(processing, cancellationToken);
                    }
                    catch (OperationCanceledException)
                    {
                        // Never queued, so the writer will not dispose its response: do it here.
                        _ = processing.ContinueWith(static done => done.Result?.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
                        throw;
                    }
                }
                input.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    return;
                }
            }
        }
        finally
        {
            if (frame is not null)
            {
                ArrayPool<byte>.Shared.Return(frame);
            }
            await input.CompleteAsync();
        }
    }

    private int ReadSize(ReadOnlySequence<byte> buffer)
    {
        Span<byte> prefix = stackalloc byte[4];
        buffer.Slice(0, 4).CopyTo(prefix);
        var size = BinaryPrimitives.ReadInt32BigEndian(prefix);
        if (size < 0 || size > options.MaxRequestBytes)
        {
            throw new FrameException($"request size {size} is outside 0..{options.MaxRequestBytes} (socket.request.max.bytes)");
        }
        return size;
    }

    private async Task<ResponseFrame?> ProcessAsync(byte[] frame, int size, ConnectionInfo info, CancellationToken cancellationToken)
    {
        try
        {
            return await processor.ProcessAsync(new RequestFrame(frame.AsMemory(0, size), info), cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    private async Task WriteResponsesAsync(ConnectionContext connection, ChannelReader<Task<ResponseFrame?>> pending, CancellationTokenSource closing)
    {
        var output = connection.Transport.Output;
        try
        {
            var unflushed = false;
            await foreach (var next in pending.ReadAllAsync())
            {
                using var response = await next;
                if (response is not null)
                {
                    response.WriteTo(output);
                    unflushed = true;
                }
                // Flush when nothing else is ready, so pipelined responses share a send; checked after
                // requests without a response too (acks=0), or an earlier answer could wait for a later one.
                if (unflushed && (!pending.TryPeek(out var following) || !following.IsCompleted))
                {
                    await output.FlushAsync();
                    unflushed = false;
                }
            }
            await output.FlushAsync();
        }
        catch (CloseConnectionException e)
        {
            logger.LogWarning("Closing connection {Connection} from {Remote}: {Reason}", connection.ConnectionId, connection.RemoteEndPoint, e.Message);
        }
        catch (Exception e) when (e is OperationCanceledException or ConnectionResetException or IOException or InvalidOperationException)
        {
            // Peer gone or server stopping; nothing to answer.
        }
        finally
        {
            closing.Cancel();
            // Let queued requests finish so their buffers go back to the pool.
            while (pending.TryRead(out var leftover))
            {
                try
                {
                    (await leftover)?.Dispose();
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // Already closing: failures of abandoned requests are not interesting.
                }
            }
            await output.CompleteAsync();
            connection.Abort();
        }
    }

    private sealed class FrameException(string message) : Exception(message);
}
