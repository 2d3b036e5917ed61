using KafkaCompat.Broker.Share.Partitions;
using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Broker.Tests.Replication;
using KafkaCompat.Network;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Records;

namespace KafkaCompat.Broker.Tests.Handlers;

/// <summary>
/// ShareFetch and ShareAcknowledge (KIP-932) through their handlers and the wire format: share
/// sessions and their epochs, acquisition by several members, piggybacked and explicit
/// acknowledgements, long polling on the hand-moved clock.
/// </summary>
public class ShareFetchHandlerTests
{
    private const short Version = 1;
    private const string Group = "queue";

    private static Uuid TopicId(GroupHarness h) => h.Metadata.Image.Topic("t")!.Id;

    private static void Produce(GroupHarness h, int partition, params string[] values) =>
        h.Replicas.GetPartition("t", partition)!.AppendAsLeader(ReplicaHarness.Batch(h.Time.NowMs, values));

    private static ShareFetchRequestData Fetch(GroupHarness h, string memberId, int epoch, int maxWaitMs = 0,
        List<ShareFetchRequestData.AcknowledgementBatch>? acknowledgements = null, int maxRecords = 500) => new()
    {
        GroupId = Group,
        MemberId = memberId,
        ShareSessionEpoch = epoch,
        MaxWaitMs = maxWaitMs,
        MinBytes = 1,
        MaxBytes = 1 << 20,
        MaxRecords = maxRecords,
        BatchSize = 500,
        Topics =
        [
            new ShareFetchRequestData.FetchTopic
            {
                TopicId = TopicId(h),
                Partitions = [new ShareFetchRequestData.FetchPartition { PartitionIndex = 0, AcknowledgementBatches = acknowledgements ?? [] }],
            },
        ],
    };

    private static ShareFetchRequestData.AcknowledgementBatch FetchAck(long first, long last, AcknowledgeType type) =>
        new() { FirstOffset = first, LastOffset = last, AcknowledgeTypes = [(sbyte)type] };

    private static async Task<ShareFetchResponseData> FetchAsync(GroupHarness h, ShareFetchRequestData request)
    {
        var response = await h.SendAsync<ShareFetchResponseData>(Version, request);
        Assert.That((ErrorCode)response.ErrorCode, Is.EqualTo(ErrorCode.None), response.ErrorMessage);
        return response;
    }

    private static List<(long First, long Last, short DeliveryCount)> Acquired(ShareFetchResponseData response) =>
        response.Responses.SelectMany(t => t.Partitions).SelectMany(p => p.AcquiredRecords).Select(r => (r.FirstOffset, r.LastOffset, r.DeliveryCount)).ToList();

    private static async Task StartAtEarliestAsync(GroupHarness h)
    {
        // A fetch of no records with latest would start after what was produced: load the partition at offset 0 first.
        await h.SharePersister.InitializeStateAsync(new InitializeShareGroupStateRequestData
        {
            GroupId = Group,
            Topics = [new() { TopicId = TopicId(h), Partitions = [new() { Partition = 0, StateEpoch = 0, StartOffset = 0 }] }],
        });
    }

    [Test]
    [HandlerVersionTest(ApiKey.ShareFetch, 1)]
    public async Task TwoMembersFetchingOnePartitionGetDisjointRecords()
    {
        await using var h = new GroupHarness();
        await StartAtEarliestAsync(h);
        Produce(h, 0, "a", "b");
        Produce(h, 0, "c");

        var first = await FetchAsync(h, Fetch(h, "m1", 0, maxRecords: 2));
        var second = await FetchAsync(h, Fetch(h, "m2", 0));

        Assert.That(first.AcquisitionLockTimeoutMs, Is.EqualTo(30_000));
        Assert.That(Acquired(first), Is.EqualTo(new[] { (0L, 1L, (short)1) }));
        Assert.That(Acquired(second), Is.EqualTo(new[] { (2L, 2L, (short)1) }));
        var records = second.Responses.Single().Partitions.Single().Records!.Value;
        var bases = new List<long>();
        foreach (var batch in new RecordBatchSet(records))
        {
            bases.Add(batch.BaseOffset);
        }
        Assert.That(bases, Is.EqualTo(new long[] { 2 }), "m2 gets the batch of its record only");
    }

