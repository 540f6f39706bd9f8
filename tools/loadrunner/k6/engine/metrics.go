// Package engine runs k6 scripts: one goja runtime per VU, k6's executors, metrics as tagged
// samples that VUs push and one aggregator (outside every VU) folds into sinks, thresholds,
// the end-of-test summary, --out json lines and per-second windows for the journal.
package engine

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// MetricType is one of k6's four metric types.
type MetricType int

const (
	Counter MetricType = iota
	Gauge
	Rate
	Trend
)

func (t MetricType) String() string {
	return [...]string{"counter", "gauge", "rate", "trend"}[t]
}

// ValueType says what a metric's values are: plain numbers, times (ms) or data (bytes).
type ValueType int

const (
	Default ValueType = iota
	Time
	Data
)

func (v ValueType) String() string { return [...]string{"default", "time", "data"}[v] }

// Metric is a named, typed series of samples.
type Metric struct {
	Name     string
	Type     MetricType
	Contains ValueType
}

// Tags are a sample's key/value labels.
type Tags map[string]string

// Sample is one value of one metric at one time, with its tags.
type Sample struct {
	Metric *Metric
	Time   time.Time
	Value  float64
	Tags   Tags
}

var metricName = regexp.MustCompile(`^[\p{L}\p{N}\._ !\?/&#\(\)<>%-]{1,128}$`)

// Registry holds every metric by name; a name keeps the type it was first given.
type Registry struct {
	mu      sync.Mutex
	metrics map[string]*Metric
}

func NewRegistry() *Registry { return &Registry{metrics: map[string]*Metric{}} }

