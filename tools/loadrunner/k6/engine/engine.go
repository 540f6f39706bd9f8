package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dop251/goja"

	"faultline.dev/tools/loadrunner/runner"
)

// Exit codes, as k6's.
const (
	ExitOK               = 0
	ExitThresholdsFailed = 99
	ExitInvalidConfig    = 104
	ExitScriptException  = 107
)

// Config is one run's command line.
type Config struct {
	Script string
	// Env is __ENV: the stack's addresses, then -e overrides (CLIEnv, which also win over a
	// scenario's env).
	Env, CLIEnv   map[string]string
	Overrides     Overrides
	OutJSON       string
	SummaryExport string
	Quiet         bool
	// Lines receives faultline's per-second JSON lines (nil: none).
	Lines *runner.Emitter
	// Stdout gets the end-of-test summary, Stderr the logs.
	Stdout, Stderr io.Writer
}

// Engine runs one k6 script.
type Engine struct {
	cfg        Config
	dir, main  string
	mainCode   *goja.Program
	opts       *Options
	Registry   *Registry
	Builtin    *Builtin
	thresholds []*Threshold
	agg        *aggregator
	ctx        context.Context
	abort      context.CancelCauseFunc
	began      time.Time
	filesMu    sync.Mutex
	files      map[string][]byte
	progs      map[string]*goja.Program
	sharedMu   sync.Mutex
	shared     map[string]string
	setupData  string
	nextVU     atomic.Int64
	activeVUs  atomic.Int64
	maxVUs     atomic.Int64
	iterations atomic.Uint64
	dropped    atomic.Uint64
	logMu      sync.Mutex
}

// ExitError carries a k6 exit code.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }

// Run runs the script to its end and returns k6's exit code (with the error for codes other
// than 0 and 99).
func Run(ctx context.Context, cfg Config) (int, error) {
	if cfg.Stdout == nil {
		cfg.Stdout = os.Stdout
	}
	if cfg.Stderr == nil {
		cfg.Stderr = os.Stderr
	}
	e, probe, scenarios, err := prepare(ctx, cfg)
	if err != nil {
		var x *ExitError
		if ok := asExit(err, &x); ok {
			return x.Code, x.Err
		}
		return ExitScriptException, err
	}
	return e.run(probe, scenarios)
}

func asExit(err error, x **ExitError) bool {
	e, ok := err.(*ExitError)
	*x = e
	return ok
}

func prepare(ctx context.Context, cfg Config) (*Engine, *VU, []*Scenario, error) {
	abs, err := filepath.Abs(cfg.Script)
	if err != nil {
		return nil, nil, nil, err
	}
	e := &Engine{cfg: cfg, dir: filepath.Dir(abs), main: abs, files: map[string][]byte{},
		progs: map[string]*goja.Program{}, shared: map[string]string{}, opts: &Options{}}
	e.Registry = NewRegistry()
	e.Builtin = newBuiltin(e.Registry)
	e.ctx, e.abort = context.WithCancelCause(ctx)
	e.agg = newAggregator(nil, e.Registry, nil)
	go e.agg.run()
	defer func() {
		// The probe VU's init samples (none expected) are dropped with this aggregator.
		close(e.agg.in)
		<-e.agg.done
	}()
	if e.mainCode, err = e.compileFile(abs); err != nil {
		return nil, nil, nil, &ExitError{ExitScriptException, err}
	}
	probe, err := e.newVU(0, nil)
	if err != nil {
		return nil, nil, nil, &ExitError{ExitScriptException, err}
	}
	raw := []byte("{}")
	if o := probe.exports.Get("options"); o != nil && !goja.IsUndefined(o) {
		if raw, err = json.Marshal(o.Export()); err != nil {
			return nil, nil, nil, &ExitError{ExitInvalidConfig, fmt.Errorf("%s: options: %w", cfg.Script, err)}
		}
	}
	if e.opts, err = ParseOptions(cfg.Script, raw); err != nil {
		return nil, nil, nil, &ExitError{ExitInvalidConfig, err}
	}
	if e.thresholds, err = ParseThresholds(e.opts.Thresholds); err != nil {
		return nil, nil, nil, &ExitError{ExitInvalidConfig, fmt.Errorf("%s: %w", cfg.Script, err)}
	}
	for _, t := range e.thresholds {
		if e.Registry.Get(t.Metric) == nil {
			return nil, nil, nil, &ExitError{ExitInvalidConfig, fmt.Errorf(
				"%s: options.thresholds[%q]: no metric %q (built-in or defined in the init context); metrics: %s",
				cfg.Script, t.Key, t.Metric, strings.Join(e.Registry.Names(), ", "))}
		}
		if _, err := newSink(e.Registry.Get(t.Metric).Type).Value(t.Agg, time.Second); err != nil {
			return nil, nil, nil, &ExitError{ExitInvalidConfig, fmt.Errorf("%s: options.thresholds[%q]: %w", cfg.Script, t.Key, err)}
		}
	}
	scenarios, err := e.opts.Resolve(cfg.Script, cfg.Overrides, probe.exportedFunctions())
	if err != nil {
		return nil, nil, nil, &ExitError{ExitInvalidConfig, err}
	}
	return e, probe, scenarios, nil
}

