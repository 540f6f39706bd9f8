// Package health serves liveness and readiness: GET /healthz answers while the process
// runs; GET /readyz runs every check (its database, its required dependencies) and answers
// 200 only when all pass. grpcx.RegisterHealth serves the same answer as the standard
// grpc.health.v1 service (in its own package, so that this one does not link gRPC).
package health

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"faultline.dev/shop/platform/sabotage"
)

// DefaultCheckTimeout bounds a check that sets no Timeout of its own.
const DefaultCheckTimeout = 2 * time.Second

// ErrShuttingDown is reported by readiness once Health.SetShuttingDown was called.
var ErrShuttingDown = errors.New("shutting down")

// Check is one readiness check. Fn returns nil when the dependency answers.
type Check struct {
	Name    string
	Fn      func(ctx context.Context) error
	Timeout time.Duration // 0 means DefaultCheckTimeout
}

// Result is one check's outcome as reported in the /readyz body.
type Result struct {
	OK       bool    `json:"ok"`
	Error    string  `json:"error,omitempty"`
	Duration float64 `json:"duration_ms"`
}

// Report is the /readyz body.
type Report struct {
	Status string            `json:"status"` // "ready" or "not ready"
	Checks map[string]Result `json:"checks"`
}

// Health runs the readiness checks for HTTP and gRPC probes.
type Health struct {
	logger       *slog.Logger
	checks       []Check
	lie          bool
	shuttingDown atomic.Bool
	// WatchInterval is how often a gRPC Watch stream re-runs the checks (default 1s).
	WatchInterval time.Duration
}

// New returns a Health over the checks.
func New(logger *slog.Logger, checks ...Check) *Health {
	return &Health{logger: logger, checks: checks, WatchInterval: time.Second}
}

// WithSabotage applies the switches that belong to health: with sabotage.LyingReadiness
// on, readiness reports ready without running any check, so a service whose database
// does not answer still says it is ready.
func (h *Health) WithSabotage(sb *sabotage.Switches) *Health {
	h.lie = sb.On(sabotage.LyingReadiness)
	return h
}

// SetShuttingDown makes readiness fail from now on, so load balancers stop sending work
// while the server drains. Liveness is unaffected.
func (h *Health) SetShuttingDown() {
	h.shuttingDown.Store(true)
}

// Ready runs every check concurrently and reports whether all passed.
func (h *Health) Ready(ctx context.Context) (bool, Report) {
	if h.lie {
		// Sabotage lying-readiness: claim readiness without asking any dependency.
		return true, Report{Status: "ready", Checks: map[string]Result{}}
	}
	report := Report{Status: "ready", Checks: make(map[string]Result, len(h.checks))}
	if h.shuttingDown.Load() {
		report.Status = "not ready"
		report.Checks["shutdown"] = Result{Error: ErrShuttingDown.Error()}
		return false, report
	}

	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	for _, c := range h.checks {
		wg.Go(func() {
			res := h.run(ctx, c)
			mu.Lock()
			defer mu.Unlock()
			report.Checks[c.Name] = res
			if !res.OK {
				report.Status = "not ready"
			}
		})
	}
	wg.Wait()
	return report.Status == "ready", report
}

func (h *Health) run(ctx context.Context, c Check) Result {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultCheckTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	err := c.Fn(ctx)
	res := Result{OK: err == nil, Duration: float64(time.Since(start).Microseconds()) / 1000}
	if err != nil {
		res.Error = err.Error()
		h.logger.WarnContext(ctx, "readiness check failed", slog.String("check", c.Name), slog.String("error", err.Error()))
	}
	return res
}

// Register serves GET /healthz and GET /readyz on mux.
func (h *Health) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		h.writeJSON(r.Context(), w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ok, report := h.Ready(r.Context())
		code := http.StatusOK
		if !ok {
			code = http.StatusServiceUnavailable
		}
		h.writeJSON(r.Context(), w, code, report)
	})
}

func (h *Health) writeJSON(ctx context.Context, w http.ResponseWriter, code int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	if err := json.NewEncoder(w).Encode(body); err != nil {
		h.logger.DebugContext(ctx, "cannot write health response", slog.String("error", err.Error()))
	}
}
