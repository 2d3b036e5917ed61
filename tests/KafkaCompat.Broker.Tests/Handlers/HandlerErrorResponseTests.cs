using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Tests.Handlers;

/// <summary>
/// The dispatcher answers a handler that fails with that handler's error response (Kafka's
/// getErrorResponse); one that its own version cannot encode would close the connection instead.
/// </summary>
public class HandlerErrorResponseTests
{
    [Test]
    public async Task EveryErrorResponseEncodesAtBothEndsOfItsHandlersRange()
    {
        await using var harness = new GroupHarness();
        var failures = new List<string>();
        foreach (var handler in harness.Handlers.Handlers)
        {
            foreach (var version in new[] { handler.Versions.Lowest, handler.Versions.Highest })
            {
                var response = handler.ErrorResponse(ApiKeys.NewRequest(handler.ApiKey), version, ErrorCode.UnknownServerError, "failed");
                try
                {
                    var decoded = ApiKeys.NewResponse(handler.ApiKey);
                    var reader = new KafkaReader(response.Serialize(version));
                    decoded.Read(ref reader, version);
                    // Where the version has a top-level error, it is the one given (the others are below).
                    if (!PerEntityOnly(handler.ApiKey, version)
                        && decoded.GetType().GetProperty("ErrorCode") is { } error && (short)error.GetValue(decoded)! != (short)ErrorCode.UnknownServerError)
                    {
                        failures.Add($"{handler.ApiKey} v{version}: error code {error.GetValue(decoded)}");
                    }
                }
                catch (KafkaProtocolException e)
                {
                    failures.Add($"{handler.ApiKey} v{version}: {e.Message}");
                }
            }
        }
        Assert.That(failures, Is.Empty);
    }

    /// <summary>Versions whose response has no top-level error code: the error goes to every entity asked for.</summary>
    private static bool PerEntityOnly(ApiKey api, short version) => api switch
    {
        ApiKey.Fetch => version < 7,
        ApiKey.OffsetFetch => version is < 2 or >= 8,
        ApiKey.FindCoordinator => version >= 4,
        // KIP-1102 gave Metadata a top-level error in v13.
        ApiKey.Metadata => version < 13,
        // Kafka's own error response for v0-2 has nowhere to put the error either.
        ApiKey.DescribeLogDirs => version < 3,
        // The top-level error came with v4's batches (KIP-890); before, each partition carries it.
        ApiKey.AddPartitionsToTxn => version < 4,
        _ => false,
    };

    /// <summary>v4-6 have no top-level error: without it in the partitions, the client would see an empty answer.</summary>
    [Test]
    public async Task AFetchErrorBeforeV7IsGivenToEveryPartitionAsked()
    {
        await using var harness = new GroupHarness();
        var request = new FetchRequestData { Topics = [new() { Topic = "t", Partitions = [new() { Partition = 0 }, new() { Partition = 2 }] }] };

        var partitions = ErrorResponse<FetchResponseData>(harness, request, 4).Responses.Single(t => t.Topic == "t").Partitions;

        Assert.That(partitions.Select(p => (p.PartitionIndex, (ErrorCode)p.ErrorCode, p.HighWatermark)),
            Is.EqualTo(new[] { (0, ErrorCode.UnknownServerError, -1L), (2, ErrorCode.UnknownServerError, -1L) }));
    }

    [Test]
    public async Task AFetchErrorFromV13IsOnlyTheTopLevelError()
    {
        await using var harness = new GroupHarness();
        var request = new FetchRequestData { Topics = [new() { TopicId = harness.Metadata.Image.Topic("t")!.Id, Partitions = [new() { Partition = 1 }] }] };

        var response = ErrorResponse<FetchResponseData>(harness, request, 17);

        // As Kafka's: a client of v13+ reads the top-level error, so no partitions are sent back.
        Assert.That((ErrorCode)response.ErrorCode, Is.EqualTo(ErrorCode.UnknownServerError));
        Assert.That(response.Responses, Is.Empty);
    }

    [Test]
    public async Task AnOffsetFetchErrorGoesToEachPartitionInV0AndToEachGroupInV9()
    {
        await using var harness = new GroupHarness();

        var v0 = ErrorResponse<OffsetFetchResponseData>(harness, new OffsetFetchRequestData { GroupId = "g", Topics = [new() { Name = "t", PartitionIndexes = [0, 1] }] }, 0);
        var v9 = ErrorResponse<OffsetFetchResponseData>(harness, new OffsetFetchRequestData { Groups = [new() { GroupId = "g" }] }, 9);

        Assert.That(v0.Topics.Single().Partitions.Select(p => (p.PartitionIndex, p.CommittedOffset, (ErrorCode)p.ErrorCode)),
            Is.EqualTo(new[] { (0, -1L, ErrorCode.UnknownServerError), (1, -1L, ErrorCode.UnknownServerError) }));
        Assert.That(v9.Groups.Select(g => (g.GroupId, (ErrorCode)g.ErrorCode)), Is.EqualTo(new[] { ("g", ErrorCode.UnknownServerError) }));
    }

    [Test]
    public async Task AFindCoordinatorErrorFromV4GoesToEachKey()
    {
        await using var harness = new GroupHarness();

        var response = ErrorResponse<FindCoordinatorResponseData>(harness, new FindCoordinatorRequestData { CoordinatorKeys = ["g1", "g2"] }, 6);

        Assert.That(response.Coordinators.Select(c => (c.Key, (ErrorCode)c.ErrorCode)), Is.EqualTo(new[] { ("g1", ErrorCode.UnknownServerError), ("g2", ErrorCode.UnknownServerError) }));
    }

    private static TResponse ErrorResponse<TResponse>(GroupHarness harness, IApiMessage request, short version) where TResponse : IApiMessage, new()
    {
        var handler = harness.Handlers.Find((short)request.ApiKey)!;
        return KafkaMessages.Deserialize<TResponse>(handler.ErrorResponse(request, version, ErrorCode.UnknownServerError, "failed").Serialize(version), version);
    }
}
