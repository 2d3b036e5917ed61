using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.Network;

/// <summary>
/// One Kafka connection: reads size-prefixed frames, hands each to the
/// processor as soon as it is complete (so several requests can be in
/// progress), and writes the responses strictly in request order, as clients
/// match responses to requests by order as well as by correlation id. When the
/// client closes its side, or the server stops, the requests already received
/// are answered before the connection closes with a FIN.
/// </summary>
public sealed class KafkaConnectionHandler(
    IRequestProcessor processor,
    NetworkOptions options,
    ListenerDirectory listeners,
    ILogger<KafkaConnectionHandler> logger) : ConnectionHandler
{
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var listener = listeners.For(connection.LocalEndPoint);
        var session = new ConnectionSession(connection.ConnectionId, listener.Name, listener.SecurityProtocol, connection.RemoteEndPoint?.ToString() ?? "?");
        var pending = Channel.CreateBounded<Task<ResponseFrame?>>(new BoundedChannelOptions(options.MaxInFlightPerConnection) { SingleReader = true, SingleWriter = true });
        // Not linked to Kestrel's ConnectionClosed: that fires when the client closes its side (FIN)
        // too, and requests already received must still be answered then. This is cancelled when
        // nothing more can be sent: the writer stopped, or the peer reset the connection.
        using var closing = new CancellationTokenSource();
        // Kestrel asks every connection to close when the server stops; without an answer it waits for
        // its shutdown timeout and then resets them.
        var shutdown = connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? CancellationToken.None;
        var writing = WriteResponsesAsync(connection.Transport.Output, session, pending.Reader, closing);
        try
        {
            await ReadRequestsAsync(connection.Transport.Input, session, pending.Writer, closing.Token, shutdown);
            logger.LogDebug("The client closed its side of connection {Session}; answering the requests it sent before that", session);
        }
        catch (ShutdownException)
        {
            logger.LogDebug("Closing connection {Session} as the server stops; answering the requests in progress", session);
        }
        catch (FrameException e)
        {
            logger.LogWarning("Closing connection {Session}: {Reason}", session, e.Message);
        }
        catch (IdleConnectionException)
        {
            logger.LogInformation("Closing idle connection {Session} after {Idle}", session, options.MaxIdle);
        }
        catch (Exception e) when (e is OperationCanceledException or ConnectionResetException or IOException)
        {
            // The peer reset the connection, the server aborted it, or the writer stopped: requests in
            // progress have no one to answer.
            closing.Cancel();
        }
        finally
        {
            pending.Writer.TryComplete();
        }
        // A client that closed its side but never reads its responses must not hold the connection:
        // the answers get as long as an idle connection lives (connections.max.idle.ms).
        closing.CancelAfter(options.MaxIdle);
        if (!await writing)
        {
            // Kestrel closes an aborted connection with a reset (RST): only for a broken connection,
            // or answers that ran out of time.
            connection.Abort();
        }
        // Otherwise the output is complete: Kestrel sends what is left and closes with a FIN.
        session.MarkClosed();
    }

    /// <summary>
    /// Returns when the client has closed its side (FIN); throws when the connection ends otherwise,
    /// or when <paramref name="shutdown"/> asks it to stop reading.
    /// </summary>
    private async Task ReadRequestsAsync(PipeReader input, ConnectionSession session, ChannelWriter<Task<ResponseFrame?>> pending, CancellationToken cancellationToken, CancellationToken shutdown)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, shutdown);
        byte[]? frame = null;
        var frameSize = 0;
        var filled = 0;
        try
        {
            while (true)
            {
                idle.CancelAfter(options.MaxIdle);
                ReadResult result;
                try
                {
                    result = await input.ReadAsync(idle.Token);
                }
                catch (OperationCanceledException) when (idle.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    throw shutdown.IsCancellationRequested ? new ShutdownException() : new IdleConnectionException();
                }
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
                    var processing = ProcessAsync(frame, frameSize, session, cancellationToken);
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

    private async Task<ResponseFrame?> ProcessAsync(byte[] frame, int size, ConnectionSession session, CancellationToken cancellationToken)
    {
        try
        {
            return await processor.ProcessAsync(new RequestFrame(frame.AsMemory(0, size), session), cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    /// <summary>
    /// Writes the responses in request order until the reader has stopped and every response is
    /// out. True when the connection can close orderly: everything answered, or the processor asked
    /// to close after the responses before it; false when it broke or <paramref name="closing"/> ran out.
    /// </summary>
    private async Task<bool> WriteResponsesAsync(PipeWriter output, ConnectionSession session, ChannelReader<Task<ResponseFrame?>> pending, CancellationTokenSource closing)
    {
        var orderly = false;
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
                    await output.FlushAsync(closing.Token);
                    unflushed = false;
                }
            }
            await output.FlushAsync(closing.Token);
            orderly = true;
        }
        catch (CloseConnectionException e)
        {
            logger.LogWarning("Closing connection {Session}: {Reason}", session, e.Message);
            orderly = await TryFlushAsync(output, closing.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or ConnectionResetException or IOException or InvalidOperationException)
        {
            // Peer gone, server stopping, or the answers took longer than the connection may live.
        }
        finally
        {
            await closing.CancelAsync();
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
        }
        return orderly;
    }

    /// <summary>Sends the responses written before a request that closes the connection.</summary>
    private static async Task<bool> TryFlushAsync(PipeWriter output, CancellationToken cancellationToken)
    {
        try
        {
            await output.FlushAsync(cancellationToken);
            return true;
        }
        catch (Exception e) when (e is OperationCanceledException or ConnectionResetException or IOException or InvalidOperationException)
        {
            return false;
        }
    }

    private sealed class FrameException(string message) : Exception(message);

    private sealed class IdleConnectionException : Exception;

    private sealed class ShutdownException : Exception;
}
