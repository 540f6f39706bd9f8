package mutate_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"faultline.dev/tools/mutate/mutate"
)

// generate runs the generator over testdata/fixture with the given operators.
func generate(t *testing.T, ops ...string) []mutate.Mutant {
	t.Helper()
	var out []mutate.Mutant
	_, err := mutate.Generate(mutate.Request{Dir: "testdata/fixture", Packages: []string{"./..."}, Operators: ops, Service: "fixture"},
		func(m mutate.Mutant) error { out = append(out, m); return nil })
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return out
}

// builds compiles the fixture with one file replaced by the mutant's content (a real go build).
func builds(t *testing.T, m mutate.Mutant) {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"go.mod", "resilience.go"} {
		b, err := os.ReadFile(filepath.Join("testdata/fixture", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, m.File), []byte(m.Content), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "build", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mutant %s (%s) does not build: %v\n%s\n%s", m.ID, m.Operator, err, out, m.Diff)
	}
}

// Each operator: the mutant it makes on the fixture (the lines its diff removes and adds),
// and that the mutated fixture builds.
func TestOperators_makeTheirMutantAndItBuilds(t *testing.T) {
	cases := []struct {
		op, removed, added string
	}{
		{"timeout-x30", "ctx, cancel := context.WithTimeout(ctx, 2*time.Second)", "ctx, cancel := context.WithTimeout(ctx, 30*(2*time.Second))"},
		{"timeout-removed", "ctx, cancel := context.WithTimeout(ctx, 2*time.Second)", "ctx, cancel := context.WithCancel(ctx)"},
		{"retry-once", "if attempt >= maxAttempts {", "if attempt >= 1 {"},
		{"retry-unbounded", "if attempt >= maxAttempts {", "if false {"},
		{"backoff-removed", "case <-time.After(backoff):", "case <-time.After(0):"},
		{"err-continue", "if err != nil {", "if err != nil && false {"},
		{"compensation-call-deleted", "_ = s.Release(ctx, id)", ""},
		{"dedupe-always-false", "alreadyProcessed := seen[id]", "alreadyProcessed := false"},
		{"breaker-never-trips", "return Settings{ReadyToTrip: func(c Counts) bool { return c.ConsecutiveFailures >= 5 }}", "func(c Counts) bool { return false }"},
		{"errors-is-false", "if errors.Is(err, ErrNotFound) {", "if false {"},
		{"commit-error-ignored", "if err := tx.Commit(ctx); err != nil {", "_ = tx.Commit(ctx)"},
		{"offset-commit-early", "handled = append(handled, r)", "handled = append(handled, r)\n\t\tif !deliver(r) {"},
	}
	seen := map[string]bool{}
	for _, o := range mutate.Operators() {
		seen[o.Name] = false
		if o.Doc == "" || o.Example == "" {
			t.Errorf("operator %s has no documentation or example", o.Name)
		}
	}
	for _, c := range cases {
		t.Run(c.op, func(t *testing.T) {
			seen[c.op] = true
			ms := generate(t, c.op)
			if len(ms) == 0 {
				t.Fatalf("%s made no mutant of the fixture", c.op)
			}
			var hit *mutate.Mutant
			for i, m := range ms {
				if m.Operator != c.op {
					t.Errorf("asked for %s, got a %s mutant", c.op, m.Operator)
				}
				if removes(m.Diff, c.removed) && (c.added == "" || strings.Contains(m.Content, c.added)) {
					hit = &ms[i]
				}
			}
			if hit == nil {
				var diffs []string
				for _, m := range ms {
					diffs = append(diffs, m.Diff)
				}
				t.Fatalf("%s: no mutant removes %q and adds %q; diffs:\n%s", c.op, c.removed, c.added, strings.Join(diffs, "\n"))
			}
			if hit.Hint == "" || !strings.HasPrefix(hit.Hint, "no scenario") {
				t.Errorf("hint %q: want one line naming the unchecked property", hit.Hint)
			}
			for _, m := range ms {
				builds(t, m)
			}
		})
	}
	for name, tested := range seen {
		if !tested {
			t.Errorf("operator %s has no case in this test", name)
		}
	}
}

func TestGenerate_idsAreStableAndUnique(t *testing.T) {
	a, b := generate(t), generate(t)
	if len(a) != len(b) || len(a) < 12 {
		t.Fatalf("runs gave %d and %d mutants; want the same, at least one per operator", len(a), len(b))
	}
	ids := map[string]bool{}
	for i := range a {
		if a[i].ID != b[i].ID {
			t.Errorf("mutant %d: id %s then %s", i, a[i].ID, b[i].ID)
		}
		if ids[a[i].ID] {
			t.Errorf("id %s given twice", a[i].ID)
		}
		ids[a[i].ID] = true
	}
}

func TestGenerate_unknownOperatorListsTheKnownOnes(t *testing.T) {
	_, err := mutate.Generate(mutate.Request{Dir: "testdata/fixture", Packages: []string{"./..."}, Operators: []string{"timeout-x3"}},
		func(mutate.Mutant) error { return nil })
	var ie *mutate.InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "timeout-x30") {
		t.Fatalf("err = %v; want an input error listing the known operators", err)
	}
}

func TestGenerate_excludedPackagesAndSabotageBranchesAreNotMutated(t *testing.T) {
	var n int
	_, err := mutate.Generate(mutate.Request{Dir: "testdata/fixture", Packages: []string{"./..."}, Exclude: []string{"fixture"}},
		func(mutate.Mutant) error { n++; return nil })
	if err != nil || n != 0 {
		t.Fatalf("excluded package: %d mutants, err %v; want none", n, err)
	}
}

// removes: the diff has a removed line holding want (empty: any mutant).
func removes(diff, want string) bool {
	if want == "" {
		return true
	}
	for _, l := range strings.Split(diff, "\n") {
		if strings.HasPrefix(l, "-") && !strings.HasPrefix(l, "---") && strings.TrimSpace(l[1:]) == want {
			return true
		}
	}
	return false
}
