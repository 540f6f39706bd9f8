package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// SetupError means the target did not answer (or answered wrong) before any load was sent.
type SetupError struct{ Err error }

func (e *SetupError) Error() string { return e.Err.Error() }
func (e *SetupError) Unwrap() error { return e.Err }

// Line is one JSON line of the output.
type Line struct {
	Type string `json:"type"` // hello, start, second, final, error
	// start, second, final
	T string `json:"t,omitempty"`
	// second: index of the second from the start (1 = the first full second).
	Second int `json:"second,omitempty"`
	*Window
	Dropped    uint64 `json:"dropped"`
	VUs        uint64 `json:"vus"`
	Iterations uint64 `json:"iterations,omitempty"`
	// final
	Reason    string  `json:"reason,omitempty"`
	DurationS float64 `json:"durationS,omitempty"`
	VUsMax    uint64  `json:"vusMax,omitempty"`
	// start
	Kinds []RequestInfo `json:"kinds,omitempty"`
	// metrics (k6 scripts): name -> {type, values}
	Metrics map[string]any `json:"metrics,omitempty"`
	// error
	Phase   string `json:"phase,omitempty"`
	Message string `json:"message,omitempty"`
}

// RequestInfo names a request kind and its protocol.
type RequestInfo struct {
	Name     string `json:"name"`
	Protocol string `json:"protocol"`
}

type compiled struct {
	Request
	proto      string
	url, body  *template
	headerList []header
	cumWeight  float64
}

// Emitter writes lines; it is safe for concurrent use.
type Emitter struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func NewEmitter(w io.Writer) *Emitter { return &Emitter{enc: json.NewEncoder(w)} }

func (e *Emitter) Emit(l Line) {
	e.mu.Lock()
	defer e.mu.Unlock()
	_ = e.enc.Encode(l)
}

// Run checks the target, runs setup, then sends the plan's load and streams one line per
// second and a final line. It returns a *SetupError when the target does not answer.
func Run(ctx context.Context, p *Plan, out *Emitter) error {
	var gt *grpcTransport
	if len(p.Protos) > 0 {
		methods, err := compileProtos(ctx, p.Protos)
		if err != nil {
			return err
		}
		gt = newGRPCTransport(methods, p.GRPCConnections)
		defer gt.Close()
		for _, r := range p.Requests {
			if r.GRPC != nil {
				if _, err := gt.method(r.GRPC.Method); err != nil {
					return fmt.Errorf("request %q: %w", r.Name, err)
				}
			}
		}
	}
	e := &p.Executor
	maxVUs := e.MaxVUs
	if !e.isOpen() {
		maxVUs = e.VUs
		for _, s := range e.Stages {
			maxVUs = max(maxVUs, int(s.Target))
		}
		maxVUs = max(maxVUs, e.StartVUs, 1)
	}
	// Checks and setup (a few requests before the load) go through net/http; the load through
	// the attacker's engine (attack.go).
	transport := &http.Transport{
		DialContext:        (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		IdleConnTimeout:    10 * time.Second,
		DisableCompression: true,
	}
	defer transport.CloseIdleConnections()
	client := &http.Client{
		Timeout:       time.Duration(p.Timeout),
		Transport:     transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}

	if err := runChecks(ctx, p, client); err != nil {
		return &SetupError{err}
	}
	vars, err := runSetup(ctx, p, client)
	if err != nil {
		return &SetupError{err}
	}
	reqs, err := compile(p.Requests, vars)
	if err != nil {
		return err
	}
	return attack(ctx, p, reqs, vars, gt, maxVUs, out)
}

func runChecks(ctx context.Context, p *Plan, client *http.Client) error {
	for _, c := range p.Checks {
		cctx, cancel := context.WithTimeout(ctx, time.Duration(p.CheckTimeout))
		err := runCheck(cctx, c, client)
		cancel()
		if err != nil {
			return fmt.Errorf("check %q: the target did not answer: %w", c.Name, err)
		}
	}
	return nil
}

func runCheck(ctx context.Context, c Check, client *http.Client) error {
	if c.GRPCHealth != "" {
		conn, err := grpc.NewClient(c.GRPCHealth, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			return err
		}
		defer conn.Close()
		res, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
		if err != nil {
			return fmt.Errorf("grpc health of %s: %w", c.GRPCHealth, err)
		}
		if res.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			return fmt.Errorf("grpc health of %s: %s", c.GRPCHealth, res.GetStatus())
		}
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.URL, nil)
	if err != nil {
		return err
	}
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 1<<20))
	okStatus := res.StatusCode >= 200 && res.StatusCode < 300
	if len(c.ExpectStatus) > 0 {
		okStatus = false
		for _, s := range c.ExpectStatus {
			okStatus = okStatus || s == res.StatusCode
		}
	}
	if !okStatus {
		return fmt.Errorf("GET %s answered %d", c.URL, res.StatusCode)
	}
	return nil
}

