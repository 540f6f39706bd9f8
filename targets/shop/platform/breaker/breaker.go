// Package breaker wires sony/gobreaker/v2 circuit breakers the same way in every service:
// settings from the environment with documented defaults, every state change logged, and
// the state exported to Prometheus so suites can watch closed -> open -> half-open -> closed.
//
// Metrics (one registry may hold many breakers, told apart by the name label):
//
//	shop_circuit_breaker_state{name}                    0 closed, 1 half-open, 2 open
//	shop_circuit_breaker_transitions_total{name,from,to}
//
// gobreaker moves from open to half-open lazily, when it is next asked; the state gauge
// asks at every scrape, so the half-open state is visible without traffic.
package breaker

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sony/gobreaker/v2"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"faultline.dev/shop/platform/config"
)

// Defaults used by SettingsFromEnv when a variable is unset.
const (
	DefaultMaxFailures      = 5                // consecutive failures that open the breaker
	DefaultOpenTimeout      = 10 * time.Second // how long it stays open before half-open
	DefaultHalfOpenRequests = 1                // requests let through while half-open
	DefaultInterval         = 0                // 0: closed-state counts are never cleared
)

// Settings of one breaker.
type Settings struct {
	// MaxFailures consecutive failures open the breaker (env <PREFIX>_BREAKER_MAX_FAILURES, default 5).
	MaxFailures uint32
	// OpenTimeout is how long the breaker stays open before it lets a trial request
	// through (env <PREFIX>_BREAKER_OPEN_TIMEOUT, default 10s).
	OpenTimeout time.Duration
	// HalfOpenRequests may run while half-open; that many successes close the breaker
	// again, one failure opens it (env <PREFIX>_BREAKER_HALF_OPEN_REQUESTS, default 1).
	HalfOpenRequests uint32
	// Interval clears the failure counts while closed; 0 never clears them
	// (env <PREFIX>_BREAKER_INTERVAL, default 0).
	Interval time.Duration
	// IsSuccessful decides whether an error counts as a success for the breaker (the
	// dependency answered, the answer was "no"). Nil means IsDependencyHealthy.
	IsSuccessful func(err error) bool
	// IsExcluded errors count neither way. Nil means the caller's own cancellation
	// (context.Canceled) is excluded.
	IsExcluded func(err error) bool
}

// SettingsFromEnv reads <PREFIX>_BREAKER_MAX_FAILURES, _OPEN_TIMEOUT, _HALF_OPEN_REQUESTS
// and _INTERVAL; problems are recorded on l.
func SettingsFromEnv(l *config.Loader, prefix string) Settings {
	s := Settings{
		MaxFailures:      uint32(max(l.Int(prefix+"_BREAKER_MAX_FAILURES", DefaultMaxFailures), 0)),
		OpenTimeout:      l.Duration(prefix+"_BREAKER_OPEN_TIMEOUT", DefaultOpenTimeout),
		HalfOpenRequests: uint32(max(l.Int(prefix+"_BREAKER_HALF_OPEN_REQUESTS", DefaultHalfOpenRequests), 0)),
		Interval:         l.Duration(prefix+"_BREAKER_INTERVAL", DefaultInterval),
	}
	if s.MaxFailures < 1 {
		l.Problem(prefix+"_BREAKER_MAX_FAILURES", errors.New("must be at least 1"))
	}
	if s.HalfOpenRequests < 1 {
		l.Problem(prefix+"_BREAKER_HALF_OPEN_REQUESTS", errors.New("must be at least 1"))
	}
	if s.OpenTimeout <= 0 {
		l.Problem(prefix+"_BREAKER_OPEN_TIMEOUT", errors.New("must be positive"))
	}
	return s
}

// IsDependencyHealthy is the default IsSuccessful: nil, and gRPC statuses that mean the
// dependency answered and refused the request (InvalidArgument, NotFound, AlreadyExists,
// PermissionDenied, FailedPrecondition, OutOfRange, Unauthenticated), count as successes.
// A payment decline must not open the breaker; timeouts and Unavailable must.
func IsDependencyHealthy(err error) bool {
	if err == nil {
		return true
	}
	st, ok := status.FromError(err)
	if !ok {
		return false
	}
	switch st.Code() {
	case codes.InvalidArgument, codes.NotFound, codes.AlreadyExists, codes.PermissionDenied,
		codes.FailedPrecondition, codes.OutOfRange, codes.Unauthenticated:
		return true
	default:
		return false
	}
}

func isCallerCancellation(err error) bool {
	return errors.Is(err, context.Canceled) || status.Code(err) == codes.Canceled
}

// Breaker is a named circuit breaker for calls returning T.
type Breaker[T any] struct {
	cb *gobreaker.CircuitBreaker[T]
}

