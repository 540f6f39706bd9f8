package plugin

import (
	"fmt"
	"strconv"
	"strings"
)

// Rule is one Pact matching rule: its type as Pact's models name it ("type", "regex",
// "not-empty", "equality", "integer", "decimal", "number", "boolean", "min-type") and its values.
type Rule struct {
	Type   string
	Regex  string
	Min    int
	HasMin bool
}

// Definition is a parsed matching rule definition expression, e.g. matching(type, 'SKU-1'):
// the rules it sets and the example value it carries.
type Definition struct {
	Rules   []Rule
	Example Value
}

// Value is an example value from an expression: a string, a number or a boolean.
type Value struct {
	Kind string // "string", "number", "boolean", "null"
	Str  string
	Num  float64
	Bool bool
}

func (v Value) String() string {
	switch v.Kind {
	case "number":
		return strconv.FormatFloat(v.Num, 'f', -1, 64)
	case "boolean":
		return strconv.FormatBool(v.Bool)
	case "null":
		return "null"
	}
	return v.Str
}

// IsExpression reports whether s is a matching rule definition (Pact's expression syntax)
// rather than a literal example.
func IsExpression(s string) bool {
	s = strings.TrimSpace(s)
	for _, p := range []string{"matching(", "notEmpty(", "eachValue(", "atLeast(", "atMost("} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// ParseExpression parses the expressions this plugin supports:
//
//	matching(type, <example>)            same type as the example
//	matching(regex, '<regex>', '<example>')
//	matching(equalTo, <example>)
//	matching(integer|decimal|number|boolean, <example>)
//	notEmpty(<example>)
//	atLeast(<n>), eachValue(matching(...))  (comma-separated, for repeated fields)
//
// Strings are single-quoted ('it”s' is not supported; use \' to escape).
func ParseExpression(expr string) (Definition, error) {
	p := &exprParser{s: expr}
	var def Definition
	for {
		p.skipSpace()
		if err := p.one(&def); err != nil {
			return Definition{}, fmt.Errorf("matching expression %q: %w", expr, err)
		}
		p.skipSpace()
		if p.eof() {
			return def, nil
		}
		if !p.consume(",") {
			return Definition{}, fmt.Errorf("matching expression %q: unexpected %q at offset %d", expr, p.s[p.i:], p.i)
		}
	}
}

type exprParser struct {
	s string
	i int
}

func (p *exprParser) eof() bool { return p.i >= len(p.s) }

func (p *exprParser) skipSpace() {
	for !p.eof() && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n') {
		p.i++
	}
}

func (p *exprParser) consume(tok string) bool {
	p.skipSpace()
	if strings.HasPrefix(p.s[p.i:], tok) {
		p.i += len(tok)
		return true
	}
	return false
}

func (p *exprParser) expect(tok string) error {
	if !p.consume(tok) {
		return fmt.Errorf("expected %q at offset %d", tok, p.i)
	}
	return nil
}

func (p *exprParser) ident() string {
	p.skipSpace()
	start := p.i
	for !p.eof() {
		c := p.s[p.i]
		if c == '_' || c == '-' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') {
			p.i++
			continue
		}
		break
	}
	return p.s[start:p.i]
}

func (p *exprParser) value() (Value, error) {
	p.skipSpace()
	if p.eof() {
		return Value{}, fmt.Errorf("expected a value at the end")
	}
	if p.s[p.i] == '\'' {
		var b strings.Builder
		p.i++
		for !p.eof() {
			c := p.s[p.i]
			switch {
			case c == '\\' && p.i+1 < len(p.s):
				b.WriteByte(p.s[p.i+1])
				p.i += 2
			case c == '\'':
				p.i++
				return Value{Kind: "string", Str: b.String()}, nil
			default:
				b.WriteByte(c)
				p.i++
			}
		}
		return Value{}, fmt.Errorf("unterminated string")
	}
	word := p.ident()
	if strings.HasPrefix(p.s[p.i:], ".") {
		p.i++
		word += "." + p.ident()
	}
	switch word {
	case "true", "false":
		return Value{Kind: "boolean", Bool: word == "true"}, nil
	case "null":
		return Value{Kind: "null"}, nil
	}
	n, err := strconv.ParseFloat(word, 64)
	if err != nil {
		return Value{}, fmt.Errorf("expected a quoted string, a number or a boolean, got %q", word)
	}
	return Value{Kind: "number", Num: n, Str: word}, nil
}

func (p *exprParser) one(def *Definition) error {
	name := p.ident()
	if err := p.expect("("); err != nil {
		return err
	}
	switch name {
	case "matching":
		kind := p.ident()
		if err := p.expect(","); err != nil {
			return err
		}
		switch kind {
		case "type", "equalTo", "integer", "decimal", "number", "boolean":
			v, err := p.value()
			if err != nil {
				return err
			}
			def.Example = v
			ruleType := kind
			if kind == "equalTo" {
				ruleType = "equality"
			}
			def.Rules = append(def.Rules, Rule{Type: ruleType})
		case "regex":
			re, err := p.value()
			if err != nil {
				return err
			}
			if err := p.expect(","); err != nil {
				return err
			}
			v, err := p.value()
			if err != nil {
				return err
			}
			def.Example = v
			def.Rules = append(def.Rules, Rule{Type: "regex", Regex: re.Str})
		default:
			return fmt.Errorf("unsupported matcher %q (supported: type, regex, equalTo, integer, decimal, number, boolean)", kind)
		}
	case "notEmpty":
		v, err := p.value()
		if err != nil {
			return err
		}
		def.Example = v
		def.Rules = append(def.Rules, Rule{Type: "not-empty"})
	case "atLeast":
		v, err := p.value()
		if err != nil || v.Kind != "number" {
			return fmt.Errorf("atLeast needs a number")
		}
		def.Rules = append(def.Rules, Rule{Type: "min-type", Min: int(v.Num), HasMin: true})
	case "eachValue":
		inner := Definition{}
		if err := p.one(&inner); err != nil {
			return err
		}
		def.Example = inner.Example
		def.Rules = append(def.Rules, inner.Rules...)
	default:
		return fmt.Errorf("unsupported function %q (supported: matching, notEmpty, atLeast, eachValue)", name)
	}
	return p.expect(")")
}
