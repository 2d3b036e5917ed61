using KafkaCompat.Broker.Metadata;

namespace KafkaCompat.Broker.Tests.Metadata;

/// <summary>A run of admin operations of every kind, and the serialized records an image is rebuilt from (to compare images).</summary>
internal static class MetadataWorkload
{
    /// <summary>Round <paramref name="round"/> of operations; every one must succeed.</summary>
    public static async Task RunAsync(MetadataController controller, int round)
    {
        var defaults = new TopicDefaults(NumPartitions: 2, ReplicationFactor: 1);
        Expect((await controller.CreateTopic(new NewTopic($"orders-{round}", 3, 1, [], new Dictionary<string, string?> { ["retention.ms"] = "60000" }), defaults)).Result);
        Expect((await controller.CreateTopic(new NewTopic($"audit-{round}", -1, -1, [], new Dictionary<string, string?>()), defaults)).Result);
        Expect((await controller.CreateTopic($"scratch-{round}", 1, new Dictionary<string, string>())));
        Expect(await controller.CreatePartitions($"audit-{round}", 5));
        Expect(await controller.AlterConfigs(MetadataImage.TopicResource, $"orders-{round}",
            [KeyValuePair.Create("cleanup.policy", (string?)"compact"), KeyValuePair.Create("retention.ms", (string?)null)]));
        Expect(await controller.AlterConfigs(MetadataImage.BrokerResource, "1", [KeyValuePair.Create("log.retention.ms", (string?)$"{round + 1}000")]));
        Expect((await controller.DeleteTopic($"scratch-{round}", default)).Result);
        await controller.AllocateProducerIds(1000);
    }

    public static byte[][] Records(MetadataImage image) => [.. image.ToRecords().Select(MetadataRecordSerde.Serialize)];

    private static void Expect(MetadataResult result) => Assert.That(result.IsOk, Is.True, $"{result.Error}: {result.Message}");
}
