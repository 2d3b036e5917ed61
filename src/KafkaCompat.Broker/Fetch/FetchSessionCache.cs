using System.Collections.Concurrent;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Fetch;

/// <summary>How a fetch request relates to fetch sessions, and the partitions it reads.</summary>
public sealed record FetchContext(ErrorCode Error, string? ErrorMessage, FetchSession? Session, bool Incremental, IReadOnlyList<FetchTarget> Targets)
{
    public int ResponseSessionId => Session?.Id ?? 0;
}

/// <summary>
/// Kafka's fetch session rules: session 0 / epoch -1 is a plain full fetch;
/// epoch 0 opens a session (full response, new id); a known id with the
/// expected epoch is an incremental fetch; epoch -1 on an id closes it.
/// Unknown ids get FETCH_SESSION_ID_NOT_FOUND, a wrong epoch
/// INVALID_FETCH_SESSION_EPOCH. The least recently used session is evicted
/// when the cache is full (max.incremental.fetch.session.cache.slots).
/// </summary>
public sealed class FetchSessionCache(TimeProvider time, int maxSessions = 1000)
{
    private const int InitialEpoch = 0;
    private const int FinalEpoch = -1;
    private readonly ConcurrentDictionary<int, FetchSession> _sessions = new();

    public int Count => _sessions.Count;

    public FetchContext Resolve(FetchRequestData request, short version, MetadataImage image)
    {
        var usesTopicIds = version >= 13;
        if (version < 7 || (request.SessionId == 0 && request.SessionEpoch == FinalEpoch))
        {
            return new(ErrorCode.None, null, null, false, Targets(request, usesTopicIds, image));
        }
        if (request.SessionEpoch == FinalEpoch)
        {
            _sessions.TryRemove(request.SessionId, out _);
            return new(ErrorCode.None, null, null, false, Targets(request, usesTopicIds, image));
        }
        if (request.SessionEpoch == InitialEpoch)
        {
            if (request.SessionId != 0)
            {
                _sessions.TryRemove(request.SessionId, out _);
            }
            if (maxSessions <= 0)
            {
                // No room for sessions at all: a full fetch answered without one (session id 0), as Kafka does.
                return new(ErrorCode.None, null, null, false, Targets(request, usesTopicIds, image));
            }
            var session = NewSession(usesTopicIds);
            var targets = Targets(request, usesTopicIds, image);
            lock (session.Lock)
            {
                foreach (var t in targets)
                {
                    session.Partitions[t.Key] = t;
                }
            }
            return new(ErrorCode.None, null, session, false, targets);
        }
        if (!_sessions.TryGetValue(request.SessionId, out var existing))
        {
            return new(ErrorCode.FetchSessionIdNotFound, $"Fetch session {request.SessionId} not found", null, false, []);
        }
        lock (existing.Lock)
        {
            if (existing.Epoch != request.SessionEpoch)
            {
                return new(ErrorCode.InvalidFetchSessionEpoch, $"Fetch session {existing.Id} expected epoch {existing.Epoch}, got {request.SessionEpoch}", null, false, []);
            }
            if (existing.UsesTopicIds != usesTopicIds)
            {
                return new(ErrorCode.FetchSessionTopicIdError, "A fetch session cannot switch between topic names and topic ids", null, false, []);
            }
            foreach (var t in Targets(request, usesTopicIds, image))
            {
                if (existing.Partitions.TryGetValue(t.Key, out var known))
                {
                    known.FetchOffset = t.FetchOffset;
                    known.PartitionMaxBytes = t.PartitionMaxBytes;
                }
                else
                {
                    existing.Partitions[t.Key] = t;
                }
            }
            foreach (var forgotten in request.ForgottenTopicsData)
            {
                var name = usesTopicIds ? image.Topic(forgotten.TopicId)?.Name : forgotten.Topic;
                foreach (var p in forgotten.Partitions)
                {
                    existing.Partitions.Remove(usesTopicIds ? (forgotten.TopicId, null, p) : (Uuid.Zero, name, p));
                }
            }
            existing.Epoch = existing.Epoch == int.MaxValue ? 1 : existing.Epoch + 1;
            existing.LastUsedMs = time.GetUtcNow().ToUnixTimeMilliseconds();
            return new(ErrorCode.None, null, existing, true, [.. existing.Partitions.Values]);
        }
    }

    private FetchSession NewSession(bool usesTopicIds)
    {
        if (_sessions.Count >= maxSessions)
        {
            var oldest = _sessions.Values.MinBy(s => s.LastUsedMs);
            if (oldest is not null)
            {
                _sessions.TryRemove(oldest.Id, out _);
            }
        }
        while (true)
        {
            var session = new FetchSession(Random.Shared.Next(1, int.MaxValue), usesTopicIds)
            {
                LastUsedMs = time.GetUtcNow().ToUnixTimeMilliseconds(),
            };
            if (_sessions.TryAdd(session.Id, session))
            {
                return session;
            }
        }
    }

    private static List<FetchTarget> Targets(FetchRequestData request, bool usesTopicIds, MetadataImage image)
    {
        var targets = new List<FetchTarget>();
        foreach (var topic in request.Topics)
        {
            var name = usesTopicIds ? image.Topic(topic.TopicId)?.Name : topic.Topic;
            var id = usesTopicIds ? topic.TopicId : Uuid.Zero;
            foreach (var p in topic.Partitions)
            {
                targets.Add(new FetchTarget(name, id, p.Partition) { FetchOffset = p.FetchOffset, PartitionMaxBytes = p.PartitionMaxBytes });
            }
        }
        return targets;
    }
}
