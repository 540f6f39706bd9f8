package metrics_test

import (
	"strings"
	"testing"

	"faultline.dev/tools/loadrunner/k6/k6test"
)

const script = `
import { Counter, Gauge, Rate, Trend } from 'k6/metrics';
const c = new Counter('orders');
const g = new Gauge('queue');
const r = new Rate('ok_rate');
const t = new Trend('latency', true);
export const options = { iterations: 10, thresholds: {
  orders: ['count==10'], 'orders{kind:big}': ['count==%BIG%'], queue: ['value==9'],
  ok_rate: ['rate==0.5'], latency: ['p(50)==4.5', 'max==9'], 'latency{kind:big}': ['min==5'] } };
export default function () {
  const kind = __ITER >= 5 ? 'big' : 'small';
  c.add(1, { kind });
  g.add(__ITER);
  r.add(__ITER % 2 === 0);
  t.add(__ITER, { kind });
}`

func TestCustomMetricsWithTaggedThresholds(t *testing.T) {
	r := k6test.Run(t, strings.Replace(script, "%BIG%", "5", 1), nil, nil)
	if r.Code != 0 {
		t.Fatalf("code %d err %v\n%s%s", r.Code, r.Err, r.Stdout, r.Stderr)
	}
	if got := r.Metric("latency{kind:big}", "avg"); got != 7 {
		t.Errorf("latency{kind:big} avg = %v, want 7", got)
	}
	if !strings.Contains(r.Stdout, "latency") || !strings.Contains(r.Stdout, "{ kind:big }") {
		t.Errorf("summary:\n%s", r.Stdout)
	}
}

func TestFailingTaggedThresholdExits99(t *testing.T) {
	r := k6test.Run(t, strings.Replace(script, "%BIG%", "6", 1), nil, nil)
	if r.Code != 99 {
		t.Fatalf("code %d, want 99\n%s", r.Code, r.Stdout)
	}
	if !strings.Contains(r.Stdout, "✗   { kind:big }") {
		t.Errorf("the failed sub-metric is not marked:\n%s", r.Stdout)
	}
}

func TestMetricOutsideInitIsAnError(t *testing.T) {
	r := k6test.Run(t, `
import { Counter } from 'k6/metrics';
export const options = { iterations: 1 };
export default function () { new Counter('late'); }`, nil, nil)
	if !strings.Contains(r.Stderr, "only be called in the init context") {
		t.Errorf("stderr: %s", r.Stderr)
	}
}
