// Package http is k6's "k6/http" module: get, post, put, patch, del, head, options, request,
// batch, expectedStatuses, setResponseCallback; a cookie jar per VU; k6's http_req_* metrics.
package http

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptrace"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dop251/goja"

	"faultline.dev/tools/loadrunner/k6/engine"
	"faultline.dev/tools/loadrunner/runner"
)

var exportNames = []string{"get", "post", "put", "patch", "del", "head", "options", "request", "batch",
	"expectedStatuses", "setResponseCallback"}

var paramNames = []string{"headers", "tags", "timeout", "responseType", "redirects", "cookies"}

func init() {
	engine.Register(&engine.Module{Name: "k6/http", Exports: exportNames, New: exports})
}

// expected is what http.expectedStatuses returns: statuses counted as not failed.
type expected struct {
	codes  map[int]bool
	ranges [][2]int
}

func (x *expected) ok(status int) bool {
	if x.codes[status] {
		return true
	}
	for _, r := range x.ranges {
		if status >= r[0] && status <= r[1] {
			return true
		}
	}
	return false
}

var defaultExpected = &expected{ranges: [][2]int{{200, 399}}}

// client is one VU's HTTP state.
type client struct {
	vu       *engine.VU
	http     *http.Client
	expected *expected // nil: no callback (every request counts as not failed)
}

func transport(vu *engine.VU) *http.Transport {
	return vu.E.Shared("http.transport", func() any {
		return &http.Transport{
			Proxy:               nil,
			DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        0,
			MaxIdleConnsPerHost: 10_000,
			MaxConnsPerHost:     0,
			IdleConnTimeout:     90 * time.Second,
			TLSClientConfig:     &tls.Config{InsecureSkipVerify: vu.E.Options().InsecureSkipTLSVerify}, //nolint:gosec // k6's option
			DisableCompression:  true,
			ForceAttemptHTTP2:   false,
		}
	}).(*http.Transport)
}

func exports(vu *engine.VU) map[string]any {
	jar, _ := cookiejar.New(nil)
	c := &client{vu: vu, http: &http.Client{Transport: transport(vu), Jar: jar}, expected: defaultExpected}
	simple := func(method string, hasBody bool) func(goja.FunctionCall) goja.Value {
		return func(call goja.FunctionCall) goja.Value {
			var body, params goja.Value = goja.Undefined(), call.Argument(1)
			if hasBody {
				body, params = call.Argument(1), call.Argument(2)
			}
			return c.request(method, call.Argument(0), body, params)
		}
	}
	return map[string]any{
		"get":     simple(http.MethodGet, false),
		"head":    simple(http.MethodHead, false),
		"post":    simple(http.MethodPost, true),
		"put":     simple(http.MethodPut, true),
		"patch":   simple(http.MethodPatch, true),
		"del":     simple(http.MethodDelete, true),
		"options": simple(http.MethodOptions, true),
		"request": func(call goja.FunctionCall) goja.Value {
			return c.request(strings.ToUpper(call.Argument(0).String()), call.Argument(1), call.Argument(2), call.Argument(3))
		},
		"batch":            func(reqs goja.Value) goja.Value { return c.batch(reqs) },
		"expectedStatuses": func(call goja.FunctionCall) goja.Value { return vu.RT.ToValue(expectedStatuses(vu, call)) },
		"setResponseCallback": func(cb goja.Value) {
			if goja.IsNull(cb) || goja.IsUndefined(cb) {
				c.expected = nil
				return
			}
			x, ok := cb.Export().(*expected)
			if !ok {
				vu.Throw("http.setResponseCallback: give http.expectedStatuses(...) or null")
			}
			c.expected = x
		},
	}
}

func expectedStatuses(vu *engine.VU, call goja.FunctionCall) *expected {
	x := &expected{codes: map[int]bool{}}
	for _, a := range call.Arguments {
		if o, ok := a.(*goja.Object); ok {
			lo, hi := o.Get("min"), o.Get("max")
			if lo == nil || hi == nil {
				vu.Throw("http.expectedStatuses: a range is {min: 200, max: 299}")
			}
			x.ranges = append(x.ranges, [2]int{int(lo.ToInteger()), int(hi.ToInteger())})
			continue
		}
		x.codes[int(a.ToInteger())] = true
	}
	return x
}

// prepared is one request ready to send (built on the VU's goroutine).
type prepared struct {
	req          *http.Request
	name         string
	tags         engine.Tags
	timeout      time.Duration
	responseType string
	redirects    int
	bodyLen      int
}

// result is what sending gave (safe to compute on any goroutine).
type result struct {
	p        *prepared
	res      *http.Response
	body     []byte
	err      error
	timings  timings
	finalURL string
}

type timings struct{ blocked, connecting, tls, sending, waiting, receiving, duration time.Duration }

func (c *client) request(method string, u, body, params goja.Value) goja.Value {
	p := c.prepare(method, u, body, params)
	return c.finish(c.send(p))
}

