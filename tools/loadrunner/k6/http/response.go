package http

import (
	"encoding/json"
	"net/http"
	"sync"

	"github.com/dop251/goja"
	"github.com/tidwall/gjson"
)

// response builds k6's Response object.
func (c *client) response(r *result, status int, proto, errText string, errCode int) goja.Value {
	rt := c.vu.RT
	o := rt.NewObject()
	set := func(k string, v any) { _ = o.Set(k, v) }
	set("status", status)
	set("proto", proto)
	set("url", r.p.req.URL.String())
	if r.finalURL != "" {
		set("url", r.finalURL)
	}
	set("error", errText)
	set("error_code", errCode)
	headers := rt.NewObject()
	cookies := rt.NewObject()
	if r.res != nil {
		set("status_text", r.res.Status)
		for k, vs := range r.res.Header {
			_ = headers.Set(k, joinHeader(vs))
		}
		for _, ck := range r.res.Cookies() {
			_ = cookies.Set(ck.Name, []map[string]any{{"name": ck.Name, "value": ck.Value, "domain": ck.Domain,
				"path": ck.Path, "http_only": ck.HttpOnly, "secure": ck.Secure, "max_age": ck.MaxAge}})
		}
	} else {
		set("status_text", "")
	}
	set("headers", headers)
	set("cookies", cookies)
	switch r.p.responseType {
	case "none":
		set("body", goja.Null())
	case "binary":
		set("body", rt.NewArrayBuffer(r.body))
	default:
		set("body", string(r.body))
	}
	t := r.timings
	set("timings", map[string]any{"duration": ms(t.duration), "blocked": ms(t.blocked), "connecting": ms(t.connecting),
		"tls_handshaking": ms(t.tls), "sending": ms(t.sending), "waiting": ms(t.waiting), "receiving": ms(t.receiving)})
	reqHeaders := map[string]any{}
	for k, vs := range r.p.req.Header {
		reqHeaders[k] = vs
	}
	set("request", map[string]any{"method": r.p.req.Method, "url": r.p.req.URL.String(), "headers": reqHeaders})
	body := r.body
	set("json", func(call goja.FunctionCall) goja.Value {
		if r.p.responseType == "none" {
			c.vu.Throw("response.json(): the body was discarded (responseType none)")
		}
		sel := call.Argument(0)
		if goja.IsUndefined(sel) {
			var v any
			if err := json.Unmarshal(body, &v); err != nil {
				c.vu.Throw("response.json(): the body is not JSON: %v", err)
			}
			return rt.ToValue(v)
		}
		res := gjson.GetBytes(body, sel.String())
		if !res.Exists() {
			return goja.Undefined()
		}
		return rt.ToValue(res.Value())
	})
	set("html", func() { c.vu.Throw("response.html() is not supported by faultline's k6 runner (no k6/html)") })
	return o
}

func joinHeader(vs []string) string {
	if len(vs) == 1 {
		return vs[0]
	}
	out := vs[0]
	for _, v := range vs[1:] {
		out += ", " + v
	}
	return out
}

// batch sends several requests at once (array or object of: url, [method, url, body, params] or
// {method, url, body, params}) and returns the responses in the same shape.
func (c *client) batch(reqs goja.Value) goja.Value {
	rt := c.vu.RT
	o, ok := reqs.(*goja.Object)
	if !ok {
		c.vu.Throw("http.batch: give an array or an object of requests")
	}
	keys := o.Keys()
	ps := make([]*prepared, len(keys))
	for i, k := range keys {
		ps[i] = c.prepareOne(o.Get(k))
	}
	results := make([]*result, len(ps))
	var wg sync.WaitGroup
	for i, p := range ps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = c.send(p)
		}()
	}
	wg.Wait()
	var out *goja.Object
	if o.ClassName() == "Array" {
		out = rt.NewArray()
	} else {
		out = rt.NewObject()
	}
	for i, k := range keys {
		_ = out.Set(k, c.finish(results[i]))
	}
	return out
}

func (c *client) prepareOne(v goja.Value) *prepared {
	und := goja.Undefined()
	switch x := v.(type) {
	case *goja.Object:
		if x.ClassName() == "Array" {
			get := func(i int) goja.Value {
				if e := x.Get(itoa(i)); e != nil {
					return e
				}
				return und
			}
			return c.prepare(upper(get(0).String()), get(1), get(2), get(3))
		}
		m := x.Get("method")
		method := http.MethodGet
		if m != nil && !goja.IsUndefined(m) {
			method = upper(m.String())
		}
		get := func(k string) goja.Value {
			if e := x.Get(k); e != nil {
				return e
			}
			return und
		}
		return c.prepare(method, get("url"), get("body"), get("params"))
	}
	return c.prepare(http.MethodGet, v, und, und)
}
