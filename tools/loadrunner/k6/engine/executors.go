package engine

import (
	"context"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dop251/goja"
)

// scenarioRun is one scenario while it runs: soft is the time after which no iteration starts,
// hard is cancelled gracefulStop after that (or on abort), interrupting running iterations.
type scenarioRun struct {
	e     *Engine
	sc    *Scenario
	fn    string
	start time.Time
	soft  time.Time
	hard  context.Context
	mu    sync.Mutex
	vus   []*VU
	// byIndex: ramping-vus keeps its i-th VU for when the ramp comes back up.
	byIndex map[int]*VU
}

func (e *Engine) runScenario(sc *Scenario) {
	if d := sc.StartTime.D(); d > 0 {
		select {
		case <-time.After(d):
		case <-e.ctx.Done():
			return
		}
	}
	fn := sc.Exec
	if fn == "" {
		fn = "default"
	}
	hard, cancel := context.WithCancel(e.ctx)
	defer cancel()
	r := &scenarioRun{e: e, sc: sc, fn: fn, start: time.Now(), hard: hard, byIndex: map[int]*VU{}}
	r.soft = r.start.Add(sc.Length())
	t := time.AfterFunc(sc.Length()+sc.GracefulStop.D(), cancel)
	defer t.Stop()
	switch sc.Executor {
	case SharedIterations:
		var left atomic.Int64
		left.Store(int64(*sc.Iterations))
		r.closed(*sc.VUs, func(int, int) bool { return left.Add(-1) >= 0 })
	case PerVUIterations:
		n := *sc.Iterations
		r.closed(*sc.VUs, func(_ int, done int) bool { return done < n })
	case ConstantVUs:
		r.closed(*sc.VUs, func(int, int) bool { return true })
	case RampingVUs:
		r.ramping()
	case ConstantArrivalRate, RampingArrivalRate:
		r.arrival()
	}
}

// vu creates a VU for this scenario (its init code runs now); an init error aborts the run.
func (r *scenarioRun) vu() *VU {
	id := r.e.nextVU.Add(1)
	vu, err := r.e.newVU(id, r.sc)
	if err != nil {
		r.e.abort(err)
		return nil
	}
	r.e.maxVUs.Add(1)
	context.AfterFunc(r.hard, func() { vu.RT.Interrupt("the scenario's gracefulStop ended") })
	r.mu.Lock()
	r.vus = append(r.vus, vu)
	r.mu.Unlock()
	return vu
}

func (r *scenarioRun) active() bool {
	return r.hard.Err() == nil && time.Now().Before(r.soft)
}

// iterate runs one iteration of the scenario's function on vu.
func (r *scenarioRun) iterate(vu *VU) {
	e := r.e
	vu.Ctx = r.hard
	_ = vu.RT.Set("__ITER", vu.Iter)
	fn, _ := goja.AssertFunction(vu.exports.Get(r.fn))
	start := time.Now()
	_, err := fn(goja.Undefined(), vu.data())
	vu.Group = ""
	vu.Iter++
	if err != nil {
		if _, interrupted := err.(*goja.InterruptedError); interrupted {
			vu.Flush()
			return
		}
		msg := err.Error()
		if ex, ok := err.(*goja.Exception); ok {
			msg = strings.TrimSpace(ex.String())
		}
		e.logf("ERRO", "%s executor=%s scenario=%s source=stacktrace", msg, r.sc.Executor, r.sc.Name)
	}
	tags := vu.SampleTags(nil)
	vu.Push(e.Builtin.Iterations, 1, tags)
	vu.Push(e.Builtin.IterationDuration, ms(time.Since(start)), tags)
	vu.Flush()
	e.iterations.Add(1)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// closed runs n VUs, each starting its next iteration while more(vuIndex, done) and the
// scenario is active.
func (r *scenarioRun) closed(n int, more func(i, done int) bool) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			vu := r.vu()
			if vu == nil {
				return
			}
			r.e.activeVUs.Add(1)
			defer r.e.activeVUs.Add(-1)
			for done := 0; r.active() && more(i, done); done++ {
				r.iterate(vu)
			}
		}()
	}
	wg.Wait()
}