// New returns a breaker registered on reg (reg may be nil in tests that do not look).
// Zero fields of s take the package defaults.
func New[T any](name string, s Settings, logger *slog.Logger, reg prometheus.Registerer) *Breaker[T] {
	m := metricsFor(reg)
	isSuccessful := s.IsSuccessful
	if isSuccessful == nil {
		isSuccessful = IsDependencyHealthy
	}
	isExcluded := s.IsExcluded
	if isExcluded == nil {
		isExcluded = isCallerCancellation
	}
	maxFailures := s.MaxFailures
	if maxFailures == 0 {
		maxFailures = DefaultMaxFailures
	}
	openTimeout := s.OpenTimeout
	if openTimeout <= 0 {
		openTimeout = DefaultOpenTimeout
	}
	b := &Breaker[T]{}
	b.cb = gobreaker.NewCircuitBreaker[T](gobreaker.Settings{
		Name:        name,
		MaxRequests: max(s.HalfOpenRequests, 1),
		Interval:    s.Interval,
		Timeout:     openTimeout,
		ReadyToTrip: func(c gobreaker.Counts) bool {
			return c.ConsecutiveFailures >= maxFailures
		},
		IsSuccessful: isSuccessful,
		IsExcluded:   isExcluded,
		OnStateChange: func(name string, from, to gobreaker.State) {
			level := slog.LevelInfo
			if to == gobreaker.StateOpen {
				level = slog.LevelWarn
			}
			logger.Log(context.Background(), level, "circuit breaker state changed",
				slog.String("breaker", name), slog.String("from", from.String()), slog.String("to", to.String()))
			m.transitions.WithLabelValues(name, from.String(), to.String()).Inc()
		},
	})
	m.add(name, b.State)
	return b
}

// Execute runs fn unless the breaker is open. When it is, the error satisfies IsOpen.
func (b *Breaker[T]) Execute(fn func() (T, error)) (T, error) {
	return b.cb.Execute(fn)
}

// State is the breaker's current state; asking may move it from open to half-open.
func (b *Breaker[T]) State() gobreaker.State {
	return b.cb.State()
}

// Name is the breaker's name.
// Open reports whether the breaker is open now (a call would be refused at once); a breaker
// whose open timeout has passed is half-open, not open: its trial request goes through.
func (b *Breaker[T]) Open() bool {
	return b.cb.State() == gobreaker.StateOpen
}

func (b *Breaker[T]) Name() string {
	return b.cb.Name()
}

// IsOpen reports whether err is the breaker refusing a call: open, or half-open with its
// trial requests already in flight.
func IsOpen(err error) bool {
	return errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests)
}

// StateValue is the gauge value of a state: 0 closed, 1 half-open, 2 open.
func StateValue(s gobreaker.State) float64 {
	switch s {
	case gobreaker.StateHalfOpen:
		return 1
	case gobreaker.StateOpen:
		return 2
	default:
		return 0
	}
}

// breakerMetrics is one collector per registry for both metrics, so one scrape is
// consistent: it first asks every breaker its state (which may record the lazy
// open -> half-open transition), then reports states and transitions together.
type breakerMetrics struct {
	stateDesc   *prometheus.Desc
	transitions *prometheus.CounterVec
	mu          sync.Mutex
	states      map[string]func() gobreaker.State
}

var (
	metricsMu    sync.Mutex
	metricsByReg = map[prometheus.Registerer]*breakerMetrics{}
)

// metricsFor returns the collector registered on reg, registering it once.
func metricsFor(reg prometheus.Registerer) *breakerMetrics {
	metricsMu.Lock()
	defer metricsMu.Unlock()
	if m, ok := metricsByReg[reg]; ok && reg != nil {
		return m
	}
	m := &breakerMetrics{
		stateDesc: prometheus.NewDesc("shop_circuit_breaker_state", "Circuit breaker state: 0 closed, 1 half-open, 2 open.", []string{"name"}, nil),
		transitions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shop_circuit_breaker_transitions_total",
			Help: "Circuit breaker state transitions.",
		}, []string{"name", "from", "to"}),
		states: map[string]func() gobreaker.State{},
	}
	if reg != nil {
		reg.MustRegister(m)
		metricsByReg[reg] = m
	}
	return m
}

func (m *breakerMetrics) add(name string, state func() gobreaker.State) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.states[name] = state
}

func (m *breakerMetrics) Describe(ch chan<- *prometheus.Desc) {
	ch <- m.stateDesc
	m.transitions.Describe(ch)
}

func (m *breakerMetrics) Collect(ch chan<- prometheus.Metric) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for name, state := range m.states {
		ch <- prometheus.MustNewConstMetric(m.stateDesc, prometheus.GaugeValue, StateValue(state()), name)
	}
	m.transitions.Collect(ch)
}
