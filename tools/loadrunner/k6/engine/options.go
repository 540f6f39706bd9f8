package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Executors as k6 names them.
const (
	SharedIterations    = "shared-iterations"
	PerVUIterations     = "per-vu-iterations"
	ConstantVUs         = "constant-vus"
	RampingVUs          = "ramping-vus"
	ConstantArrivalRate = "constant-arrival-rate"
	RampingArrivalRate  = "ramping-arrival-rate"
)

var executorNames = []string{SharedIterations, PerVUIterations, ConstantVUs, RampingVUs, ConstantArrivalRate, RampingArrivalRate}

// Limits every run is held to.
const (
	MaxVUs       = 10_000
	MaxRunLength = 24 * time.Hour
)

// Dur is a duration written as "30s" (or a number of milliseconds) in options.
type Dur time.Duration

func (d *Dur) UnmarshalJSON(b []byte) error {
	var s any
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	var v time.Duration
	var err error
	switch x := s.(type) {
	case string:
		v, err = ParseDuration(x)
	case float64:
		v = time.Duration(x * float64(time.Millisecond))
	default:
		err = fmt.Errorf("a duration is a string such as \"30s\"")
	}
	*d = Dur(v)
	return err
}

func (d Dur) D() time.Duration { return time.Duration(d) }

// Stage is one segment of a ramping executor.
type Stage struct {
	Duration Dur     `json:"duration"`
	Target   float64 `json:"target"`
}

// Scenario is one entry of options.scenarios.
type Scenario struct {
	Name             string            `json:"-"`
	Executor         string            `json:"executor"`
	Exec             string            `json:"exec,omitempty"`
	Env              map[string]string `json:"env,omitempty"`
	Tags             Tags              `json:"tags,omitempty"`
	StartTime        Dur               `json:"startTime,omitempty"`
	GracefulStop     *Dur              `json:"gracefulStop,omitempty"`
	VUs              *int              `json:"vus,omitempty"`
	Iterations       *int              `json:"iterations,omitempty"`
	MaxDuration      Dur               `json:"maxDuration,omitempty"`
	Duration         Dur               `json:"duration,omitempty"`
	StartVUs         *int              `json:"startVUs,omitempty"`
	Stages           []Stage           `json:"stages,omitempty"`
	GracefulRampDown *Dur              `json:"gracefulRampDown,omitempty"`
	Rate             float64           `json:"rate,omitempty"`
	StartRate        float64           `json:"startRate,omitempty"`
	TimeUnit         Dur               `json:"timeUnit,omitempty"`
	PreAllocatedVUs  *int              `json:"preAllocatedVUs,omitempty"`
	MaxVUs           *int              `json:"maxVUs,omitempty"`
}

// Options is `export const options`, the subset faultline runs.
type Options struct {
	VUs                   *int                       `json:"vus,omitempty"`
	Duration              *Dur                       `json:"duration,omitempty"`
	Iterations            *int                       `json:"iterations,omitempty"`
	Stages                []Stage                    `json:"stages,omitempty"`
	Scenarios             map[string]*Scenario       `json:"scenarios,omitempty"`
	Thresholds            map[string]json.RawMessage `json:"thresholds,omitempty"`
	SetupTimeout          *Dur                       `json:"setupTimeout,omitempty"`
	TeardownTimeout       *Dur                       `json:"teardownTimeout,omitempty"`
	SummaryTrendStats     []string                   `json:"summaryTrendStats,omitempty"`
	Tags                  Tags                       `json:"tags,omitempty"`
	UserAgent             *string                    `json:"userAgent,omitempty"`
	NoConnectionReuse     bool                       `json:"noConnectionReuse,omitempty"`
	DiscardResponseBodies bool                       `json:"discardResponseBodies,omitempty"`
	Batch                 int                        `json:"batch,omitempty"`
	BatchPerHost          int                        `json:"batchPerHost,omitempty"`
	InsecureSkipTLSVerify bool                       `json:"insecureSkipTLSVerify,omitempty"`
	Throw                 bool                       `json:"throw,omitempty"`
}

var supportedOptions = []string{"vus", "duration", "iterations", "stages", "scenarios", "thresholds",
	"setupTimeout", "teardownTimeout", "summaryTrendStats", "tags", "userAgent", "noConnectionReuse",
	"discardResponseBodies", "batch", "batchPerHost", "insecureSkipTLSVerify", "throw"}

