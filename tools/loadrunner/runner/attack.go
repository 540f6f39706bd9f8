package runner

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
	"google.golang.org/grpc/codes"
)

// The HTTP engine is fasthttp's client, chosen by measurement (faultline bench ceiling and a
// host-only comparison on a 2-core machine shared with the target): each VU's request is written
// and read in the VU's own goroutine with its own reused request and response, where net/http
// hands every request to a connection's write and read goroutines and allocates per request;
// net/http tuned (MaxIdleConnsPerHost, DisableCompression, one goroutine per VU, buffer reuse)
// still drove 0.6x wrk, fasthttp 0.8-1.0x. Checks and setup keep net/http (few requests).

// sample is the outcome of one request.
type sample struct {
	o       Outcome
	code    string
	errText string
	in, out uint64
}

// shard is one of a few windows that VUs record into (VU i into shard i mod n), so that VUs
// rarely wait for one another; the per-second flush drains them.
type shard struct {
	mu sync.Mutex
	w  *Window
	_  [64]byte
}

type header struct {
	name  string
	value *template
}

// attacker runs one plan's load.
type attacker struct {
	reqs      []compiled
	weights   float64
	vars      Vars
	http      *fasthttp.Client
	grpc      *grpcTransport
	timeout   time.Duration
	began     time.Time
	maxIter   uint64
	started   atomic.Uint64
	completed atomic.Uint64
	shards    []shard
	stop      chan struct{}
	stopOnce  sync.Once
}

func newAttacker(p *Plan, reqs []compiled, vars Vars, gt *grpcTransport, maxVUs int) *attacker {
	n := min(max(2*runtime.GOMAXPROCS(0), 1), 8, max(maxVUs, 1))
	a := &attacker{
		reqs:    reqs,
		weights: reqs[len(reqs)-1].cumWeight,
		vars:    vars,
		grpc:    gt,
		timeout: time.Duration(p.Timeout),
		maxIter: p.Executor.MaxIterations,
		shards:  make([]shard, n),
		stop:    make(chan struct{}),
		http: &fasthttp.Client{
			Name:                   "faultline-loadrunner",
			MaxConnsPerHost:        maxVUs + 16,
			MaxIdleConnDuration:    90 * time.Second,
			ReadBufferSize:         16 << 10,
			DisablePathNormalizing: true,
			Dial:                   func(addr string) (net.Conn, error) { return fasthttp.DialTimeout(addr, 5*time.Second) },
		},
	}
	for i := range a.shards {
		a.shards[i].w = newWindow()
	}
	return a
}

// end stops every VU from starting another iteration (in-flight requests finish).
func (a *attacker) end() { a.stopOnce.Do(func() { close(a.stop) }) }

func (a *attacker) stopped() bool {
	select {
	case <-a.stop:
		return true
	default:
		return false
	}
}

