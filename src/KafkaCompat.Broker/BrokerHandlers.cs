using KafkaCompat.Broker.Fetch;
using KafkaCompat.Broker.Groups;
using KafkaCompat.Broker.Handlers;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Broker.Replication;
using KafkaCompat.Broker.Share.Coordinator;
using KafkaCompat.Broker.Share;
using KafkaCompat.Broker.Transactions;
using KafkaCompat.Raft;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.Broker;

/// <summary>
/// The one list of the APIs this broker serves, each handler over the services it needs: the
/// server composes its table here, and so do the handler tests, which check that every handler
/// class of this assembly is in it. A node that runs the KRaft quorum passes its Raft client's
/// <see cref="IRaftRequestHandler"/>: the Raft RPCs are then served on its controller listeners;
/// without one they are served nowhere and ApiVersions does not list them.
/// </summary>
public static class BrokerHandlers
{
    public static (HandlerTable Table, ApiVersionsHandler ApiVersions) Compose(
        MetadataController controller, BrokerState broker, ReplicaManager replicas, GroupCoordinator groups, TransactionCoordinator transactions,
        ShareCoordinator shares, SharePartitionManager sharePartitions, TimeProvider time, ILoggerFactory loggerFactory,
        IRaftRequestHandler? raft = null)
    {
        var configAdmin = new ConfigAdmin(controller, broker, loggerFactory.CreateLogger<ConfigAdmin>());
        HandlerTable? table = null;
        var apiVersions = new ApiVersionsHandler(() => table!);
        table = new HandlerTable(
        [
            apiVersions,
            new MetadataHandler(controller, broker),
            new ProduceHandler(replicas, controller, transactions, broker, time),
            new FetchHandler(replicas, controller, new FetchSessionCache(time, broker.Config.GetInt("max.incremental.fetch.session.cache.slots")), broker, time),
            new ListOffsetsHandler(replicas),
            new InitProducerIdHandler(new ProducerIdManager(controller), transactions),
            new CreateTopicsHandler(controller, broker, loggerFactory.CreateLogger<CreateTopicsHandler>()),
            new DeleteTopicsHandler(controller, broker),
            new CreatePartitionsHandler(controller),
            new DeleteRecordsHandler(replicas),
            new DescribeProducersHandler(controller, replicas),
            new DescribeConfigsHandler(controller, broker),
            new AlterConfigsHandler(configAdmin),
            new IncrementalAlterConfigsHandler(configAdmin),
            new DescribeClusterHandler(controller, broker),
            new UpdateFeaturesHandler(broker),
            new DescribeLogDirsHandler(replicas, broker),
            new DescribeTopicPartitionsHandler(controller),
            new FindCoordinatorHandler(groups, transactions, shares, controller),
            new JoinGroupHandler(groups),
            new SyncGroupHandler(groups),
            new HeartbeatHandler(groups),
            new LeaveGroupHandler(groups),
            new OffsetCommitHandler(groups, controller, time),
            new OffsetFetchHandler(groups, controller),
            new DescribeGroupsHandler(groups),
            new ListGroupsHandler(groups),
            new DeleteGroupsHandler(groups),
            new OffsetDeleteHandler(groups),
            new TxnOffsetCommitHandler(groups, transactions, replicas, broker, time),
            new ConsumerGroupHeartbeatHandler(groups),
            new ConsumerGroupDescribeHandler(groups),
            new ShareGroupHeartbeatHandler(groups),
            new ShareGroupDescribeHandler(groups),
            new DescribeShareGroupOffsetsHandler(groups),
            new AlterShareGroupOffsetsHandler(groups),
            new DeleteShareGroupOffsetsHandler(groups),
            new AddPartitionsToTxnHandler(transactions, controller),
            new AddOffsetsToTxnHandler(transactions, groups),
            new EndTxnHandler(transactions),
            new WriteTxnMarkersHandler(replicas, controller, groups),
            new DescribeTransactionsHandler(transactions),
            new ListTransactionsHandler(transactions, time),
            new InitializeShareGroupStateHandler(shares),
            new ReadShareGroupStateHandler(shares),
            new WriteShareGroupStateHandler(shares),
            new DeleteShareGroupStateHandler(shares),
            new ReadShareGroupStateSummaryHandler(shares),
            new ShareFetchHandler(sharePartitions, replicas, controller, broker, time),
            new ShareAcknowledgeHandler(sharePartitions, controller),
            new BrokerRegistrationHandler(controller),
            new BrokerHeartbeatHandler(controller),
            new UnregisterBrokerHandler(controller),
            new ControllerRegistrationHandler(controller),
            new AllocateProducerIdsHandler(controller),
        ]);
        if (raft is not null)
        {
            table = new HandlerTable(table.Handlers, RaftRpcHandlers(raft, time), broker.Config.ControllerListenerNames);
        }
        return (table, apiVersions);
    }

    /// <summary>The KRaft RPCs, as Kafka's ControllerApis hands them to its Raft manager.</summary>
    internal static IApiHandler[] RaftRpcHandlers(IRaftRequestHandler raft, TimeProvider time) =>
    [
        new VoteHandler(raft, time),
        new BeginQuorumEpochHandler(raft, time),
        new EndQuorumEpochHandler(raft, time),
        new DescribeQuorumHandler(raft, time),
        new FetchSnapshotHandler(raft, time),
        new RaftFetchHandler(raft, time),
    ];
}