    [Test]
    public async Task AcquiredRecordsComeInRangesOfAboutTheRequestsBatchSize()
    {
        await using var h = new GroupHarness();
        await StartAtEarliestAsync(h);
        Produce(h, 0, "a", "b");
        Produce(h, 0, "c", "d");
        Produce(h, 0, "e");
        var request = Fetch(h, "m1", 0);
        request.BatchSize = 2;

        var answer = await FetchAsync(h, request);

        Assert.That(Acquired(answer), Is.EqualTo(new[] { (0L, 1L, (short)1), (2L, 3L, (short)1), (4L, 4L, (short)1) }));
    }

    [Test]
    public async Task APiggybackedReleaseIsAcquiredAgainByTheNextFetchAndAcceptsAreFinal()
    {
        await using var h = new GroupHarness();
        await StartAtEarliestAsync(h);
        Produce(h, 0, "a", "b", "c");
        await FetchAsync(h, Fetch(h, "m1", 0));
        await FetchAsync(h, Fetch(h, "m2", 0));

        var acked = await FetchAsync(h, Fetch(h, "m1", 1, acknowledgements:
        [
            new() { FirstOffset = 0, LastOffset = 2, AcknowledgeTypes = [(sbyte)AcknowledgeType.Accept, (sbyte)AcknowledgeType.Release, (sbyte)AcknowledgeType.Accept] },
        ]));
        var partition = acked.Responses.Single().Partitions.Single();
        Assert.That((ErrorCode)partition.AcknowledgeErrorCode, Is.EqualTo(ErrorCode.None), partition.AcknowledgeErrorMessage);
        Assert.That(Acquired(acked), Is.EqualTo(new[] { (1L, 1L, (short)2) }), "m1's own fetch after the release takes the record again");

        var other = await FetchAsync(h, Fetch(h, "m2", 1));
        Assert.That(Acquired(other), Is.Empty);
    }

    [Test]
    public async Task SessionEpochsAreCheckedAsKafkaDoes()
    {
        await using var h = new GroupHarness();

        var unknown = await h.SendAsync<ShareFetchResponseData>(Version, Fetch(h, "m1", 1));
        Assert.That((ErrorCode)unknown.ErrorCode, Is.EqualTo(ErrorCode.ShareSessionNotFound));
        var closingUnknown = await h.SendAsync<ShareFetchResponseData>(Version, Fetch(h, "m1", -1));
        Assert.That((ErrorCode)closingUnknown.ErrorCode, Is.EqualTo(ErrorCode.ShareSessionNotFound));
        var ackOnOpen = await h.SendAsync<ShareFetchResponseData>(Version, Fetch(h, "m1", 0, acknowledgements: [FetchAck(0, 0, AcknowledgeType.Accept)]));
        Assert.That((ErrorCode)ackOnOpen.ErrorCode, Is.EqualTo(ErrorCode.InvalidRequest));

        await FetchAsync(h, Fetch(h, "m1", 0));
        var skipped = await h.SendAsync<ShareFetchResponseData>(Version, Fetch(h, "m1", 2));
        Assert.That((ErrorCode)skipped.ErrorCode, Is.EqualTo(ErrorCode.InvalidShareSessionEpoch));
        await FetchAsync(h, Fetch(h, "m1", 1));
        await FetchAsync(h, Fetch(h, "m1", 2));
        var replayed = await h.SendAsync<ShareFetchResponseData>(Version, Fetch(h, "m1", 2));
        Assert.That((ErrorCode)replayed.ErrorCode, Is.EqualTo(ErrorCode.InvalidShareSessionEpoch));
    }

    [Test]
    public async Task TheSessionLimitIsGroupShareMaxShareSessions()
    {
        await using var h = new GroupHarness(new() { ["group.share.max.share.sessions"] = "1" });
        await FetchAsync(h, Fetch(h, "m1", 0));

        var refused = await h.SendAsync<ShareFetchResponseData>(Version, Fetch(h, "m2", 0));

        Assert.That((ErrorCode)refused.ErrorCode, Is.EqualTo(ErrorCode.ShareSessionLimitReached));
        await FetchAsync(h, Fetch(h, "m1", 0));
    }