// New returns the metric of that name, creating it; a name already used with another type is an error.
func (r *Registry) New(name string, t MetricType, v ValueType) (*Metric, error) {
	if !metricName.MatchString(name) {
		return nil, fmt.Errorf("metric name %q: use 1 to 128 letters, digits, '_', '.', ' ' and the like", name)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if m, ok := r.metrics[name]; ok {
		if m.Type != t {
			return nil, fmt.Errorf("metric %q is already a %s; it cannot be redefined as a %s", name, m.Type, t)
		}
		return m, nil
	}
	m := &Metric{Name: name, Type: t, Contains: v}
	r.metrics[name] = m
	return m, nil
}

func (r *Registry) must(name string, t MetricType, v ValueType) *Metric {
	m, err := r.New(name, t, v)
	if err != nil {
		panic(err)
	}
	return m
}

// Get is the metric of that name, or nil.
func (r *Registry) Get(name string) *Metric {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.metrics[name]
}

// Names lists every metric name, sorted.
func (r *Registry) Names() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.metrics))
	for n := range r.metrics {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Builtin are k6's built-in metrics, under k6's names.
type Builtin struct {
	VUs, VUsMax                                              *Metric
	Iterations, IterationDuration, DroppedIterations         *Metric
	DataSent, DataReceived                                   *Metric
	Checks, GroupDuration                                    *Metric
	HTTPReqs, HTTPReqFailed, HTTPReqDuration                 *Metric
	HTTPReqBlocked, HTTPReqConnecting, HTTPReqTLSHandshaking *Metric
	HTTPReqSending, HTTPReqWaiting, HTTPReqReceiving         *Metric
	GRPCReqDuration, GRPCReqs                                *Metric
}

func newBuiltin(r *Registry) *Builtin {
	return &Builtin{
		VUs:                   r.must("vus", Gauge, Default),
		VUsMax:                r.must("vus_max", Gauge, Default),
		Iterations:            r.must("iterations", Counter, Default),
		IterationDuration:     r.must("iteration_duration", Trend, Time),
		DroppedIterations:     r.must("dropped_iterations", Counter, Default),
		DataSent:              r.must("data_sent", Counter, Data),
		DataReceived:          r.must("data_received", Counter, Data),
		Checks:                r.must("checks", Rate, Default),
		GroupDuration:         r.must("group_duration", Trend, Time),
		HTTPReqs:              r.must("http_reqs", Counter, Default),
		HTTPReqFailed:         r.must("http_req_failed", Rate, Default),
		HTTPReqDuration:       r.must("http_req_duration", Trend, Time),
		HTTPReqBlocked:        r.must("http_req_blocked", Trend, Time),
		HTTPReqConnecting:     r.must("http_req_connecting", Trend, Time),
		HTTPReqTLSHandshaking: r.must("http_req_tls_handshaking", Trend, Time),
		HTTPReqSending:        r.must("http_req_sending", Trend, Time),
		HTTPReqWaiting:        r.must("http_req_waiting", Trend, Time),
		HTTPReqReceiving:      r.must("http_req_receiving", Trend, Time),
		GRPCReqDuration:       r.must("grpc_req_duration", Trend, Time),
		GRPCReqs:              r.must("grpc_reqs", Counter, Default),
	}
}

// Sink folds the samples of one metric (or sub-metric).
type Sink struct {
	Type     MetricType
	Count    float64 // counter: sum; rate: samples; trend: samples; gauge: samples
	Sum      float64
	Passes   float64 // rate: non-zero samples
	Last     float64
	Min, Max float64
	values   []float64
	sorted   bool
	seen     bool
}

func newSink(t MetricType) *Sink { return &Sink{Type: t, Min: math.Inf(1), Max: math.Inf(-1)} }

func (s *Sink) Add(v float64) {
	s.seen = true
	switch s.Type {
	case Counter:
		s.Count += v
		s.Sum += v
	case Gauge:
		s.Count++
		s.Last = v
	case Rate:
		s.Count++
		if v != 0 {
			s.Passes++
		}
	case Trend:
		s.Count++
		s.Sum += v
		s.values = append(s.values, v)
		s.sorted = false
	}
	s.Min = math.Min(s.Min, v)
	s.Max = math.Max(s.Max, v)
}

// Percentile is the p-th percentile (0..100) of a trend, interpolated between ranks as k6 does.
func (s *Sink) Percentile(p float64) float64 {
	if len(s.values) == 0 {
		return 0
	}
	if !s.sorted {
		sort.Float64s(s.values)
		s.sorted = true
	}
	if p <= 0 {
		return s.values[0]
	}
	if p >= 100 {
		return s.values[len(s.values)-1]
	}
	pos := p / 100 * float64(len(s.values)-1)
	lo := math.Floor(pos)
	i := int(lo)
	if i+1 >= len(s.values) {
		return s.values[i]
	}
	return s.values[i] + (s.values[i+1]-s.values[i])*(pos-lo)
}

// Value is the aggregation agg ("count", "rate", "value", "avg", "min", "med", "max", "p(N)").
func (s *Sink) Value(agg string, elapsed time.Duration) (float64, error) {
	switch s.Type {
	case Counter:
		switch agg {
		case "count":
			return s.Count, nil
		case "rate":
			if elapsed <= 0 {
				return 0, nil
			}
			return s.Count / elapsed.Seconds(), nil
		}
	case Gauge:
		switch agg {
		case "value":
			return s.Last, nil
		case "min":
			return nz(s.Min), nil
		case "max":
			return nz(s.Max), nil
		}
	case Rate:
		if agg == "rate" {
			if s.Count == 0 {
				return 0, nil
			}
			return s.Passes / s.Count, nil
		}
	case Trend:
		switch agg {
		case "avg":
			if s.Count == 0 {
				return 0, nil
			}
			return s.Sum / s.Count, nil
		case "min":
			return nz(s.Min), nil
		case "max":
			return nz(s.Max), nil
		case "med":
			return s.Percentile(50), nil
		case "count":
			return s.Count, nil
		}
		if strings.HasPrefix(agg, "p(") && strings.HasSuffix(agg, ")") {
			var p float64
			if _, err := fmt.Sscanf(agg[2:len(agg)-1], "%g", &p); err == nil && p >= 0 && p <= 100 {
				return s.Percentile(p), nil
			}
		}
	}
	return 0, fmt.Errorf("%q is not an aggregation of a %s; a %s has %s", agg, s.Type, s.Type, aggregations[s.Type])
}

var aggregations = map[MetricType]string{
	Counter: "count, rate",
	Gauge:   "value (and min, max)",
	Rate:    "rate",
	Trend:   "avg, min, med, max, p(N)",
}

func nz(v float64) float64 {
	if math.IsInf(v, 0) {
		return 0
	}
	return v
}
