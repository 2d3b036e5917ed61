using KafkaCompat.IntegrationTests.Fixtures;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Records;
using static KafkaCompat.IntegrationTests.Fixtures.KafkaClients;

namespace KafkaCompat.IntegrationTests.Groups;

/// <summary>
/// ShareFetch and ShareAcknowledge v1 (KIP-932, the version librdkafka 2.15.1's share consumer sends)
/// as raw requests over loopback to the broker in this process, whose share coordinator keeps the
/// share-partition state in __share_group_state: several members on one partition, releases, and a
/// restart of the broker that resumes from the persisted state.
/// </summary>
[TestFixture]
public sealed class ShareFetchWireTests
{
    private const short Version = 1;
    private const string Group = "share-wire";

    private InProcessBroker _broker = null!;

    [OneTimeSetUp]
    public async Task StartBroker() => _broker = await InProcessBroker.StartAsync();

    [OneTimeTearDown]
    public async Task StopBroker() => await _broker.DisposeAsync();

    [TearDown]
    public void ShowBrokerLogOnFailure() => _broker.Log.ShowTailIfTestFailed(60);

    [Test]
    public async Task MembersShareAPartitionAndTheStateOutlivesARestart()
    {
        const string topic = "share-wire-topic";
        await CreateTopicAsync(_broker.BootstrapServers, topic, 1);
        using (var producer = Producer(_broker.BootstrapServers))
        {
            for (var i = 0; i < 6; i++)
            {
                // One batch per record: acquisition goes batch by batch.
                await producer.ProduceAsync(topic, new() { Value = System.Text.Encoding.UTF8.GetBytes($"r{i}") });
            }
        }
        var topicId = await TopicIdAsync(topic);
        // The group's state starts at offset 0, as share.auto.offset.reset=earliest would start it.
        await InitializeAsync(topicId);

        using var a = await KafkaWireClient.ConnectAsync(_broker.BoundPort);
        using var b = await KafkaWireClient.ConnectAsync(_broker.BoundPort);
        var versions = await a.SendAsync<ApiVersionsResponseData>(new ApiVersionsRequestData { ClientSoftwareName = "wire-client", ClientSoftwareVersion = "1.0" }, 3);
        Assert.That(versions.ApiKeys.Where(k => k.ApiKey is 78 or 79).Select(k => (k.ApiKey, k.MinVersion, k.MaxVersion)),
            Is.EqualTo(new[] { ((short)78, (short)1, (short)2), ((short)79, (short)1, (short)2) }));

        var fromA = await FetchAsync(a, "member-a", 0, topicId, maxRecords: 3);
        var fromB = await FetchAsync(b, "member-b", 0, topicId, maxRecords: 3);
        Assert.That(Acquired(fromA), Is.EqualTo(new[] { (0L, 2L, (short)1) }));
        Assert.That(Acquired(fromB), Is.EqualTo(new[] { (3L, 5L, (short)1) }));
        Assert.That(BatchOffsets(fromB), Is.EqualTo(new long[] { 3, 4, 5 }), "b's answer holds its own records' batches");

        // a releases what it holds, with an acknowledgement-only fetch (MaxRecords 0, as librdkafka flushes them).
        var released = await FetchAsync(a, "member-a", 1, topicId, maxRecords: 0,
            acknowledgements: [new() { FirstOffset = 0, LastOffset = 2, AcknowledgeTypes = [(sbyte)2] }]);
        Assert.That(released.Responses.Single().Partitions.Single().AcknowledgeErrorCode, Is.Zero);
        var redelivered = await FetchAsync(b, "member-b", 1, topicId, maxRecords: 10);
        Assert.That(Acquired(redelivered), Is.EqualTo(new[] { (0L, 2L, (short)2) }));

        var accepted = await b.SendAsync<ShareAcknowledgeResponseData>(new ShareAcknowledgeRequestData
        {
            GroupId = Group, MemberId = "member-b", ShareSessionEpoch = 2,
            Topics = [new() { TopicId = topicId, Partitions = [new() { PartitionIndex = 0, AcknowledgementBatches = [new() { FirstOffset = 0, LastOffset = 4, AcknowledgeTypes = [1] }] }] }],
        }, Version);
        Assert.That(accepted.Responses.Single().Partitions.Single().ErrorCode, Is.Zero);

        // Offset 5 is still b's when the broker restarts: its lock ends with it, and it comes back for its next delivery.
        await _broker.RestartAsync();
        using var c = await KafkaWireClient.ConnectAsync(_broker.BoundPort);
        var afterRestart = await FetchAsync(c, "member-c", 0, topicId, maxRecords: 10);
        Assert.That(Acquired(afterRestart), Is.EqualTo(new[] { (5L, 5L, (short)2) }));
    }