    [Test]
    public async Task ClosingTheSessionReleasesWhatTheMemberStillHolds()
    {
        await using var h = new GroupHarness();
        await StartAtEarliestAsync(h);
        Produce(h, 0, "a", "b");
        await FetchAsync(h, Fetch(h, "m1", 0));

        var closed = await FetchAsync(h, Fetch(h, "m1", -1, acknowledgements: [FetchAck(0, 0, AcknowledgeType.Accept)]));

        Assert.That(Acquired(closed), Is.Empty, "a closing fetch acquires nothing");
        Assert.That(h.SharePartitions.Sessions.Contains(Group, "m1"), Is.False);
        var next = await FetchAsync(h, Fetch(h, "m2", 0));
        Assert.That(Acquired(next), Is.EqualTo(new[] { (1L, 1L, (short)2) }));
    }

    [Test]
    public async Task AMemberWhoseConnectionClosesHasItsRecordsReleasedAtOnce()
    {
        await using var h = new GroupHarness();
        await StartAtEarliestAsync(h);
        Produce(h, 0, "a", "b");
        var connection = new ConnectionSession("c9", HandlerRequest.Listener, "PLAINTEXT", "127.0.0.1:50009");
        var context = new RequestContext(new RequestHeaderData { RequestApiKey = (short)ApiKey.ShareFetch, RequestApiVersion = Version, ClientId = "share" }, connection);
        using (var opened = await h.Handlers.Find((short)ApiKey.ShareFetch)!.HandleAsync(context, Fetch(h, "m1", 0), CancellationToken.None))
        {
            Assert.That(Acquired((ShareFetchResponseData)opened!.Body), Is.EqualTo(new[] { (0L, 1L, (short)1) }));
        }

        connection.MarkClosed();

        Assert.That(h.SharePartitions.Sessions.Contains(Group, "m1"), Is.False);
        Assert.That(Acquired(await FetchAsync(h, Fetch(h, "m2", 0))), Is.EqualTo(new[] { (0L, 1L, (short)2) }), "long before the 30 s lock would expire");
    }

    [Test]
    public async Task AFetchWithNothingToAcquireWaitsForAnAppend()
    {
        await using var h = new GroupHarness();
        await StartAtEarliestAsync(h);
        await FetchAsync(h, Fetch(h, "m1", 0));

        var waiting = h.SendAsync<ShareFetchResponseData>(Version, Fetch(h, "m1", 1, maxWaitMs: 5000));
        Assert.That(waiting.IsCompleted, Is.False);
        Produce(h, 0, "late");
        var answer = await waiting;

        Assert.That(Acquired(answer), Is.EqualTo(new[] { (0L, 0L, (short)1) }));
    }

    [Test]
    public async Task AWaitingFetchIsWokenByAnotherMembersExpiredLock()
    {
        await using var h = new GroupHarness();
        await StartAtEarliestAsync(h);
        Produce(h, 0, "a");
        await FetchAsync(h, Fetch(h, "m1", 0));
        await FetchAsync(h, Fetch(h, "m2", 0));

        var waiting = h.SendAsync<ShareFetchResponseData>(Version, Fetch(h, "m2", 1, maxWaitMs: 60_000));
        Assert.That(waiting.IsCompleted, Is.False);
        h.Time.Advance(TimeSpan.FromMilliseconds(30_000));
        var answer = await waiting;

        Assert.That(Acquired(answer), Is.EqualTo(new[] { (0L, 0L, (short)2) }));
    }

