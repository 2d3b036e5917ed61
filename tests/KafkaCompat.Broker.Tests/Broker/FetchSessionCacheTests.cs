using KafkaCompat.Broker.Fetch;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Tests.Broker;

/// <summary>KIP-227's session rules, state by state.</summary>
public class FetchSessionCacheTests
{
    private readonly MetadataImage _image = MetadataImage.Empty;

    private static FetchRequestData Request(int sessionId, int epoch, params (string Topic, int Partition, long Offset)[] partitions)
    {
        var request = new FetchRequestData { SessionId = sessionId, SessionEpoch = epoch };
        foreach (var group in partitions.GroupBy(p => p.Topic))
        {
            var topic = new FetchRequestData.FetchTopic { Topic = group.Key };
            topic.Partitions.AddRange(group.Select(p => new FetchRequestData.FetchPartition { Partition = p.Partition, FetchOffset = p.Offset, PartitionMaxBytes = 1000 }));
            request.Topics.Add(topic);
        }
        return request;
    }

    [Test]
    public void SessionlessFetchCreatesNoSession()
    {
        var cache = new FetchSessionCache(TimeProvider.System);
        var context = cache.Resolve(Request(0, -1, ("t", 0, 5)), 12, _image);
        Assert.That(context.Session, Is.Null);
        Assert.That(context.ResponseSessionId, Is.Zero);
        Assert.That(context.Targets.Single().FetchOffset, Is.EqualTo(5));
        Assert.That(cache.Count, Is.Zero);
    }

    [Test]
    public void EpochZeroOpensASessionAndIncrementalFetchesUpdateIt()
    {
        var cache = new FetchSessionCache(TimeProvider.System);
        var full = cache.Resolve(Request(0, 0, ("t", 0, 0), ("t", 1, 0)), 12, _image);
        Assert.That(full.Incremental, Is.False);
        var id = full.ResponseSessionId;
        Assert.That(id, Is.Not.Zero);

        // Epoch 1 names only what changed: partition 1 moved on, partition 0 forgotten.
        var request = Request(id, 1, ("t", 1, 42));
        request.ForgottenTopicsData.Add(new FetchRequestData.ForgottenTopic { Topic = "t", Partitions = [0] });
        var incremental = cache.Resolve(request, 12, _image);
        Assert.That(incremental.Error, Is.EqualTo(ErrorCode.None));
        Assert.That(incremental.Incremental);
        Assert.That(incremental.Targets.Select(t => (t.Partition, t.FetchOffset)), Is.EqualTo(new[] { (1, 42L) }));

        Assert.That(cache.Resolve(Request(id, 1), 12, _image).Error, Is.EqualTo(ErrorCode.InvalidFetchSessionEpoch), "epoch 1 was used");
        Assert.That(cache.Resolve(Request(id, 2), 12, _image).Error, Is.EqualTo(ErrorCode.None));
    }

    [Test]
    public void UnknownAndClosedSessions()
    {
        var cache = new FetchSessionCache(TimeProvider.System);
        Assert.That(cache.Resolve(Request(12345, 3), 12, _image).Error, Is.EqualTo(ErrorCode.FetchSessionIdNotFound));
        var id = cache.Resolve(Request(0, 0, ("t", 0, 0)), 12, _image).ResponseSessionId;
        var closing = cache.Resolve(Request(id, -1, ("t", 0, 0)), 12, _image);
        Assert.That(closing.Session, Is.Null, "epoch -1 closes the session and fetches without one");
        Assert.That(cache.Resolve(Request(id, 1), 12, _image).Error, Is.EqualTo(ErrorCode.FetchSessionIdNotFound));
    }

    [Test]
    public void TheLeastRecentlyUsedSessionIsEvictedWhenFull()
    {
        var time = new FakeTime();
        var cache = new FetchSessionCache(time, maxSessions: 2);
        var first = cache.Resolve(Request(0, 0, ("t", 0, 0)), 12, _image).ResponseSessionId;
        time.Advance(TimeSpan.FromSeconds(1));
        cache.Resolve(Request(0, 0, ("t", 0, 0)), 12, _image);
        time.Advance(TimeSpan.FromSeconds(1));
        cache.Resolve(Request(0, 0, ("t", 0, 0)), 12, _image);
        Assert.That(cache.Count, Is.EqualTo(2));
        Assert.That(cache.Resolve(Request(first, 1), 12, _image).Error, Is.EqualTo(ErrorCode.FetchSessionIdNotFound));
    }
}