func (e *Engine) logf(level, format string, a ...any) {
	e.logMu.Lock()
	defer e.logMu.Unlock()
	el := 0
	if !e.began.IsZero() {
		el = int(time.Since(e.began).Seconds())
	}
	fmt.Fprintf(e.cfg.Stderr, "%s[%04d] %s\n", level, el, fmt.Sprintf(format, a...))
}

func (e *Engine) run(probe *VU, scenarios []*Scenario) (int, error) {
	var out io.Writer
	if e.cfg.OutJSON != "" {
		f, err := os.Create(e.cfg.OutJSON)
		if err != nil {
			return ExitInvalidConfig, fmt.Errorf("--out json=%s: %w", e.cfg.OutJSON, err)
		}
		defer f.Close()
		out = f
	}
	e.agg = newAggregator(e.thresholds, e.Registry, out)
	go e.agg.run()
	probe.Ctx = e.ctx
	e.began = time.Now()
	if e.cfg.Lines != nil {
		e.cfg.Lines.Emit(runner.Line{Type: "start", T: e.began.UTC().Format(time.RFC3339Nano)})
	}
	stopSeconds := e.perSecond()

	code, err := e.setup(probe)
	if err == nil {
		var wg sync.WaitGroup
		for _, sc := range scenarios {
			wg.Add(1)
			go func() {
				defer wg.Done()
				e.runScenario(sc)
			}()
		}
		wg.Wait()
		if cause := context.Cause(e.ctx); cause != nil && cause != context.Canceled {
			e.logf("ERRO", "%v", cause)
		}
		probe.Ctx = context.Background()
		if _, terr := e.callWithData(probe, "teardown"); terr != nil {
			e.logf("ERRO", "teardown: %v", terr)
			code, err = ExitScriptException, terr
		}
	}
	probe.Flush()
	// Every sample reaches the aggregator before the last second is taken.
	close(e.agg.in)
	<-e.agg.done
	stopSeconds()
	elapsed := time.Since(e.began)
	failed := e.evaluate(elapsed)
	text := e.Summary(elapsed, scenarios)
	if !e.cfg.Quiet && e.cfg.Lines == nil {
		fmt.Fprint(e.cfg.Stdout, text)
	}
	if e.cfg.SummaryExport != "" {
		if werr := e.writeSummaryExport(elapsed); werr != nil {
			e.logf("ERRO", "--summary-export: %v", werr)
		}
	}
	if failed && err == nil {
		code = ExitThresholdsFailed
	}
	if e.cfg.Lines != nil {
		e.emitEnd(text, code, elapsed)
	}
	if err != nil {
		return code, err
	}
	if failed {
		return ExitThresholdsFailed, nil
	}
	return ExitOK, nil
}

