package core_test

import (
	"strings"
	"testing"

	"faultline.dev/tools/loadrunner/k6/k6test"
)

func TestCheckCountsPassesAndFailsAndThresholdsExit99(t *testing.T) {
	r := k6test.Run(t, `
import { check, group } from 'k6';
export const options = { iterations: 4, thresholds: { checks: ['rate>0.9'] } };
export default function () {
  group('outer', () => {
    group('inner', () => {
      const ok = check(__ITER, { 'always': () => true, 'even iter': (i) => i % 2 === 0 });
      if (ok !== (__ITER % 2 === 0)) throw new Error('check returned ' + ok);
    });
  });
}`, nil, nil)
	if r.Err != nil || r.Code != 99 {
		t.Fatalf("code %d err %v stderr %s", r.Code, r.Err, r.Stderr)
	}
	if got := r.Metric("checks", "passes"); got != 6 {
		t.Errorf("checks passes = %v, want 6 (4 always + 2 even)", got)
	}
	if got := r.Metric("checks", "fails"); got != 2 {
		t.Errorf("checks fails = %v, want 2", got)
	}
	if !strings.Contains(r.Stdout, "█ outer › inner") || !strings.Contains(r.Stdout, "✗ even iter") {
		t.Errorf("summary lacks the group or the failed check:\n%s", r.Stdout)
	}
	if strings.Contains(r.Stderr, "check returned") {
		t.Errorf("check's return value is wrong: %s", r.Stderr)
	}
	if r.Metric("group_duration", "max") <= 0 {
		t.Errorf("group_duration not recorded: %v", r.Summary.Metrics["group_duration"])
	}
}

func TestSleepWaitsAndFailThrows(t *testing.T) {
	r := k6test.Run(t, `
import { sleep, fail } from 'k6';
export const options = { iterations: 1 };
export default function () {
  const t0 = Date.now();
  sleep(0.2);
  if (Date.now() - t0 < 190) throw new Error('sleep did not wait');
  fail('stop here');
  throw new Error('after fail');
}`, nil, nil)
	if r.Code != 0 {
		t.Fatalf("code %d (an iteration error is logged, not fatal, as in k6): %v", r.Code, r.Err)
	}
	if !strings.Contains(r.Stderr, "stop here") || strings.Contains(r.Stderr, "after fail") || strings.Contains(r.Stderr, "did not wait") {
		t.Errorf("stderr: %s", r.Stderr)
	}
	if r.Metric("iteration_duration", "max") < 200 {
		t.Errorf("iteration_duration %v ms, want >= 200", r.Metric("iteration_duration", "max"))
	}
}
