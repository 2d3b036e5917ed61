// sarama (Go, Debian's golang-github-shopify-sarama-dev) configured for Kafka 2.1: SyncProducer,
// the partition Consumer (ConsumePartition from OffsetOldest) for scenarios 3-5, a ConsumerGroup
// with MarkMessage (committed by its offset manager when the session ends) for scenario 7, and
// ClusterAdmin.
//
// SARAMA_DEFAULT_VERSION=1 leaves Config.Version at sarama's default instead, as most users of
// sarama do: in 1.22 that is V0_8_2_0 (MinVersion), which sends no ApiVersions and uses the oldest
// versions: Metadata v0, Produce v0 with magic 0 message sets (no timestamps, no headers; gzip and
// snappy wrappers), Fetch v0, ListOffsets v0. sarama itself refuses at that version what needs a
// newer broker: ClusterAdmin (Controller needs V0_10_0_0), ConsumerGroup (V0_10_2_0), lz4
// (V0_10_0_0), zstd (V2_1_0_0) and the idempotent producer (V0_11_0_0).
package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/Shopify/sarama"
)

// Record batches (v2) need Kafka 0.11+; zstd needs 2.1. The broker takes no magic 0/1 message sets.
var kafkaVersion = sarama.V2_1_0_0

// defaultVersion: Config.Version is left as sarama.NewConfig() sets it.
var defaultVersion = os.Getenv("SARAMA_DEFAULT_VERSION") == "1"

var codecs = map[string]sarama.CompressionCodec{"": sarama.CompressionNone, "gzip": sarama.CompressionGZIP,
	"snappy": sarama.CompressionSnappy, "lz4": sarama.CompressionLZ4, "zstd": sarama.CompressionZSTD}

func config(ctx Context) *sarama.Config {
	c := sarama.NewConfig()
	if !defaultVersion {
		c.Version = kafkaVersion
	}
	c.ClientID = "compat-sarama"
	c.Net.DialTimeout = 5 * time.Second
	c.Metadata.Retry.Max = 2
	c.Metadata.Retry.Backoff = 200 * time.Millisecond
	c.Producer.Return.Successes = true
	c.Producer.RequiredAcks = sarama.WaitForAll
	c.Producer.Retry.Max = 2
	c.Producer.Timeout = 10 * time.Second
	c.Consumer.Return.Errors = true
	return c
}

func withAdmin(ctx Context, action func(sarama.ClusterAdmin) error) error {
	admin, err := sarama.NewClusterAdmin([]string{ctx.Bootstrap}, config(ctx))
	if err != nil {
		return err
	}
	defer admin.Close()
	return action(admin)
}

func create(ctx Context, topic string, partitions int32, configs map[string]*string) error {
	if defaultVersion {
		if configs != nil {
			return fmt.Errorf("no ClusterAdmin at the default Config.Version to create %s with configs", topic)
		}
		_, err := autoCreate(ctx, topic)
		return err
	}
	return withAdmin(ctx, func(admin sarama.ClusterAdmin) error {
		return admin.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: partitions, ReplicationFactor: 1, ConfigEntries: configs}, false)
	})
}

func bytesOrNil(b []byte) sarama.Encoder {
	if b == nil {
		return nil
	}
	return sarama.ByteEncoder(b)
}

func produce(ctx Context, bootstrap, topic string, records []Record, tune func(*sarama.Config)) error {
	c := config(ctx)
	if tune != nil {
		tune(c)
	}
	producer, err := sarama.NewSyncProducer([]string{bootstrap}, c)
	if err != nil {
		return err
	}
	defer producer.Close()
	var messages []*sarama.ProducerMessage
	for _, r := range records {
		var headers []sarama.RecordHeader
		for _, h := range r.Headers {
			headers = append(headers, sarama.RecordHeader{Key: h.Key, Value: h.Value})
		}
		messages = append(messages, &sarama.ProducerMessage{Topic: topic, Key: bytesOrNil(r.Key), Value: bytesOrNil(r.Value), Headers: headers, Timestamp: r.Timestamp})
	}
	if errs, ok := producer.SendMessages(messages).(sarama.ProducerErrors); ok && len(errs) > 0 {
		return errs[0].Err
	} else if !ok && err != nil {
		return err
	}
	return nil
}