// claim counts one more iteration started; false when MaxIterations were started already.
func (a *attacker) claim() bool {
	if a.maxIter == 0 {
		a.started.Add(1)
		return true
	}
	for {
		n := a.started.Load()
		if n >= a.maxIter {
			return false
		}
		if a.started.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// drain moves what the shards recorded into w.
func (a *attacker) drain(w *Window) {
	for i := range a.shards {
		s := &a.shards[i]
		s.mu.Lock()
		w.merge(s.w)
		s.w.reset()
		s.mu.Unlock()
	}
}

func (a *attacker) pick() *compiled {
	if len(a.reqs) == 1 {
		return &a.reqs[0]
	}
	x := rand.Float64() * a.weights
	i := sort.Search(len(a.reqs), func(i int) bool { return a.reqs[i].cumWeight > x })
	return &a.reqs[min(i, len(a.reqs)-1)]
}

// vu is one VU's state: its shard and its reused request and response.
type vu struct {
	a   *attacker
	sh  *shard
	req *fasthttp.Request
	res *fasthttp.Response
	md  []string
}

func (a *attacker) newVU(i int) *vu {
	return &vu{a: a, sh: &a.shards[i%len(a.shards)], req: &fasthttp.Request{}, res: &fasthttp.Response{}}
}

// iterate sends one request and records its latency from `from`: the scheduled time in the
// open model (so a late start counts against the latency, no coordinated omission), the
// start of the request in the closed model.
func (v *vu) iterate(from time.Time) {
	r := v.a.pick()
	var s sample
	if r.GRPC != nil {
		s = v.sendGRPC(r)
	} else {
		s = v.sendHTTP(r)
	}
	latency := time.Since(from)
	v.sh.mu.Lock()
	v.sh.w.add(r.Name, r.proto, s.o, s.code, s.errText, latency, s.in, s.out)
	v.sh.mu.Unlock()
	v.a.completed.Add(1)
}

func (v *vu) sendHTTP(r *compiled) sample {
	req, res := v.req, v.res
	req.Reset()
	req.Header.SetMethod(r.Method)
	req.SetRequestURI(r.url.render(v.a.vars))
	for _, h := range r.headerList {
		req.Header.Set(h.name, h.value.render(v.a.vars))
	}
	body := r.body.render(v.a.vars)
	if body != "" {
		req.SetBodyString(body)
	}
	out := uint64(len(body))
	if err := v.a.http.DoTimeout(req, res, v.a.timeout); err != nil {
		if errors.Is(err, fasthttp.ErrTimeout) {
			return sample{o: Unknown, code: "0", errText: fmt.Sprintf("timeout: no answer within %s", v.a.timeout), out: out}
		}
		o, text := classifyError(err.Error())
		return sample{o: o, code: "0", errText: text, out: out}
	}
	status := res.StatusCode()
	o := OK
	if status < 200 || status >= 400 {
		o = Fail
	}
	return sample{o: o, code: codeText(uint16(status)), in: uint64(len(res.Body())), out: out}
}

func (v *vu) sendGRPC(r *compiled) sample {
	body := r.body.render(v.a.vars)
	v.md = v.md[:0]
	for _, h := range r.headerList {
		v.md = append(v.md, strings.ToLower(h.name), h.value.render(v.a.vars))
	}
	ctx, cancel := context.WithTimeout(context.Background(), v.a.timeout)
	code, payload, err := v.a.grpc.invoke(ctx, r.GRPC.Target, r.GRPC.Method, []byte(body), v.md)
	cancel()
	out := uint64(len(body))
	if err != nil {
		o, text := classifyError(err.Error())
		return sample{o: o, code: "0", errText: text, out: out}
	}
	s := sample{code: code.String(), in: uint64(len(payload)), out: out}
	switch code {
	case codes.OK:
		s.o = OK
	case codes.DeadlineExceeded, codes.Canceled, codes.Unavailable, codes.Unknown:
		s.o, s.errText = Unknown, code.String()+": "+string(payload)
	default:
		s.o = Fail
	}
	return s
}

// classifyError tells a request that was certainly not processed (Fail) from one whose fate is
// unknown (no answer: timeout, reset).
func classifyError(text string) (Outcome, string) {
	if strings.Contains(text, "connection refused") || strings.Contains(text, "no such host") ||
		strings.Contains(text, "request message for") || strings.Contains(text, "no gRPC method") {
		return Fail, text
	}
	return Unknown, text
}

// gate holds how many VUs of the closed model may run; VUs above it wait for it to rise.
type gate struct {
	n      atomic.Uint64
	mu     sync.Mutex
	raised chan struct{}
}

func newGate() *gate { return &gate{raised: make(chan struct{})} }

func (g *gate) set(n uint64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if n > g.n.Load() {
		close(g.raised)
		g.raised = make(chan struct{})
	}
	g.n.Store(n)
}

// wait returns when VU i may run or stop is closed.
func (g *gate) wait(i uint64, stop <-chan struct{}) {
	g.mu.Lock()
	if i < g.n.Load() {
		g.mu.Unlock()
		return
	}
	ch := g.raised
	g.mu.Unlock()
	select {
	case <-ch:
	case <-stop:
	}
}

// runClosed starts the closed model (constant-vus, ramping-vus): maxVUs goroutines, of which
// the first VUsAt(t) run iterations back to back. done is closed when every VU has ended.
func (a *attacker) runClosed(e *Executor, maxVUs int) (done chan struct{}) {
	vus := vuCurve(e)
	total := time.Duration(e.TotalDuration())
	g := newGate()
	g.set(vusAt(vus, 0))
	var wg sync.WaitGroup
	for i := range maxVUs {
		v := a.newVU(i)
		wg.Go(func() {
			for !a.stopped() {
				if time.Since(a.began) >= total {
					return
				}
				if uint64(i) >= g.n.Load() {
					g.wait(uint64(i), a.stop)
					continue
				}
				if !a.claim() {
					a.end()
					return
				}
				v.iterate(time.Now())
			}
		})
	}
	done = make(chan struct{})
	go func() {
		var tick <-chan time.Time
		if e.Type == RampingVUs {
			t := time.NewTicker(10 * time.Millisecond)
			defer t.Stop()
			tick = t.C
		}
		deadline := time.NewTimer(total - time.Since(a.began))
		defer deadline.Stop()
	loop:
		for {
			select {
			case <-tick:
				g.set(vusAt(vus, time.Since(a.began)))
			case <-deadline.C:
				a.end()
				break loop
			case <-a.stop:
				break loop
			}
		}
		wg.Wait()
		close(done)
	}()
	return done
}

// runOpen starts the open model (constant/ramping-arrival-rate): the pacer says when each
// iteration is due and hands it to a free VU, starting another (up to maxVUs) when none is free.
func (a *attacker) runOpen(e *Executor, pacer *OpenPacer) (done chan struct{}) {
	ticks := make(chan time.Time)
	var wg sync.WaitGroup
	vus := 0
	spawn := func() {
		v := a.newVU(vus)
		vus++
		wg.Go(func() {
			for due := range ticks {
				a.started.Add(1)
				v.iterate(due)
			}
		})
	}
	for range e.PreAllocatedVUs {
		spawn()
	}
	done = make(chan struct{})
	go func() {
		defer func() {
			close(ticks)
			wg.Wait()
			close(done)
		}()
		timer := time.NewTimer(time.Hour)
		timer.Stop()
		for hits := uint64(0); !a.stopped(); {
			wait, due, stop := pacer.next(time.Since(a.began), hits)
			if stop {
				a.end()
				return
			}
			if wait > 0 {
				timer.Reset(wait)
				select {
				case <-timer.C:
				case <-a.stop:
					return
				}
				continue
			}
			at := a.began.Add(due)
			select {
			case ticks <- at:
			default:
				if vus < e.MaxVUs {
					spawn()
				}
				select {
				case ticks <- at:
				case <-a.stop:
					return
				}
			}
			hits++
		}
	}()
	return done
}

// attack runs the load and streams one line per second, then the final line.
func attack(ctx context.Context, p *Plan, reqs []compiled, vars Vars, gt *grpcTransport, maxVUs int, out *Emitter) error {
	e := &p.Executor
	infos := make([]RequestInfo, len(reqs))
	for i, r := range reqs {
		infos[i] = RequestInfo{Name: r.Name, Protocol: r.proto}
	}
	a := newAttacker(p, reqs, vars, gt, maxVUs)
	defer a.http.CloseIdleConnections()
	a.began = time.Now()
	out.Emit(Line{Type: "start", T: a.began.UTC().Format(time.RFC3339Nano), Kinds: infos})
	var open *OpenPacer
	var done chan struct{}
	if e.isOpen() {
		open = NewOpenPacer(e, 10*time.Millisecond, func() uint64 { return a.started.Load() - a.completed.Load() })
		done = a.runOpen(e, open)
	} else {
		done = a.runClosed(e, maxVUs)
	}
	dropped := func() uint64 {
		if open != nil {
			return open.Dropped()
		}
		return 0
	}

	total := newWindow()
	cur := newWindow()
	second := 0
	var lastDropped, vusMax uint64
	flush := func() {
		second++
		a.drain(cur)
		d := dropped()
		vus := a.started.Load() - a.completed.Load()
		vusMax = max(vusMax, vus)
		total.merge(cur)
		cur.encode()
		out.Emit(Line{Type: "second", T: a.began.Add(time.Duration(second-1) * time.Second).UTC().Format(time.RFC3339Nano),
			Second: second, Window: cur, Dropped: d - lastDropped, VUs: vus})
		lastDropped = d
		cur = newWindow()
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	reason := "completed"
	stopped := ctx.Done()
loop:
	for {
		select {
		case <-done:
			break loop
		case <-tick.C:
			flush()
		case <-stopped:
			reason = "stopped"
			stopped = nil
			a.end()
		}
	}
	if e.MaxIterations > 0 && a.started.Load()+dropped() >= e.MaxIterations && reason == "completed" {
		reason = "max-iterations"
	}
	a.drain(cur)
	if cur.Requests > 0 || dropped() > lastDropped {
		flush()
	}
	total.encode()
	ended := time.Now()
	out.Emit(Line{Type: "final", T: ended.UTC().Format(time.RFC3339Nano), Window: total, Dropped: dropped(),
		VUs: 0, VUsMax: vusMax, Iterations: a.started.Load(), Reason: reason, DurationS: ended.Sub(a.began).Seconds()})
	return nil
}
