package runner

import (
	"math"
	"testing"
	"time"
)

func sec(n float64) Duration { return Duration(time.Duration(n * float64(time.Second))) }

func TestArrivals_constantRate(t *testing.T) {
	a := newArrivals(&Executor{Type: ConstantArrivalRate, Rate: 100, TimeUnit: sec(1), Duration: sec(10)})
	if got := a.expected(2 * time.Second); math.Abs(got-200) > 1e-9 {
		t.Fatalf("expected(2s) = %v, want 200", got)
	}
	due, ok := a.dueAt(150)
	if !ok || (due-1500*time.Millisecond).Abs() > 2*time.Microsecond {
		t.Fatalf("dueAt(150) = %v %v, want 1.5s", due, ok)
	}
	if _, ok := a.dueAt(1001); ok {
		t.Fatal("iteration 1001 of 1000 must fall after the end")
	}
}

func TestArrivals_rampingRateIsTheAreaUnderTheStages(t *testing.T) {
	e := &Executor{Type: RampingArrivalRate, StartRate: 0, TimeUnit: sec(1), Stages: []Stage{
		{Duration: sec(10), Target: 100}, {Duration: sec(10), Target: 100}, {Duration: sec(5), Target: 0},
	}}
	a := newArrivals(e)
	// 0 -> 100 over 10 s: 500; hold 10 s: 1000; 100 -> 0 over 5 s: 250.
	for _, c := range []struct {
		at   time.Duration
		want float64
	}{{5 * time.Second, 125}, {10 * time.Second, 500}, {20 * time.Second, 1500}, {25 * time.Second, 1750}, {30 * time.Second, 1750}} {
		if got := a.expected(c.at); math.Abs(got-c.want) > 1e-6 {
			t.Errorf("expected(%v) = %v, want %v", c.at, got, c.want)
		}
	}
	if got := a.perSecond.at(15 * time.Second); got != 100 {
		t.Errorf("rate at 15s = %v, want 100", got)
	}
}

func TestOpenPacer_dropsIterationsThatCouldNotStartInTime(t *testing.T) {
	busy := uint64(20)
	p := NewOpenPacer(&Executor{Type: ConstantArrivalRate, Rate: 100, TimeUnit: sec(1), Duration: sec(10), MaxVUs: 20}, 10*time.Millisecond,
		func() uint64 { return busy })
	// On time: iteration 0 fires at once, iteration 1 waits 10 ms.
	if w, stop := p.Pace(0, 0); w != 0 || stop {
		t.Fatalf("first iteration: wait %v stop %v", w, stop)
	}
	if w, _ := p.Pace(0, 1); (w - 10*time.Millisecond).Abs() > 2*time.Microsecond {
		t.Fatalf("second iteration waits %v, want 10ms", w)
	}
	// Late with free workers (a busy CPU): caught up, nothing dropped.
	busy = 3
	if w, _ := p.Pace(500*time.Millisecond, 2); w != 0 || p.Dropped() != 0 {
		t.Fatalf("late with free workers: wait %v, dropped %d", w, p.Dropped())
	}
	busy = 19
	// One second later only 2 were sent and every VU is busy: the ones due before 990 ms are dropped.
	if w, stop := p.Pace(time.Second, 2); w != 0 || stop {
		t.Fatalf("late: wait %v stop %v", w, stop)
	}
	if got := p.Dropped(); got != 97 {
		t.Fatalf("dropped = %d, want 97 (iterations 2..98)", got)
	}
	// The next call sees hits+dropped = 99 + 1 sent: on schedule again.
	if w, _ := p.Pace(time.Second, 3); w > 2*time.Microsecond {
		t.Fatalf("after dropping, iteration 100 is due now, got wait %v", w)
	}
}

func TestOpenPacer_stopsAtMaxIterationsAndAtTheEnd(t *testing.T) {
	none := func() uint64 { return 0 }
	p := NewOpenPacer(&Executor{Type: ConstantArrivalRate, Rate: 10, TimeUnit: sec(1), Duration: sec(1), MaxIterations: 5}, 10*time.Millisecond, none)
	if _, stop := p.Pace(time.Second, 5); !stop {
		t.Fatal("must stop after 5 iterations")
	}
	p = NewOpenPacer(&Executor{Type: ConstantArrivalRate, Rate: 10, TimeUnit: sec(1), Duration: sec(1)}, 10*time.Millisecond, none)
	if _, stop := p.Pace(time.Second, 11); !stop {
		t.Fatal("must stop once every iteration of the duration was sent")
	}
}

func TestVUCurve_rampsVUs(t *testing.T) {
	c := vuCurve(&Executor{Type: RampingVUs, StartVUs: 0,
		Stages: []Stage{{Duration: sec(10), Target: 10}, {Duration: sec(10), Target: 0}}})
	for _, tc := range []struct {
		at   time.Duration
		want uint64
	}{{0, 0}, {5 * time.Second, 5}, {10 * time.Second, 10}, {15 * time.Second, 5}, {20 * time.Second, 0}} {
		if got := vusAt(c, tc.at); got != tc.want {
			t.Errorf("VUs at %v = %d, want %d", tc.at, got, tc.want)
		}
	}
	if got := vusAt(vuCurve(&Executor{Type: ConstantVUs, VUs: 7, Duration: sec(1)}), 0); got != 7 {
		t.Errorf("constant-vus: %d VUs, want 7", got)
	}
}

func TestGate_waitsUntilRaisedOrStopped(t *testing.T) {
	g := newGate()
	g.set(1)
	stop := make(chan struct{})
	g.wait(0, stop) // VU 0 may run: returns at once
	released := make(chan struct{})
	go func() {
		g.wait(1, stop)
		close(released)
	}()
	select {
	case <-released:
		t.Fatal("VU 1 released while 1 VU is allowed")
	case <-time.After(50 * time.Millisecond):
	}
	g.set(2)
	select {
	case <-released:
	case <-time.After(5 * time.Second):
		t.Fatal("VU 1 not released when the gate rose to 2")
	}
	go func() { close(stop) }()
	g.wait(5, stop) // returns once stop is closed
}
