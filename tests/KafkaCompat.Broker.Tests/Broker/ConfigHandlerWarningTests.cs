using KafkaCompat.Broker.Config;
using KafkaCompat.Broker.Handlers;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Broker.Tests.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Tests.Broker;

/// <summary>
/// CreateTopics, AlterConfigs and IncrementalAlterConfigs accept Kafka's configs; those the broker
/// does not act on yet are named in a warning, and only once the change is accepted.
/// </summary>
public class ConfigHandlerWarningTests
{
    private const string Topic = "warned";
    private const sbyte TopicResource = 2;
    private const sbyte BrokerResource = 4;
    private const sbyte GroupResource = 32;

    private MetadataNode _metadata = null!;
    private MetadataController _controller = null!;
    private BrokerState _broker = null!;
    private ListLogger<ConfigAdmin> _adminLog = null!;
    private ConfigAdmin _admin = null!;

    [SetUp]
    public void CreateBroker()
    {
        _metadata = MetadataNode.Open();
        _controller = _metadata.Controller;
        _broker = new BrokerState(BrokerConfig.Default, "cluster");
        _broker.Apply(_metadata.Loader.Image);
        _metadata.Loader.Install(_broker.Apply);
        Assert.That(_controller.CreateTopic(Topic, 1, new Dictionary<string, string>()).GetAwaiter().GetResult().IsOk);
        _adminLog = new ListLogger<ConfigAdmin>();
        _admin = new ConfigAdmin(_controller, _broker, _adminLog);
    }

    [TearDown]
    public void StopBroker() => _metadata.Dispose();

    private static Task<T> Handle<T>(IApiHandler handler, IApiMessage request, short version) where T : class =>
        HandlerCalls.HandleAsync<T>(handler, request, version);

    private static AlterConfigsRequestData Alter(sbyte type, string name, params (string Name, string? Value)[] configs)
    {
        var resource = new AlterConfigsRequestData.AlterConfigsResource { ResourceType = type, ResourceName = name };
        foreach (var (config, value) in configs)
        {
            resource.Configs.Add(new AlterConfigsRequestData.AlterableConfig { Name = config, Value = value });
        }
        var request = new AlterConfigsRequestData();
        request.Resources.Add(resource);
        return request;
    }

    [Test]
    public async Task AlterConfigsOnATopicNamesTheConfigThatIsNotActedOn()
    {
        var response = await Handle<AlterConfigsResponseData>(new AlterConfigsHandler(_admin), Alter(TopicResource, Topic, ("retention.ms", "60000"), ("preallocate", "true")), 2);

        Assert.That(response.Responses.Single().ErrorCode, Is.Zero);
        Assert.That(_controller.Image.Topic(Topic)!.Configs["preallocate"], Is.EqualTo("true"), "accepted and kept");
        Assert.That(_adminLog.Warnings, Is.EqualTo(new[] { $"Topic {Topic}: The configuration 'preallocate' is accepted but not acted on yet: segment files are not preallocated." }));
    }

    [Test]
    public async Task AlterConfigsOnTheBrokerNamesADynamicConfigThatIsNotActedOn()
    {
        var response = await Handle<AlterConfigsResponseData>(new AlterConfigsHandler(_admin), Alter(BrokerResource, "", ("log.retention.ms", "60000"), ("min.insync.replicas", "2")), 2);

        Assert.That(response.Responses.Single().ErrorCode, Is.Zero, response.Responses.Single().ErrorMessage);
        Assert.That(_adminLog.Warnings.Single(), Does.StartWith("Broker '': The configuration 'min.insync.replicas' is accepted but not acted on yet: "));
    }

    [Test]
    public async Task AlterConfigsOnAGroupNamesTheShareConfigThatIsNotActedOn()
    {
        var response = await Handle<AlterConfigsResponseData>(new AlterConfigsHandler(_admin),
            Alter(GroupResource, "g", ("consumer.session.timeout.ms", "50000"), ("share.record.lock.duration.ms", "20000")), 2);

        Assert.That(response.Responses.Single().ErrorCode, Is.Zero, response.Responses.Single().ErrorMessage);
        Assert.That(_adminLog.Warnings.Single(), Does.StartWith("Group g: The configuration 'share.record.lock.duration.ms' is accepted but not acted on yet: share groups (KIP-932)"),
            "consumer.session.timeout.ms is acted on by the consumer groups");
    }

    [Test]
    public async Task ARefusedChangeIsNotWarnedAbout()
    {
        var response = await Handle<AlterConfigsResponseData>(new AlterConfigsHandler(_admin), Alter(TopicResource, Topic, ("preallocate", "maybe")), 2);

        Assert.That(response.Responses.Single().ErrorCode, Is.EqualTo((short)ErrorCode.InvalidConfig));
        Assert.That(_adminLog.Warnings, Is.Empty);
    }

    [Test]
    public async Task IncrementalAlterConfigsWarnsForASetButNotForADelete()
    {
        var resource = new IncrementalAlterConfigsRequestData.AlterConfigsResource { ResourceType = TopicResource, ResourceName = Topic };
        resource.Configs.Add(new IncrementalAlterConfigsRequestData.AlterableConfig { Name = "local.retention.ms", ConfigOperation = (sbyte)ConfigOperation.Set, Value = "3600000" });
        resource.Configs.Add(new IncrementalAlterConfigsRequestData.AlterableConfig { Name = "preallocate", ConfigOperation = (sbyte)ConfigOperation.Delete });
        var request = new IncrementalAlterConfigsRequestData();
        request.Resources.Add(resource);

        var response = await Handle<IncrementalAlterConfigsResponseData>(new IncrementalAlterConfigsHandler(_admin), request, 1);

        Assert.That(response.Responses.Single().ErrorCode, Is.Zero, response.Responses.Single().ErrorMessage);
        Assert.That(_adminLog.Warnings.Single(), Does.StartWith($"Topic {Topic}: The configuration 'local.retention.ms' is accepted but not acted on yet: "));
    }

    [Test]
    public async Task CreateTopicsNamesTheConfigThatIsNotActedOn()
    {
        var log = new ListLogger<CreateTopicsHandler>();
        var topic = new CreateTopicsRequestData.CreatableTopic { Name = "created", NumPartitions = 1, ReplicationFactor = 1 };
        topic.Configs.Add(new CreateTopicsRequestData.CreatableTopicConfig { Name = "segment.bytes", Value = "1048576" });
        topic.Configs.Add(new CreateTopicsRequestData.CreatableTopicConfig { Name = "min.insync.replicas", Value = "2" });
        var request = new CreateTopicsRequestData();
        request.Topics.Add(topic);

        var response = await Handle<CreateTopicsResponseData>(new CreateTopicsHandler(_controller, _broker, log), request, 7);

        Assert.That(response.Topics.Single().ErrorCode, Is.Zero, response.Topics.Single().ErrorMessage);
        Assert.That(log.Warnings.Single(), Does.StartWith("Topic created: The configuration 'min.insync.replicas' is accepted but not acted on yet: "));
    }
}
