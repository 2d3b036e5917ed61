namespace KafkaCompat.Broker.Metadata;

/// <summary>
/// Places the replicas of new partitions as Kafka's StripedReplicaPlacer does (KIP-631): racks are
/// visited round-robin from a random starting rack that advances by one per partition, so replicas of
/// one partition land on different racks whenever there are enough, and leaders spread over racks and
/// brokers; within a rack brokers are also taken round-robin from a random start, unfenced ones before
/// fenced ones. A leader (the first replica) is always unfenced. Once as many partitions were placed as
/// there are unfenced brokers, the order is reshuffled so that the same stripes do not repeat.
/// </summary>
public sealed class StripedReplicaPlacer(Random random)
{
    /// <summary>A broker that may be given replicas: registered and not in controlled shutdown.</summary>
    public sealed record UsableBroker(int Id, string? Rack, bool Fenced);

    /// <summary>The replicas of each of <paramref name="partitions"/> new partitions, leader first, or Kafka's reason why they cannot be placed.</summary>
    public (IReadOnlyList<int[]> Placement, string? Error) Place(int partitions, int replicationFactor, IEnumerable<UsableBroker> brokers)
    {
        var racks = new RackList(random, brokers);
        if (replicationFactor <= 0)
        {
            return ([], $"Invalid replication factor {replicationFactor}: the replication factor must be positive.");
        }
        if (racks.UnfencedCount == 0)
        {
            return ([], "All brokers are currently fenced.");
        }
        if (replicationFactor > racks.TotalCount)
        {
            return ([], $"The target replication factor of {replicationFactor} cannot be reached because only {racks.TotalCount} broker(s) are registered.");
        }
        var placement = new List<int[]>(partitions);
        for (var p = 0; p < partitions; p++)
        {
            placement.Add(racks.Place(replicationFactor));
        }
        return (placement, null);
    }

    /// <summary>Brokers of one list taken round-robin from an offset that moves on at every new round.</summary>
    private sealed class BrokerCycle
    {
        private readonly List<int> _brokers = [];
        private int _taken;
        private int _offset;
        private int _round;

        public int Count => _brokers.Count;

        public void Add(int broker) => _brokers.Add(broker);

        public void Start(Random random)
        {
            _brokers.Sort();
            _offset = _brokers.Count == 0 ? 0 : random.Next(_brokers.Count);
        }

        public void Shuffle(Random random) => random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_brokers));

        /// <summary>The next broker of round <paramref name="round"/>, or -1 when this round has taken them all.</summary>
        public int Next(int round)
        {
            if (_brokers.Count == 0)
            {
                return -1;
            }
            if (_round != round)
            {
                _round = round;
                _taken = 0;
                _offset = (_offset + 1) % _brokers.Count;
            }
            if (_taken >= _brokers.Count)
            {
                return -1;
            }
            return _brokers[(_taken++ + _offset) % _brokers.Count];
        }
    }

    private sealed class Rack
    {
        public BrokerCycle Unfenced { get; } = new();

        public BrokerCycle Fenced { get; } = new();

        public int Next(int round) => Unfenced.Next(round) is var broker and >= 0 ? broker : Fenced.Next(round);
    }

    private sealed class RackList
    {
        private readonly Random _random;
        private readonly Dictionary<string, Rack> _racks = new(StringComparer.Ordinal);
        private readonly List<string> _names = [];
        private int _round;
        private int _offset;

        public RackList(Random random, IEnumerable<UsableBroker> brokers)
        {
            _random = random;
            foreach (var broker in brokers)
            {
                // A broker without a rack is in the rack of no name, which sorts first as Kafka's empty Optional does.
                var name = broker.Rack is null ? "" : "\u0001" + broker.Rack;
                if (!_racks.TryGetValue(name, out var rack))
                {
                    _racks[name] = rack = new Rack();
                    _names.Add(name);
                }
                (broker.Fenced ? rack.Fenced : rack.Unfenced).Add(broker.Id);
                TotalCount++;
                UnfencedCount += broker.Fenced ? 0 : 1;
            }
            foreach (var rack in _racks.Values)
            {
                rack.Unfenced.Start(random);
                rack.Fenced.Start(random);
            }
            _names.Sort(StringComparer.Ordinal);
            _offset = _names.Count == 0 ? 0 : random.Next(_names.Count);
        }

        public int TotalCount { get; }

        public int UnfencedCount { get; }

        public int[] Place(int replicationFactor)
        {
            // Every unfenced broker has led once in this order: reshuffle (not with one broker, which would never finish a round).
            if (_round == UnfencedCount && UnfencedCount > 1)
            {
                _random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_names));
                foreach (var rack in _racks.Values)
                {
                    rack.Unfenced.Shuffle(_random);
                    rack.Fenced.Shuffle(_random);
                }
                _round = 0;
            }
            if (_offset == _names.Count)
            {
                _offset = 0;
            }
            var replicas = new List<int>(replicationFactor);
            // The leader: the first rack from the offset that still has an unfenced broker this round.
            var leaderRack = _offset;
            while (true)
            {
                var leader = _racks[_names[leaderRack]].Unfenced.Next(_round);
                if (leader >= 0)
                {
                    replicas.Add(leader);
                    break;
                }
                leaderRack = (leaderRack + 1) % _names.Count;
            }
            // The followers: one rack after another from the offset, skipping the leader's rack on the first pass.
            var rackIndex = _offset;
            var skip = leaderRack;
            while (replicas.Count < replicationFactor)
            {
                var broker = -1;
                if (rackIndex == skip)
                {
                    skip = -1;
                }
                else
                {
                    broker = _racks[_names[rackIndex]].Next(_round);
                }
                rackIndex = (rackIndex + 1) % _names.Count;
                if (broker >= 0)
                {
                    replicas.Add(broker);
                }
            }
            _round++;
            _offset++;
            return [.. replicas];
        }
    }
}