// ParseOptions decodes the script's options JSON; an option outside the subset is an error naming it.
func ParseOptions(file string, raw []byte) (*Options, error) {
	if len(bytes.TrimSpace(raw)) == 0 || string(raw) == "null" {
		return &Options{}, nil
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(raw, &keys); err != nil {
		return nil, fmt.Errorf("%s: options: not an object: %w", file, err)
	}
	var unknown []string
	for k := range keys {
		if !contains(supportedOptions, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("%s: options.%s is not supported by faultline's k6 runner; supported options: %s",
			file, strings.Join(unknown, ", options."), strings.Join(supportedOptions, ", "))
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var o Options
	if err := dec.Decode(&o); err != nil {
		return nil, fmt.Errorf("%s: options: %w", file, err)
	}
	return &o, nil
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// Overrides are the command line's shortcut options: any of them replaces the script's
// scenarios with one derived from them, as k6 does.
type Overrides struct {
	VUs        int
	Duration   time.Duration
	Iterations int
}

// Resolve derives the scenarios to run (named, sorted by name) from the options and overrides,
// fills k6's defaults and validates each scenario; every problem is listed.
func (o *Options) Resolve(file string, ov Overrides, exports map[string]bool) ([]*Scenario, error) {
	if ov.VUs > 0 {
		o.VUs = &ov.VUs
	}
	if ov.Duration > 0 {
		d := Dur(ov.Duration)
		o.Duration = &d
	}
	if ov.Iterations > 0 {
		o.Iterations = &ov.Iterations
	}
	shortcut := ov.VUs > 0 || ov.Duration > 0 || ov.Iterations > 0
	scenarios := o.Scenarios
	if shortcut || len(scenarios) == 0 {
		scenarios = map[string]*Scenario{"default": o.defaultScenario()}
	}
	var errs []string
	names := make([]string, 0, len(scenarios))
	for n := range scenarios {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]*Scenario, 0, len(names))
	for _, n := range names {
		s := scenarios[n]
		s.Name = n
		for _, e := range s.validate() {
			errs = append(errs, fmt.Sprintf("%s: options.scenarios.%s.%s", file, n, e))
		}
		fn := s.Exec
		if fn == "" {
			fn = "default"
		}
		if !exports[fn] {
			errs = append(errs, fmt.Sprintf("%s: options.scenarios.%s.exec: the script exports no function %q", file, n, fn))
		}
		out = append(out, s)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return out, nil
}

func intp(v int) *int { return &v }

func (o *Options) defaultScenario() *Scenario {
	vus := 1
	if o.VUs != nil {
		vus = *o.VUs
	}
	switch {
	case o.Iterations != nil:
		s := &Scenario{Executor: SharedIterations, VUs: intp(vus), Iterations: o.Iterations}
		if o.Duration != nil {
			s.MaxDuration = *o.Duration
		}
		return s
	case o.Duration != nil:
		return &Scenario{Executor: ConstantVUs, VUs: intp(vus), Duration: *o.Duration}
	case len(o.Stages) > 0:
		return &Scenario{Executor: RampingVUs, StartVUs: intp(vus), Stages: o.Stages}
	}
	return &Scenario{Executor: SharedIterations, VUs: intp(vus), Iterations: intp(1)}
}

func or(p *int, d int) int {
	if p == nil {
		return d
	}
	return *p
}

// validate fills defaults and returns the problems, each starting with the field's name.
func (s *Scenario) validate() []string {
	var errs []string
	bad := func(f string, a ...any) { errs = append(errs, fmt.Sprintf(f, a...)) }
	if s.GracefulStop == nil {
		d := Dur(30 * time.Second)
		s.GracefulStop = &d
	}
	if s.TimeUnit == 0 {
		s.TimeUnit = Dur(time.Second)
	}
	switch s.Executor {
	case SharedIterations, PerVUIterations:
		s.VUs = intp(or(s.VUs, 1))
		s.Iterations = intp(or(s.Iterations, 1))
		if s.MaxDuration == 0 {
			s.MaxDuration = Dur(10 * time.Minute)
		}
		if *s.Iterations < 1 {
			bad("iterations: must be at least 1, got %d", *s.Iterations)
		}
		if s.Executor == SharedIterations && *s.Iterations < *s.VUs {
			s.VUs = intp(*s.Iterations)
		}
	case ConstantVUs:
		s.VUs = intp(or(s.VUs, 1))
		if s.Duration <= 0 {
			bad("duration: constant-vus needs a duration such as \"30s\"")
		}
	case RampingVUs:
		s.StartVUs = intp(or(s.StartVUs, 1))
		if s.GracefulRampDown == nil {
			d := Dur(30 * time.Second)
			s.GracefulRampDown = &d
		}
		if len(s.Stages) == 0 {
			bad("stages: ramping-vus needs at least one stage")
		}
	case ConstantArrivalRate, RampingArrivalRate:
		if s.PreAllocatedVUs == nil {
			bad("preAllocatedVUs: %s needs preAllocatedVUs", s.Executor)
			s.PreAllocatedVUs = intp(1)
		}
		s.MaxVUs = intp(max(or(s.MaxVUs, *s.PreAllocatedVUs), *s.PreAllocatedVUs))
		if s.Executor == ConstantArrivalRate {
			if s.Rate <= 0 {
				bad("rate: constant-arrival-rate needs a rate above 0")
			}
			if s.Duration <= 0 {
				bad("duration: constant-arrival-rate needs a duration such as \"30s\"")
			}
		} else if len(s.Stages) == 0 {
			bad("stages: ramping-arrival-rate needs at least one stage")
		}
	default:
		bad("executor: unknown executor %q; known: %s", s.Executor, strings.Join(executorNames, ", "))
		return errs
	}
	if v := s.MaxVUsNeeded(); v < 1 && s.Executor != RampingVUs || v > MaxVUs {
		bad("vus: must be in [1, %d], got %d", MaxVUs, v)
	}
	if total := s.StartTime.D() + s.Length(); total > MaxRunLength {
		bad("duration: a scenario must end within %s, this one ends after %s", MaxRunLength, total)
	}
	return errs
}

// MaxVUsNeeded is how many VUs the scenario may use at once.
func (s *Scenario) MaxVUsNeeded() int {
	switch s.Executor {
	case RampingVUs:
		m := or(s.StartVUs, 0)
		for _, st := range s.Stages {
			m = max(m, int(st.Target))
		}
		return m
	case ConstantArrivalRate, RampingArrivalRate:
		return or(s.MaxVUs, 1)
	}
	return or(s.VUs, 1)
}

// Length is how long the scenario starts iterations for (without gracefulStop).
func (s *Scenario) Length() time.Duration {
	switch s.Executor {
	case SharedIterations, PerVUIterations:
		return s.MaxDuration.D()
	case RampingVUs, RampingArrivalRate:
		var d time.Duration
		for _, st := range s.Stages {
			d += st.Duration.D()
		}
		return d
	}
	return s.Duration.D()
}