func (c *client) prepare(method string, u, body, params goja.Value) *prepared {
	vu := c.vu
	if vu.InInit {
		vu.Throw("http requests can only be made in a VU function (default, setup, teardown, exec), not in the init context")
	}
	rawURL := u.String()
	if goja.IsUndefined(u) || rawURL == "" {
		vu.Throw("http.%s: give a URL", strings.ToLower(method))
	}
	p := &prepared{timeout: 60 * time.Second, responseType: "text", redirects: 10, tags: engine.Tags{}}
	if vu.E.Options().DiscardResponseBodies {
		p.responseType = "none"
	}
	var rd io.Reader
	contentType := ""
	if body != nil && !goja.IsUndefined(body) && !goja.IsNull(body) {
		switch x := body.Export().(type) {
		case string:
			rd, p.bodyLen = strings.NewReader(x), len(x)
		case goja.ArrayBuffer:
			rd, p.bodyLen = strings.NewReader(string(x.Bytes())), len(x.Bytes())
		case map[string]any:
			form := url.Values{}
			for _, k := range sortedKeys(x) {
				form.Set(k, fmt.Sprint(x[k]))
			}
			s := form.Encode()
			rd, p.bodyLen, contentType = strings.NewReader(s), len(s), "application/x-www-form-urlencoded"
		default:
			s := body.String()
			rd, p.bodyLen = strings.NewReader(s), len(s)
		}
	}
	req, err := http.NewRequest(method, rawURL, rd)
	if err != nil {
		vu.Throw("http.%s(%q): %v", strings.ToLower(method), rawURL, err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if ua := vu.E.Options().UserAgent; ua != nil {
		req.Header.Set("User-Agent", *ua)
	} else {
		req.Header.Set("User-Agent", "faultline-k6/1.0")
	}
	p.name = rawURL
	c.readParams(p, req, params)
	p.req = req
	return p
}

func (c *client) readParams(p *prepared, req *http.Request, params goja.Value) {
	vu := c.vu
	o, ok := params.(*goja.Object)
	if !ok || goja.IsUndefined(params) || goja.IsNull(params) {
		return
	}
	for _, k := range o.Keys() {
		v := o.Get(k)
		switch k {
		case "headers":
			if h, ok := v.(*goja.Object); ok {
				for _, hk := range h.Keys() {
					req.Header.Set(hk, h.Get(hk).String())
				}
			}
		case "tags":
			if t, ok := v.(*goja.Object); ok {
				for _, tk := range t.Keys() {
					p.tags[tk] = t.Get(tk).String()
				}
				if n, ok := p.tags["name"]; ok {
					p.name = n
				}
			}
		case "timeout":
			if s, isStr := v.Export().(string); isStr {
				d, err := engine.ParseDuration(s)
				if err != nil {
					vu.Throw("params.timeout: %v", err)
				}
				p.timeout = d
			} else {
				p.timeout = time.Duration(v.ToFloat() * float64(time.Millisecond))
			}
		case "responseType":
			p.responseType = v.String()
			if p.responseType != "text" && p.responseType != "binary" && p.responseType != "none" {
				vu.Throw("params.responseType %q: use text, binary or none", p.responseType)
			}
		case "redirects":
			p.redirects = int(v.ToInteger())
		case "cookies":
			if ck, ok := v.(*goja.Object); ok {
				for _, name := range ck.Keys() {
					cv := ck.Get(name)
					if co, isObj := cv.(*goja.Object); isObj && co.Get("value") != nil {
						cv = co.Get("value")
					}
					req.AddCookie(&http.Cookie{Name: name, Value: cv.String()})
				}
			}
		default:
			vu.Throw("http params.%s is not supported by faultline's k6 runner; supported params: %s", k, strings.Join(paramNames, ", "))
		}
	}
}

// send performs the request; it touches no JS value, so batch runs it concurrently.
func (c *client) send(p *prepared) *result {
	r := &result{p: p}
	// The trace's hooks may run on the transport's goroutines, and a dial started for this
	// request can finish after the request went out on another connection (its ConnectDone
	// then fires after Do returned): every time is set and read under mu (go test -race caught it).
	var mu sync.Mutex
	var t0, connStart, connDone, tlsStart, tlsDone, wrote, firstByte time.Time
	at := func(t *time.Time) func() {
		return func() {
			mu.Lock()
			*t = time.Now()
			mu.Unlock()
		}
	}
	trace := &httptrace.ClientTrace{
		GetConn:              func(string) { at(&t0)() },
		ConnectStart:         func(string, string) { at(&connStart)() },
		ConnectDone:          func(string, string, error) { at(&connDone)() },
		TLSHandshakeStart:    at(&tlsStart),
		TLSHandshakeDone:     func(tls.ConnectionState, error) { at(&tlsDone)() },
		GotConn:              func(httptrace.GotConnInfo) { at(&wrote)() },
		WroteRequest:         func(httptrace.WroteRequestInfo) { at(&wrote)() },
		GotFirstResponseByte: at(&firstByte),
	}
	ctx, cancel := context.WithTimeout(c.vu.Ctx, p.timeout)
	defer cancel()
	req := p.req.WithContext(httptrace.WithClientTrace(ctx, trace))
	hc := c.http
	if p.redirects != 10 {
		n := p.redirects
		cp := *hc
		cp.CheckRedirect = func(_ *http.Request, via []*http.Request) error {
			if len(via) > n {
				return http.ErrUseLastResponse
			}
			return nil
		}
		hc = &cp
	}
	start := time.Now()
	sendStart := time.Now()
	res, err := hc.Do(req)
	if err == nil {
		if p.responseType == "none" {
			_, err = io.Copy(io.Discard, res.Body)
		} else {
			r.body, err = io.ReadAll(res.Body)
		}
		res.Body.Close()
		r.finalURL = res.Request.URL.String()
	}
	end := time.Now()
	r.res, r.err = res, err
	mu.Lock()
	defer mu.Unlock()
	if !connStart.IsZero() && !connDone.IsZero() {
		r.timings.connecting = connDone.Sub(connStart)
	}
	if !tlsStart.IsZero() && !tlsDone.IsZero() {
		r.timings.tls = tlsDone.Sub(tlsStart)
	}
	if !t0.IsZero() && !wrote.IsZero() {
		r.timings.blocked = max(0, wrote.Sub(t0)-r.timings.connecting-r.timings.tls)
		sendStart = wrote
	}
	if !firstByte.IsZero() {
		r.timings.sending = 0
		r.timings.waiting = firstByte.Sub(sendStart)
		r.timings.receiving = end.Sub(firstByte)
	} else {
		r.timings.waiting = end.Sub(sendStart)
	}
	r.timings.duration = r.timings.sending + r.timings.waiting + r.timings.receiving
	_ = start
	return r
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// finish pushes the request's samples and builds the JS response (on the VU's goroutine).
func (c *client) finish(r *result) goja.Value {
	vu := c.vu
	b := vu.E.Builtin
	status := 0
	proto := "HTTP/1.1"
	if r.res != nil {
		status = r.res.StatusCode
		proto = r.res.Proto
	}
	tags := vu.SampleTags(r.p.tags)
	tags["method"] = r.p.req.Method
	tags["url"] = r.p.req.URL.String()
	tags["name"] = r.p.name
	tags["status"] = strconv.Itoa(status)
	tags["proto"] = proto
	errText, errCode := "", 0
	if r.err != nil {
		errText, errCode = r.err.Error(), errorCode(r.err)
		tags["error"] = errText
		tags["error_code"] = strconv.Itoa(errCode)
	}
	failed := r.err != nil || (c.expected != nil && !c.expected.ok(status))
	if c.expected != nil {
		tags["expected_response"] = strconv.FormatBool(!failed)
	}
	vu.Push(b.HTTPReqs, 1, tags)
	vu.Push(b.HTTPReqDuration, ms(r.timings.duration), tags)
	vu.Push(b.HTTPReqBlocked, ms(r.timings.blocked), tags)
	vu.Push(b.HTTPReqConnecting, ms(r.timings.connecting), tags)
	vu.Push(b.HTTPReqTLSHandshaking, ms(r.timings.tls), tags)
	vu.Push(b.HTTPReqSending, ms(r.timings.sending), tags)
	vu.Push(b.HTTPReqWaiting, ms(r.timings.waiting), tags)
	vu.Push(b.HTTPReqReceiving, ms(r.timings.receiving), tags)
	if c.expected != nil {
		f := 0.0
		if failed {
			f = 1
		}
		vu.Push(b.HTTPReqFailed, f, tags)
	}
	in := uint64(len(r.body))
	out := uint64(r.p.bodyLen + len(r.p.req.URL.RequestURI()) + 64)
	vu.Push(b.DataReceived, float64(in), tags)
	vu.Push(b.DataSent, float64(out), tags)
	outcome := runner.OK
	switch {
	case r.err != nil:
		outcome = runner.Unknown
	case failed || status >= 400:
		outcome = runner.Fail
	}
	vu.Record(engine.ReqRecord{Name: r.p.name, Protocol: "http", Outcome: outcome, Code: strconv.Itoa(status),
		Err: errText, Latency: r.timings.duration, In: in, Out: out})
	if r.err != nil && vu.E.Options().Throw {
		vu.Throw("request failed: %v", r.err)
	}
	if r.err != nil {
		vu.E.Logf("WARN", "Request Failed error=%q", errText)
	}
	return c.response(r, status, proto, errText, errCode)
}

// errorCode maps a transport error to k6's error codes (1000 generic, 1050 timeout, 1212/1211
// connection refused/reset, 1100 DNS).
func errorCode(err error) int {
	s := err.Error()
	switch {
	case strings.Contains(s, "deadline exceeded") || strings.Contains(s, "timeout"):
		return 1050
	case strings.Contains(s, "no such host"):
		return 1101
	case strings.Contains(s, "connection refused"):
		return 1212
	case strings.Contains(s, "connection reset"):
		return 1211
	}
	return 1000
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func itoa(i int) string { return strconv.Itoa(i) }

func upper(s string) string { return strings.ToUpper(s) }