    [Test]
    [HandlerVersionTest(ApiKey.ShareAcknowledge, 1)]
    public async Task ShareAcknowledgeRejectsForGoodAndAnswersEachPartition()
    {
        await using var h = new GroupHarness();
        await StartAtEarliestAsync(h);
        Produce(h, 0, "a", "b");
        await FetchAsync(h, Fetch(h, "m1", 0));

        var response = await h.SendAsync<ShareAcknowledgeResponseData>(Version, new ShareAcknowledgeRequestData
        {
            GroupId = Group,
            MemberId = "m1",
            ShareSessionEpoch = 1,
            Topics =
            [
                new()
                {
                    TopicId = TopicId(h),
                    Partitions =
                    [
                        new() { PartitionIndex = 0, AcknowledgementBatches = [new() { FirstOffset = 0, LastOffset = 1, AcknowledgeTypes = [(sbyte)AcknowledgeType.Reject] }] },
                        new() { PartitionIndex = 1, AcknowledgementBatches = [new() { FirstOffset = 0, LastOffset = 0, AcknowledgeTypes = [(sbyte)AcknowledgeType.Accept] }] },
                    ],
                },
            ],
        });

        Assert.That((ErrorCode)response.ErrorCode, Is.EqualTo(ErrorCode.None));
        var partitions = response.Responses.Single().Partitions;
        Assert.That(partitions.Select(p => (p.PartitionIndex, (ErrorCode)p.ErrorCode)),
            Is.EqualTo(new[] { (0, ErrorCode.None), (1, ErrorCode.UnknownTopicOrPartition) }), "partition 1 was never fetched");
        Assert.That(h.SharePartitions.Loaded(Group, TopicId(h), 0)!.StartOffset, Is.EqualTo(2));
        h.Time.Advance(TimeSpan.FromMilliseconds(30_000));
        var next = await FetchAsync(h, Fetch(h, "m2", 0));
        Assert.That(Acquired(next), Is.Empty);
    }

    [Test]
    [HandlerVersionTest(ApiKey.ShareFetch, 2)]
    public async Task Version2RecordLimitAcquiresNoMoreThanMaxRecordsEvenWithinABatch()
    {
        await using var h = new GroupHarness();
        await StartAtEarliestAsync(h);
        Produce(h, 0, "a", "b", "c", "d", "e");
        var request = Fetch(h, "m1", 0, maxRecords: 2);
        request.ShareAcquireMode = 1;

        var limited = await h.SendAsync<ShareFetchResponseData>(2, request);
        var optimized = await h.SendAsync<ShareFetchResponseData>(2, Fetch(h, "m2", 0, maxRecords: 2));

        Assert.That(Acquired(limited), Is.EqualTo(new[] { (0L, 1L, (short)1) }));
        Assert.That(Acquired(optimized), Is.EqualTo(new[] { (2L, 4L, (short)1) }), "batch_optimized takes the rest of the batch");
        request.ShareAcquireMode = 2;
        Assert.That((ErrorCode)(await h.SendAsync<ShareFetchResponseData>(2, request)).ErrorCode, Is.EqualTo(ErrorCode.InvalidRequest));
    }

    [Test]
    public async Task Version2RenewAcknowledgementsKeepTheRecordsLockedForAnotherLockDuration()
    {
        await using var h = new GroupHarness();
        await StartAtEarliestAsync(h);
        Produce(h, 0, "a", "b");
        await FetchAsync(h, Fetch(h, "m1", 0));
        h.Time.Advance(TimeSpan.FromMilliseconds(20_000));

        var renew = Fetch(h, "m1", 1, acknowledgements: [FetchAck(0, 1, AcknowledgeType.Renew)], maxRecords: 0);
        renew.IsRenewAck = true;
        renew.MinBytes = 0;
        renew.MaxBytes = 0;
        var renewed = await h.SendAsync<ShareFetchResponseData>(2, renew);
        Assert.That((ErrorCode)renewed.ErrorCode, Is.EqualTo(ErrorCode.None), renewed.ErrorMessage);
        Assert.That(renewed.Responses.Single().Partitions.Single().AcknowledgeErrorCode, Is.Zero);

        h.Time.Advance(TimeSpan.FromMilliseconds(20_000));
        Assert.That(Acquired(await FetchAsync(h, Fetch(h, "m2", 0))), Is.Empty, "40 s after the fetch, 20 s after the renewal: still m1's");
        h.Time.Advance(TimeSpan.FromMilliseconds(10_000));
        Assert.That(Acquired(await FetchAsync(h, Fetch(h, "m2", 1))), Is.EqualTo(new[] { (0L, 1L, (short)2) }));
    }

