package runner

import (
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

// OpenPacer paces the open model and drops, as k6 does, the iterations it could not start on
// time for want of a free VU: handing an iteration to a VU blocks when every VU is busy and
// MaxVUs is reached, and would then fire the missed iterations in a burst; here, when the pool
// is saturated, an iteration due more than Grace ago is counted in Dropped instead and never
// sent. Lateness with free VUs (a busy CPU) is caught up, not dropped (and counted in the
// latency, which runs from the scheduled time).
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

// Dropped is how many iterations were not started because no VU was free in time.
func (p *OpenPacer) Dropped() uint64 { return p.dropped.Load() }

// Pace says, at elapsed with hits iterations sent, how long to wait before sending the next
// (0: now), or stop when every iteration has been sent or dropped.
func (p *OpenPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	wait, _, stop := p.next(elapsed, hits)
	return wait, stop
}

// next is Pace, and when the next iteration is sent now (wait 0), the time it was due.
func (p *OpenPacer) next(elapsed time.Duration, hits uint64) (wait, due time.Duration, stop bool) {
	n := hits + p.dropped.Load()
	if p.maxIterations > 0 && n >= p.maxIterations {
		return 0, 0, true
	}
	due, ok := p.sched.dueAt(n)
	if !ok {
		return 0, 0, true
	}
	if due > elapsed {
		// Sleep at most 100 ms at a time so that a stop is seen soon when the rate is low.
		return min(due-elapsed, 100*time.Millisecond), 0, false
	}
	// The VU that just took the last iteration is busy too: saturated means at most one free.
	if elapsed-due > p.grace && p.inFlight()+1 >= p.maxVUs {
		// Every iteration due before elapsed-grace is dropped; the next one on time is sent.
		k := uint64(math.Ceil(p.sched.expected(elapsed - p.grace)))
		if k > n {
			if p.maxIterations > 0 && k > p.maxIterations {
				k = p.maxIterations
			}
			p.dropped.Add(k - n)
			// Iteration k is due within grace of now (or later, at a low rate): no drop again.
			return p.next(elapsed, hits)
		}
	}
	return 0, due, false
}

// vuCurve is the number of VUs a closed-model executor asks for over time.
func vuCurve(e *Executor) curve {
	if e.Type == RampingVUs {
		return curve{start: float64(e.StartVUs), stages: e.Stages}
	}
	return curve{start: float64(e.VUs)}
}

// vusAt is the number of VUs c asks for at t (rounded down, as k6 does).
func vusAt(c curve, t time.Duration) uint64 { return uint64(math.Floor(c.at(t) + 1e-9)) }
