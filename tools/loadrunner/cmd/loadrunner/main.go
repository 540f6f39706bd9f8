// Command loadrunner reads a load plan (JSON, from -plan FILE or stdin) and writes one JSON line
// per second of aggregates, then a final line. Exit codes: 0 done, 2 bad plan, 3 the target did
// not answer in setup (no load was sent), 1 anything else.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"faultline.dev/tools/loadrunner/runner"
)

func main() { os.Exit(run()) }

func run() int {
	if len(os.Args) > 1 && os.Args[1] == "k6" {
		return runK6(os.Args[2:])
	}
	planFile := flag.String("plan", "-", "plan JSON file, or - for stdin")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the run to FILE (go tool pprof)")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadrunner:", err)
			return 2
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "loadrunner:", err)
			return 2
		}
		defer pprof.StopCPUProfile()
	}
	out := runner.NewEmitter(os.Stdout)
	out.Emit(runner.Line{Type: "hello", Message: "loadrunner"})
	fail := func(code int, phase string, err error) int {
		out.Emit(runner.Line{Type: "error", Phase: phase, Message: err.Error()})
		fmt.Fprintln(os.Stderr, "loadrunner:", err)
		return code
	}
	var in io.Reader = os.Stdin
	if *planFile != "-" {
		f, err := os.Open(*planFile)
		if err != nil {
			return fail(2, "plan", err)
		}
		defer f.Close()
		in = f
	}
	plan, err := runner.ReadPlan(in)
	if err != nil {
		return fail(2, "plan", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := runner.Run(ctx, plan, out); err != nil {
		if runner.IsSetupError(err) {
			return fail(3, "setup", err)
		}
		return fail(2, "plan", err)
	}
	return 0
}
