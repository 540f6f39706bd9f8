// Command mutate prints the mutants of a Go target's packages as JSON lines.
//
//	mutate [-input request.json]   reads the request (JSON, default stdin): {"dir", "packages", "tags", "operators", "exclude", "service"}
//	mutate -operators              lists the operators, one JSON line each
//
// Output: one {"type":"mutant",...} line per mutant, then one {"type":"summary",...} line.
// Bad input: exit 2 with one line on stderr; any other failure: exit 1.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"faultline.dev/tools/mutate/mutate"
)

func main() {
	input := flag.String("input", "-", "the request file (JSON); - reads stdin")
	list := flag.Bool("operators", false, "list the operators and exit")
	flag.Parse()
	os.Exit(run(*input, *list, os.Stdin, os.Stdout, os.Stderr))
}

func run(input string, list bool, stdin io.Reader, stdout, stderr io.Writer) int {
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	enc := json.NewEncoder(w)
	if list {
		for _, o := range mutate.Operators() {
			_ = enc.Encode(o)
		}
		return 0
	}
	in := stdin
	if input != "-" {
		f, err := os.Open(input)
		if err != nil {
			fmt.Fprintf(stderr, "mutate: cannot read the request: %v\n", err)
			return 2
		}
		defer f.Close()
		in = f
	}
	var req mutate.Request
	dec := json.NewDecoder(in)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		fmt.Fprintf(stderr, "mutate: the request is not valid JSON of the documented shape (dir, packages, tags, operators, exclude, service): %v\n", err)
		return 2
	}
	sum, err := mutate.Generate(req, func(m mutate.Mutant) error { return enc.Encode(m) })
	if err != nil {
		fmt.Fprintf(stderr, "mutate: %v\n", err)
		var ie *mutate.InputError
		if errors.As(err, &ie) {
			return 2
		}
		return 1
	}
	_ = enc.Encode(sum)
	return 0
}
