package runner

import (
	crand "crypto/rand"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
)

// Vars holds the values captured in setup, by variable name.
type Vars map[string][]string

var placeholder = regexp.MustCompile(`\{\{\s*([a-z]+)(?::([A-Za-z0-9_.-]+))?\s*\}\}`)

// template is a string with {{uuid}}, {{seq}} and {{var:NAME}} placeholders, parsed once.
type template struct {
	parts []string // literal, placeholder, literal, ...: odd indexes are placeholders
	args  []string
}

func parseTemplate(s string, vars Vars) (*template, error) {
	t := &template{}
	last := 0
	for _, m := range placeholder.FindAllStringSubmatchIndex(s, -1) {
		kind := s[m[2]:m[3]]
		arg := ""
		if m[4] >= 0 {
			arg = s[m[4]:m[5]]
		}
		switch kind {
		case "uuid", "seq":
		case "var":
			if len(vars[arg]) == 0 {
				return nil, fmt.Errorf("template %q: variable %q has no values (capture it in setup)", s, arg)
			}
		default:
			return nil, fmt.Errorf("template %q: unknown placeholder {{%s}}; known: {{uuid}}, {{seq}}, {{var:NAME}}", s, kind)
		}
		t.parts = append(t.parts, s[last:m[0]], kind)
		t.args = append(t.args, arg)
		last = m[1]
	}
	t.parts = append(t.parts, s[last:])
	if strings.Contains(t.parts[len(t.parts)-1], "{{") {
		return nil, fmt.Errorf("template %q: unclosed or malformed {{...}}", s)
	}
	return t, nil
}

var seq atomic.Uint64

func (t *template) render(vars Vars) string {
	if len(t.parts) == 1 {
		return t.parts[0]
	}
	var b strings.Builder
	for i, p := range t.parts {
		if i%2 == 0 {
			b.WriteString(p)
			continue
		}
		switch p {
		case "uuid":
			b.WriteString(newUUID())
		case "seq":
			b.WriteString(strconv.FormatUint(seq.Add(1), 10))
		case "var":
			vs := vars[t.args[i/2]]
			b.WriteString(vs[rand.IntN(len(vs))])
		}
	}
	return b.String()
}

// newUUID is a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = crand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