    [Test]
    public async Task RenewIsRefusedWithoutIsRenewAckOrWhenTheRenewalAlsoFetches()
    {
        await using var h = new GroupHarness();
        await StartAtEarliestAsync(h);
        Produce(h, 0, "a");
        await FetchAsync(h, Fetch(h, "m1", 0));

        var unflagged = await FetchAsync(h, Fetch(h, "m1", 1, acknowledgements: [FetchAck(0, 0, AcknowledgeType.Renew)]));
        Assert.That((ErrorCode)unflagged.Responses.Single().Partitions.Single().AcknowledgeErrorCode, Is.EqualTo(ErrorCode.InvalidRequest));
        var fetching = Fetch(h, "m1", 2, acknowledgements: [FetchAck(0, 0, AcknowledgeType.Renew)]);
        fetching.IsRenewAck = true;
        Assert.That((ErrorCode)(await h.SendAsync<ShareFetchResponseData>(2, fetching)).ErrorCode, Is.EqualTo(ErrorCode.InvalidRequest));
    }

    [Test]
    [HandlerVersionTest(ApiKey.ShareAcknowledge, 2)]
    public async Task ShareAcknowledgeVersion2RenewsAndAnswersTheLockDuration()
    {
        await using var h = new GroupHarness();
        await StartAtEarliestAsync(h);
        Produce(h, 0, "a");
        await FetchAsync(h, Fetch(h, "m1", 0));
        h.Time.Advance(TimeSpan.FromMilliseconds(29_000));

        var response = await h.SendAsync<ShareAcknowledgeResponseData>(2, new ShareAcknowledgeRequestData
        {
            GroupId = Group,
            MemberId = "m1",
            ShareSessionEpoch = 1,
            IsRenewAck = true,
            Topics = [new() { TopicId = TopicId(h), Partitions = [new() { PartitionIndex = 0, AcknowledgementBatches = [new() { FirstOffset = 0, LastOffset = 0, AcknowledgeTypes = [(sbyte)AcknowledgeType.Renew] }] }] }],
        });

        Assert.That(response.AcquisitionLockTimeoutMs, Is.EqualTo(30_000));
        Assert.That(response.Responses.Single().Partitions.Single().ErrorCode, Is.Zero);
        h.Time.Advance(TimeSpan.FromMilliseconds(29_000));
        Assert.That(h.SharePartitions.Loaded(Group, TopicId(h), 0)!.StateOf(0).State, Is.EqualTo(RecordState.Acquired));
    }

    [Test]
    public async Task ShareAcknowledgeCannotOpenASessionNorSkipAnEpoch()
    {
        await using var h = new GroupHarness();
        ShareAcknowledgeRequestData Acknowledge(int epoch) => new() { GroupId = Group, MemberId = "m1", ShareSessionEpoch = epoch };

        Assert.That((ErrorCode)(await h.SendAsync<ShareAcknowledgeResponseData>(Version, Acknowledge(0))).ErrorCode, Is.EqualTo(ErrorCode.InvalidShareSessionEpoch));
        Assert.That((ErrorCode)(await h.SendAsync<ShareAcknowledgeResponseData>(Version, Acknowledge(1))).ErrorCode, Is.EqualTo(ErrorCode.ShareSessionNotFound));
        await FetchAsync(h, Fetch(h, "m1", 0));
        Assert.That((ErrorCode)(await h.SendAsync<ShareAcknowledgeResponseData>(Version, Acknowledge(2))).ErrorCode, Is.EqualTo(ErrorCode.InvalidShareSessionEpoch));
        Assert.That((ErrorCode)(await h.SendAsync<ShareAcknowledgeResponseData>(Version, Acknowledge(1))).ErrorCode, Is.EqualTo(ErrorCode.None));
        Assert.That((ErrorCode)(await h.SendAsync<ShareAcknowledgeResponseData>(Version, Acknowledge(-1))).ErrorCode, Is.EqualTo(ErrorCode.None));
        Assert.That(h.SharePartitions.Sessions.Contains(Group, "m1"), Is.False, "-1 closed the session");
    }
}
