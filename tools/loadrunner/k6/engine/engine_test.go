package engine_test

import (
	"strings"
	"testing"
	"time"

	"faultline.dev/tools/loadrunner/k6/engine"
	"faultline.dev/tools/loadrunner/k6/k6test"
)

func TestUnsupportedAPIIsAnErrorBeforeAnyVUStarts(t *testing.T) {
	r := k6test.Run(t, `import http from 'k6/http';
import ws from 'k6/ws';
import { check, randomSeed } from 'k6';
export default function () {
  http.file('x');
}`, nil, nil)
	if r.Code != engine.ExitScriptException || r.Err == nil {
		t.Fatalf("code %d err %v", r.Code, r.Err)
	}
	msg := r.Err.Error()
	for _, want := range []string{"script.js:2: import \"k6/ws\"", "supported modules: k6, k6/data, k6/http, k6/metrics",
		"script.js:3: randomSeed is not exported", "script.js:5: http.file", "it supports: get, post"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if r.Metric("iterations", "count") != 0 {
		t.Errorf("iterations ran")
	}
}

func TestUnknownOptionAndExecutorAreNamed(t *testing.T) {
	r := k6test.Run(t, `export const options = { hosts: {} }; export default function () {}`, nil, nil)
	if r.Code != engine.ExitInvalidConfig || !strings.Contains(r.Err.Error(), "options.hosts is not supported") {
		t.Errorf("code %d err %v", r.Code, r.Err)
	}
	r = k6test.Run(t, `export const options = { scenarios: { a: { executor: 'externally-controlled' } } };
export default function () {}`, nil, nil)
	if r.Code != engine.ExitInvalidConfig || !strings.Contains(r.Err.Error(), "options.scenarios.a.executor") ||
		!strings.Contains(r.Err.Error(), "ramping-arrival-rate") {
		t.Errorf("code %d err %v", r.Code, r.Err)
	}
}

func TestClosedExecutorsRunTheirIterationCounts(t *testing.T) {
	r := k6test.Run(t, `
import { Counter } from 'k6/metrics';
const it = new Counter('it');
export const options = { scenarios: {
  shared: { executor: 'shared-iterations', vus: 3, iterations: 7, exec: 'a' },
  pervu: { executor: 'per-vu-iterations', vus: 2, iterations: 3, exec: 'b', env: { WHO: 'b' }, tags: { team: 'x' } },
}, thresholds: { 'it{scenario:shared}': ['count==7'], 'it{scenario:pervu,team:x}': ['count==6'], 'it{who:b}': ['count==6'] } };
export function a() { it.add(1); }
export function b() { it.add(1, { who: __ENV.WHO }); }
export default function () { throw new Error('default must not run'); }`, nil, nil)
	if r.Code != 0 || strings.Contains(r.Stderr, "ERRO") {
		t.Fatalf("code %d err %v\n%s\n%s", r.Code, r.Err, r.Stdout, r.Stderr)
	}
	if n := r.Metric("iterations", "count"); n != 13 {
		t.Errorf("iterations %v, want 13", n)
	}
}

func TestVUAndIterAndSetupData(t *testing.T) {
	r := k6test.Run(t, `
import { Counter } from 'k6/metrics';
const c = new Counter('c');
export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 2, iterations: 3 } },
  thresholds: { 'c{vu:1,iter:2}': ['count==1'], 'c{vu:2,iter:0}': ['count==1'], 'c{data:42}': ['count==6'] } };
export function setup() { return { n: 42 }; }
export default function (d) { c.add(1, { vu: String(__VU), iter: String(__ITER), data: String(d.n) }); }`, nil, nil)
	if r.Code != 0 {
		t.Fatalf("code %d err %v\n%s\n%s", r.Code, r.Err, r.Stdout, r.Stderr)
	}
}

func TestConstantVUsStopsAtItsDuration(t *testing.T) {
	start := time.Now()
	r := k6test.Run(t, `
import { sleep } from 'k6';
export const options = { vus: 2, duration: '1s' };
export default function () { sleep(0.1); }`, nil, nil)
	if r.Code != 0 {
		t.Fatalf("code %d err %v", r.Code, r.Err)
	}
	n := r.Metric("iterations", "count")
	if n < 10 || n > 22 {
		t.Errorf("iterations %v, want about 20 (2 VUs x 1s / 0.1s)", n)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("took %s", el)
	}
}

func TestArrivalRateStartsOnScheduleAndDropsWhenNoVUIsFree(t *testing.T) {
	r := k6test.Run(t, `
import { sleep } from 'k6';
export const options = { scenarios: {
  steady: { executor: 'constant-arrival-rate', rate: 40, timeUnit: '1s', duration: '1s', preAllocatedVUs: 2, exec: 'fast' },
  starved: { executor: 'constant-arrival-rate', rate: 20, timeUnit: '1s', duration: '1s', preAllocatedVUs: 1, maxVUs: 1, exec: 'slow', gracefulStop: '0s' },
  ramp: { executor: 'ramping-arrival-rate', startRate: 0, timeUnit: '1s', preAllocatedVUs: 2, stages: [{ target: 40, duration: '1s' }], exec: 'fast' },
} };
export function fast() {}
export function slow() { sleep(0.5); }`, nil, nil)
	if r.Code != 0 {
		t.Fatalf("code %d err %v\n%s", r.Code, r.Err, r.Stderr)
	}
	it := r.Metric("iterations", "count")
	// steady 40 + ramp 20 (area of 0->40 over 1s) + starved 2 (one VU, 0.5 s each)
	if it < 55 || it > 66 {
		t.Errorf("iterations %v, want about 62", it)
	}
	if d := r.Metric("dropped_iterations", "count"); d < 15 {
		t.Errorf("dropped_iterations %v, want about 18", d)
	}
}

func TestRampingVUsFollowsItsStages(t *testing.T) {
	r := k6test.Run(t, `
import { sleep } from 'k6';
export const options = { stages: [{ duration: '500ms', target: 4 }, { duration: '500ms', target: 0 }] };
export default function () { sleep(0.05); }`, nil, nil)
	if r.Code != 0 {
		t.Fatalf("code %d err %v", r.Code, r.Err)
	}
	if m := r.Metric("vus_max", "max"); m < 3 || m > 4 {
		t.Errorf("vus_max %v, want 4", m)
	}
}

func TestAbortOnFailStopsTheRun(t *testing.T) {
	start := time.Now()
	r := k6test.Run(t, `
import { Counter } from 'k6/metrics';
import { sleep } from 'k6';
const bad = new Counter('bad');
export const options = { vus: 1, duration: '20s', thresholds: { bad: [{ threshold: 'count<3', abortOnFail: true }] } };
export default function () { bad.add(1); sleep(0.05); }`, nil, nil)
	if r.Code != 99 {
		t.Fatalf("code %d err %v", r.Code, r.Err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("abortOnFail did not stop the run: %s", el)
	}
}

func TestOutJSONLinesAsK6(t *testing.T) {
	r := k6test.Run(t, `
import { Trend } from 'k6/metrics';
const t = new Trend('t');
export const options = { iterations: 2 };
export default function () { t.add(5, { k: 'v' }); }`, nil, nil)
	if !strings.Contains(r.OutJSON, `{"type":"Metric","metric":"t","data":{"contains":"default","name":"t","submetrics":null,"thresholds":[],"type":"trend"}}`) {
		t.Errorf("no Metric line for t:\n%s", r.OutJSON)
	}
	if strings.Count(r.OutJSON, `"type":"Point","metric":"t","data":{`) != 2 || !strings.Contains(r.OutJSON, `"k":"v"`) {
		t.Errorf("Point lines:\n%s", r.OutJSON)
	}
}
