package plugin

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"google.golang.org/grpc/codes"
)

// MetadataConfig reads requestMetadata / responseMetadata: key -> literal or expression.
// Rules are keyed by the metadata key, as Pact's metadata category keys them.
func MetadataConfig(config any, what string) (map[string]string, Rules, error) {
	values, rules := map[string]string{}, Rules{}
	if config == nil {
		return values, rules, nil
	}
	m, ok := config.(map[string]any)
	if !ok {
		return nil, nil, fmt.Errorf("%s must be an object of metadata keys to values", what)
	}
	for k, v := range m {
		s := fmt.Sprint(v)
		if IsExpression(s) {
			def, err := ParseExpression(s)
			if err != nil {
				return nil, nil, fmt.Errorf("%s %s: %w", what, k, err)
			}
			rules[k] = def.Rules
			s = def.Example.String()
		}
		values[k] = s
	}
	return values, rules, nil
}

// CompareMetadata checks expected metadata against actual values (nil: the key is absent).
// grpc-status compares codes, by name or number.
func CompareMetadata(expected map[string]string, rules Rules, actual func(key string) (string, bool)) []Mismatch {
	var out []Mismatch
	for k, want := range expected {
		got, ok := actual(k)
		if !ok {
			out = append(out, Mismatch{Path: k, Part: "metadata", Expected: want, Actual: "(missing)",
				Message: fmt.Sprintf("metadata %s: expected %q, but it is missing", k, want)})
			continue
		}
		if k == "grpc-status" {
			if w, g := codeName(want), codeName(got); w != g {
				out = append(out, Mismatch{Path: k, Part: "metadata", Expected: w, Actual: g,
					Message: fmt.Sprintf("gRPC status: expected %s, actual %s", w, g)})
			}
			continue
		}
		rs := rules[k]
		if len(rs) == 0 {
			rs = []Rule{{Type: "equality"}}
		}
		for _, r := range rs {
			switch r.Type {
			case "equality":
				if got != want {
					out = append(out, Mismatch{Path: k, Part: "metadata", Expected: want, Actual: got,
						Message: fmt.Sprintf("metadata %s: expected %q, actual %q", k, want, got)})
				}
			case "regex":
				if re, err := regexp.Compile(r.Regex); err != nil || !re.MatchString(got) {
					out = append(out, Mismatch{Path: k, Part: "metadata", Expected: want, Actual: got,
						Message: fmt.Sprintf("metadata %s: expected a value matching regex %q, actual %q", k, r.Regex, got)})
				}
			case "not-empty":
				if got == "" {
					out = append(out, Mismatch{Path: k, Part: "metadata", Expected: want, Actual: got,
						Message: fmt.Sprintf("metadata %s: expected a non-empty value, actual empty", k)})
				}
			}
		}
	}
	return out
}

// codeName normalises a gRPC status given as a name ("NOT_FOUND") or a number ("5").
func codeName(s string) string {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil {
		return codeString(codes.Code(n))
	}
	return strings.ToUpper(s)
}

// ParseCode reads a gRPC status name or number.
func ParseCode(s string) (codes.Code, error) {
	name := codeName(s)
	for c := codes.OK; c <= codes.Unauthenticated; c++ {
		if codeString(c) == name {
			return c, nil
		}
	}
	return codes.Unknown, fmt.Errorf("%q is not a gRPC status (OK, NOT_FOUND, FAILED_PRECONDITION, ... or a number)", s)
}

// codeString is the canonical upper-snake name (NOT_FOUND), as gRPC's specification spells it.
func codeString(c codes.Code) string {
	var b strings.Builder
	for i, r := range c.String() {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
		}
		b.WriteRune(r)
	}
	s := strings.ToUpper(b.String())
	if c == codes.OK {
		return "OK"
	}
	return s
}
