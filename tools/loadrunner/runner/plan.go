// Package runner sends the requests of a load plan (HTTP through fasthttp's client, gRPC through
// grpc-go, both driven by the same VUs and pacer) and streams one JSON line of aggregates per second.
package runner

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
)

// Limits every plan is held to: a run is always bounded in time, rate and concurrency.
const (
	MaxDuration = 24 * time.Hour
	MaxVUs      = 10_000
	MaxRate     = 1_000_000
)

// Executors, named as k6 names them.
const (
	ConstantArrivalRate = "constant-arrival-rate"
	RampingArrivalRate  = "ramping-arrival-rate"
	ConstantVUs         = "constant-vus"
	RampingVUs          = "ramping-vus"
)

// Duration is a time.Duration written as "30s" or "1m30s" in JSON.
type Duration time.Duration

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a duration is a string such as \"30s\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// Stage is one segment of a ramping executor: reach Target (iterations per TimeUnit, or VUs)
// linearly over Duration.
type Stage struct {
	Duration Duration `json:"duration"`
	Target   float64  `json:"target"`
}

// Executor says when iterations start. Open model: constant/ramping-arrival-rate (Rate per
// TimeUnit, up to MaxVUs in flight; an iteration that finds none free is dropped). Closed model:
// constant/ramping-vus (VUs in flight, each starting its next iteration when the last ends).
type Executor struct {
	Type            string   `json:"type"`
	Duration        Duration `json:"duration,omitempty"`
	Rate            float64  `json:"rate,omitempty"`
	StartRate       float64  `json:"startRate,omitempty"`
	TimeUnit        Duration `json:"timeUnit,omitempty"`
	PreAllocatedVUs int      `json:"preAllocatedVUs,omitempty"`
	MaxVUs          int      `json:"maxVUs,omitempty"`
	VUs             int      `json:"vus,omitempty"`
	StartVUs        int      `json:"startVUs,omitempty"`
	Stages          []Stage  `json:"stages,omitempty"`
	// MaxIterations stops the run after this many iterations (0: no count bound).
	MaxIterations uint64 `json:"maxIterations,omitempty"`
}

// GRPCCall is a unary call made with a message built from JSON (protojson) at run time.
type GRPCCall struct {
	// Target is host:port, e.g. "payments:9090".
	Target string `json:"target"`
	// Method is "package.Service/Method".
	Method   string            `json:"method"`
	Data     string            `json:"data"`
	Metadata map[string]string `json:"metadata,omitempty"`
}

// Request is one kind of iteration, picked with probability Weight / sum of weights. Strings
// may hold templates: {{uuid}} (new per request), {{seq}}, {{var:NAME}} (a value captured in setup).
type Request struct {
	Name     string            `json:"name"`
	Weight   float64           `json:"weight,omitempty"`
	Method   string            `json:"method,omitempty"`
	URL      string            `json:"url,omitempty"`
	Headers  map[string]string `json:"headers,omitempty"`
	Body     string            `json:"body,omitempty"`
	GRPC     *GRPCCall         `json:"grpc,omitempty"`
	protocol string
}

// Protocol is "grpc" or "http".
func (r Request) Protocol() string {
	if r.GRPC != nil {
		return "grpc"
	}
	return "http"
}

// Check is a request the target must answer before any load is sent.
type Check struct {
	Name string `json:"name"`
	// HTTP: URL answered with a status in ExpectStatus (default: any 2xx).
	URL          string `json:"url,omitempty"`
	ExpectStatus []int  `json:"expectStatus,omitempty"`
	// gRPC: host:port answering grpc.health.v1 with SERVING.
	GRPCHealth string `json:"grpcHealth,omitempty"`
}

// SetupRequest is sent Repeat times before the load; Capture maps a variable name to a
// top-level (or dotted) JSON field of the response, whose values {{var:NAME}} then picks from.
type SetupRequest struct {
	Name    string            `json:"name"`
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    string            `json:"body,omitempty"`
	Repeat  int               `json:"repeat,omitempty"`
	Capture map[string]string `json:"capture,omitempty"`
}

// Proto is a .proto file given by content, so the image needs no files of the target.
type Proto struct {
	Path    string `json:"path"`
	Content string `json:"content"`
}

// Plan is everything one run does.
type Plan struct {
	Executor Executor       `json:"executor"`
	Requests []Request      `json:"requests"`
	Checks   []Check        `json:"checks,omitempty"`
	Setup    []SetupRequest `json:"setup,omitempty"`
	Protos   []Proto        `json:"protos,omitempty"`
	// Timeout of one request (default 10s); also the grace given to requests in flight at the end.
	Timeout Duration `json:"timeout,omitempty"`
	// CheckTimeout bounds each check (default 3s): setup fails fast when the target does not answer.
	CheckTimeout Duration `json:"checkTimeout,omitempty"`
	// MaxBodyBytes is accepted for older plans and has no effect: response bodies are read
	// whole into each VU's reused buffer, counted in bytesIn, and never kept.
	MaxBodyBytes int64 `json:"maxBodyBytes,omitempty"`
	// GRPCConnections per gRPC target, used in turn (default 1: gRPC multiplexes its calls).
	GRPCConnections int `json:"grpcConnections,omitempty"`
}