    [Test]
    public async Task AWaitingMemberGetsTheRecordsOfAMemberWhoseConnectionCloses()
    {
        const string topic = "share-wire-disconnect";
        await CreateTopicAsync(_broker.BootstrapServers, topic, 1);
        using (var producer = Producer(_broker.BootstrapServers))
        {
            await producer.ProduceAsync(topic, new() { Value = [1] });
        }
        var topicId = await TopicIdAsync(topic);
        await InitializeAsync(topicId);
        using var waiter = await KafkaWireClient.ConnectAsync(_broker.BoundPort);
        var holder = await KafkaWireClient.ConnectAsync(_broker.BoundPort);
        Assert.That(Acquired(await FetchAsync(holder, "holder", 0, topicId, maxRecords: 10)), Is.EqualTo(new[] { (0L, 0L, (short)1) }));

        // The waiter long-polls (well within the 30 s lock) while the holder's connection goes away.
        var waiting = waiter.SendAsync<ShareFetchResponseData>(new ShareFetchRequestData
        {
            GroupId = Group, MemberId = "waiter", ShareSessionEpoch = 0, MaxWaitMs = 20_000, MinBytes = 1, MaxBytes = 1 << 20, MaxRecords = 10, BatchSize = 10,
            Topics = [new() { TopicId = topicId, Partitions = [new() { PartitionIndex = 0 }] }],
        }, Version);
        holder.Dispose();
        var answer = await waiting;

        Assert.That(Acquired(answer), Is.EqualTo(new[] { (0L, 0L, (short)2) }));
    }

    /// <summary>
    /// What the group coordinator does before it assigns a partition to share members: the share
    /// coordinator initializes its state (here at offset 0, as share.auto.offset.reset=earliest would),
    /// answering COORDINATOR_LOAD_IN_PROGRESS while __share_group_state is first created and loaded.
    /// </summary>
    private async Task InitializeAsync(Uuid topicId)
    {
        using var client = await KafkaWireClient.ConnectAsync(_broker.BoundPort);
        for (var attempt = 0; ; attempt++)
        {
            var response = await client.SendAsync<InitializeShareGroupStateResponseData>(new InitializeShareGroupStateRequestData
            {
                GroupId = Group,
                Topics = [new() { TopicId = topicId, Partitions = [new() { Partition = 0, StateEpoch = 1, StartOffset = 0 }] }],
            }, 0);
            var error = (ErrorCode)response.Results.Single().Partitions.Single().ErrorCode;
            if (error == ErrorCode.None)
            {
                return;
            }
            Assert.That(error is ErrorCode.CoordinatorLoadInProgress or ErrorCode.CoordinatorNotAvailable && attempt < 100, $"initialize: {error}");
            await Task.Delay(100);
        }
    }

    private async Task<Uuid> TopicIdAsync(string topic)
    {
        using var client = await KafkaWireClient.ConnectAsync(_broker.BoundPort);
        var metadata = await client.SendAsync<MetadataResponseData>(new MetadataRequestData { Topics = [new() { Name = topic }] }, 12);
        return metadata.Topics.Single().TopicId;
    }

    private static async Task<ShareFetchResponseData> FetchAsync(KafkaWireClient client, string memberId, int epoch, Uuid topicId, int maxRecords,
        List<ShareFetchRequestData.AcknowledgementBatch>? acknowledgements = null)
    {
        var response = await client.SendAsync<ShareFetchResponseData>(new ShareFetchRequestData
        {
            GroupId = Group, MemberId = memberId, ShareSessionEpoch = epoch, MaxWaitMs = 0, MinBytes = 1, MaxBytes = 1 << 20,
            MaxRecords = maxRecords, BatchSize = maxRecords,
            Topics = [new() { TopicId = topicId, Partitions = [new() { PartitionIndex = 0, AcknowledgementBatches = acknowledgements ?? [] }] }],
        }, Version);
        Assert.That((ErrorCode)response.ErrorCode, Is.EqualTo(ErrorCode.None), response.ErrorMessage);
        return response;
    }

    private static List<(long, long, short)> Acquired(ShareFetchResponseData response) =>
        [.. response.Responses.SelectMany(t => t.Partitions).SelectMany(p => p.AcquiredRecords).Select(r => (r.FirstOffset, r.LastOffset, r.DeliveryCount))];

    private static List<long> BatchOffsets(ShareFetchResponseData response)
    {
        var offsets = new List<long>();
        foreach (var batch in new RecordBatchSet(response.Responses.Single().Partitions.Single().Records!.Value))
        {
            offsets.Add(batch.BaseOffset);
        }
        return offsets;
    }
}