// consumeAll reads every partition from the oldest offset up to its high watermark.
func consumeAll(ctx Context, topic string, fetchMax int32) ([]Record, error) {
	c := config(ctx)
	c.Consumer.Fetch.Default = fetchMax
	consumer, err := sarama.NewConsumer([]string{ctx.Bootstrap}, c)
	if err != nil {
		return nil, err
	}
	defer consumer.Close()
	partitions, err := consumer.Partitions(topic)
	if err != nil {
		return nil, err
	}
	sort.Slice(partitions, func(i, j int) bool { return partitions[i] < partitions[j] })
	client, err := sarama.NewClient([]string{ctx.Bootstrap}, c)
	if err != nil {
		return nil, err
	}
	defer client.Close()
	var got []Record
	for _, p := range partitions {
		end, err := client.GetOffset(topic, p, sarama.OffsetNewest)
		if err != nil {
			return nil, err
		}
		if end == 0 {
			continue
		}
		pc, err := consumer.ConsumePartition(topic, p, sarama.OffsetOldest)
		if err != nil {
			return nil, err
		}
		deadline := time.After(30 * time.Second)
	read:
		for {
			select {
			case m := <-pc.Messages():
				var headers []Header
				for _, h := range m.Headers {
					headers = append(headers, Header{h.Key, h.Value})
				}
				got = append(got, Record{Partition: m.Partition, Key: m.Key, Value: m.Value, Headers: headers, Timestamp: m.Timestamp})
				if m.Offset+1 >= end {
					break read
				}
			case e := <-pc.Errors():
				pc.Close()
				return nil, e
			case <-deadline:
				pc.Close()
				return nil, fmt.Errorf("partition %d: not at offset %d after 30 s (%d records read)", p, end, len(got))
			}
		}
		pc.Close()
	}
	return got, nil
}

func metadata(ctx Context, tc Case) (string, error) {
	var detail string
	return detail, withAdmin(ctx, func(admin sarama.ClusterAdmin) error {
		brokers, controller, err := admin.DescribeCluster()
		if err != nil {
			return err
		}
		var seen []string
		for _, b := range brokers {
			seen = append(seen, fmt.Sprintf("%d@%s", b.ID(), b.Addr()))
		}
		if err := expect("brokers", []string{"1@" + ctx.Bootstrap}, seen); err != nil {
			return err
		}
		topics, err := admin.ListTopics()
		detail = fmt.Sprintf("1 broker at %s, controller %d, %d topics listed", ctx.Bootstrap, controller, len(topics))
		return err
	})
}

func createTopic(ctx Context, tc Case) (string, error) {
	topic := ctx.Topic(tc, "")
	if err := create(ctx, topic, tc.Partitions, nil); err != nil {
		return "", err
	}
	var detail string
	return detail, withAdmin(ctx, func(admin sarama.ClusterAdmin) error {
		described, err := admin.DescribeTopics([]string{topic})
		if err != nil {
			return err
		}
		if err := expect("error", sarama.ErrNoError, described[0].Err); err != nil {
			return err
		}
		detail = fmt.Sprintf("created with %d partitions, described by Metadata", len(described[0].Partitions))
		return expect("partitions", tc.Partitions, len(described[0].Partitions))
	})
}

func produceConsume(ctx Context, tc Case) (string, error) {
	topic := ctx.Topic(tc, "")
	if err := create(ctx, topic, tc.Partitions, nil); err != nil {
		return "", err
	}
	sent := Recipe(tc, ctx.Client)
	err := produce(ctx, ctx.Bootstrap, topic, sent, func(c *sarama.Config) {
		c.Producer.Compression = codecs[tc.Codec]
		if tc.Idempotent {
			c.Producer.Idempotent = true
			c.Net.MaxOpenRequests = 1
		}
	})
	if tc.Codec == "zstd" {
		// sarama 1.22 sends zstd batches in Produce v3; Kafka takes zstd only from Produce v7 (KIP-110)
		// and answers UNSUPPORTED_COMPRESSION_TYPE, as the broker must too.
		if err != sarama.ErrUnsupportedCompressionType {
			return "", fmt.Errorf("zstd in Produce v3: expected UNSUPPORTED_COMPRESSION_TYPE (76) as from Kafka, got %v", err)
		}
		return "", Unsupported{"sarama 1.22 sends zstd in Produce v3, which Kafka refuses (zstd needs Produce v7, KIP-110); the broker answered UNSUPPORTED_COMPRESSION_TYPE (76) like Kafka"}
	}
	if err != nil {
		return "", fmt.Errorf("send failed: %v", err)
	}
	got, err := consumeAll(ctx, topic, 1<<20)
	if err != nil {
		return "", err
	}
	return CheckRecords(sent, got)
}

