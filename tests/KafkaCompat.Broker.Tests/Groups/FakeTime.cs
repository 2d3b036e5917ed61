namespace KafkaCompat.Broker.Tests.Groups;

/// <summary>A clock the test moves by hand, whose timers fire (in due order, synchronously) as it passes them.</summary>
internal sealed class FakeTime : TimeProvider
{
    private readonly List<FakeTimer> _timers = [];
    private readonly Lock _lock = new();
    private DateTimeOffset _now = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);

    public override DateTimeOffset GetUtcNow()
    {
        lock (_lock)
        {
            return _now;
        }
    }

    public long NowMs => GetUtcNow().ToUnixTimeMilliseconds();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new FakeTimer(this, callback, state);
        lock (_lock)
        {
            _timers.Add(timer);
        }
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>The earliest time a timer is due, if one is due by <paramref name="limit"/>.</summary>
    public DateTimeOffset? NextDue(DateTimeOffset limit)
    {
        lock (_lock)
        {
            return _timers.Where(t => t.Due is { } due && due <= limit).Min(t => t.Due);
        }
    }

    /// <summary>Whether a timer is due exactly at <paramref name="due"/> (one armed by a task that is waiting on this clock).</summary>
    public bool HasTimerDueAt(DateTimeOffset due)
    {
        lock (_lock)
        {
            return _timers.Any(t => t.Due == due);
        }
    }

    /// <summary>
    /// Moves the clock timer by timer, letting <paramref name="settle"/> run what each expiry queued
    /// before the next one, so work is always done at the time it was due (as with a real clock).
    /// </summary>
    public async Task AdvanceSettlingAsync(long ms, Func<Task> settle)
    {
        await settle();
        var target = GetUtcNow().AddMilliseconds(ms);
        while (NextDue(target) is { } next)
        {
            Advance(next - GetUtcNow());
            await settle();
        }
        Advance(target - GetUtcNow());
        await settle();
    }

    public void Advance(TimeSpan by)
    {
        DateTimeOffset target;
        lock (_lock)
        {
            target = _now + by;
        }
        while (true)
        {
            FakeTimer? next;
            lock (_lock)
            {
                next = _timers.Where(t => t.Due is { } due && due <= target).MinBy(t => t.Due);
                if (next is null)
                {
                    _now = target;
                    return;
                }
                _now = next.Due!.Value;
                next.Due = next.Period > TimeSpan.Zero ? _now + next.Period : null;
            }
            next.Fire();
        }
    }

    private sealed class FakeTimer(FakeTime time, TimerCallback callback, object? state) : ITimer
    {
        public DateTimeOffset? Due { get; set; }

        public TimeSpan Period { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (time._lock)
            {
                Due = dueTime == Timeout.InfiniteTimeSpan ? null : time._now + dueTime;
                Period = period == Timeout.InfiniteTimeSpan ? TimeSpan.Zero : period;
            }
            return true;
        }

        public void Fire() => callback(state);

        public void Dispose()
        {
            lock (time._lock)
            {
                Due = null;
                time._timers.Remove(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
