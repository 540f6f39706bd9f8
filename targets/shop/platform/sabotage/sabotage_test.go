package sabotage_test

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"faultline.dev/shop/platform/sabotage"
)

func TestParse_unknownNameFails(t *testing.T) {
	_, err := sabotage.Parse("no-breaker, no-such-thing,also-bogus")
	if !errors.Is(err, sabotage.ErrUnknown) {
		t.Fatalf("Parse() error = %v, want ErrUnknown", err)
	}
	for _, want := range []string{"no-such-thing", "also-bogus", "drop-trace-context"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Parse() error %q does not mention %q", err, want)
		}
	}
}

func TestParse_knownNamesTurnOnOnlyThoseSwitches(t *testing.T) {
	s, err := sabotage.Parse(" lying-readiness ,drop-trace-context,lying-readiness,")
	if err != nil {
		t.Fatalf("Parse() error = %v", err)
	}
	for _, sw := range sabotage.All {
		want := sw == sabotage.LyingReadiness || sw == sabotage.DropTraceContext
		if got := s.On(sw); got != want {
			t.Errorf("On(%s) = %v, want %v", sw, got, want)
		}
	}
	if got := len(s.List()); got != 2 {
		t.Errorf("List() has %d switches, want 2 (duplicates collapse)", got)
	}
}

func TestSwitches_emptyAndNilAreAllOff(t *testing.T) {
	s, err := sabotage.Parse("")
	if err != nil {
		t.Fatalf("Parse(\"\") error = %v", err)
	}
	var nilSwitches *sabotage.Switches
	for _, sw := range sabotage.All {
		if s.On(sw) || nilSwitches.On(sw) {
			t.Errorf("switch %s is on with nothing configured", sw)
		}
	}
}

func TestFromEnv_logsEverySwitchThatIsOn(t *testing.T) {
	t.Setenv(sabotage.EnvVar, "no-rate-limit,retry-storm")
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))

	s, err := sabotage.FromEnv(logger)
	if err != nil {
		t.Fatalf("FromEnv() error = %v", err)
	}
	if !s.On(sabotage.NoRateLimit) || !s.On(sabotage.RetryStorm) {
		t.Errorf("FromEnv() switches = %v", s.List())
	}
	out := buf.String()
	if strings.Count(out, `"level":"WARN"`) != 2 || !strings.Contains(out, "no-rate-limit") || !strings.Contains(out, "retry-storm") {
		t.Errorf("log = %s, want one WARN line per switch", out)
	}
}

func TestFromEnv_unknownNameFailsNamingTheVariable(t *testing.T) {
	t.Setenv(sabotage.EnvVar, "lying-readiness,nope")
	_, err := sabotage.FromEnv(slog.New(slog.DiscardHandler))
	if !errors.Is(err, sabotage.ErrUnknown) || !strings.Contains(err.Error(), "SHOP_SABOTAGE") || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("FromEnv() error = %v, want ErrUnknown naming SHOP_SABOTAGE and the bad entry", err)
	}
}
