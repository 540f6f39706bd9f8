package runner

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

func runPlan(t *testing.T, planJSON string) ([]Line, error) {
	t.Helper()
	p, err := ReadPlan(strings.NewReader(planJSON))
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	var buf bytes.Buffer
	err = Run(context.Background(), p, NewEmitter(&buf))
	var lines []Line
	sc := bufio.NewScanner(&buf)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var l Line
		if jerr := json.Unmarshal(sc.Bytes(), &l); jerr != nil {
			t.Fatalf("not a JSON line: %s", sc.Text())
		}
		lines = append(lines, l)
	}
	return lines, err
}

func TestRun_streamsSecondsWhoseHistogramsMergeIntoTheFinalOne(t *testing.T) {
	var created, read atomic.Int64
	var mu sync.Mutex
	keys := map[string]bool{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {})
	mux.HandleFunc("POST /orders", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		keys[r.Header.Get("Idempotency-Key")] = true
		mu.Unlock()
		created.Add(1)
		w.WriteHeader(201)
		_, _ = w.Write([]byte(`{"id":"o-1"}`))
	})
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		read.Add(1)
		if r.PathValue("id") != "seeded" {
			w.WriteHeader(404)
			return
		}
		_, _ = w.Write([]byte(`{"id":"seeded"}`))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	seeded := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"order":{"id":"seeded"}}`))
	}))
	defer seeded.Close()

	lines, err := runPlan(t, `{
	  "executor": {"type": "constant-arrival-rate", "rate": 100, "duration": "2s", "preAllocatedVUs": 5, "maxVUs": 20},
	  "checks": [{"name": "ready", "url": "`+srv.URL+`/readyz"}],
	  "setup": [{"name": "seed", "method": "POST", "url": "`+seeded.URL+`", "repeat": 2, "capture": {"ids": "order.id"}}],
	  "requests": [
	    {"name": "create", "weight": 1, "method": "POST", "url": "`+srv.URL+`/orders", "headers": {"Idempotency-Key": "{{uuid}}"}, "body": "{}"},
	    {"name": "read", "weight": 1, "url": "`+srv.URL+`/orders/{{var:ids}}"}
	  ]}`)
	if err != nil {
		t.Fatal(err)
	}
	if lines[0].Type != "start" {
		t.Fatalf("first line = %q, want start", lines[0].Type)
	}
	final := lines[len(lines)-1]
	if final.Type != "final" {
		t.Fatalf("last line = %q, want final", final.Type)
	}
	if final.Requests < 180 || final.Requests > 201 {
		t.Fatalf("sent %d requests at 100/s for 2 s", final.Requests)
	}
	if final.Requests != uint64(created.Load()+read.Load()) || final.ByName["read"].Codes["200"] != uint64(read.Load()) {
		t.Fatalf("final counts %d (read 200: %d), server saw %d created + %d read", final.Requests, final.ByName["read"].Codes["200"], created.Load(), read.Load())
	}
	if len(keys) != int(created.Load()) {
		t.Fatalf("%d orders with %d distinct idempotency keys", created.Load(), len(keys))
	}
	merged := newCounts("")
	var sum uint64
	for _, l := range lines[1 : len(lines)-1] {
		if l.Type != "second" {
			t.Fatalf("unexpected line %q", l.Type)
		}
		h, err := Histogram(l.Latency)
		if err != nil {
			t.Fatalf("second %d: %v", l.Second, err)
		}
		merged.hist.Merge(h)
		sum += l.Requests
	}
	fh, _ := Histogram(final.Latency)
	if sum != final.Requests || merged.hist.TotalCount() != fh.TotalCount() || !merged.hist.Equals(fh) {
		t.Fatalf("seconds sum to %d requests (%d in histograms), final says %d", sum, merged.hist.TotalCount(), final.Requests)
	}
}

func TestRun_failsBeforeSendingLoadWhenTheTargetDoesNotAnswer(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hits.Add(1) }))
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := l.Addr().String()
	l.Close()
	lines, err := runPlan(t, `{
	  "executor": {"type": "constant-vus", "vus": 2, "duration": "2s"},
	  "checks": [{"name": "gateway", "url": "http://`+dead+`/readyz"}],
	  "requests": [{"name": "x", "url": "`+srv.URL+`/"}]}`)
	srv.Close()
	if !IsSetupError(err) || !strings.Contains(err.Error(), `check "gateway": the target did not answer`) {
		t.Fatalf("err = %v, want a setup error naming the check", err)
	}
	if len(lines) != 0 || hits.Load() != 0 {
		t.Fatalf("load was sent: %d lines, %d hits", len(lines), hits.Load())
	}
}

func TestRun_closedModelKeepsItsVUs(t *testing.T) {
	var inFlight, peak atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n := inFlight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		defer inFlight.Add(-1)
		w.WriteHeader(429)
	}))
	defer srv.Close()
	lines, err := runPlan(t, `{"executor": {"type": "constant-vus", "vus": 3, "duration": "1s"},
	  "requests": [{"name": "x", "url": "`+srv.URL+`/"}]}`)
	if err != nil {
		t.Fatal(err)
	}
	final := lines[len(lines)-1]
	if peak.Load() > 3 || peak.Load() < 1 {
		t.Fatalf("peak concurrency %d with 3 VUs", peak.Load())
	}
	if final.Fail != final.Requests || final.Codes["429"] != final.Requests || final.Requests == 0 {
		t.Fatalf("429s must count as failed: %+v", final.Counts)
	}
}

const healthProto = `syntax = "proto3";
package grpc.health.v1;
message HealthCheckRequest { string service = 1; }
message HealthCheckResponse { enum ServingStatus { UNKNOWN = 0; SERVING = 1; NOT_SERVING = 2; SERVICE_UNKNOWN = 3; } ServingStatus status = 1; }
service Health { rpc Check(HealthCheckRequest) returns (HealthCheckResponse); }
`

func TestRun_grpcCallsWithCodes(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer()
	h := health.NewServer()
	h.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(s, h)
	go func() { _ = s.Serve(l) }()
	defer s.Stop()
	proto, _ := json.Marshal(healthProto)
	lines, err := runPlan(t, `{
	  "executor": {"type": "constant-arrival-rate", "rate": 50, "duration": "1s"},
	  "checks": [{"name": "health", "grpcHealth": "`+l.Addr().String()+`"}],
	  "protos": [{"path": "health.proto", "content": `+string(proto)+`}], "grpcConnections": 3,
	  "requests": [
	    {"name": "known", "grpc": {"target": "`+l.Addr().String()+`", "method": "grpc.health.v1.Health/Check", "data": "{}"}},
	    {"name": "unknown_service", "grpc": {"target": "`+l.Addr().String()+`", "method": "grpc.health.v1.Health/Check", "data": "{\"service\":\"nope\"}"}}
	  ]}`)
	if err != nil {
		t.Fatal(err)
	}
	final := lines[len(lines)-1]
	k, u := final.ByName["known"], final.ByName["unknown_service"]
	if k == nil || u == nil || k.Codes["OK"] != k.Requests || u.Codes["NotFound"] != u.Requests || u.Fail != u.Requests {
		t.Fatalf("codes: known %+v, unknown %+v", k, u)
	}
	if k.Protocol != "grpc" || k.BytesIn == 0 {
		t.Fatalf("grpc counts: %+v", k)
	}
}

func TestReadPlan_reportsEveryProblemWithItsField(t *testing.T) {
	_, err := ReadPlan(strings.NewReader(`{"executor": {"type": "constant-arrival-rate"}, "requests": [{"name": "a", "url": "/x"}, {"name": "a", "grpc": {"target": "x:1"}}]}`))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"executor.rate", "executor.duration", "requests[0].url", `requests[1].name: "a" is used twice`, "requests[1].grpc", "protos"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %q:\n%v", want, err)
		}
	}
	_, err = ReadPlan(strings.NewReader(`{"executor": {"type": "constant-vus", "vus": 1, "duration": "1s"}, "requests": [{"name": "a", "url": "http://x/"}], "bogus": 1}`))
	if err == nil || !strings.Contains(err.Error(), "bogus") {
		t.Fatalf("unknown field: %v", err)
	}
}

func TestRun_openModelDropsWhatItCannotStartWithItsVUs(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		time.Sleep(100 * time.Millisecond)
	}))
	defer srv.Close()
	// 100/s with at most 2 VUs busy 100 ms each: about 20/s can start, the rest are dropped.
	lines, err := runPlan(t, `{"executor": {"type": "constant-arrival-rate", "rate": 100, "duration": "2s", "preAllocatedVUs": 2, "maxVUs": 2},
	  "requests": [{"name": "slow", "url": "`+srv.URL+`/"}]}`)
	if err != nil {
		t.Fatal(err)
	}
	final := lines[len(lines)-1]
	if final.Requests+final.Dropped < 190 || final.Dropped < 100 || final.Requests > 60 {
		t.Fatalf("sent %d, dropped %d of 200", final.Requests, final.Dropped)
	}
}

func TestRun_openModelLatencyRunsFromTheScheduledTime(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		time.Sleep(100 * time.Millisecond)
	}))
	defer srv.Close()
	// 20/s (one due every 50 ms) on one VU busy 100 ms each: every iteration that is sent waits
	// about 100 ms for the VU, so from its scheduled time it takes about 200 ms, not the 100 ms
	// the server takes (measuring from the actual send would hide the wait: coordinated omission).
	lines, err := runPlan(t, `{"executor": {"type": "constant-arrival-rate", "rate": 20, "duration": "2s", "preAllocatedVUs": 1, "maxVUs": 1},
	  "requests": [{"name": "slow", "url": "`+srv.URL+`/"}]}`)
	if err != nil {
		t.Fatal(err)
	}
	final := lines[len(lines)-1]
	h, err := Histogram(final.Latency)
	if err != nil {
		t.Fatal(err)
	}
	if final.Requests < 8 || final.Dropped == 0 {
		t.Fatalf("sent %d, dropped %d: want about 10 sent and some dropped", final.Requests, final.Dropped)
	}
	if p50 := time.Duration(h.ValueAtQuantile(50)) * time.Microsecond; p50 < 150*time.Millisecond {
		t.Fatalf("p50 latency %v: the wait for a free VU is not counted (server takes 100 ms)", p50)
	}
}

func TestRun_closedModelRampsItsVUs(t *testing.T) {
	var inFlight, peak atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n := inFlight.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(5 * time.Millisecond)
		inFlight.Add(-1)
	}))
	defer srv.Close()
	lines, err := runPlan(t, `{"executor": {"type": "ramping-vus", "startVUs": 0, "stages": [{"duration": "1s", "target": 4}, {"duration": "1s", "target": 0}]},
	  "requests": [{"name": "x", "url": "`+srv.URL+`/"}]}`)
	if err != nil {
		t.Fatal(err)
	}
	final := lines[len(lines)-1]
	if peak.Load() > 4 || peak.Load() < 3 || final.Requests < 50 {
		t.Fatalf("peak concurrency %d (want 3 or 4 of at most 4 VUs), %d requests", peak.Load(), final.Requests)
	}
	if final.VUsMax > 4 {
		t.Fatalf("vusMax %d > 4", final.VUsMax)
	}
}

func TestRun_maxIterationsBoundsTheClosedModel(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hits.Add(1) }))
	defer srv.Close()
	lines, err := runPlan(t, `{"executor": {"type": "constant-vus", "vus": 8, "duration": "30s", "maxIterations": 37},
	  "requests": [{"name": "x", "url": "`+srv.URL+`/"}]}`)
	if err != nil {
		t.Fatal(err)
	}
	final := lines[len(lines)-1]
	if final.Requests != 37 || hits.Load() != 37 || final.Reason != "max-iterations" {
		t.Fatalf("sent %d (server saw %d), reason %q: want exactly 37, max-iterations", final.Requests, hits.Load(), final.Reason)
	}
}

func TestRun_stopsWhenTheContextEnds(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hits.Add(1) }))
	defer srv.Close()
	p, err := ReadPlan(strings.NewReader(`{"executor": {"type": "constant-vus", "vus": 2, "duration": "60s"},
	  "requests": [{"name": "x", "url": "` + srv.URL + `/"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var buf bytes.Buffer
	ran := make(chan error, 1)
	began := time.Now()
	go func() { ran <- Run(ctx, p, NewEmitter(&buf)) }()
	for deadline := time.Now().Add(5 * time.Second); hits.Load() == 0 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-ran:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return 10 s after its context ended")
	}
	if time.Since(began) > 10*time.Second || !strings.Contains(buf.String(), `"reason":"stopped"`) {
		t.Fatalf("after %v: %s", time.Since(began), buf.String()[max(0, buf.Len()-300):])
	}
}
