package http_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"faultline.dev/tools/loadrunner/k6/engine"
	"faultline.dev/tools/loadrunner/k6/k6test"
	"faultline.dev/tools/loadrunner/runner"
)

// server records each request as "METHOD path body cookie" and answers JSON.
func server(t *testing.T) (*httptest.Server, func() []string) {
	var mu sync.Mutex
	var seen []string
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		ck, _ := r.Cookie("sid")
		v := ""
		if ck != nil {
			v = ck.Value
		}
		mu.Lock()
		seen = append(seen, fmt.Sprintf("%s %s %s %s %s", r.Method, r.URL.Path, b, v, r.Header.Get("X-Test")))
		mu.Unlock()
		if r.URL.Path == "/login" {
			http.SetCookie(w, &http.Cookie{Name: "sid", Value: "vu" + r.URL.Query().Get("vu"), Path: "/"})
		}
		if r.URL.Path == "/missing" {
			w.WriteHeader(404)
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"order":{"id":"o-%s","lines":[{"sku":"a"},{"sku":"b"}]},"method":%q}`, r.URL.Query().Get("n"), r.Method)
	}))
	t.Cleanup(s.Close)
	return s, func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), seen...) }
}

func TestMethodsBodiesHeadersAndJSONSelectors(t *testing.T) {
	s, seen := server(t)
	r := k6test.Run(t, `
import http from 'k6/http';
export const options = { iterations: 1 };
const B = __ENV.BASE_URL;
function must(c, msg) { if (!c) throw new Error(msg); }
export default function () {
  const h = { headers: { 'X-Test': 'yes' } };
  let res = http.get(B + '/g?n=7', h);
  must(res.status === 200, 'status ' + res.status);
  must(res.json('order.id') === 'o-7', 'selector ' + res.json('order.id'));
  must(res.json('order.lines.#') === 2, 'count ' + res.json('order.lines.#'));
  must(res.json('order.lines.1.sku') === 'b', 'index');
  must(res.json().method === 'GET', 'json()');
  must(res.headers['Content-Type'] === 'application/json', 'headers ' + JSON.stringify(res.headers));
  must(res.timings.duration > 0, 'timings');
  http.post(B + '/p', JSON.stringify({ a: 1 }), h);
  http.put(B + '/u', 'put-body');
  http.patch(B + '/pa', 'patch-body');
  http.del(B + '/d');
  http.request('OPTIONS', B + '/o');
  http.post(B + '/f', { k: 'v w' });
  const rs = http.batch([['GET', B + '/b1'], { method: 'POST', url: B + '/b2', body: 'x' }, B + '/b3?n=3']);
  must(rs.length === 3 && rs[2].json('order.id') === 'o-3', 'batch ' + rs.length);
  res = http.get(B + '/g', { responseType: 'none' });
  must(res.body === null, 'responseType none');
}`, nil, map[string]string{"BASE_URL": s.URL})
	if r.Code != 0 || strings.Contains(r.Stderr, "ERRO") {
		t.Fatalf("code %d err %v stderr %s", r.Code, r.Err, r.Stderr)
	}
	got := strings.Join(seen(), "\n")
	for _, want := range []string{"GET /g   yes", `POST /p {"a":1}  yes`, "PUT /u put-body", "PATCH /pa patch-body",
		"DELETE /d", "OPTIONS /o", "POST /f k=v+w", "GET /b1", "POST /b2 x", "GET /b3"} {
		if !strings.Contains(got, want) {
			t.Errorf("server did not see %q; saw:\n%s", want, got)
		}
	}
	if n := r.Metric("http_reqs", "count"); n != 11 {
		t.Errorf("http_reqs = %v, want 11", n)
	}
}

func TestCookiesArePerVUAndExpectedStatusesDecideFailed(t *testing.T) {
	s, seen := server(t)
	r := k6test.Run(t, `
import http from 'k6/http';
export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 2, iterations: 1 } },
  thresholds: { 'http_req_failed{name:missing}': ['rate==0'], 'http_req_failed{name:other}': ['rate==1'] } };
export default function () {
  http.get(__ENV.BASE_URL + '/login?vu=' + __VU);
  http.get(__ENV.BASE_URL + '/after');
  http.setResponseCallback(http.expectedStatuses(200, { min: 404, max: 404 }));
  http.get(__ENV.BASE_URL + '/missing', { tags: { name: 'missing' } });
  http.setResponseCallback(http.expectedStatuses(201));
  http.get(__ENV.BASE_URL + '/missing', { tags: { name: 'other' } });
}`, nil, map[string]string{"BASE_URL": s.URL})
	if r.Code != 0 {
		t.Fatalf("code %d err %v\n%s\n%s", r.Code, r.Err, r.Stdout, r.Stderr)
	}
	got := strings.Join(seen(), "\n")
	for _, want := range []string{"GET /after  vu1", "GET /after  vu2"} {
		if !strings.Contains(got, want) {
			t.Errorf("cookie jar per VU: want %q in\n%s", want, got)
		}
	}
}

func TestUnknownParamIsAnError(t *testing.T) {
	s, _ := server(t)
	r := k6test.Run(t, `
import http from 'k6/http';
export const options = { iterations: 1 };
export default function () { http.get(__ENV.BASE_URL, { jar: null }); }`, nil, map[string]string{"BASE_URL": s.URL})
	if !strings.Contains(r.Stderr, "params.jar is not supported") || !strings.Contains(r.Stderr, "headers, tags, timeout") {
		t.Errorf("stderr: %s", r.Stderr)
	}
}

func TestEveryRequestReachesThePerSecondLines(t *testing.T) {
	s, _ := server(t)
	var buf bytes.Buffer
	r := k6test.Run(t, `
import http from 'k6/http';
export const options = { vus: 4, iterations: 400 };
export default function () { http.get(__ENV.BASE_URL + '/x'); }`, nil, map[string]string{"BASE_URL": s.URL},
		func(c *engine.Config) { c.Lines = runner.NewEmitter(&buf) })
	if r.Code != 0 {
		t.Fatalf("code %d err %v", r.Code, r.Err)
	}
	sum, final := 0, 0
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var line struct {
			Type     string `json:"type"`
			Requests int    `json:"requests"`
		}
		if err := json.Unmarshal([]byte(l), &line); err != nil {
			t.Fatal(err)
		}
		switch line.Type {
		case "second":
			sum += line.Requests
		case "final":
			final = line.Requests
		}
	}
	if sum != 400 || final != 400 {
		t.Errorf("per-second requests sum to %d, final %d; want 400 (as http_reqs %v)", sum, final, r.Metric("http_reqs", "count"))
	}
}