func runSetup(ctx context.Context, p *Plan, client *http.Client) (Vars, error) {
	vars := Vars{}
	for _, s := range p.Setup {
		tURL, err := parseTemplate(s.URL, vars)
		if err != nil {
			return nil, fmt.Errorf("setup %q: %w", s.Name, err)
		}
		tBody, err := parseTemplate(s.Body, vars)
		if err != nil {
			return nil, fmt.Errorf("setup %q: %w", s.Name, err)
		}
		for i := 0; i < s.Repeat; i++ {
			rctx, cancel := context.WithTimeout(ctx, time.Duration(p.Timeout))
			body, err := setupOnce(rctx, client, s, tURL.render(vars), tBody.render(vars))
			cancel()
			if err != nil {
				return nil, fmt.Errorf("setup %q (%d of %d): %w", s.Name, i+1, s.Repeat, err)
			}
			for name, field := range s.Capture {
				v, err := jsonField(body, field)
				if err != nil {
					return nil, fmt.Errorf("setup %q: capture %s: %w", s.Name, name, err)
				}
				vars[name] = append(vars[name], v)
			}
		}
	}
	return vars, nil
}

func setupOnce(ctx context.Context, client *http.Client, s SetupRequest, url, body string) ([]byte, error) {
	var rb io.Reader
	if body != "" {
		rb = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, s.Method, url, rb)
	if err != nil {
		return nil, err
	}
	for k, v := range s.Headers {
		req.Header.Set(k, strings.ReplaceAll(v, "{{uuid}}", newUUID()))
	}
	if body != "" && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if res.StatusCode < 200 || res.StatusCode >= 300 {
		return nil, fmt.Errorf("%s %s answered %d: %s", s.Method, url, res.StatusCode, bytes.TrimSpace(b))
	}
	return b, nil
}

// jsonField reads a dotted path ("id", "order.id") of a JSON object as a string.
func jsonField(body []byte, path string) (string, error) {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return "", fmt.Errorf("response is not JSON: %w", err)
	}
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return "", fmt.Errorf("field %q: not an object at %q", path, k)
		}
		if v, ok = m[k]; !ok {
			return "", fmt.Errorf("field %q: no %q in the response", path, k)
		}
	}
	switch x := v.(type) {
	case string:
		return x, nil
	default:
		b, _ := json.Marshal(x)
		return string(b), nil
	}
}

func compile(rs []Request, vars Vars) ([]compiled, error) {
	out := make([]compiled, len(rs))
	cum := 0.0
	for i, r := range rs {
		c := compiled{Request: r, proto: r.Protocol()}
		url, body, headers := r.URL, r.Body, r.Headers
		if r.GRPC != nil {
			url, body = "", r.GRPC.Data
			headers = make(map[string]string, len(r.Headers)+len(r.GRPC.Metadata))
			maps.Copy(headers, r.Headers)
			maps.Copy(headers, r.GRPC.Metadata)
		}
		var err error
		if c.url, err = parseTemplate(url, vars); err != nil {
			return nil, fmt.Errorf("request %q: url: %w", r.Name, err)
		}
		if c.body, err = parseTemplate(body, vars); err != nil {
			return nil, fmt.Errorf("request %q: body: %w", r.Name, err)
		}
		names := make([]string, 0, len(headers))
		for k := range headers {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			t, err := parseTemplate(headers[k], vars)
			if err != nil {
				return nil, fmt.Errorf("request %q: header %s: %w", r.Name, k, err)
			}
			c.headerList = append(c.headerList, header{name: k, value: t})
		}
		if r.GRPC == nil && body != "" {
			if _, ok := headers["Content-Type"]; !ok {
				c.headerList = append(c.headerList, header{name: "Content-Type", value: &template{parts: []string{"application/json"}}})
			}
		}
		cum += r.Weight
		c.cumWeight = cum
		out[i] = c
	}
	return out, nil
}

// IsSetupError tells a setup failure (exit code 3) from a bad plan (exit code 2).
func IsSetupError(err error) bool {
	var s *SetupError
	return errors.As(err, &s)
}
