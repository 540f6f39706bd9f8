// Package data is k6's "k6/data" module: SharedArray.
package data

import (
	"encoding/json"
	"fmt"

	"github.com/dop251/goja"

	"faultline.dev/tools/loadrunner/k6/engine"
)

func init() {
	engine.Register(&engine.Module{Name: "k6/data", Exports: []string{"SharedArray"}, New: exports})
}

func exports(vu *engine.VU) map[string]any {
	return map[string]any{"SharedArray": func(c goja.ConstructorCall) *goja.Object { return shared(vu, c) }}
}

// shared runs the function once in the whole run (in the first VU that asks), keeps its result
// as JSON, and gives each VU a frozen array parsed from it.
func shared(vu *engine.VU, c goja.ConstructorCall) *goja.Object {
	rt := vu.RT
	if !vu.InInit {
		vu.Throw("new SharedArray(...) can only be called in the init context, as in k6")
	}
	name := c.Argument(0).String()
	fn, ok := goja.AssertFunction(c.Argument(1))
	if name == "" || !ok {
		vu.Throw("new SharedArray(name, function): give a non-empty name and a function returning an array")
	}
	text, err := vu.E.SharedData(name, func() (string, error) {
		v, err := fn(goja.Undefined())
		if err != nil {
			return "", err
		}
		if o, isObj := v.(*goja.Object); !isObj || o.ClassName() != "Array" {
			return "", fmt.Errorf("new SharedArray(%q): the function must return an array", name)
		}
		b, err := json.Marshal(v.Export())
		return string(b), err
	})
	if err != nil {
		vu.Throw("%v", err)
	}
	var x []any
	_ = json.Unmarshal([]byte(text), &x)
	arr := rt.ToValue(x).ToObject(rt)
	// A fresh JS array (ToValue of a Go slice is a wrapper), deep-frozen as k6's is read-only.
	v, err := rt.RunString("(function(a){ function f(o){ if (o && typeof o === 'object') { Object.values(o).forEach(f); Object.freeze(o); } return o } return f(JSON.parse(JSON.stringify(a))) })")
	if err != nil {
		panic(err)
	}
	freeze, _ := goja.AssertFunction(v)
	out, err := freeze(goja.Undefined(), arr)
	if err != nil {
		panic(err)
	}
	return out.ToObject(rt)
}
