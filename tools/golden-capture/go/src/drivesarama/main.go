// sarama driver for the golden capture, at sarama's default Config.Version (V0_8_2_0 in 1.22):
// no ApiVersions, Metadata v0, Produce v0 with magic 0 message sets.
//
//	drivesarama produce BOOTSTRAP [none|gzip|snappy]
//	drivesarama offsets BOOTSTRAP WAIT_FILE
//
// produce: a SyncProducer with client id "golden-sarama", RequiredAcks WaitForAll, timeout
// 30000 ms, the four records below to topic "golden" partition 0 (flushed together: one request,
// one message set; compressed: one wrapper message), then close.
// offsets: the offset manager of group "golden-group" for golden/0, which is how a sarama consumer
// at this version keeps offsets (ConsumerGroup needs V0_10_2_0): FindCoordinator v0, then
// OffsetFetch v1. The capture server never answers OffsetFetch, so the driver exits as soon as
// WAIT_FILE (the captured OffsetFetch frame) exists, or after 60 s.
package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/Shopify/sarama"
)

var codecs = map[string]sarama.CompressionCodec{"none": sarama.CompressionNone, "gzip": sarama.CompressionGZIP, "snappy": sarama.CompressionSnappy}

func config() *sarama.Config {
	c := sarama.NewConfig() // Config.Version left at its default
	c.ClientID = "golden-sarama"
	return c
}

func produce(bootstrap, codec string) error {
	c := config()
	c.Producer.RequiredAcks = sarama.WaitForAll
	c.Producer.Timeout = 30 * time.Second
	c.Producer.Return.Successes = true
	c.Producer.Partitioner = sarama.NewManualPartitioner
	c.Producer.Compression = codecs[codec]
	c.Producer.Flush.Messages = 4
	c.Producer.Flush.Frequency = 200 * time.Millisecond
	producer, err := sarama.NewSyncProducer([]string{bootstrap}, c)
	if err != nil {
		return err
	}
	defer producer.Close()
	records := [][2]string{{"key-1", "value-1"}, {"key-2", "value-2"}, {"key-3", "value-3"}, {"key-4", strings.Repeat("golden-", 20)}}
	var messages []*sarama.ProducerMessage
	for _, r := range records {
		messages = append(messages, &sarama.ProducerMessage{Topic: "golden", Partition: 0, Key: sarama.StringEncoder(r[0]), Value: sarama.StringEncoder(r[1])})
	}
	return producer.SendMessages(messages)
}

func offsets(bootstrap, waitFile string) error {
	client, err := sarama.NewClient([]string{bootstrap}, config())
	if err != nil {
		return err
	}
	manager, err := sarama.NewOffsetManagerFromClient("golden-group", client)
	if err != nil {
		return err
	}
	go manager.ManagePartition("golden", 0)
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if _, err := os.Stat(waitFile); err == nil {
			return nil
		}
	}
	return fmt.Errorf("%s not written after 60 s", waitFile)
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: drivesarama produce BOOTSTRAP [CODEC] | offsets BOOTSTRAP WAIT_FILE")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "produce":
		codec := "none"
		if len(os.Args) > 3 {
			codec = os.Args[3]
		}
		err = produce(os.Args[2], codec)
	case "offsets":
		err = offsets(os.Args[2], os.Args[3])
	default:
		err = fmt.Errorf("unknown mode %s", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}
