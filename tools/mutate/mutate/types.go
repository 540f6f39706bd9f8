// Package mutate generates mutants of Go source aimed at resilience code: deadlines, retries,
// backoff, error branches, compensations, dedupe checks, circuit breakers, sentinel errors,
// commits and consumer offsets. Candidates are found on the type-checked syntax tree
// (go/ast, go/types); each mutant is the changed file printed from its tree (go/format), and
// is kept only when its package still type-checks.
package mutate

// Request says what to mutate. Paths are relative to Dir (a module or workspace root).
type Request struct {
	// Dir is the module or workspace root (holds go.mod or go.work): a copy of the user's tree.
	Dir string `json:"dir"`
	// Packages are the main packages the target builds (`./payments/cmd/payments`); every
	// package under Dir they import (transitively) is mutated.
	Packages []string `json:"packages"`
	// Tags are the build tags the target is built with.
	Tags []string `json:"tags,omitempty"`
	// Operators to apply (names from Operators()); empty: all.
	Operators []string `json:"operators,omitempty"`
	// Exclude skips packages whose import path contains one of these strings.
	Exclude []string `json:"exclude,omitempty"`
	// Service names the image the mutants go into; part of each mutant's id.
	Service string `json:"service,omitempty"`
}

// Mutant is one change to one file.
type Mutant struct {
	Type     string `json:"type"` // "mutant"
	ID       string `json:"id"`
	Service  string `json:"service,omitempty"`
	Operator string `json:"operator"`
	Package  string `json:"package"`
	// File is relative to the request's Dir.
	File     string `json:"file"`
	Line     int    `json:"line"`
	Function string `json:"function,omitempty"`
	// Original and Mutated are the changed node as source ("context.WithTimeout(ctx, c.timeout)").
	Original string `json:"original"`
	Mutated  string `json:"mutated"`
	// Hint is the property no scenario checks when this mutant survives.
	Hint string `json:"hint"`
	// Diff is a unified diff of the file (a/<file> b/<file>).
	Diff string `json:"diff"`
	// Content is the whole mutated file.
	Content string `json:"content"`
}

// Summary is the last line of a run.
type Summary struct {
	Type     string `json:"type"` // "summary"
	Packages int    `json:"packages"`
	Files    int    `json:"files"`
	Mutants  int    `json:"mutants"`
	// Discarded candidates did not type-check in any form (reported, never emitted).
	Discarded int            `json:"discarded"`
	ByOp      map[string]int `json:"byOperator"`
}

// OperatorDoc describes one operator (the -operators listing).
type OperatorDoc struct {
	Type    string `json:"type"` // "operator"
	Name    string `json:"name"`
	Doc     string `json:"doc"`
	Example string `json:"example"`
}
