package ports

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"
)

// errRateLimited is the error of a request refused by the rate limiter.
var errRateLimited = errors.New("rate limit exceeded")

// RateLimiter is one token bucket for the whole gateway instance (global, not per client
// IP): it protects the capacity of orders and inventory, which every client shares, and it
// behaves the same behind a proxy or NAT where every client has the same address. Fairness
// between clients belongs to an edge proxy in front of the gateway.
type RateLimiter struct {
	limiter  *rate.Limiter
	rps      float64
	burst    int
	rejected prometheus.Counter
	now      func() time.Time
}

// RateLimit is the token bucket's size: RPS requests per second on average (RATE_LIMIT_RPS,
// default 50) and bursts of Burst (RATE_LIMIT_BURST, default 100).
type RateLimit struct {
	RPS   float64
	Burst int
}

// NewRateLimiter returns the limiter of rl. reg, when not nil, receives the counter of
// refused requests.
func NewRateLimiter(rl RateLimit, reg prometheus.Registerer) (*RateLimiter, error) {
	if rl.RPS <= 0 || rl.Burst < 1 {
		return nil, fmt.Errorf("ports: rate limit needs RPS > 0 and burst >= 1, got %g and %d", rl.RPS, rl.Burst)
	}
	l := &RateLimiter{
		limiter: rate.NewLimiter(rate.Limit(rl.RPS), rl.Burst),
		rps:     rl.RPS,
		burst:   rl.Burst,
		rejected: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "shop_gateway_rate_limited_total",
			Help: "Requests refused with 429 by the gateway's rate limiter.",
		}),
		now: time.Now,
	}
	if reg != nil {
		if err := reg.Register(l.rejected); err != nil {
			return nil, fmt.Errorf("ports: register rate limit metrics: %w", err)
		}
	}
	return l, nil
}

// Middleware refuses a request when the bucket is empty: 429, a Retry-After header with
// the whole seconds until a token is free, and the JSON error written by writeError.
func (l *RateLimiter) Middleware(next http.Handler, writeError func(http.ResponseWriter, *http.Request, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := l.now()
		res := l.limiter.ReserveN(now, 1)
		if delay := res.DelayFrom(now); delay > 0 {
			// Give the token back: a refused request must not delay the next ones.
			res.CancelAt(now)
			l.rejected.Inc()
			w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(delay.Seconds())))))
			writeError(w, r, fmt.Errorf("%w: at most %g requests per second (burst %d)", errRateLimited, l.rps, l.burst))
			return
		}
		next.ServeHTTP(w, r)
	})
}
