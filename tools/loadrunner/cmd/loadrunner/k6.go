package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	_ "faultline.dev/tools/loadrunner/k6/all" // the k6 modules
	"faultline.dev/tools/loadrunner/k6/engine"
	"faultline.dev/tools/loadrunner/runner"
)

type envFlag map[string]string

func (e envFlag) String() string { return "" }
func (e envFlag) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("-e %q: write KEY=VALUE", s)
	}
	e[k] = v
	return nil
}

// runK6 is `loadrunner k6 [flags] script.js`: k6's command line. With --lines, stdout carries
// faultline's JSON lines (the summary as a "summary" line) for the harness.
func runK6(args []string) int {
	fs := flag.NewFlagSet("k6", flag.ContinueOnError)
	cli := envFlag{}
	stack := envFlag{}
	fs.Var(cli, "e", "KEY=VALUE in __ENV (repeatable)")
	fs.Var(cli, "env", "KEY=VALUE in __ENV (repeatable)")
	fs.Var(stack, "stack-env", "KEY=VALUE from the stack, below -e (repeatable)")
	vus := fs.Int("vus", 0, "VUs (replaces the script's scenarios, as k6)")
	fs.IntVar(vus, "u", 0, "VUs")
	duration := fs.String("duration", "", "duration, e.g. 30s")
	fs.StringVar(duration, "d", "", "duration")
	iterations := fs.Int("iterations", 0, "total iterations")
	fs.IntVar(iterations, "i", 0, "total iterations")
	var outs []string
	fs.Func("out", "json=FILE: every sample as k6's JSON lines", func(s string) error { outs = append(outs, s); return nil })
	fs.Func("o", "json=FILE", func(s string) error { outs = append(outs, s); return nil })
	summaryExport := fs.String("summary-export", "", "write the end-of-test summary as JSON to FILE")
	quiet := fs.Bool("quiet", false, "no end-of-test summary")
	fs.BoolVar(quiet, "q", false, "no end-of-test summary")
	lines := fs.Bool("lines", false, "JSON lines for the harness on stdout")
	// k6 takes flags before and after the script.
	var positional []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			return engine.ExitInvalidConfig
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if len(positional) != 1 {
		fmt.Fprintln(os.Stderr, "usage: loadrunner k6 [flags] script.js")
		return engine.ExitInvalidConfig
	}
	cfg := engine.Config{Script: positional[0], Env: map[string]string{}, CLIEnv: cli,
		Overrides: engine.Overrides{VUs: *vus, Iterations: *iterations}, SummaryExport: *summaryExport, Quiet: *quiet}
	for k, v := range stack {
		cfg.Env[k] = v
	}
	for k, v := range cli {
		cfg.Env[k] = v
	}
	if *duration != "" {
		d, err := engine.ParseDuration(*duration)
		if err != nil {
			fmt.Fprintf(os.Stderr, "--duration: %v\n", err)
			return engine.ExitInvalidConfig
		}
		cfg.Overrides.Duration = d
	}
	for _, o := range outs {
		kind, file, _ := strings.Cut(o, "=")
		if kind != "json" || file == "" {
			fmt.Fprintf(os.Stderr, "--out %q: faultline's k6 runner writes json=FILE only\n", o)
			return engine.ExitInvalidConfig
		}
		cfg.OutJSON = file
	}
	var em *runner.Emitter
	if *lines {
		em = runner.NewEmitter(os.Stdout)
		em.Emit(runner.Line{Type: "hello", Message: "loadrunner k6"})
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	cfg.Lines = em
	code, err := engine.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	if em != nil && err != nil {
		em.Emit(runner.Line{Type: "error", Phase: "script", Message: err.Error()})
	}
	return code
}