// setup runs setup() if exported; its result (JSON) is given to every VU's iterations.
func (e *Engine) setup(probe *VU) (int, error) {
	if _, ok := goja.AssertFunction(probe.exports.Get("setup")); !ok {
		return 0, nil
	}
	timeout := 60 * time.Second
	if e.opts.SetupTimeout != nil {
		timeout = e.opts.SetupTimeout.D()
	}
	ctx, cancel := context.WithTimeout(e.ctx, timeout)
	defer cancel()
	probe.Ctx = ctx
	probe.Group = "::setup"
	v, err := probe.call("setup")
	probe.Group = ""
	probe.Ctx = e.ctx
	if err != nil {
		e.logf("ERRO", "setup: %v", err)
		return ExitScriptException, fmt.Errorf("setup: %w", err)
	}
	if v != nil && !goja.IsUndefined(v) {
		b, err := json.Marshal(v.Export())
		if err != nil {
			return ExitScriptException, fmt.Errorf("setup: the data it returns must be JSON: %w", err)
		}
		e.setupData = string(b)
	}
	return 0, nil
}

func (e *Engine) callWithData(vu *VU, name string) (goja.Value, error) {
	if _, ok := goja.AssertFunction(vu.exports.Get(name)); !ok {
		return nil, nil
	}
	vu.Group = "::" + name
	defer func() { vu.Group = "" }()
	return vu.call(name, vu.data())
}

// data is the setup data as this VU's own copy.
func (vu *VU) data() goja.Value {
	if vu.E.setupData == "" {
		return goja.Undefined()
	}
	if v, ok := vu.State["__data"].(goja.Value); ok {
		return v
	}
	var x any
	_ = json.Unmarshal([]byte(vu.E.setupData), &x)
	v := vu.RT.ToValue(x)
	vu.State["__data"] = v
	return v
}

// perSecond emits one line per second (requests, VUs, dropped) and checks abortOnFail thresholds.
func (e *Engine) perSecond() func() {
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		second := 0
		var lastDropped, lastIter uint64
		flush := func(last bool) {
			second++
			w := e.agg.second()
			vus := e.activeVUs.Load()
			if e.cfg.Lines != nil {
				w.Encode()
				d, it := e.dropped.Load(), e.iterations.Load()
				e.cfg.Lines.Emit(runner.Line{Type: "second", Second: second, Window: w, VUs: uint64(vus),
					T:       e.began.Add(time.Duration(second-1) * time.Second).UTC().Format(time.RFC3339Nano),
					Dropped: d - lastDropped, Iterations: it - lastIter})
				lastDropped, lastIter = d, it
			}
			gauges := []Sample{
				{Metric: e.Builtin.VUs, Time: time.Now(), Value: float64(vus), Tags: Tags{}},
				{Metric: e.Builtin.VUsMax, Time: time.Now(), Value: float64(e.maxVUs.Load()), Tags: Tags{}}}
			// Added directly (the aggregator's channel is closed for the last one).
			e.agg.mu.Lock()
			for i := range gauges {
				e.agg.add(&gauges[i])
			}
			if last && e.agg.out != nil {
				_ = e.agg.out.Flush()
			}
			e.agg.mu.Unlock()
			if !last {
				e.checkAbort()
			}
		}
		for {
			select {
			case <-tick.C:
				flush(false)
			case <-stop:
				flush(true)
				return
			}
		}
	}()
	return func() { close(stop); <-done }
}

