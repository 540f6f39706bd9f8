package runner

import (
	"context"
	"math"
	"sync/atomic"
	"time"
)

// curve is a piecewise-linear function of time: a start value, then stages reaching each
// stage's target linearly over its duration.
type curve struct {
	start  float64
	stages []Stage
}

// at is the curve's value at t.
func (c curve) at(t time.Duration) float64 {
	from := c.start
	var begin time.Duration
	for _, s := range c.stages {
		d := time.Duration(s.Duration)
		if t < begin+d {
			f := float64(t-begin) / float64(d)
			return from + (s.Target-from)*f
		}
		begin += d
		from = s.Target
	}
	return from
}

// integral is the area under the curve from 0 to t, in value-seconds.
func (c curve) integral(t time.Duration) float64 {
	from := c.start
	var begin time.Duration
	area := 0.0
	for _, s := range c.stages {
		d := time.Duration(s.Duration)
		if t <= begin {
			return area
		}
		span := min(t-begin, d)
		to := from + (s.Target-from)*float64(span)/float64(d)
		area += (from + to) / 2 * span.Seconds()
		begin += d
		from = s.Target
	}
	if t > begin {
		area += from * (t - begin).Seconds()
	}
	return area
}

// arrivals is how many iterations an open-model executor has scheduled by t (fractional).
type arrivals struct {
	perSecond curve
	total     time.Duration
}

func newArrivals(e *Executor) arrivals {
	unit := time.Duration(e.TimeUnit).Seconds()
	if e.Type == ConstantArrivalRate {
		return arrivals{perSecond: curve{start: e.Rate / unit}, total: time.Duration(e.Duration)}
	}
	stages := make([]Stage, len(e.Stages))
	for i, s := range e.Stages {
		stages[i] = Stage{Duration: s.Duration, Target: s.Target / unit}
	}
	return arrivals{perSecond: curve{start: e.StartRate / unit, stages: stages}, total: time.Duration(e.TotalDuration())}
}

func (a arrivals) expected(t time.Duration) float64 { return a.perSecond.integral(t) }

// dueAt is when iteration k (0-based) is due: the first t with expected(t) >= k; ok is false
// when it falls after the end.
func (a arrivals) dueAt(k uint64) (time.Duration, bool) {
	want := float64(k)
	if want <= 0 {
		return 0, true
	}
	if a.expected(a.total) < want {
		return 0, false
	}
	lo, hi := time.Duration(0), a.total
	for hi-lo > time.Microsecond {
		mid := lo + (hi-lo)/2
		if a.expected(mid) >= want {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi, true
}

// OpenPacer is a vegeta.Pacer for the open model that drops, as k6 does, the iterations it
// could not start on time for want of a free VU: vegeta blocks when every worker is busy and
// MaxWorkers is reached, and would then fire the missed iterations in a burst; here, when the
// pool is saturated, an iteration due more than Grace ago is counted in Dropped instead and
// never sent. Lateness with free workers (a busy CPU) is caught up, not dropped.
type OpenPacer struct {
	sched         arrivals
	grace         time.Duration
	maxIterations uint64
	maxVUs        uint64
	inFlight      func() uint64
	dropped       atomic.Uint64
}

// NewOpenPacer paces e (an arrival-rate executor); inFlight tells how many iterations are running.
func NewOpenPacer(e *Executor, grace time.Duration, inFlight func() uint64) *OpenPacer {
	return &OpenPacer{sched: newArrivals(e), grace: grace, maxIterations: e.MaxIterations,
		maxVUs: uint64(e.MaxVUs), inFlight: inFlight}
}

// Dropped is how many iterations were not started because no worker was free in time.
func (p *OpenPacer) Dropped() uint64 { return p.dropped.Load() }

// Pace implements vegeta.Pacer.
func (p *OpenPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	n := hits + p.dropped.Load()
	if p.maxIterations > 0 && n >= p.maxIterations {
		return 0, true
	}
	due, ok := p.sched.dueAt(n)
	if !ok {
		return 0, true
	}
	if due > elapsed {
		// Sleep at most 100 ms at a time so that Stop is seen soon when the rate is low.
		return min(due-elapsed, 100*time.Millisecond), false
	}
	// The worker that just took the last tick is busy too: saturated means at most one free.
	if elapsed-due > p.grace && p.inFlight()+1 >= p.maxVUs {
		// Every iteration due before elapsed-grace is dropped; the next one on time is sent.
		k := uint64(math.Ceil(p.sched.expected(elapsed - p.grace)))
		if k > n {
			if p.maxIterations > 0 && k > p.maxIterations {
				k = p.maxIterations
			}
			p.dropped.Add(k - n)
			if p.maxIterations > 0 && k >= p.maxIterations {
				return 0, true
			}
		}
	}
	return 0, false
}

// ClosedPacer is a vegeta.Pacer for the closed model: it releases an iteration whenever fewer
// than the current number of VUs are in flight (each VU starts its next iteration as soon as
// its last one ends). Done must be called when each result has been received.
type ClosedPacer struct {
	vus           curve
	total         time.Duration
	maxIterations uint64
	ctx           context.Context
	began         time.Time
	completed     atomic.Uint64
	sent          atomic.Uint64
	wake          chan struct{}
}

// NewClosedPacer paces e (a VUs executor) until ctx ends.
func NewClosedPacer(ctx context.Context, e *Executor, began time.Time) *ClosedPacer {
	c := curve{start: float64(e.VUs)}
	if e.Type == RampingVUs {
		c = curve{start: float64(e.StartVUs), stages: e.Stages}
	}
	return &ClosedPacer{vus: c, total: time.Duration(e.TotalDuration()), maxIterations: e.MaxIterations,
		ctx: ctx, began: began, wake: make(chan struct{}, 1)}
}

// Done records that one iteration ended (its VU is free again).
func (p *ClosedPacer) Done() {
	p.completed.Add(1)
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// InFlight is how many iterations have started and not ended.
func (p *ClosedPacer) InFlight() uint64 { return p.sent.Load() - p.completed.Load() }

// VUsAt is the number of VUs the executor asks for at t (rounded down, as k6 does).
func (p *ClosedPacer) VUsAt(t time.Duration) uint64 { return uint64(math.Floor(p.vus.at(t) + 1e-9)) }

// Pace implements vegeta.Pacer; it blocks until a VU is free, the run ends, or ctx is done.
func (p *ClosedPacer) Pace(_ time.Duration, hits uint64) (time.Duration, bool) {
	p.sent.Store(hits)
	if p.maxIterations > 0 && hits >= p.maxIterations {
		return 0, true
	}
	var tick *time.Timer
	for {
		elapsed := time.Since(p.began)
		if elapsed >= p.total {
			return 0, true
		}
		if hits-p.completed.Load() < p.VUsAt(elapsed) {
			if tick != nil {
				tick.Stop()
			}
			return 0, false
		}
		if tick == nil {
			tick = time.NewTimer(5 * time.Millisecond)
		}
		select {
		case <-p.ctx.Done():
			return 0, true
		case <-p.wake:
		case <-tick.C:
			tick.Reset(5 * time.Millisecond)
		}
	}
}

// Rate implements vegeta.Pacer: the scheduled arrival rate per second at elapsed.
func (p *OpenPacer) Rate(elapsed time.Duration) float64 { return p.sched.perSecond.at(elapsed) }

// Rate implements vegeta.Pacer; the closed model has no set rate (0).
func (p *ClosedPacer) Rate(time.Duration) float64 { return 0 }
