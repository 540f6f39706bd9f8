package plugin

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"google.golang.org/protobuf/types/known/structpb"

	"faultline.dev/tools/pact-protobuf-plugin/internal/pluginpb"
)

// Rules maps Pact path expressions ($.order.lines[*].sku) to the rules at that path.
type Rules map[string][]Rule

// pathTokens splits a Pact path expression into its field and index tokens:
// $.order.lines[*].sku -> [order lines * sku]; $.a['b'] -> [a b].
func pathTokens(path string) []string {
	path = strings.TrimPrefix(strings.TrimSpace(path), "$")
	var out []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	for i := 0; i < len(path); i++ {
		switch c := path[i]; c {
		case '.':
			flush()
		case '[':
			flush()
			end := strings.IndexByte(path[i:], ']')
			if end < 0 {
				cur.WriteString(path[i+1:])
				i = len(path)
				continue
			}
			out = append(out, strings.Trim(path[i+1:i+end], `'"`))
			i += end
		default:
			cur.WriteByte(c)
		}
	}
	flush()
	return out
}

// pathMatches reports whether a rule's path selects the concrete path (tokens of equal
// length, "*" matching any one token).
func pathMatches(rule, concrete []string) bool {
	if len(rule) != len(concrete) {
		return false
	}
	for i := range rule {
		if rule[i] != "*" && rule[i] != concrete[i] {
			return false
		}
	}
	return true
}

// For returns the rules that apply at the concrete path (e.g. $.lines[1].sku), the most
// specific path winning: fewer wildcards first.
func (r Rules) For(concrete string) []Rule {
	ct := pathTokens(concrete)
	best, bestStars := []Rule(nil), -1
	for p, rules := range r {
		pt := pathTokens(p)
		if !pathMatches(pt, ct) {
			continue
		}
		stars := strings.Count(p, "*")
		if bestStars == -1 || stars < bestStars {
			best, bestStars = rules, stars
		}
	}
	return best
}

// HasElementRules reports whether any rule addresses the elements of the list at path
// with a wildcard ($.lines[*] or $.lines[*].sku): the list is then matched like Pact's
// eachLike, every actual element against the first expected one.
func (r Rules) HasElementRules(path string) bool {
	base := pathTokens(path)
	for p, rules := range r {
		pt := pathTokens(p)
		if len(pt) > len(base) && pathMatches(pt[:len(base)], base) && pt[len(base)] == "*" {
			return true
		}
		if pathMatches(pt, base) {
			for _, rule := range rules {
				if rule.Type == "type" || rule.Type == "min-type" {
					return true
				}
			}
		}
	}
	return false
}

// ToProto turns the rules into the plugin interface's form (Pact model names and values).
func (r Rules) ToProto() map[string]*pluginpb.MatchingRules {
	out := map[string]*pluginpb.MatchingRules{}
	for p, rules := range r {
		mr := &pluginpb.MatchingRules{}
		for _, rule := range rules {
			values := map[string]any{}
			if rule.Type == "regex" {
				values["regex"] = rule.Regex
			}
			if rule.HasMin {
				values["min"] = rule.Min
			}
			var s *structpb.Struct
			if len(values) > 0 {
				s, _ = structpb.NewStruct(values)
			}
			mr.Rule = append(mr.Rule, &pluginpb.MatchingRule{Type: rule.Type, Values: s})
		}
		out[p] = mr
	}
	return out
}

// RulesFromProto reads rules as the driver sends them in a CompareContentsRequest.
func RulesFromProto(in map[string]*pluginpb.MatchingRules) (Rules, error) {
	out := Rules{}
	for p, mr := range in {
		for _, rule := range mr.GetRule() {
			r, err := ruleFromJSON(rule.GetType(), rule.GetValues().AsMap())
			if err != nil {
				return nil, fmt.Errorf("matching rule at %s: %w", p, err)
			}
			out[p] = append(out[p], r)
		}
	}
	return out, nil
}

// RulesFromPact reads a category of a pact's matchingRules ({"$.a": {"matchers": [...]}}).
func RulesFromPact(category map[string]any) (Rules, error) {
	out := Rules{}
	for p, v := range category {
		entry, _ := v.(map[string]any)
		matchers, _ := entry["matchers"].([]any)
		for _, m := range matchers {
			mm, _ := m.(map[string]any)
			name, _ := mm["match"].(string)
			r, err := ruleFromJSON(name, mm)
			if err != nil {
				return nil, fmt.Errorf("matching rule at %s: %w", p, err)
			}
			out[p] = append(out[p], r)
		}
	}
	return out, nil
}

func ruleFromJSON(name string, values map[string]any) (Rule, error) {
	r := Rule{}
	if m, ok := values["min"]; ok {
		switch n := m.(type) {
		case float64:
			r.Min, r.HasMin = int(n), true
		case string:
			v, err := strconv.Atoi(n)
			if err == nil {
				r.Min, r.HasMin = v, true
			}
		}
	}
	switch name {
	case "type", "min-type", "min":
		r.Type = "type"
		if r.HasMin {
			r.Type = "min-type"
		}
	case "regex":
		r.Type = "regex"
		re, _ := values["regex"].(string)
		if re == "" {
			return Rule{}, fmt.Errorf("a regex rule needs a regex")
		}
		r.Regex = re
	case "not-empty", "notEmpty":
		r.Type = "not-empty"
	case "equality":
		r.Type = "equality"
	case "integer", "decimal", "number", "boolean":
		r.Type = name
	default:
		return Rule{}, fmt.Errorf("matching rule %q is not supported by this plugin (supported: type, regex, notEmpty, equality, integer, decimal, number, boolean)", name)
	}
	return r, nil
}

// describe renders rules for mismatch messages: "type", "regex '^SKU-'".
func describe(rules []Rule) string {
	parts := make([]string, 0, len(rules))
	for _, r := range rules {
		if r.Type == "regex" {
			parts = append(parts, fmt.Sprintf("regex %q", r.Regex))
			continue
		}
		parts = append(parts, r.Type)
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}
