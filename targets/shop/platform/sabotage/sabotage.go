// Package sabotage reads the SHOP_SABOTAGE switches. Each switch turns off one resilience
// mechanism so faultline can prove that its suites detect the bug that follows. Every
// switch is off by default; a switch that is on is logged at WARN when the service starts.
package sabotage

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
)

// EnvVar is the variable the switches are read from: a comma-separated list of names.
const EnvVar = "SHOP_SABOTAGE"

// Switch names one sabotage.
type Switch string

// The switches. Each must produce the real bug it names.
const (
	// NoCompensation: orders does not undo earlier saga steps when a later one fails.
	NoCompensation Switch = "no-compensation"
	// NoBreaker: orders calls payments and inventory without circuit breakers.
	NoBreaker Switch = "no-breaker"
	// NoDeadline: orders calls payments and inventory without per-call deadlines.
	NoDeadline Switch = "no-deadline"
	// DualWrite: orders publishes to Kafka directly instead of through the outbox.
	DualWrite Switch = "dual-write"
	// DuplicateDelivery: notifications handles an event twice.
	DuplicateDelivery Switch = "duplicate-delivery"
	// LyingReadiness: /readyz and gRPC health report ready without running their checks
	// (platform/health).
	LyingReadiness Switch = "lying-readiness"
	// NoRateLimit: gateway does not rate-limit.
	NoRateLimit Switch = "no-rate-limit"
	// RetryStorm: clients retry without backoff or limit.
	RetryStorm Switch = "retry-storm"
	// DropTraceContext: W3C trace context is neither injected into outgoing calls and Kafka
	// headers nor extracted from incoming ones (platform/tracing).
	DropTraceContext Switch = "drop-trace-context"
	// RetryOpenBreaker: orders' saga retries, with backoff, a call its open circuit breaker
	// refused, so an order placed while the breaker is open waits seconds instead of failing fast.
	RetryOpenBreaker Switch = "retry-open-breaker"
	// RestartRestocks: inventory, when it starts, puts every product's stock back to its
	// initial figure (available = initial, reserved = 0), undoing every sale and reservation.
	RestartRestocks Switch = "restart-restocks"
	// DropOnStoreError: notifications gives up on an event it could not store (its database
	// is away) and commits its offset anyway: the event is lost.
	DropOnStoreError Switch = "drop-on-store-error"
	// SlowGatewayDeadline: the gateway waits 5 minutes for orders instead of its own deadline
	// (ORDERS_TIMEOUT), so a hanging orders holds every client for as long.
	SlowGatewayDeadline Switch = "slow-gateway-deadline"
)

// All lists every known switch.
var All = []Switch{
	NoCompensation, NoBreaker, NoDeadline, DualWrite, DuplicateDelivery,
	LyingReadiness, NoRateLimit, RetryStorm, DropTraceContext,
	RetryOpenBreaker, RestartRestocks, DropOnStoreError, SlowGatewayDeadline,
}

// ErrUnknown is wrapped by the error for a name in SHOP_SABOTAGE that is not a switch.
var ErrUnknown = errors.New("unknown sabotage switch")

// Switches is the set of switches that are on. The zero value and nil have every switch off.
type Switches struct {
	on []Switch
}

// Parse reads a comma-separated list of switch names. Unknown names are an error naming
// every unknown entry and the known ones.
func Parse(list string) (*Switches, error) {
	var (
		s       Switches
		unknown []error
	)
	for name := range strings.SplitSeq(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		sw := Switch(name)
		if !slices.Contains(All, sw) {
			unknown = append(unknown, fmt.Errorf("%w %q (known: %s)", ErrUnknown, name, known()))
			continue
		}
		if !slices.Contains(s.on, sw) {
			s.on = append(s.on, sw)
		}
	}
	if err := errors.Join(unknown...); err != nil {
		return nil, err
	}
	return &s, nil
}

// New returns switches with exactly the given ones on (tests use it).
func New(on ...Switch) *Switches {
	return &Switches{on: slices.Clone(on)}
}

// FromEnv parses SHOP_SABOTAGE and logs every switch that is on at WARN, loudly.
func FromEnv(logger *slog.Logger) (*Switches, error) {
	s, err := Parse(os.Getenv(EnvVar))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvVar, err)
	}
	s.Log(logger)
	return s, nil
}

// Log writes one WARN line per switch that is on.
func (s *Switches) Log(logger *slog.Logger) {
	for _, sw := range s.List() {
		logger.Warn("SABOTAGE SWITCH ON: this service is deliberately broken", "sabotage", string(sw))
	}
}

// On reports whether the switch is on. Safe on a nil receiver (everything off).
func (s *Switches) On(sw Switch) bool {
	return s != nil && slices.Contains(s.on, sw)
}

// List returns the switches that are on, in the order they were given.
func (s *Switches) List() []Switch {
	if s == nil {
		return nil
	}
	return slices.Clone(s.on)
}

func known() string {
	names := make([]string, len(All))
	for i, sw := range All {
		names[i] = string(sw)
	}
	return strings.Join(names, ", ")
}