// ReadPlan decodes and validates a plan; unknown fields are errors.
func ReadPlan(r io.Reader) (*Plan, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var p Plan
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("plan: not a valid plan JSON: %w", err)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

// Validate reports every problem of the plan together, each naming its field, and sets defaults.
func (p *Plan) Validate() error {
	var errs []error
	bad := func(field, format string, a ...any) {
		errs = append(errs, fmt.Errorf("plan: %s: %s", field, fmt.Sprintf(format, a...)))
	}
	e := &p.Executor
	if e.TimeUnit == 0 {
		e.TimeUnit = Duration(time.Second)
	}
	total := e.TotalDuration()
	switch e.Type {
	case ConstantArrivalRate:
		if e.Rate <= 0 || e.Rate/time.Duration(e.TimeUnit).Seconds() > MaxRate {
			bad("executor.rate", "must be in (0, %d] per second, got %v per %s", MaxRate, e.Rate, time.Duration(e.TimeUnit))
		}
	case RampingArrivalRate, RampingVUs:
		if len(e.Stages) == 0 {
			bad("executor.stages", "%s needs at least one stage", e.Type)
		}
		for i, s := range e.Stages {
			if s.Target < 0 {
				bad(fmt.Sprintf("executor.stages[%d].target", i), "must not be negative")
			}
			if e.Type == RampingVUs && s.Target > MaxVUs {
				bad(fmt.Sprintf("executor.stages[%d].target", i), "at most %d VUs", MaxVUs)
			}
			if e.Type == RampingArrivalRate && s.Target/time.Duration(e.TimeUnit).Seconds() > MaxRate {
				bad(fmt.Sprintf("executor.stages[%d].target", i), "at most %d per second", MaxRate)
			}
		}
	case ConstantVUs:
		if e.VUs <= 0 || e.VUs > MaxVUs {
			bad("executor.vus", "must be in [1, %d], got %d", MaxVUs, e.VUs)
		}
	default:
		bad("executor.type", "unknown executor %q; known: %s", e.Type,
			strings.Join([]string{ConstantArrivalRate, RampingArrivalRate, ConstantVUs, RampingVUs}, ", "))
	}
	if e.Type == ConstantArrivalRate || e.Type == ConstantVUs {
		if e.Duration <= 0 {
			bad("executor.duration", "%s needs a duration such as \"30s\"", e.Type)
		}
	}
	if total <= 0 || total > Duration(MaxDuration) {
		bad("executor", "total duration must be in (0, %s], got %s", MaxDuration, time.Duration(total))
	}
	if e.isOpen() {
		if e.PreAllocatedVUs <= 0 {
			e.PreAllocatedVUs = 10
		}
		if e.MaxVUs <= 0 {
			e.MaxVUs = max(e.PreAllocatedVUs, 100)
		}
		if e.MaxVUs > MaxVUs || e.PreAllocatedVUs > e.MaxVUs {
			bad("executor.maxVUs", "must be in [preAllocatedVUs, %d], got %d", MaxVUs, e.MaxVUs)
		}
	}
	if len(p.Requests) == 0 {
		bad("requests", "at least one request is needed")
	}
	names := map[string]bool{}
	for i := range p.Requests {
		r := &p.Requests[i]
		f := fmt.Sprintf("requests[%d]", i)
		if r.Name == "" {
			bad(f+".name", "is required")
		} else if names[r.Name] {
			bad(f+".name", "%q is used twice", r.Name)
		}
		names[r.Name] = true
		if r.Weight == 0 {
			r.Weight = 1
		}
		if r.Weight < 0 {
			bad(f+".weight", "must be positive")
		}
		if r.GRPC != nil {
			if r.URL != "" {
				bad(f, "has both url and grpc; give one")
			}
			if r.GRPC.Target == "" || !strings.Contains(r.GRPC.Method, "/") {
				bad(f+".grpc", "needs target (host:port) and method (package.Service/Method)")
			}
			if len(p.Protos) == 0 {
				bad("protos", "gRPC request %q needs the .proto files (protos)", r.Name)
			}
			continue
		}
		if r.Method == "" {
			r.Method = "GET"
		}
		if u, err := url.Parse(strings.ReplaceAll(r.URL, "{{", "x")); err != nil || u.Host == "" {
			bad(f+".url", "must be an absolute http URL, got %q", r.URL)
		}
	}
	for i, c := range p.Checks {
		if (c.URL == "") == (c.GRPCHealth == "") {
			bad(fmt.Sprintf("checks[%d]", i), "give exactly one of url and grpcHealth")
		}
	}
	for i := range p.Setup {
		s := &p.Setup[i]
		if s.URL == "" {
			bad(fmt.Sprintf("setup[%d].url", i), "is required")
		}
		if s.Method == "" {
			s.Method = "GET"
		}
		if s.Repeat <= 0 {
			s.Repeat = 1
		}
		if s.Repeat > 1000 {
			bad(fmt.Sprintf("setup[%d].repeat", i), "at most 1000")
		}
	}
	if p.Timeout <= 0 {
		p.Timeout = Duration(10 * time.Second)
	}
	if p.CheckTimeout <= 0 {
		p.CheckTimeout = Duration(3 * time.Second)
	}
	if p.MaxBodyBytes <= 0 {
		p.MaxBodyBytes = 64 << 10
	}
	if p.GRPCConnections <= 0 {
		p.GRPCConnections = 1
	}
	if p.GRPCConnections > 1024 {
		bad("grpcConnections", "at most 1024")
	}
	return errors.Join(errs...)
}

func (e *Executor) isOpen() bool {
	return e.Type == ConstantArrivalRate || e.Type == RampingArrivalRate
}

// TotalDuration is how long iterations are started for.
func (e *Executor) TotalDuration() Duration {
	if e.Type == RampingArrivalRate || e.Type == RampingVUs {
		var d Duration
		for _, s := range e.Stages {
			d += s.Duration
		}
		return d
	}
	return e.Duration
}
