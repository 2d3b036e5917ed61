// The drivers of sarama at its default Config.Version (SARAMA_DEFAULT_VERSION=1, see main.go) for
// the cases where that version changes what sarama can do.
package main

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/Shopify/sarama"
)

// autoCreate makes the topic exist the only way sarama can at its default version: a Metadata v0
// request naming it, which a broker with auto.create.topics.enable creates with num.partitions.
func autoCreate(ctx Context, topic string) ([]int32, error) {
	client, err := sarama.NewClient([]string{ctx.Bootstrap}, config(ctx))
	if err != nil {
		return nil, err
	}
	defer client.Close()
	if err := client.RefreshMetadata(topic); err != nil {
		return nil, err
	}
	partitions, err := client.Partitions(topic)
	sort.Slice(partitions, func(i, j int) bool { return partitions[i] < partitions[j] })
	return partitions, err
}

func legacyMetadata(ctx Context, tc Case) (string, error) {
	client, err := sarama.NewClient([]string{ctx.Bootstrap}, config(ctx))
	if err != nil {
		return "", err
	}
	defer client.Close()
	var seen []string
	for _, b := range client.Brokers() {
		seen = append(seen, fmt.Sprintf("%d@%s", b.ID(), b.Addr()))
	}
	if err := expect("brokers", []string{"1@" + ctx.Bootstrap}, seen); err != nil {
		return "", err
	}
	topics, err := client.Topics()
	return fmt.Sprintf("1 broker at %s, %d topics listed (Metadata v0: no controller)", ctx.Bootstrap, len(topics)), err
}

func legacyCreateTopic(ctx Context, tc Case) (string, error) {
	topic := ctx.Topic(tc, "")
	partitions, err := autoCreate(ctx, topic)
	if err != nil {
		return "", err
	}
	if err := expect("partitions of the auto-created topic", int(tc.Partitions), len(partitions)); err != nil {
		return "", err
	}
	return fmt.Sprintf("auto-created by Metadata v0 with %d partitions (broker num.partitions; ClusterAdmin needs Config.Version >= V0_10_0_0)", len(partitions)), nil
}

// legacyRecipe: the recipe as magic 0 messages carry it, without headers and timestamps.
func legacyRecipe(tc Case, client string) []Record {
	sent := Recipe(tc, client)
	for i := range sent {
		sent[i].Headers = nil
		sent[i].Timestamp = time.Time{}
	}
	return sent
}

func legacyProduceConsume(ctx Context, tc Case) (string, error) {
	switch {
	case tc.Idempotent:
		return "", Unsupported{"sarama's idempotent producer needs Config.Version >= V0_11_0_0 (record batches)"}
	case tc.Codec == "lz4":
		return "", Unsupported{"sarama refuses lz4 below Config.Version V0_10_0_0"}
	case tc.Codec == "zstd":
		return "", Unsupported{"sarama refuses zstd below Config.Version V2_1_0_0 (KIP-110)"}
	}
	topic := ctx.Topic(tc, "")
	if err := create(ctx, topic, tc.Partitions, nil); err != nil {
		return "", err
	}
	sent := legacyRecipe(tc, ctx.Client)
	err := produce(ctx, ctx.Bootstrap, topic, sent, func(c *sarama.Config) { c.Producer.Compression = codecs[tc.Codec] })
	if err != nil {
		return "", fmt.Errorf("send failed: %v", err)
	}
	got, err := consumeAll(ctx, topic, 1<<20)
	if err != nil {
		return "", err
	}
	detail, err := CheckRecords(sent, got)
	return detail + "; magic 0: no headers, no timestamps (every timestamp read back must be absent)", err
}

// legacyMessageTooLarge: no ClusterAdmin to set the topic's max.message.bytes, so the record exceeds
// the broker's message.max.bytes instead (sarama's own Producer.MaxMessageBytes raised above it).
func legacyMessageTooLarge(ctx Context, tc Case) (string, error) {
	topic := ctx.Topic(tc, "")
	if err := create(ctx, topic, 1, nil); err != nil {
		return "", err
	}
	err := produce(ctx, ctx.Bootstrap, topic, []Record{{Key: []byte("k"), Value: bytes.Repeat([]byte("x"), tc.WithoutAdminRecordBytes)}},
		func(c *sarama.Config) { c.Producer.MaxMessageBytes = 2 * tc.WithoutAdminRecordBytes })
	detail, err := expectError(tc, err, sarama.ErrMessageSizeTooLarge.Error())
	return detail + fmt.Sprintf("; %d-byte record over the broker's message.max.bytes (no ClusterAdmin at the default version)", tc.WithoutAdminRecordBytes), err
}

func legacyDeleteTopic(Context, Case) (string, error) {
	return "", Unsupported{"sarama's ClusterAdmin needs Config.Version >= V0_10_0_0 (DeleteTopics came in Kafka 0.10.1)"}
}

func legacyConsumerGroup(ctx Context, tc Case) (string, error) {
	return "", Unsupported{fmt.Sprintf("sarama %s's ConsumerGroup needs Config.Version >= V0_10_2_0", os.Getenv("SARAMA_VERSION"))}
}

// legacyDrivers replaces the drivers whose case sarama expresses differently at its default version.
func legacyDrivers(drivers map[string]Driver) map[string]Driver {
	drivers["metadata"] = legacyMetadata
	drivers["createTopic"] = legacyCreateTopic
	drivers["produceConsume"] = legacyProduceConsume
	drivers["messageTooLarge"] = legacyMessageTooLarge
	drivers["deleteTopic"] = legacyDeleteTopic
	drivers["consumerGroup"] = legacyConsumerGroup
	return drivers
}
