using System.Collections.Immutable;
using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Metadata;

/// <summary>
/// A controller as it registered itself (KIP-919's RegisterControllerRecord): its endpoints, so that
/// DescribeCluster on a controller listener can list the quorum, and the feature levels it supports.
/// </summary>
public sealed record ControllerRegistration(int Id, Uuid IncarnationId, bool ZkMigrationReady, ImmutableArray<RegisteredEndpoint> Endpoints, ImmutableArray<FeatureRange> Features);
