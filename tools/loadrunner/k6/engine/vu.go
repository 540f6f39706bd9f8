package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dop251/goja"
)

// VU is one virtual user: its own goja runtime, its script exports and its per-VU module state.
// A VU is used by one goroutine at a time.
type VU struct {
	ID   int64
	Iter int64 // __ITER: iterations this VU has run in its scenario
	RT   *goja.Runtime
	E    *Engine
	// Ctx is the context of the running iteration (or of init/setup/teardown).
	Ctx context.Context
	// Tags are the tags every sample of this VU carries (options.tags, scenario, scenario tags).
	Tags Tags
	// Group is the current group path ("" at the root, "::a::b" inside groups a, b).
	Group string
	// InInit is true while the script's init code runs (open, SharedArray, new Trend allowed).
	InInit   bool
	Scenario *Scenario
	// State holds per-VU module state (the HTTP client with its cookie jar, ...).
	State   map[string]any
	exports *goja.Object
	buf     []Sample
	reqs    []ReqRecord
	modules map[string]goja.Value
}

// Throw raises a JavaScript Error from Go code.
func (vu *VU) Throw(format string, a ...any) {
	panic(vu.RT.NewGoError(fmt.Errorf(format, a...)))
}

// SampleTags is the VU's tags plus the group and extra tags (extra wins).
func (vu *VU) SampleTags(extra Tags) Tags {
	t := make(Tags, len(vu.Tags)+len(extra)+1)
	for k, v := range vu.Tags {
		t[k] = v
	}
	t["group"] = vu.Group
	for k, v := range extra {
		t[k] = v
	}
	return t
}

// Push adds one sample; samples reach the aggregator at the end of the iteration.
func (vu *VU) Push(m *Metric, v float64, tags Tags) {
	vu.buf = append(vu.buf, Sample{Metric: m, Time: time.Now(), Value: v, Tags: tags})
	if len(vu.buf) >= 256 {
		vu.Flush()
	}
}

// Record adds one request to the per-second windows of the journal.
func (vu *VU) Record(r ReqRecord) { vu.reqs = append(vu.reqs, r) }

// Flush sends the buffered samples to the aggregator.
func (vu *VU) Flush() {
	if len(vu.buf) == 0 && len(vu.reqs) == 0 {
		return
	}
	vu.E.agg.in <- batch{samples: vu.buf, reqs: vu.reqs}
	vu.buf, vu.reqs = nil, nil
}

// newVU creates a runtime and runs the script's init code in it.
func (e *Engine) newVU(id int64, sc *Scenario) (*VU, error) {
	rt := goja.New()
	rt.SetFieldNameMapper(goja.UncapFieldNameMapper())
	vu := &VU{ID: id, RT: rt, E: e, Ctx: e.ctx, InInit: true, Scenario: sc, State: map[string]any{},
		modules: map[string]goja.Value{}}
	vu.Tags = Tags{}
	for k, v := range e.opts.Tags {
		vu.Tags[k] = v
	}
	env := map[string]any{}
	for k, v := range e.cfg.Env {
		env[k] = v
	}
	if sc != nil {
		vu.Tags["scenario"] = sc.Name
		for k, v := range sc.Tags {
			vu.Tags[k] = v
		}
		for k, v := range sc.Env {
			if _, fromCLI := e.cfg.CLIEnv[k]; !fromCLI {
				env[k] = v
			}
		}
	}
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	must(rt.Set("__VU", id))
	must(rt.Set("__ITER", 0))
	must(rt.Set("__ENV", env))
	must(rt.Set("open", func(name string, mode goja.Value) goja.Value { return vu.open(name, mode) }))
	must(rt.Set("console", consoleObject(vu)))
	exports, err := vu.runModule(e.main, e.mainCode)
	if err != nil {
		return nil, err
	}
	vu.exports = exports
	vu.InInit = false
	vu.Flush()
	return vu, nil
}

func consoleObject(vu *VU) map[string]any {
	logf := func(level string) func(goja.FunctionCall) goja.Value {
		return func(c goja.FunctionCall) goja.Value {
			parts := make([]string, len(c.Arguments))
			for i, a := range c.Arguments {
				parts[i] = jsString(vu.RT, a)
			}
			vu.E.logf(level, "%s source=console", strings.Join(parts, " "))
			return goja.Undefined()
		}
	}
	return map[string]any{"log": logf("INFO"), "info": logf("INFO"), "debug": logf("DEBU"),
		"warn": logf("WARN"), "error": logf("ERRO")}
}