func largeRecord(ctx Context, tc Case) (string, error) {
	topic := ctx.Topic(tc, "")
	if err := create(ctx, topic, 1, nil); err != nil {
		return "", err
	}
	value := make([]byte, tc.Bytes)
	for i := range value {
		value[i] = byte(i % 251)
	}
	err := produce(ctx, ctx.Bootstrap, topic, []Record{{Key: []byte("big"), Value: value, Timestamp: time.Now()}},
		func(c *sarama.Config) { c.Producer.MaxMessageBytes = 3000000 })
	if err != nil {
		return "", fmt.Errorf("send failed: %v", err)
	}
	got, err := consumeAll(ctx, topic, 3000000)
	if err != nil {
		return "", err
	}
	if err := expect("records read back", 1, len(got)); err != nil {
		return "", err
	}
	if err := expect("value length", len(value), len(got[0].Value)); err != nil {
		return "", err
	}
	if !bytes.Equal(value, got[0].Value) {
		return "", fmt.Errorf("value differs from the one sent")
	}
	return fmt.Sprintf("%d bytes read back exactly", len(value)), nil
}

func unknownTopic(ctx Context, tc Case) (string, error) {
	err := produce(ctx, ctx.StrictBootstrap, ctx.Topic(tc, ""), []Record{{Key: []byte("k"), Value: []byte("v"), Timestamp: time.Now()}}, nil)
	return expectError(tc, err, sarama.ErrUnknownTopicOrPartition.Error())
}

func messageTooLarge(ctx Context, tc Case) (string, error) {
	topic := ctx.Topic(tc, "")
	limit := fmt.Sprint(tc.TopicMaxMessageBytes)
	if err := create(ctx, topic, 1, map[string]*string{"max.message.bytes": &limit}); err != nil {
		return "", err
	}
	// sarama checks Producer.MaxMessageBytes (1,000,000) itself with the same error: the record is below it.
	err := produce(ctx, ctx.Bootstrap, topic, []Record{{Key: []byte("k"), Value: bytes.Repeat([]byte("x"), tc.RecordBytes), Timestamp: time.Now()}}, nil)
	return expectError(tc, err, sarama.ErrMessageSizeTooLarge.Error())
}

func deleteTopic(ctx Context, tc Case) (string, error) {
	topic := ctx.Topic(tc, "")
	if err := create(ctx, topic, tc.Partitions, nil); err != nil {
		return "", err
	}
	return "deleted and gone from the topic list", withAdmin(ctx, func(admin sarama.ClusterAdmin) error {
		if err := admin.DeleteTopic(topic); err != nil {
			return err
		}
		for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			topics, err := admin.ListTopics()
			if err != nil {
				return err
			}
			if _, present := topics[topic]; !present {
				return nil
			}
		}
		return fmt.Errorf("%s: still listed 15 s after DeleteTopics", topic)
	})
}

// groupHandler takes records until limit (marking each one when commit), then ends the session.
type groupHandler struct {
	mu       sync.Mutex
	got      []Record
	limit    int
	expected int
	commit   bool
	stop     func()
	grace    *time.Timer
}

