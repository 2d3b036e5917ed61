// The Go side of the compatibility suite (the twin of clients/python/harness.py): the scenario
// list, the record recipe, the comparison of what came back with what was sent, and the result
// format. main.go supplies a table from each case kind of ../../scenarios.json to a function.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Case is one entry of scenarios.json "cases"; the fields a driver may read.
type Case struct {
	ID                      string `json:"id"`
	Kind                    string `json:"kind"`
	BrokerUnsupported       string `json:"brokerUnsupported"`
	ExpectedError           string `json:"expectedError"`
	Count                   int    `json:"count"`
	Partitions              int32  `json:"partitions"`
	Codec                   string `json:"codec"`
	Idempotent              bool   `json:"idempotent"`
	Bytes                   int    `json:"bytes"`
	TopicMaxMessageBytes    int    `json:"topicMaxMessageBytes"`
	RecordBytes             int    `json:"recordBytes"`
	WithoutAdminRecordBytes int    `json:"withoutAdminRecordBytes"`
	CommitFirst             int    `json:"commitFirst"`
	AssignmentStrategy      string `json:"assignmentStrategy"`
	GroupProtocol           string `json:"groupProtocol"`
}

// Unsupported is returned when the client itself lacks the feature the case needs.
type Unsupported struct{ Reason string }

func (u Unsupported) Error() string { return u.Reason }

// Header keeps a record header; Record is one record as sent or read back (nil = null).
type Header struct{ Key, Value []byte }
type Record struct {
	Partition int32
	Key       []byte
	Value     []byte
	Headers   []Header
	Timestamp time.Time
}

// Context is what run.sh passes in the environment.
type Context struct {
	Client, Bootstrap, StrictBootstrap, Host, RunID string
	Port                                            int32
	CaseTimeout                                     time.Duration
}