// stageValue is the target of a ramping executor at elapsed: linear within each stage.
func stageValue(start float64, stages []Stage, elapsed time.Duration) float64 {
	from := start
	var at time.Duration
	for _, s := range stages {
		d := s.Duration.D()
		if elapsed < at+d {
			return from + (s.Target-from)*float64(elapsed-at)/float64(d)
		}
		at += d
		from = s.Target
	}
	return from
}

// stageIntegral is the integral of stageValue from 0 to elapsed (target·seconds).
func stageIntegral(start float64, stages []Stage, elapsed time.Duration) float64 {
	from, sum := start, 0.0
	var at time.Duration
	for _, s := range stages {
		d := s.Duration.D()
		if elapsed < at+d {
			t := (elapsed - at).Seconds()
			return sum + from*t + (s.Target-from)*t*t/(2*d.Seconds())
		}
		sum += (from + s.Target) / 2 * d.Seconds()
		at += d
		from = s.Target
	}
	return sum + from*(elapsed-at).Seconds()
}

// ramping runs ramping-vus: VU i runs while i is below the stages' target.
func (r *scenarioRun) ramping() {
	start := float64(*r.sc.StartVUs)
	target := func() int {
		return int(math.Round(stageValue(start, r.sc.Stages, time.Since(r.start))))
	}
	var wg sync.WaitGroup
	running := map[int]bool{}
	var mu sync.Mutex
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for r.active() {
		n := target()
		mu.Lock()
		for i := range n {
			if running[i] {
				continue
			}
			running[i] = true
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { mu.Lock(); delete(running, i); mu.Unlock() }()
				vu := r.vuAt(i)
				if vu == nil {
					return
				}
				r.e.activeVUs.Add(1)
				defer r.e.activeVUs.Add(-1)
				for r.active() && i < target() {
					r.iterate(vu)
				}
			}()
		}
		mu.Unlock()
		select {
		case <-tick.C:
		case <-r.hard.Done():
		}
	}
	wg.Wait()
}

// vuAt is the scenario's i-th VU, created on first use and reused when the ramp comes back up.
func (r *scenarioRun) vuAt(i int) *VU {
	r.mu.Lock()
	if m, ok := r.byIndex[i]; ok {
		r.mu.Unlock()
		return m
	}
	r.mu.Unlock()
	vu := r.vu()
	r.mu.Lock()
	r.byIndex[i] = vu
	r.mu.Unlock()
	return vu
}

// arrival runs the arrival-rate executors: iterations start on schedule (rate per timeUnit),
// each on a free VU; when none is free the iteration is dropped (dropped_iterations) and a new
// VU is initialised in the background, up to maxVUs.
func (r *scenarioRun) arrival() {
	sc := r.sc
	unit := sc.TimeUnit.D().Seconds()
	stages, start := sc.Stages, sc.StartRate
	if sc.Executor == ConstantArrivalRate {
		stages, start = []Stage{{Duration: sc.Duration, Target: sc.Rate}}, sc.Rate
	}
	pool := make(chan *VU, *sc.MaxVUs)
	created := 0
	for range *sc.PreAllocatedVUs {
		vu := r.vu()
		if vu == nil {
			return
		}
		created++
		pool <- vu
	}
	var wg sync.WaitGroup
	var creating atomic.Int32
	started := 0
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for r.active() {
		due := int(stageIntegral(start, stages, time.Since(r.start)) / unit)
		for ; started < due; started++ {
			select {
			case vu := <-pool:
				wg.Add(1)
				r.e.activeVUs.Add(1)
				go func() {
					defer wg.Done()
					r.iterate(vu)
					r.e.activeVUs.Add(-1)
					pool <- vu
				}()
			default:
				r.drop()
				if created < *sc.MaxVUs && creating.Load() == 0 {
					created++
					creating.Add(1)
					go func() {
						defer creating.Add(-1)
						if vu := r.vu(); vu != nil {
							pool <- vu
						}
					}()
				}
			}
		}
		select {
		case <-tick.C:
		case <-r.hard.Done():
		}
	}
	wg.Wait()
}

func (r *scenarioRun) drop() {
	r.e.dropped.Add(1)
	r.e.agg.in <- batch{samples: []Sample{{Metric: r.e.Builtin.DroppedIterations, Time: time.Now(), Value: 1,
		Tags: Tags{"scenario": r.sc.Name}}}}
}
