package engine

import (
	"bufio"
	"encoding/json"
	"io"
	"sync"
	"time"

	"faultline.dev/tools/loadrunner/runner"
)

// ReqRecord is one request as the journal's per-second windows count it.
type ReqRecord struct {
	Name, Protocol string
	Outcome        runner.Outcome
	Code, Err      string
	Latency        time.Duration
	In, Out        uint64
}

type batch struct {
	samples []Sample
	reqs    []ReqRecord
}

type subSink struct {
	filter Tags
	sink   *Sink
}

// aggregator folds every sample (from every VU) into sinks, writes --out json lines and the
// per-second windows of the journal. It alone touches the sinks while the run goes.
type aggregator struct {
	in      chan batch
	done    chan struct{}
	mu      sync.Mutex
	sinks   map[*Metric]*Sink
	subs    map[string][]*subSink // metric name -> sub-metric sinks (from thresholds)
	subKeys map[string]*Sink      // "name{tag:v}" -> sink
	out     *bufio.Writer
	seen    map[*Metric]bool
	cur     *runner.Window
	total   *runner.Window
	// checks per group path and name, for the summary.
	checks map[string]*checkCount
	order  []string
}

type checkCount struct {
	group, name string
	pass, fail  uint64
}

func newAggregator(thresholds []*Threshold, reg *Registry, out io.Writer) *aggregator {
	a := &aggregator{in: make(chan batch, 1024), done: make(chan struct{}), sinks: map[*Metric]*Sink{},
		subs: map[string][]*subSink{}, subKeys: map[string]*Sink{}, seen: map[*Metric]bool{},
		cur: runner.NewWindow(), total: runner.NewWindow(), checks: map[string]*checkCount{}}
	if out != nil {
		a.out = bufio.NewWriterSize(out, 1<<16)
	}
	for _, t := range thresholds {
		if len(t.Filter) == 0 {
			continue
		}
		k := SelectorKey(t.Metric, t.Filter)
		if _, ok := a.subKeys[k]; ok {
			continue
		}
		s := &subSink{filter: t.Filter}
		a.subKeys[k] = nil
		a.subs[t.Metric] = append(a.subs[t.Metric], s)
		_ = s
	}
	return a
}

func (a *aggregator) run() {
	defer close(a.done)
	for b := range a.in {
		a.mu.Lock()
		for i := range b.samples {
			a.add(&b.samples[i])
		}
		for _, r := range b.reqs {
			a.cur.Add(r.Name, r.Protocol, r.Outcome, r.Code, r.Err, r.Latency, r.In, r.Out)
		}
		a.mu.Unlock()
	}
	a.mu.Lock()
	if a.out != nil {
		_ = a.out.Flush()
	}
	a.mu.Unlock()
}

func (a *aggregator) add(s *Sample) {
	sk, ok := a.sinks[s.Metric]
	if !ok {
		sk = newSink(s.Metric.Type)
		a.sinks[s.Metric] = sk
	}
	sk.Add(s.Value)
	for _, sub := range a.subs[s.Metric.Name] {
		if matches(s.Tags, sub.filter) {
			if sub.sink == nil {
				sub.sink = newSink(s.Metric.Type)
				a.subKeys[SelectorKey(s.Metric.Name, sub.filter)] = sub.sink
			}
			sub.sink.Add(s.Value)
		}
	}
	if s.Metric.Name == "checks" {
		key := s.Tags["group"] + "\x00" + s.Tags["check"]
		c, ok := a.checks[key]
		if !ok {
			c = &checkCount{group: s.Tags["group"], name: s.Tags["check"]}
			a.checks[key] = c
			a.order = append(a.order, key)
		}
		if s.Value != 0 {
			c.pass++
		} else {
			c.fail++
		}
	}
	if a.out != nil {
		a.writeJSON(s)
	}
}

func matches(tags, filter Tags) bool {
	for k, v := range filter {
		if tags[k] != v {
			return false
		}
	}
	return true
}

type jsonMetric struct {
	Type   string `json:"type"`
	Metric string `json:"metric"`
	Data   any    `json:"data"`
}

// writeJSON writes k6's --out json lines: a Metric line the first time a metric is seen, then
// one Point line per sample.
func (a *aggregator) writeJSON(s *Sample) {
	enc := json.NewEncoder(a.out)
	enc.SetEscapeHTML(false)
	if !a.seen[s.Metric] {
		a.seen[s.Metric] = true
		_ = enc.Encode(jsonMetric{Type: "Metric", Metric: s.Metric.Name, Data: map[string]any{
			"name": s.Metric.Name, "type": s.Metric.Type.String(), "contains": s.Metric.Contains.String(),
			"thresholds": []string{}, "submetrics": nil}})
	}
	_ = enc.Encode(jsonMetric{Type: "Point", Metric: s.Metric.Name, Data: map[string]any{
		"time": s.Time.Format(time.RFC3339Nano), "value": s.Value, "tags": s.Tags}})
}

// sink is the sink of a threshold's metric or sub-metric (nil when it has no samples).
func (a *aggregator) sink(t *Threshold, reg *Registry) *Sink {
	if len(t.Filter) > 0 {
		return a.subKeys[SelectorKey(t.Metric, t.Filter)]
	}
	if m := reg.Get(t.Metric); m != nil {
		return a.sinks[m]
	}
	return nil
}

// second takes the window of the second that just ended.
func (a *aggregator) second() *runner.Window {
	a.mu.Lock()
	defer a.mu.Unlock()
	w := a.cur
	a.total.Merge(w)
	a.cur = runner.NewWindow()
	return w
}