func newContext() Context {
	bootstrap := os.Getenv("COMPAT_BOOTSTRAP")
	parts := strings.Split(bootstrap, ":")
	port, _ := strconv.Atoi(parts[1])
	timeout, err := strconv.Atoi(os.Getenv("COMPAT_CASE_TIMEOUT_S"))
	if err != nil {
		timeout = 60
	}
	return Context{Client: os.Getenv("COMPAT_CLIENT"), Bootstrap: bootstrap, StrictBootstrap: os.Getenv("COMPAT_STRICT_BOOTSTRAP"),
		Host: parts[0], Port: int32(port), RunID: os.Getenv("COMPAT_RUN_ID"), CaseTimeout: time.Duration(timeout) * time.Second}
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]`)

// Topic is a topic name unique to this client, case and run.
func (c Context) Topic(tc Case, suffix string) string {
	return fmt.Sprintf("compat.%s.%s%s.%s", unsafeName.ReplaceAllString(c.Client, "_"), tc.ID, suffix, c.RunID)
}

func expect(what string, expected, got interface{}) error {
	e, g := fmt.Sprintf("%v", expected), fmt.Sprintf("%v", got)
	if e != g {
		return fmt.Errorf("%s: expected %s, got %s", what, e, g)
	}
	return nil
}

func expectError(tc Case, err error, accepted ...string) (string, error) {
	if err == nil {
		return "", fmt.Errorf("expected %s, got success", tc.ExpectedError)
	}
	for _, a := range accepted {
		if strings.Contains(err.Error(), a) {
			return fmt.Sprintf("%s as expected (%s)", tc.ExpectedError, err), nil
		}
	}
	return "", fmt.Errorf("expected %s, got %s", tc.ExpectedError, err)
}

// Recipe gives the records of a produce/consume case in send order (scenarios.json "recipe").
func Recipe(tc Case, client string) []Record {
	base := (time.Now().UnixNano()/1e6 - 3600000) / 1000 * 1000
	ts := func(n int) time.Time { return time.Unix(0, (base+int64(n))*1e6) }
	h := func(k, v string) Header { return Header{[]byte(k), []byte(v)} }
	var records []Record
	for i := 0; i < tc.Count; i++ {
		headers := []Header{h("idx", strconv.Itoa(i)), h("client", client)}
		if i%10 == 0 {
			headers = append(headers, h("dup", "a"), h("dup", "b"))
		}
		records = append(records, Record{Key: []byte(fmt.Sprintf("key-%d", i%100)), Value: []byte(fmt.Sprintf("value-%d", i)), Headers: headers, Timestamp: ts(i)})
	}
	records = append(records, Record{Key: nil, Value: []byte("null-key"), Headers: []Header{h("idx", "null-key")}, Timestamp: ts(tc.Count)})
	records = append(records, Record{Key: []byte("null-value"), Value: nil, Headers: []Header{h("idx", "null-value")}, Timestamp: ts(tc.Count + 1)})
	return records
}

func show(b []byte) string {
	if b == nil {
		return "null"
	}
	return strconv.Quote(string(b))
}

func identity(r Record) string { return show(r.Key) + "|" + show(r.Value) }

func showHeaders(headers []Header) string {
	parts := []string{}
	for _, h := range headers {
		parts = append(parts, show(h.Key)+"="+show(h.Value))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// CheckRecords compares records read back (in the order each partition returned them) with
// the records sent (in send order): each exactly once, same headers and timestamp, send order
// kept within each partition.
func CheckRecords(sent, got []Record) (string, error) {
	index := map[string]int{}
	for n, r := range sent {
		index[identity(r)] = n
	}
	var problems []string
	seen := map[int]int32{}
	last := map[int32]int{}
	for _, r := range got {
		n, ok := index[identity(r)]
		if !ok {
			problems = append(problems, fmt.Sprintf("unexpected record key=%s value=%s in partition %d", show(r.Key), show(r.Value), r.Partition))
			continue
		}
		if p, dup := seen[n]; dup {
			problems = append(problems, fmt.Sprintf("record #%d came back twice (partitions %d and %d)", n, p, r.Partition))
			continue
		}
		seen[n] = r.Partition
		e := sent[n]
		if showHeaders(e.Headers) != showHeaders(r.Headers) {
			problems = append(problems, fmt.Sprintf("record #%d headers: expected %s, got %s", n, showHeaders(e.Headers), showHeaders(r.Headers)))
		}
		if !e.Timestamp.Equal(r.Timestamp) {
			problems = append(problems, fmt.Sprintf("record #%d timestamp: expected %d, got %d", n, e.Timestamp.UnixNano()/1e6, r.Timestamp.UnixNano()/1e6))
		}
		if l, ok := last[r.Partition]; ok && l > n {
			problems = append(problems, fmt.Sprintf("partition %d: record #%d came after #%d (send order broken)", r.Partition, n, l))
		}
		last[r.Partition] = n
	}
	var missing []int
	for n := range sent {
		if _, ok := seen[n]; !ok {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		if len(missing) > 5 {
			missing = missing[:5]
		}
		problems = append(problems, fmt.Sprintf("expected %d records, got %d: missing #%v", len(sent), len(seen), missing))
	}
	if len(problems) > 0 {
		if len(problems) > 4 {
			problems = problems[:4]
		}
		return "", fmt.Errorf("%d differences: %s", len(problems), strings.Join(problems, "; "))
	}
	var partitions []int
	for p := range last {
		partitions = append(partitions, int(p))
	}
	sort.Ints(partitions)
	counts := []string{}
	for _, p := range partitions {
		c := 0
		for _, q := range seen {
			if int(q) == p {
				c++
			}
		}
		counts = append(counts, fmt.Sprintf("%d: %d", p, c))
	}
	return fmt.Sprintf("%d records exact (per partition {%s})", len(sent), strings.Join(counts, ", ")), nil
}

// CheckGroup (scenario 7): the first session consumed (and committed) exactly CommitFirst records,
// the second one, in the same group, exactly the rest; together they are the records sent.
func CheckGroup(tc Case, sent, first, second []Record) (string, error) {
	if err := expect("records consumed and committed by the first consumer", tc.CommitFirst, len(first)); err != nil {
		return "", err
	}
	if len(second) != len(sent)-tc.CommitFirst {
		ids := map[string]bool{}
		for _, r := range first {
			ids[identity(r)] = true
		}
		again := 0
		for _, r := range second {
			if ids[identity(r)] {
				again++
			}
		}
		return "", fmt.Errorf("records read by the second consumer of the group: expected %d (from the committed offsets on), got %d (%d of them already consumed and committed by the first)",
			len(sent)-tc.CommitFirst, len(second), again)
	}
	detail, err := CheckRecords(sent, append(append([]Record{}, first...), second...))
	return detail + fmt.Sprintf("; first consumer committed %d, the second resumed there", tc.CommitFirst), err
}

// Driver runs one case and returns a detail string.
type Driver func(Context, Case) (string, error)

// Run runs every case with this client's drivers and appends one result line per case to COMPAT_RESULTS.
func Run(version string, drivers map[string]Driver) {
	ctx := newContext()
	var scenarios struct{ Cases []Case }
	data, err := os.ReadFile(os.Getenv("COMPAT_SCENARIOS"))
	if err == nil {
		err = json.Unmarshal(data, &scenarios)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "cannot read the scenario list:", err)
		os.Exit(2)
	}
	out, err := os.OpenFile(os.Getenv("COMPAT_RESULTS"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cannot open the results:", err)
		os.Exit(2)
	}
	defer out.Close()
	for _, tc := range scenarios.Cases {
		started := time.Now()
		status, detail := "pass", ""
		if tc.BrokerUnsupported != "" {
			status, detail = "broker-unsupported", tc.BrokerUnsupported
		} else if driver, ok := drivers[tc.Kind]; !ok {
			status, detail = "unsupported", "no driver for "+tc.Kind
		} else {
			type result struct {
				detail string
				err    error
			}
			done := make(chan result, 1)
			go func() {
				defer func() {
					if p := recover(); p != nil {
						done <- result{"", fmt.Errorf("panic: %v", p)}
					}
				}()
				d, err := driver(ctx, tc)
				done <- result{d, err}
			}()
			select {
			case r := <-done:
				detail = r.detail
				if u, ok := r.err.(Unsupported); ok {
					status, detail = "unsupported", u.Reason
				} else if r.err != nil {
					status, detail = "fail", r.err.Error()
				}
			case <-time.After(ctx.CaseTimeout):
				status, detail = "fail", fmt.Sprintf("no result within %v", ctx.CaseTimeout)
			}
		}
		row, _ := json.Marshal(map[string]interface{}{"client": ctx.Client, "clientVersion": version, "scenario": tc.ID,
			"status": status, "detail": detail, "seconds": time.Since(started).Seconds()})
		out.Write(append(row, '\n'))
		if status == "pass" {
			detail = ""
		}
		fmt.Fprintf(os.Stderr, "  %s %s: %s %s\n", ctx.Client, tc.ID, status, detail)
	}
}
