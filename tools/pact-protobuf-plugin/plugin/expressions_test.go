package plugin_test

import (
	"strings"
	"testing"

	"faultline.dev/tools/pact-protobuf-plugin/plugin"
)

func TestParseExpression(t *testing.T) {
	cases := []struct {
		expr, rule, regex, example string
	}{
		{"matching(type, 'SKU-1')", "type", "", "SKU-1"},
		{"matching(integer, 5000)", "integer", "", "5000"},
		{"matching(decimal, 1.5)", "decimal", "", "1.5"},
		{"matching(boolean, true)", "boolean", "", "true"},
		{"matching(equalTo, 'EUR')", "equality", "", "EUR"},
		{`matching(regex, '^order-.+-charge$', 'order-1-charge')`, "regex", "^order-.+-charge$", "order-1-charge"},
		{`matching(regex, 'it\'s', 'it\'s')`, "regex", "it's", "it's"},
		{"notEmpty('pay-1')", "not-empty", "", "pay-1"},
		{"  matching( type ,'x' ) ", "type", "", "x"},
	}
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			def, err := plugin.ParseExpression(c.expr)
			if err != nil {
				t.Fatal(err)
			}
			if len(def.Rules) != 1 || def.Rules[0].Type != c.rule || def.Rules[0].Regex != c.regex {
				t.Errorf("rules = %+v", def.Rules)
			}
			if def.Example.String() != c.example {
				t.Errorf("example = %q, want %q", def.Example.String(), c.example)
			}
		})
	}
}

func TestParseExpression_combined(t *testing.T) {
	def, err := plugin.ParseExpression("atLeast(1), eachValue(matching(type, 'SKU-1'))")
	if err != nil {
		t.Fatal(err)
	}
	if len(def.Rules) != 2 || def.Rules[0].Type != "min-type" || def.Rules[0].Min != 1 || def.Rules[1].Type != "type" {
		t.Errorf("rules = %+v", def.Rules)
	}
}

func TestParseExpression_errors(t *testing.T) {
	for expr, want := range map[string]string{
		"matching(type, 'x'":        `expected ")"`,
		"matching(type, 'x)":        "unterminated string",
		"matching(fuzzy, 'x')":      `unsupported matcher "fuzzy"`,
		"like('x')":                 `unsupported function "like"`,
		"matching(type, 'x') extra": `unexpected "extra"`,
		"matching(regex, 'a')":      `expected ","`,
	} {
		_, err := plugin.ParseExpression(expr)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), expr) {
			t.Errorf("%s: error = %v, want it to name the expression and contain %q", expr, err, want)
		}
	}
}

func TestIsExpression(t *testing.T) {
	if !plugin.IsExpression("matching(type, 'x')") || !plugin.IsExpression(" notEmpty('x')") {
		t.Error("expressions not recognised")
	}
	if plugin.IsExpression("SKU-1") || plugin.IsExpression("matching") {
		t.Error("literals taken for expressions")
	}
}
