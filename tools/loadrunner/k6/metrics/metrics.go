// Package metrics is k6's "k6/metrics" module: Counter, Gauge, Rate, Trend with tags.
package metrics

import (
	"github.com/dop251/goja"

	"faultline.dev/tools/loadrunner/k6/engine"
)

func init() {
	engine.Register(&engine.Module{Name: "k6/metrics", Exports: []string{"Counter", "Gauge", "Rate", "Trend"}, New: exports})
}

func exports(vu *engine.VU) map[string]any {
	ctor := func(t engine.MetricType) func(goja.ConstructorCall) *goja.Object {
		return func(c goja.ConstructorCall) *goja.Object { return newMetric(vu, t, c) }
	}
	return map[string]any{
		"Counter": ctor(engine.Counter), "Gauge": ctor(engine.Gauge),
		"Rate": ctor(engine.Rate), "Trend": ctor(engine.Trend),
	}
}

func newMetric(vu *engine.VU, t engine.MetricType, c goja.ConstructorCall) *goja.Object {
	if !vu.InInit {
		vu.Throw("new %s(...) can only be called in the init context (the script's top level), as in k6", title(t))
	}
	name := c.Argument(0).String()
	contains := engine.Default
	if c.Argument(1).ToBoolean() && (t == engine.Trend || t == engine.Gauge) {
		contains = engine.Time
	}
	m, err := vu.E.Registry.New(name, t, contains)
	if err != nil {
		vu.Throw("new %s(%q): %v", title(t), name, err)
	}
	o := c.This
	_ = o.Set("name", name)
	_ = o.Set("add", func(call goja.FunctionCall) goja.Value {
		if vu.InInit {
			vu.Throw("%s.add() can only be called in a VU function, not in the init context", name)
		}
		arg := call.Argument(0)
		var v float64
		switch x := arg.Export().(type) {
		case bool:
			if x {
				v = 1
			}
		default:
			v = arg.ToFloat()
		}
		vu.Push(m, v, vu.SampleTags(tags(call.Argument(1))))
		return goja.Undefined()
	})
	return nil
}

func tags(v goja.Value) engine.Tags {
	o, ok := v.(*goja.Object)
	if !ok {
		return nil
	}
	t := engine.Tags{}
	for _, k := range o.Keys() {
		t[k] = o.Get(k).String()
	}
	return t
}

func title(t engine.MetricType) string {
	return map[engine.MetricType]string{engine.Counter: "Counter", engine.Gauge: "Gauge", engine.Rate: "Rate", engine.Trend: "Trend"}[t]
}
