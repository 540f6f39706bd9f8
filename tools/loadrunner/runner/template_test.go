package runner

import (
	"regexp"
	"strings"
	"testing"
)

func TestTemplate_rendersPlaceholders(t *testing.T) {
	vars := Vars{"orderIds": {"a", "b"}}
	tp, err := parseTemplate(`{"key":"{{uuid}}","n":{{seq}},"id":"{{var:orderIds}}"}`, vars)
	if err != nil {
		t.Fatal(err)
	}
	a, b := tp.render(vars), tp.render(vars)
	if a == b {
		t.Fatalf("two renders are equal: %s", a)
	}
	re := regexp.MustCompile(`^\{"key":"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}","n":\d+,"id":"(a|b)"\}$`)
	if !re.MatchString(a) {
		t.Fatalf("render = %s", a)
	}
}

func TestTemplate_errorsNameTheProblem(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"{{nope}}", "unknown placeholder {{nope}}"},
		{"{{var:ids}}", `variable "ids" has no values`},
		{"x {{uuid", "unclosed"},
	} {
		_, err := parseTemplate(c.in, Vars{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("parseTemplate(%q) = %v, want an error containing %q", c.in, err, c.want)
		}
	}
}
