using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Share.Sessions;

/// <summary>
/// The share sessions of this broker, one per group and member (KIP-932), at most
/// group.share.max.share.sessions of them. A ShareFetch at epoch 0 opens a member's session
/// (replacing one it had), -1 closes it, and any other epoch must be the session's next one, which
/// then moves on by one: SHARE_SESSION_NOT_FOUND and INVALID_SHARE_SESSION_EPOCH otherwise.
/// </summary>
public sealed class ShareSessionCache(int maxSessions)
{
    public const int InitialEpoch = 0;
    public const int FinalEpoch = -1;

    private readonly Lock _lock = new();
    private readonly Dictionary<(string GroupId, string MemberId), ShareSession> _sessions = [];

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _sessions.Count;
            }
        }
    }

    /// <summary>Epochs count up from 1 and wrap to 1; a closing epoch stays closing.</summary>
    public static int NextEpoch(int epoch) => epoch < 0 ? FinalEpoch : epoch == int.MaxValue ? 1 : epoch + 1;

    /// <summary>Epoch 0: a new session holding <paramref name="partitions"/>; the member's previous one, if any, is dropped first.</summary>
    public (ErrorCode Error, ShareSession? Session, ShareSession? Replaced) Open(string groupId, string memberId, IEnumerable<SharePartitionKey> partitions)
    {
        lock (_lock)
        {
            if (_sessions.Remove((groupId, memberId), out var replaced))
            {
                replaced.ConnectionClosed.Dispose();
            }
            if (_sessions.Count >= maxSessions)
            {
                return (ErrorCode.ShareSessionLimitReached, null, replaced);
            }
            var session = new ShareSession(groupId, memberId);
            Add(session, partitions);
            _sessions[(groupId, memberId)] = session;
            return (ErrorCode.None, session, replaced);
        }
    }

    /// <summary>A later ShareFetch of the session: checks its epoch, adds and forgets partitions, and moves the epoch on. Returns the partitions the session now fetches.</summary>
    public (ErrorCode Error, List<SharePartitionKey> Partitions) Update(string groupId, string memberId, int epoch,
        IEnumerable<SharePartitionKey> added, IEnumerable<SharePartitionKey> forgotten)
    {
        lock (_lock)
        {
            var error = CheckEpoch(groupId, memberId, epoch, out var session);
            if (error != ErrorCode.None)
            {
                return (error, []);
            }
            Add(session!, added);
            var gone = forgotten.ToHashSet();
            session!.Partitions.RemoveAll(gone.Contains);
            session.Epoch = NextEpoch(session.Epoch);
            return (ErrorCode.None, [.. session.Partitions]);
        }
    }

    /// <summary>
    /// ShareAcknowledge's epoch check: 0 is refused (it cannot open a session); -1 needs the session
    /// and leaves it for the caller to close; any other epoch must be the next one, which moves on.
    /// </summary>
    public ErrorCode Acknowledge(string groupId, string memberId, int epoch)
    {
        if (epoch == InitialEpoch)
        {
            return ErrorCode.InvalidShareSessionEpoch;
        }
        lock (_lock)
        {
            if (epoch == FinalEpoch)
            {
                return _sessions.ContainsKey((groupId, memberId)) ? ErrorCode.None : ErrorCode.ShareSessionNotFound;
            }
            var error = CheckEpoch(groupId, memberId, epoch, out var session);
            if (error == ErrorCode.None)
            {
                session!.Epoch = NextEpoch(session.Epoch);
            }
            return error;
        }
    }

    /// <summary>Whether any member of <paramref name="groupId"/> has a share session here.</summary>
    public bool HasSessions(string groupId)
    {
        lock (_lock)
        {
            return _sessions.Keys.Any(k => k.GroupId == groupId);
        }
    }

    public bool Contains(string groupId, string memberId)
    {
        lock (_lock)
        {
            return _sessions.ContainsKey((groupId, memberId));
        }
    }

    /// <summary>Closes a member's session; returns its partitions, or null when it had none.</summary>
    public List<SharePartitionKey>? Remove(string groupId, string memberId)
    {
        lock (_lock)
        {
            if (!_sessions.Remove((groupId, memberId), out var session))
            {
                return null;
            }
            session.ConnectionClosed.Dispose();
            return [.. session.Partitions];
        }
    }

    /// <summary>Closes <paramref name="session"/> if it is still its member's current one (its connection closed); returns its partitions, or null.</summary>
    public List<SharePartitionKey>? Remove(ShareSession session)
    {
        lock (_lock)
        {
            var key = (session.GroupId, session.MemberId);
            if (!_sessions.TryGetValue(key, out var current) || current != session)
            {
                return null;
            }
            _sessions.Remove(key);
            return [.. session.Partitions];
        }
    }

    private ErrorCode CheckEpoch(string groupId, string memberId, int epoch, out ShareSession? session)
    {
        if (!_sessions.TryGetValue((groupId, memberId), out session))
        {
            return ErrorCode.ShareSessionNotFound;
        }
        return session.Epoch == epoch ? ErrorCode.None : ErrorCode.InvalidShareSessionEpoch;
    }

    private static void Add(ShareSession session, IEnumerable<SharePartitionKey> partitions)
    {
        foreach (var partition in partitions)
        {
            if (!session.Partitions.Contains(partition))
            {
                session.Partitions.Add(partition);
            }
        }
    }
}
