using KafkaCompat.Broker.Config;
using KafkaCompat.Broker.Handlers;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.Broker.Lifecycle;

/// <summary>
/// The broker's side of KIP-631 (Kafka's BrokerLifecycleManager): it registers this process (a new
/// incarnation id each start) with the active controller, heartbeats every broker.heartbeat.interval.ms
/// with the metadata offset it has applied, and walks <see cref="BrokerLifecycleState"/>: STARTING until
/// the controller says it has caught up, RECOVERY until it is unfenced (log recovery is already done
/// when it registers, so it never asks to stay fenced), RUNNING, then on shutdown
/// PENDING_CONTROLLED_SHUTDOWN until the controller answers that it may stop, and SHUTTING_DOWN.
/// </summary>
public sealed class BrokerLifecycleManager(BrokerLifecycleConfig config, IControllerChannel controller, Func<long> highestMetadataOffset, TimeProvider time, ILogger logger)
    : IAsyncDisposable
{
    public const short RegistrationVersion = 4;
    public const short HeartbeatVersion = 1;

    // While starting or shutting down, the next heartbeat goes out soon rather than after a full interval, as in Kafka.
    private static readonly TimeSpan CatchUpRetry = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan ShutdownRetry = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan FirstRegistrationBackoff = TimeSpan.FromMilliseconds(100);

    private readonly CancellationTokenSource _stop = new();
    private Task _heartbeats = Task.CompletedTask;
    private volatile BrokerLifecycleState _state = BrokerLifecycleState.NotRunning;

    public Uuid IncarnationId { get; } = Uuid.NewRandom();

    public BrokerLifecycleState State => _state;

    /// <summary>The epoch the controller gave this incarnation (-1 before it registered).</summary>
    public long BrokerEpoch { get; private set; } = -1;

    /// <summary>
    /// Registers with <paramref name="listeners"/> (the advertised endpoints, ports bound) and returns once
    /// the controller has unfenced the broker: it then serves clients, and keeps heartbeating in the background.
    /// </summary>
    /// <exception cref="TimeoutException">No registration succeeded within initial.broker.registration.timeout.ms.</exception>
    public async Task StartAsync(IReadOnlyList<Endpoint> listeners, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
        await RegisterAsync(listeners, linked.Token);
        _state = BrokerLifecycleState.Starting;
        while (_state != BrokerLifecycleState.Running)
        {
            var answer = await HeartbeatAsync(wantShutDown: false, linked.Token);
            if (answer is { ErrorCode: 0 })
            {
                if (_state == BrokerLifecycleState.Starting && answer.IsCaughtUp)
                {
                    logger.LogInformation("Broker {NodeId} has caught up with the metadata log at epoch {BrokerEpoch}", config.NodeId, BrokerEpoch);
                    _state = BrokerLifecycleState.Recovery;
                }
                if (_state == BrokerLifecycleState.Recovery && !answer.IsFenced)
                {
                    _state = BrokerLifecycleState.Running;
                    break;
                }
            }
            await Task.Delay(CatchUpRetry, time, linked.Token);
        }
        logger.LogInformation("Broker {NodeId} is unfenced at epoch {BrokerEpoch}: serving", config.NodeId, BrokerEpoch);
        _heartbeats = HeartbeatLoopAsync(_stop.Token);
    }

    /// <summary>
    /// Kafka's controlled shutdown: heartbeats ask to shut down until the controller answers
    /// ShouldShutDown (it fences the broker then), or <paramref name="cancellationToken"/> gives up waiting.
    /// </summary>
    public async Task ControlledShutdownAsync(CancellationToken cancellationToken)
    {
        await StopHeartbeatsAsync();
        if (BrokerEpoch < 0)
        {
            _state = BrokerLifecycleState.ShuttingDown;
            return;
        }
        _state = BrokerLifecycleState.PendingControlledShutdown;
        try
        {
            while (true)
            {
                var answer = await HeartbeatAsync(wantShutDown: true, cancellationToken);
                if (answer is { ErrorCode: 0, ShouldShutDown: true })
                {
                    logger.LogInformation("The controller granted broker {NodeId} its controlled shutdown", config.NodeId);
                    break;
                }
                await Task.Delay(ShutdownRetry, time, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            logger.LogWarning("Broker {NodeId} shuts down without the controller's answer to its controlled shutdown", config.NodeId);
        }
        _state = BrokerLifecycleState.ShuttingDown;
    }

    public async ValueTask DisposeAsync()
    {
        await StopHeartbeatsAsync();
        _stop.Dispose();
    }

    private async Task StopHeartbeatsAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
        }
        try
        {
            await _heartbeats;
        }
        catch (OperationCanceledException)
        {
            // Stopped on purpose.
        }
    }

    private async Task RegisterAsync(IReadOnlyList<Endpoint> listeners, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow().AddMilliseconds(config.InitialRegistrationTimeoutMs);
        var backoff = FirstRegistrationBackoff;
        var request = new BrokerRegistrationRequestData
        {
            BrokerId = config.NodeId,
            ClusterId = config.ClusterId,
            IncarnationId = IncarnationId,
            Rack = config.Rack,
        };
        request.Listeners.AddRange(listeners.Select(l => new BrokerRegistrationRequestData.Listener
        {
            Name = l.ListenerName,
            Host = l.Host,
            Port = (ushort)l.Port,
            SecurityProtocol = (short)l.SecurityProtocol,
        }));
        request.Features.AddRange(BrokerFeatures.All.Select(f => new BrokerRegistrationRequestData.Feature { Name = f.Name, MinSupportedVersion = f.MinSupported, MaxSupportedVersion = f.Level }));
        while (true)
        {
            string failure;
            try
            {
                var answer = await controller.SendAsync<BrokerRegistrationResponseData>(request, RegistrationVersion, cancellationToken);
                if (answer.ErrorCode == 0)
                {
                    BrokerEpoch = answer.BrokerEpoch;
                    logger.LogInformation("Broker {NodeId} registered (incarnation {IncarnationId}) at epoch {BrokerEpoch}", config.NodeId, IncarnationId, BrokerEpoch);
                    return;
                }
                failure = ((ErrorCode)answer.ErrorCode).ToString();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failure = e.Message;
            }
            // A refused registration is retried, as Kafka's is (a duplicate ends when the old incarnation's session does).
            if (time.GetUtcNow() + backoff > deadline)
            {
                throw new TimeoutException($"Broker {config.NodeId} could not register with the controller within initial.broker.registration.timeout.ms ({config.InitialRegistrationTimeoutMs} ms): {failure}");
            }
            logger.LogWarning("Broker {NodeId} registration failed ({Failure}); retrying in {Backoff} ms", config.NodeId, failure, backoff.TotalMilliseconds);
            await Task.Delay(backoff, time, cancellationToken);
            backoff = TimeSpan.FromMilliseconds(Math.Min(backoff.TotalMilliseconds * 2, config.HeartbeatIntervalMs));
        }
    }

    private async Task HeartbeatLoopAsync(CancellationToken cancellationToken)
    {
        var interval = TimeSpan.FromMilliseconds(config.HeartbeatIntervalMs);
        while (true)
        {
            await Task.Delay(interval, time, cancellationToken);
            var answer = await HeartbeatAsync(wantShutDown: false, cancellationToken);
            if (answer is { ErrorCode: 0, IsFenced: true })
            {
                // Fenced by the controller (a session that expired while this process stalled): the next heartbeat asks to be unfenced again.
                logger.LogWarning("Broker {NodeId} was fenced by the controller at epoch {BrokerEpoch}", config.NodeId, BrokerEpoch);
            }
        }
    }

    /// <summary>One heartbeat; null when it could not be sent (the next one tries again).</summary>
    private async Task<BrokerHeartbeatResponseData?> HeartbeatAsync(bool wantShutDown, CancellationToken cancellationToken)
    {
        var request = new BrokerHeartbeatRequestData
        {
            BrokerId = config.NodeId,
            BrokerEpoch = BrokerEpoch,
            CurrentMetadataOffset = highestMetadataOffset(),
            WantFence = false,
            WantShutDown = wantShutDown,
        };
        try
        {
            var answer = await controller.SendAsync<BrokerHeartbeatResponseData>(request, HeartbeatVersion, cancellationToken);
            if (answer.ErrorCode != 0)
            {
                logger.LogWarning("Broker {NodeId} heartbeat at epoch {BrokerEpoch} refused: {Error}", config.NodeId, BrokerEpoch, (ErrorCode)answer.ErrorCode);
            }
            return answer;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Broker {NodeId} heartbeat failed", config.NodeId);
            return null;
        }
    }
}
