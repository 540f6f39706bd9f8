// Package config reads a service's configuration from environment variables once,
// at start, and reports every problem together instead of failing on the first one.
//
//	l := config.NewLoader()
//	addr := l.String("GRPC_ADDR", ":9090")
//	dsn := l.Required("DATABASE_URL")
//	if err := l.Err(); err != nil {
//		// errors.Join of every problem, each naming its variable
//	}
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"
)

// ErrMissing is wrapped by the problem reported for a required variable that is unset or empty.
var ErrMissing = errors.New("required but not set")

// ErrInvalid is wrapped by the problem reported for a variable whose value cannot be parsed.
var ErrInvalid = errors.New("invalid value")

// LookupFunc looks a variable up; os.LookupEnv is one.
type LookupFunc func(name string) (string, bool)

// Loader reads variables and collects the problems it meets. It is not safe for
// concurrent use; a service uses one Loader in main, before anything starts.
type Loader struct {
	lookup   LookupFunc
	problems []error
}

// NewLoader returns a Loader over the process environment.
func NewLoader() *Loader {
	return NewLoaderFunc(os.LookupEnv)
}

// NewLoaderFunc returns a Loader over any lookup function (tests pass a map's).
func NewLoaderFunc(lookup LookupFunc) *Loader {
	return &Loader{lookup: lookup}
}

// NewLoaderMap returns a Loader over a fixed map of variables.
func NewLoaderMap(vars map[string]string) *Loader {
	return NewLoaderFunc(func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	})
}

// Err returns every problem met so far joined with errors.Join, or nil.
func (l *Loader) Err() error {
	return errors.Join(l.problems...)
}

// Problem records a problem found by the caller's own validation (for example a value
// out of range), so it is reported together with the loader's own.
func (l *Loader) Problem(name string, err error) {
	l.problems = append(l.problems, fmt.Errorf("%s: %w", name, err))
}

func (l *Loader) raw(name string) (string, bool) {
	v, ok := l.lookup(name)
	v = strings.TrimSpace(v)
	return v, ok && v != ""
}

func (l *Loader) invalid(name, value, want string, err error) {
	l.problems = append(l.problems, fmt.Errorf("%s=%q: %w: want %s (%w)", name, value, ErrInvalid, want, err))
}

// String returns the variable, or def when it is unset or empty.
func (l *Loader) String(name, def string) string {
	if v, ok := l.raw(name); ok {
		return v
	}
	return def
}

// Required returns the variable and records a problem when it is unset or empty.
func (l *Loader) Required(name string) string {
	v, ok := l.raw(name)
	if !ok {
		l.problems = append(l.problems, fmt.Errorf("%s: %w", name, ErrMissing))
	}
	return v
}

// List returns the comma-separated variable with empty items dropped, or def when unset.
func (l *Loader) List(name string, def []string) []string {
	v, ok := l.raw(name)
	if !ok {
		return def
	}
	return splitList(v)
}

// RequiredList is List for a variable that must name at least one item.
func (l *Loader) RequiredList(name string) []string {
	items := splitList(l.Required(name))
	if len(items) == 0 {
		if _, ok := l.raw(name); ok {
			l.problems = append(l.problems, fmt.Errorf("%s: %w", name, ErrMissing))
		}
	}
	return items
}

func splitList(v string) []string {
	var out []string
	for item := range strings.SplitSeq(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// Duration returns the variable parsed by time.ParseDuration ("2s", "150ms"), or def.
// Negative durations are a problem.
func (l *Loader) Duration(name string, def time.Duration) time.Duration {
	v, ok := l.raw(name)
	if !ok {
		return def
	}
	d, err := time.ParseDuration(v)
	if err == nil && d < 0 {
		err = errors.New("negative")
	}
	if err != nil {
		l.invalid(name, v, "a non-negative duration such as 2s or 150ms", err)
		return def
	}
	return d
}

// Int returns the variable parsed as a base-10 integer, or def.
func (l *Loader) Int(name string, def int) int {
	v, ok := l.raw(name)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		l.invalid(name, v, "an integer", err)
		return def
	}
	return n
}

// Int64 returns the variable parsed as a 64-bit base-10 integer, or def.
func (l *Loader) Int64(name string, def int64) int64 {
	v, ok := l.raw(name)
	if !ok {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		l.invalid(name, v, "an integer", err)
		return def
	}
	return n
}

// Float returns the variable parsed as a float64, or def.
func (l *Loader) Float(name string, def float64) float64 {
	v, ok := l.raw(name)
	if !ok {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		l.invalid(name, v, "a number", err)
		return def
	}
	return f
}

// Bool returns the variable parsed by strconv.ParseBool (1, t, true, 0, f, false), or def.
func (l *Loader) Bool(name string, def bool) bool {
	v, ok := l.raw(name)
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		l.invalid(name, v, "true or false", err)
		return def
	}
	return b
}

// LogLevel returns the variable as a slog level (debug, info, warn, error), or def.
func (l *Loader) LogLevel(name string, def slog.Level) slog.Level {
	v, ok := l.raw(name)
	if !ok {
		return def
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(v)); err != nil {
		l.invalid(name, v, "debug, info, warn or error", err)
		return def
	}
	return level
}
