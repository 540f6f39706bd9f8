// Package k6test runs k6 scripts in-process for the modules' tests.
package k6test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "faultline.dev/tools/loadrunner/k6/all" // every module
	"faultline.dev/tools/loadrunner/k6/engine"
)

// Result is what one run gave.
type Result struct {
	Code           int
	Err            error
	Stdout, Stderr string
	// Summary is the --summary-export JSON.
	Summary struct {
		Metrics map[string]map[string]any `json:"metrics"`
	}
	OutJSON string
}

// Metric is one figure of the summary export (0 when absent).
func (r *Result) Metric(name, figure string) float64 {
	v, _ := r.Summary.Metrics[name][figure].(float64)
	return v
}

// Run writes script (and files) to a temporary folder and runs it with env.
func Run(t *testing.T, script string, files map[string]string, env map[string]string, mod ...func(*engine.Config)) *Result {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "script.js")
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, body := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out, errs bytes.Buffer
	cfg := engine.Config{Script: path, Env: env, CLIEnv: map[string]string{}, Stdout: &out, Stderr: &errs,
		SummaryExport: filepath.Join(dir, "summary.json"), OutJSON: filepath.Join(dir, "out.json")}
	for _, m := range mod {
		m(&cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	r := &Result{}
	r.Code, r.Err = engine.Run(ctx, cfg)
	r.Stdout, r.Stderr = out.String(), errs.String()
	if b, err := os.ReadFile(cfg.SummaryExport); err == nil {
		if err := json.Unmarshal(b, &r.Summary); err != nil {
			t.Fatalf("summary export: %v", err)
		}
	}
	if b, err := os.ReadFile(cfg.OutJSON); err == nil {
		r.OutJSON = string(b)
	}
	return r
}