// jsString renders a value as console.log does: objects as JSON.
func jsString(rt *goja.Runtime, v goja.Value) string {
	if o, ok := v.(*goja.Object); ok && o.ClassName() != "Function" && o.ClassName() != "Error" {
		if b, err := json.Marshal(o.Export()); err == nil {
			return string(b)
		}
	}
	return v.String()
}

// runModule evaluates one CommonJS module (the script or a local import) and returns its exports.
func (vu *VU) runModule(file string, code *goja.Program) (*goja.Object, error) {
	v, err := vu.RT.RunProgram(code)
	if err != nil {
		return nil, err
	}
	fn, ok := goja.AssertFunction(v)
	if !ok {
		return nil, fmt.Errorf("%s: internal error: module wrapper is not a function", file)
	}
	exports := vu.RT.NewObject()
	module := vu.RT.NewObject()
	_ = module.Set("exports", exports)
	dir := filepath.Dir(file)
	req := func(spec string) goja.Value { return vu.require(dir, spec) }
	if _, err := fn(goja.Undefined(), exports, vu.RT.ToValue(req), module); err != nil {
		return nil, err
	}
	return module.Get("exports").ToObject(vu.RT), nil
}

// require returns a k6 module's exports for this VU, or runs a local module beside the script.
func (vu *VU) require(dir, spec string) goja.Value {
	key := spec
	local := strings.HasPrefix(spec, ".") || strings.HasPrefix(spec, "/")
	if local {
		key = filepath.Join(dir, spec)
		if filepath.IsAbs(spec) {
			key = spec
		}
	}
	if v, ok := vu.modules[key]; ok {
		return v
	}
	var v goja.Value
	if local {
		prog, err := vu.E.compileFile(key)
		if err != nil {
			vu.Throw("%v", err)
		}
		exports, err := vu.runModule(key, prog)
		if err != nil {
			panic(err)
		}
		v = exports
	} else {
		m, ok := modules[spec]
		if !ok {
			vu.Throw("module %q is not supported; supported modules: %s", spec, strings.Join(ModuleNames(), ", "))
		}
		o := vu.RT.NewObject()
		for name, x := range m.New(vu) {
			_ = o.Set(name, x)
		}
		_ = o.Set("default", o)
		v = o
	}
	vu.modules[key] = v
	return v
}

// open reads a file beside the script, in the init context only, as k6's open().
func (vu *VU) open(name string, mode goja.Value) goja.Value {
	if !vu.InInit {
		vu.Throw("open(%q) can only be called in the init context (the script's top level), as in k6", name)
	}
	b, err := vu.E.readFile(name)
	if err != nil {
		vu.Throw("open(%q): %v", name, err)
	}
	if mode != nil && !goja.IsUndefined(mode) && mode.String() == "b" {
		return vu.RT.ToValue(vu.RT.NewArrayBuffer(b))
	}
	return vu.RT.ToValue(string(b))
}

func (e *Engine) readFile(name string) ([]byte, error) {
	p := name
	if !filepath.IsAbs(p) {
		p = filepath.Join(e.dir, name)
	}
	e.filesMu.Lock()
	defer e.filesMu.Unlock()
	if b, ok := e.files[p]; ok {
		return b, nil
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s (files resolve beside the script %s): %w", p, e.cfg.Script, err)
	}
	e.files[p] = b
	return b, nil
}

// compileFile reads, transforms and compiles a script or local module once for all VUs.
func (e *Engine) compileFile(path string) (*goja.Program, error) {
	e.filesMu.Lock()
	if p, ok := e.progs[path]; ok {
		e.filesMu.Unlock()
		return p, nil
	}
	e.filesMu.Unlock()
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	code, err := Transform(path, string(src))
	if err != nil {
		return nil, err
	}
	prog, err := goja.Compile(path, "(function(exports, require, module) {"+code+"\n})", false)
	if err != nil {
		return nil, err
	}
	e.filesMu.Lock()
	e.progs[path] = prog
	e.filesMu.Unlock()
	return prog, nil
}

// call runs an exported function with the iteration's context; JS exceptions become errors.
func (vu *VU) call(name string, args ...goja.Value) (v goja.Value, err error) {
	fn, ok := goja.AssertFunction(vu.exports.Get(name))
	if !ok {
		return nil, fmt.Errorf("%s: the script exports no function %q", vu.E.cfg.Script, name)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return fn(goja.Undefined(), args...)
}

// exportedFunctions lists the names of the functions the script exports.
func (vu *VU) exportedFunctions() map[string]bool {
	out := map[string]bool{}
	for _, k := range vu.exports.Keys() {
		if _, ok := goja.AssertFunction(vu.exports.Get(k)); ok {
			out[k] = true
		}
	}
	return out
}
