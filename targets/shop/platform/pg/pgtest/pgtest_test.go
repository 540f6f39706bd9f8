package pgtest_test

import (
	"fmt"
	"testing"

	"faultline.dev/shop/platform/pg/pgtest"
)

// recorder stands in for a test: it notes whether DockerUnavailable failed or skipped it.
type recorder struct {
	testing.TB
	failed, skipped bool
	msg             string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed, r.msg = true, fmt.Sprintf(format, args...)
}
func (r *recorder) Skipf(format string, args ...any) {
	r.skipped, r.msg = true, fmt.Sprintf(format, args...)
}

func TestDockerUnavailable_failsInCI(t *testing.T) {
	for _, ci := range []string{"true", "1", "yes"} {
		t.Setenv("CI", ci)
		r := &recorder{TB: t}
		pgtest.DockerUnavailable(r, "docker: connection refused")
		if !r.failed || r.skipped {
			t.Fatalf("CI=%s: failed=%v skipped=%v, want a failure", ci, r.failed, r.skipped)
		}
	}
}

func TestDockerUnavailable_skipsOutsideCI(t *testing.T) {
	for _, ci := range []string{"", "false", "0"} {
		t.Setenv("CI", ci)
		r := &recorder{TB: t}
		pgtest.DockerUnavailable(r, "docker: connection refused")
		if !r.skipped || r.failed {
			t.Fatalf("CI=%q: failed=%v skipped=%v, want a skip", ci, r.failed, r.skipped)
		}
		if r.msg != "SKIPPED: docker: connection refused" {
			t.Fatalf("message %q does not say why", r.msg)
		}
	}
}
