// Package core is k6's "k6" module: check, group, sleep, fail.
package core

import (
	"sort"
	"time"

	"github.com/dop251/goja"

	"faultline.dev/tools/loadrunner/k6/engine"
)

func init() {
	engine.Register(&engine.Module{Name: "k6", Exports: []string{"check", "group", "sleep", "fail"}, New: exports})
}

func exports(vu *engine.VU) map[string]any {
	return map[string]any{
		"check": func(c goja.FunctionCall) goja.Value { return check(vu, c) },
		"group": func(name string, fn goja.Callable) goja.Value { return group(vu, name, fn) },
		"sleep": func(seconds float64) { sleep(vu, seconds) },
		"fail":  func(msg goja.Value) { vu.Throw("%s", msgOf(msg)) },
	}
}

func msgOf(v goja.Value) string {
	if v == nil || goja.IsUndefined(v) {
		return ""
	}
	return v.String()
}

// check runs each named condition (a function of the value, or a value) and adds one sample
// to the checks rate per condition; it returns whether all held.
func check(vu *engine.VU, c goja.FunctionCall) goja.Value {
	rt := vu.RT
	if vu.InInit {
		vu.Throw("check() can only be called in a VU function (default, setup, teardown, exec), not in the init context")
	}
	val := c.Argument(0)
	sets, ok := c.Argument(1).(*goja.Object)
	if !ok || goja.IsUndefined(c.Argument(1)) {
		vu.Throw("check(value, sets[, tags]): sets must be an object of name: function")
	}
	extra := tagsOf(rt, c.Argument(2))
	all := true
	keys := sets.Keys()
	for _, name := range keys {
		cond := sets.Get(name)
		pass := cond.ToBoolean()
		if fn, isFn := goja.AssertFunction(cond); isFn {
			r, err := fn(goja.Undefined(), val)
			if err != nil {
				panic(err)
			}
			pass = r.ToBoolean()
		}
		t := vu.SampleTags(extra)
		t["check"] = name
		v := 0.0
		if pass {
			v = 1
		} else {
			all = false
		}
		vu.Push(vu.E.Builtin.Checks, v, t)
	}
	return rt.ToValue(all)
}

// tagsOf reads a JS object of tags ({name: 'x'}) as Tags.
func tagsOf(rt *goja.Runtime, v goja.Value) engine.Tags {
	o, ok := v.(*goja.Object)
	if !ok || goja.IsUndefined(v) || goja.IsNull(v) {
		return nil
	}
	t := engine.Tags{}
	keys := o.Keys()
	sort.Strings(keys)
	for _, k := range keys {
		t[k] = o.Get(k).String()
	}
	return t
}

// group runs fn with the group's name added to the group path and records group_duration.
func group(vu *engine.VU, name string, fn goja.Callable) goja.Value {
	if vu.InInit {
		vu.Throw("group() can only be called in a VU function, not in the init context")
	}
	if fn == nil {
		vu.Throw("group(%q, fn): fn must be a function", name)
	}
	parent := vu.Group
	vu.Group = parent + "::" + name
	start := time.Now()
	defer func() {
		vu.Push(vu.E.Builtin.GroupDuration, float64(time.Since(start))/float64(time.Millisecond), vu.SampleTags(nil))
		vu.Group = parent
	}()
	r, err := fn(goja.Undefined())
	if err != nil {
		panic(err)
	}
	return r
}

// sleep pauses the VU; the run's end interrupts it.
func sleep(vu *engine.VU, seconds float64) {
	if seconds <= 0 {
		return
	}
	t := time.NewTimer(time.Duration(seconds * float64(time.Second)))
	defer t.Stop()
	select {
	case <-t.C:
	case <-vu.Ctx.Done():
	}
}
