package config_test

import (
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"faultline.dev/shop/platform/config"
)

func TestLoader_reportsEveryProblemAtOnce(t *testing.T) {
	l := config.NewLoaderMap(map[string]string{
		"SHUTDOWN_TIMEOUT": "soon",
		"RATE_LIMIT_BURST": "twenty",
		"RATE_LIMIT_RPS":   "fast",
		"LOG_LEVEL":        "loud",
	})

	l.Required("DATABASE_URL")
	l.Required("KAFKA_BROKERS")
	l.Duration("SHUTDOWN_TIMEOUT", 10*time.Second)
	l.Int("RATE_LIMIT_BURST", 20)
	l.Float("RATE_LIMIT_RPS", 50)
	l.LogLevel("LOG_LEVEL", slog.LevelInfo)

	err := l.Err()
	if err == nil {
		t.Fatal("Err() = nil, want every problem")
	}
	for _, name := range []string{"DATABASE_URL", "KAFKA_BROKERS", "SHUTDOWN_TIMEOUT", "RATE_LIMIT_BURST", "RATE_LIMIT_RPS", "LOG_LEVEL"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("Err() does not name %s:\n%v", name, err)
		}
	}
	if !errors.Is(err, config.ErrMissing) || !errors.Is(err, config.ErrInvalid) {
		t.Errorf("Err() = %v, want it to wrap both ErrMissing and ErrInvalid", err)
	}
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("Err() is %T, want an errors.Join result", err)
	}
	if got := len(joined.Unwrap()); got != 6 {
		t.Errorf("Err() joins %d problems, want 6:\n%v", got, err)
	}
}

func TestLoader_defaultsWhenUnsetOrEmpty(t *testing.T) {
	l := config.NewLoaderMap(map[string]string{"HTTP_ADDR": "  "})

	if got := l.String("HTTP_ADDR", ":8080"); got != ":8080" {
		t.Errorf("String(HTTP_ADDR) = %q, want the default for a blank value", got)
	}
	if got := l.Duration("SHUTDOWN_TIMEOUT", 10*time.Second); got != 10*time.Second {
		t.Errorf("Duration = %v, want 10s", got)
	}
	if got := l.Int("RATE_LIMIT_BURST", 20); got != 20 {
		t.Errorf("Int = %d, want 20", got)
	}
	if got := l.List("KAFKA_BROKERS", []string{"kafka:9092"}); len(got) != 1 || got[0] != "kafka:9092" {
		t.Errorf("List = %q, want the default", got)
	}
	if err := l.Err(); err != nil {
		t.Errorf("Err() = %v, want nil when only defaults were used", err)
	}
}

func TestLoader_parsesSetValues(t *testing.T) {
	l := config.NewLoaderMap(map[string]string{
		"DATABASE_URL":     "postgres://x",
		"SHUTDOWN_TIMEOUT": "150ms",
		"RATE_LIMIT_BURST": "7",
		"RATE_LIMIT_RPS":   "2.5",
		"KAFKA_BROKERS":    "a:1, b:2,,",
		"LOG_LEVEL":        "debug",
		"FEATURE":          "true",
	})

	if got := l.Required("DATABASE_URL"); got != "postgres://x" {
		t.Errorf("Required = %q", got)
	}
	if got := l.Duration("SHUTDOWN_TIMEOUT", time.Second); got != 150*time.Millisecond {
		t.Errorf("Duration = %v, want 150ms", got)
	}
	if got := l.Int("RATE_LIMIT_BURST", 0); got != 7 {
		t.Errorf("Int = %d, want 7", got)
	}
	if got := l.Float("RATE_LIMIT_RPS", 0); got != 2.5 {
		t.Errorf("Float = %v, want 2.5", got)
	}
	if got := l.RequiredList("KAFKA_BROKERS"); strings.Join(got, "|") != "a:1|b:2" {
		t.Errorf("RequiredList = %q, want [a:1 b:2]", got)
	}
	if got := l.LogLevel("LOG_LEVEL", slog.LevelInfo); got != slog.LevelDebug {
		t.Errorf("LogLevel = %v, want debug", got)
	}
	if got := l.Bool("FEATURE", false); !got {
		t.Error("Bool = false, want true")
	}
	if err := l.Err(); err != nil {
		t.Errorf("Err() = %v, want nil", err)
	}
}

func TestLoader_rejectsNegativeDuration(t *testing.T) {
	l := config.NewLoaderMap(map[string]string{"SHUTDOWN_TIMEOUT": "-1s"})
	if got := l.Duration("SHUTDOWN_TIMEOUT", 10*time.Second); got != 10*time.Second {
		t.Errorf("Duration = %v, want the default after a problem", got)
	}
	if err := l.Err(); !errors.Is(err, config.ErrInvalid) {
		t.Errorf("Err() = %v, want ErrInvalid", err)
	}
}

func TestLoader_problemFromCallerIsReportedWithTheRest(t *testing.T) {
	l := config.NewLoaderMap(nil)
	l.Required("DATABASE_URL")
	l.Problem("PAYMENTS_DECLINE_ABOVE_CENTS", errors.New("must be positive"))

	err := l.Err()
	if err == nil || !strings.Contains(err.Error(), "PAYMENTS_DECLINE_ABOVE_CENTS: must be positive") || !strings.Contains(err.Error(), "DATABASE_URL") {
		t.Errorf("Err() = %v, want both problems", err)
	}
}