func (h *groupHandler) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (h *groupHandler) Cleanup(sarama.ConsumerGroupSession) error { return nil }
func (h *groupHandler) ConsumeClaim(session sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	for m := range claim.Messages() {
		h.mu.Lock()
		if len(h.got) < h.limit {
			var headers []Header
			for _, x := range m.Headers {
				headers = append(headers, Header{x.Key, x.Value})
			}
			h.got = append(h.got, Record{Partition: m.Partition, Key: m.Key, Value: m.Value, Headers: headers, Timestamp: m.Timestamp})
			if h.commit {
				session.MarkMessage(m, "")
			}
			if len(h.got) >= h.limit {
				h.stop()
			} else if !h.commit && len(h.got) >= h.expected && h.grace == nil {
				h.grace = time.AfterFunc(time.Second, h.stop) // catch repeats
			}
		}
		h.mu.Unlock()
	}
	return nil
}

// groupSession is one member of the group: Consume until the handler stops it (30 s at most), Close.
func groupSession(ctx Context, topic, group string, limit, expected int, commit bool) ([]Record, error) {
	c := config(ctx)
	c.Consumer.Offsets.Initial = sarama.OffsetOldest
	c.Consumer.Group.Session.Timeout = 10 * time.Second
	c.Consumer.Group.Heartbeat.Interval = time.Second
	cg, err := sarama.NewConsumerGroup([]string{ctx.Bootstrap}, group, c)
	if err != nil {
		return nil, err
	}
	defer cg.Close()
	run, stop := context.WithTimeout(context.Background(), 30*time.Second)
	defer stop()
	h := &groupHandler{limit: limit, expected: expected, commit: commit, stop: stop}
	errs := make(chan error, 16)
	go func() {
		for e := range cg.Errors() {
			select {
			case errs <- e:
			default:
			}
		}
	}()
	for run.Err() == nil {
		if err := cg.Consume(run, []string{topic}, h); err != nil {
			return nil, err
		}
	}
	if err := cg.Close(); err != nil {
		return nil, err
	}
	select {
	case e := <-errs:
		return nil, fmt.Errorf("consumer group error: %v", e)
	default:
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.got, nil
}

func consumerGroup(ctx Context, tc Case) (string, error) {
	if tc.GroupProtocol != "" {
		return "", Unsupported{fmt.Sprintf("sarama %s has no group.protocol=%s (the classic protocol only)", os.Getenv("SARAMA_VERSION"), tc.GroupProtocol)}
	}
	if tc.AssignmentStrategy != "" {
		return "", Unsupported{fmt.Sprintf("sarama %s has no %s strategy (range and roundrobin: eager rebalancing only)", os.Getenv("SARAMA_VERSION"), tc.AssignmentStrategy)}
	}
	topic := ctx.Topic(tc, "")
	group := "group." + topic
	if err := create(ctx, topic, tc.Partitions, nil); err != nil {
		return "", err
	}
	sent := Recipe(tc, ctx.Client)
	if err := produce(ctx, ctx.Bootstrap, topic, sent, nil); err != nil {
		return "", fmt.Errorf("send failed: %v", err)
	}
	first, err := groupSession(ctx, topic, group, tc.CommitFirst, 0, true)
	if err != nil {
		return "", err
	}
	second, err := groupSession(ctx, topic, group, len(sent), len(sent)-tc.CommitFirst, false)
	if err != nil {
		return "", err
	}
	return CheckGroup(tc, sent, first, second)
}

// transactions: sarama has a transactional producer only from 1.37 (Config.Producer.Transaction.ID).
func transactions(ctx Context, tc Case) (string, error) {
	return "", Unsupported{fmt.Sprintf("sarama %s has no transactional producer (Config.Producer.Transaction came in 1.37)", os.Getenv("SARAMA_VERSION"))}
}

func main() {
	drivers := map[string]Driver{
		"metadata": metadata, "createTopic": createTopic, "produceConsume": produceConsume, "largeRecord": largeRecord,
		"unknownTopic": unknownTopic, "messageTooLarge": messageTooLarge, "deleteTopic": deleteTopic,
		"consumerGroup": consumerGroup, "transactions": transactions, "exactlyOnce": transactions,
	}
	version := fmt.Sprintf("Config.Version %s", kafkaVersion)
	if defaultVersion {
		drivers = legacyDrivers(drivers)
		version = fmt.Sprintf("default Config.Version %s", sarama.NewConfig().Version)
	}
	Run(fmt.Sprintf("sarama %s (%s)", os.Getenv("SARAMA_VERSION"), version), drivers)
}