func (e *Engine) checkAbort() {
	e.agg.mu.Lock()
	defer e.agg.mu.Unlock()
	elapsed := time.Since(e.began)
	for _, t := range e.thresholds {
		if !t.AbortOnFail || elapsed < t.DelayAbortEval {
			continue
		}
		s := e.agg.sink(t, e.Registry)
		if s == nil {
			continue
		}
		_ = t.Check(s, elapsed)
		if t.Failed {
			e.abort(fmt.Errorf("thresholds on metrics '%s' were crossed; at least one has abortOnFail enabled, stopping test prematurely", t.Key))
			return
		}
	}
}

// evaluate checks every threshold on the final sinks; true when one failed.
func (e *Engine) evaluate(elapsed time.Duration) bool {
	failed := false
	for _, t := range e.thresholds {
		s := e.agg.sink(t, e.Registry)
		if s == nil {
			s = newSink(e.Registry.Get(t.Metric).Type)
		}
		_ = t.Check(s, elapsed)
		failed = failed || t.Failed
	}
	return failed
}

// SharedData returns the JSON of a SharedArray, computing it once with make.
func (e *Engine) SharedData(name string, make func() (string, error)) (string, error) {
	e.sharedMu.Lock()
	defer e.sharedMu.Unlock()
	if s, ok := e.shared[name]; ok {
		return s, nil
	}
	s, err := make()
	if err != nil {
		return "", err
	}
	e.shared[name] = s
	return s, nil
}

// Options are the script's options (after the command line's overrides).
func (e *Engine) Options() *Options { return e.opts }

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var sharedObjs sync.Map // key: *Engine + name

// Shared returns the engine-wide value of that name, making it once (an HTTP transport, ...).
func (e *Engine) Shared(name string, make func() any) any {
	type key struct {
		e    *Engine
		name string
	}
	v, _ := sharedObjs.LoadOrStore(key{e, name}, sync.OnceValue(make))
	return v.(func() any)()
}

// Logf writes a log line as k6 does: LEVEL[seconds] message.
func (e *Engine) Logf(level, format string, a ...any) { e.logf(level, format, a...) }

// emitEnd writes the summary, the thresholds and the final line (the whole run's window).
func (e *Engine) emitEnd(text string, code int, elapsed time.Duration) {
	if !e.cfg.Quiet {
		e.cfg.Lines.Emit(runner.Line{Type: "summary", Message: text})
	}
	for _, t := range e.thresholds {
		e.cfg.Lines.Emit(runner.Line{Type: "threshold", Message: fmt.Sprintf("%s\t%s\t%g\t%t\t%t", t.Key, t.Source, t.Observed, !t.Failed, t.AbortOnFail)})
	}
	metrics := map[string]any{}
	for _, name := range e.Registry.Names() {
		m := e.Registry.Get(name)
		if s := e.agg.sinks[m]; s != nil {
			metrics[name] = map[string]any{"type": m.Type.String(), "values": e.exportFigures(m, s, elapsed)}
		}
	}
	for k, s := range e.agg.subKeys {
		if s != nil {
			name, _, _ := ParseSelector(k)
			m := e.Registry.Get(name)
			metrics[keyOf(e.thresholds, k)] = map[string]any{"type": m.Type.String(), "values": e.exportFigures(m, s, elapsed)}
		}
	}
	e.cfg.Lines.Emit(runner.Line{Type: "metrics", Metrics: metrics})
	e.agg.total.Encode()
	reason := "completed"
	if cause := context.Cause(e.ctx); cause != nil {
		reason = "stopped"
	}
	e.cfg.Lines.Emit(runner.Line{Type: "final", T: time.Now().UTC().Format(time.RFC3339Nano), Window: e.agg.total,
		Dropped: e.dropped.Load(), VUsMax: uint64(e.maxVUs.Load()), Iterations: e.iterations.Load(), Reason: reason,
		DurationS: elapsed.Seconds(), Message: fmt.Sprint(code)})
}

// Path resolves a path beside the script.
func (e *Engine) Path(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(e.dir, p)
}

// Context is the run's context (cancelled when the run ends or aborts).
func (e *Engine) Context() context.Context { return e.ctx }
