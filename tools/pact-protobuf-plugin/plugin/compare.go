package plugin

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
)

// Mismatch is one difference between what the pact expects and what came: the Pact path of
// the field, the expected and actual values as text, and a sentence saying all of it.
type Mismatch struct {
	Path     string
	Expected string
	Actual   string
	Message  string
	// Part is "body" or "metadata".
	Part string
}

// Comparison holds what one comparison needs besides the two messages.
type Comparison struct {
	Rules Rules
	// Expectations are the paths the consumer wrote in its test: a field mentioned there is
	// checked even when its expected value is proto3's default (not on the wire).
	Expectations map[string]bool
	// AllowUnexpected: fields the expected message does not set may carry values (a provider
	// may add fields; a consumer's mock server request may not).
	AllowUnexpected bool
}

// CompareBytes decodes expected and actual as messages of md and compares them.
func (c Comparison) CompareBytes(md protoreflect.MessageDescriptor, expected, actual []byte) ([]Mismatch, error) {
	e := dynamicpb.NewMessage(md)
	if err := proto.Unmarshal(expected, e); err != nil {
		return nil, fmt.Errorf("the expected %s in the pact does not decode: %w", md.FullName(), err)
	}
	a := dynamicpb.NewMessage(md)
	if err := proto.Unmarshal(actual, a); err != nil {
		return []Mismatch{{Path: "$", Part: "body", Expected: string(md.FullName()), Actual: hexPreview(actual),
			Message: fmt.Sprintf("$: the actual bytes are not a valid %s: %v", md.FullName(), err)}}, nil
	}
	var out []Mismatch
	c.message(md, e, a, "$", &out)
	return out, nil
}

func (c Comparison) message(md protoreflect.MessageDescriptor, e, a protoreflect.Message, path string, out *[]Mismatch) {
	unknown := unknownFields(a.GetUnknown())
	fields := md.Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		p := path + "." + string(fd.Name())
		eHas, aHas := e.Has(fd), a.Has(fd)
		if !eHas && !c.expected(p) {
			if aHas && !c.AllowUnexpected {
				*out = append(*out, Mismatch{Path: p, Part: "body", Expected: "(not set)", Actual: formatValue(fd, a.Get(fd)),
					Message: fmt.Sprintf("%s: unexpected field %s (the pact does not set it), actual %s", p, fd.Name(), formatValue(fd, a.Get(fd)))})
			}
			continue
		}
		switch {
		case fd.IsMap():
			if !mapsEqual(fd, e.Get(fd).Map(), a.Get(fd).Map()) {
				*out = append(*out, mismatch(p, fd, e.Get(fd), a.Get(fd), "maps differ"))
			}
		case fd.IsList():
			c.list(fd, e.Get(fd).List(), a.Get(fd).List(), p, eHas, aHas, unknown, out)
		case fd.Message() != nil:
			if !eHas {
				continue
			}
			if !aHas {
				*out = append(*out, missing(p, fd, e.Get(fd), unknown))
				continue
			}
			c.message(fd.Message(), e.Get(fd).Message(), a.Get(fd).Message(), p, out)
		default:
			c.scalar(fd, e.Get(fd), a.Get(fd), p, eHas, aHas, unknown, out)
		}
	}
}

func (c Comparison) expected(path string) bool {
	if c.Expectations[path] {
		return true
	}
	return c.Expectations[stripIndices(path)]
}

// stripIndices drops list indices from a concrete path: $.lines[0].sku -> $.lines.sku.
func stripIndices(path string) string {
	toks := pathTokens(path)
	kept := toks[:0:0]
	for _, t := range toks {
		if _, err := strconv.Atoi(t); err == nil || t == "*" {
			continue
		}
		kept = append(kept, t)
	}
	return "$." + strings.Join(kept, ".")
}

func (c Comparison) scalar(fd protoreflect.FieldDescriptor, e, a protoreflect.Value, p string, eHas, aHas bool, unknown []unknownField, out *[]Mismatch) {
	rules := c.Rules.For(p)
	if eHas && !aHas {
		*out = append(*out, missing(p, fd, e, unknown))
		return
	}
	if len(rules) == 0 {
		rules = []Rule{{Type: "equality"}}
	}
	for _, r := range rules {
		if m, bad := check(r, fd, e, a, p); bad {
			*out = append(*out, m)
		}
	}
}

func check(r Rule, fd protoreflect.FieldDescriptor, e, a protoreflect.Value, p string) (Mismatch, bool) {
	ev, av := formatValue(fd, e), formatValue(fd, a)
	switch r.Type {
	case "equality":
		if !e.Equal(a) {
			return mismatch(p, fd, e, a, "expected "+ev+", actual "+av), true
		}
	case "regex":
		re, err := regexp.Compile(r.Regex)
		if err != nil {
			return Mismatch{Path: p, Part: "body", Expected: r.Regex, Actual: av,
				Message: fmt.Sprintf("%s: the pact's regex %q does not compile: %v", p, r.Regex, err)}, true
		}
		if !re.MatchString(plain(fd, a)) {
			return mismatch(p, fd, e, a, fmt.Sprintf("expected a value matching regex %q (example %s), actual %s", r.Regex, ev, av)), true
		}
	case "not-empty":
		if isEmpty(fd, a) {
			return mismatch(p, fd, e, a, fmt.Sprintf("expected a non-empty value (example %s), actual %s", ev, av)), true
		}
	}
	// type, min-type, integer, decimal, number, boolean: the field's declared type already
	// guarantees them once the field decoded under its own number.
	return Mismatch{}, false
}

func (c Comparison) list(fd protoreflect.FieldDescriptor, e, a protoreflect.List, p string, eHas, aHas bool, unknown []unknownField, out *[]Mismatch) {
	rules := c.Rules.For(p)
	for _, r := range rules {
		if r.Type == "min-type" && a.Len() < r.Min {
			*out = append(*out, Mismatch{Path: p, Part: "body", Expected: fmt.Sprintf("at least %d", r.Min), Actual: strconv.Itoa(a.Len()),
				Message: fmt.Sprintf("%s: expected at least %d element(s) of %s, actual %d%s", p, r.Min, fd.Name(), a.Len(), unknownHint(fd, unknown))})
			return
		}
		if r.Type == "not-empty" && a.Len() == 0 {
			*out = append(*out, Mismatch{Path: p, Part: "body", Expected: "non-empty", Actual: "0 elements",
				Message: fmt.Sprintf("%s: expected a non-empty list %s, actual no elements%s", p, fd.Name(), unknownHint(fd, unknown))})
			return
		}
	}
	if c.Rules.HasElementRules(p) {
		if e.Len() == 0 {
			return
		}
		for i := 0; i < a.Len(); i++ {
			c.element(fd, e.Get(0), a.Get(i), fmt.Sprintf("%s[%d]", p, i), out)
		}
		return
	}
	if e.Len() != a.Len() {
		*out = append(*out, Mismatch{Path: p, Part: "body", Expected: fmt.Sprintf("%d element(s)", e.Len()), Actual: fmt.Sprintf("%d element(s)", a.Len()),
			Message: fmt.Sprintf("%s: expected %d element(s) of %s, actual %d%s", p, e.Len(), fd.Name(), a.Len(), unknownHint(fd, unknown))})
	}
	n := min(e.Len(), a.Len())
	for i := 0; i < n; i++ {
		c.element(fd, e.Get(i), a.Get(i), fmt.Sprintf("%s[%d]", p, i), out)
	}
}

func (c Comparison) element(fd protoreflect.FieldDescriptor, e, a protoreflect.Value, p string, out *[]Mismatch) {
	if fd.Message() != nil {
		c.message(fd.Message(), e.Message(), a.Message(), p, out)
		return
	}
	c.scalar(fd, e, a, p, true, true, nil, out)
}

func mismatch(p string, fd protoreflect.FieldDescriptor, e, a protoreflect.Value, what string) Mismatch {
	return Mismatch{Path: p, Part: "body", Expected: formatValue(fd, e), Actual: formatValue(fd, a), Message: p + ": " + what}
}

func missing(p string, fd protoreflect.FieldDescriptor, e protoreflect.Value, unknown []unknownField) Mismatch {
	return Mismatch{Path: p, Part: "body", Expected: formatValue(fd, e), Actual: "(missing)",
		Message: fmt.Sprintf("%s: expected field %s (number %d, %s) = %s, but it is missing from the actual message%s",
			p, fd.Name(), fd.Number(), kindName(fd), formatValue(fd, e), unknownHint(fd, unknown))}
}

// unknownField is a field the consumer's descriptors do not know: its number and wire type.
type unknownField struct {
	Number protowire.Number
	Type   protowire.Type
}

func unknownFields(raw []byte) []unknownField {
	var out []unknownField
	for len(raw) > 0 {
		num, typ, n := protowire.ConsumeTag(raw)
		if n < 0 {
			return out
		}
		raw = raw[n:]
		m := protowire.ConsumeFieldValue(num, typ, raw)
		if m < 0 {
			return out
		}
		raw = raw[m:]
		out = append(out, unknownField{num, typ})
	}
	return out
}

// unknownHint explains a missing field by the unknown fields that came instead: the same
// number with another wire type means its type changed; another number means it moved.
func unknownHint(fd protoreflect.FieldDescriptor, unknown []unknownField) string {
	if len(unknown) == 0 {
		return ""
	}
	for _, u := range unknown {
		if u.Number == fd.Number() {
			return fmt.Sprintf("; the actual message carries field number %d with wire type %s, but %s is %s (wire type %s): its type changed",
				u.Number, wireName(u.Type), fd.Name(), kindName(fd), wireName(expectedWire(fd)))
		}
	}
	seen := map[protowire.Number]protowire.Type{}
	for _, u := range unknown {
		seen[u.Number] = u.Type
	}
	nums := make([]int, 0, len(seen))
	for n := range seen {
		nums = append(nums, int(n))
	}
	sort.Ints(nums)
	parts := make([]string, len(nums))
	for i, n := range nums {
		parts[i] = fmt.Sprintf("%d (wire type %s)", n, wireName(seen[protowire.Number(n)]))
	}
	return fmt.Sprintf("; the actual message carries field number(s) %s that the pact's descriptors do not know: was %s renumbered?",
		strings.Join(parts, ", "), fd.Name())
}

func expectedWire(fd protoreflect.FieldDescriptor) protowire.Type {
	if fd.IsList() && fd.Message() == nil && fd.Kind() != protoreflect.StringKind && fd.Kind() != protoreflect.BytesKind {
		return protowire.BytesType // packed
	}
	switch fd.Kind() {
	case protoreflect.StringKind, protoreflect.BytesKind, protoreflect.MessageKind:
		return protowire.BytesType
	case protoreflect.Fixed32Kind, protoreflect.Sfixed32Kind, protoreflect.FloatKind:
		return protowire.Fixed32Type
	case protoreflect.Fixed64Kind, protoreflect.Sfixed64Kind, protoreflect.DoubleKind:
		return protowire.Fixed64Type
	case protoreflect.GroupKind:
		return protowire.StartGroupType
	}
	return protowire.VarintType
}

func wireName(t protowire.Type) string {
	switch t {
	case protowire.VarintType:
		return "varint"
	case protowire.Fixed32Type:
		return "fixed32"
	case protowire.Fixed64Type:
		return "fixed64"
	case protowire.BytesType:
		return "length-delimited"
	case protowire.StartGroupType, protowire.EndGroupType:
		return "group"
	}
	return fmt.Sprintf("%d", t)
}

func kindName(fd protoreflect.FieldDescriptor) string {
	prefix := ""
	if fd.IsList() {
		prefix = "repeated "
	}
	switch {
	case fd.Message() != nil:
		return prefix + string(fd.Message().FullName())
	case fd.Enum() != nil:
		return prefix + string(fd.Enum().FullName())
	}
	return prefix + fd.Kind().String()
}

func formatValue(fd protoreflect.FieldDescriptor, v protoreflect.Value) string {
	if !v.IsValid() {
		return "(not set)"
	}
	if fd.IsList() {
		return fmt.Sprintf("%d element(s)", v.List().Len())
	}
	switch {
	case fd.Message() != nil:
		return "{" + string(fd.Message().Name()) + "}"
	case fd.Enum() != nil:
		if ev := fd.Enum().Values().ByNumber(v.Enum()); ev != nil {
			return string(ev.Name())
		}
		return strconv.Itoa(int(v.Enum()))
	case fd.Kind() == protoreflect.StringKind:
		return strconv.Quote(v.String())
	case fd.Kind() == protoreflect.BytesKind:
		return "base64:" + base64.StdEncoding.EncodeToString(v.Bytes())
	}
	return v.String()
}

// plain is a scalar's text for regex matching: strings raw, enums by name.
func plain(fd protoreflect.FieldDescriptor, v protoreflect.Value) string {
	if fd.Enum() != nil {
		if ev := fd.Enum().Values().ByNumber(v.Enum()); ev != nil {
			return string(ev.Name())
		}
	}
	if fd.Kind() == protoreflect.BytesKind {
		return string(v.Bytes())
	}
	return v.String()
}

func isEmpty(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
	switch fd.Kind() {
	case protoreflect.StringKind:
		return v.String() == ""
	case protoreflect.BytesKind:
		return len(v.Bytes()) == 0
	}
	return v.Equal(fd.Default())
}

func mapsEqual(fd protoreflect.FieldDescriptor, e, a protoreflect.Map) bool {
	if e.Len() != a.Len() {
		return false
	}
	eq := true
	e.Range(func(k protoreflect.MapKey, v protoreflect.Value) bool {
		av := a.Get(k)
		if !av.IsValid() || !v.Equal(av) {
			eq = false
		}
		return eq
	})
	return eq
}

func hexPreview(b []byte) string {
	if len(b) > 32 {
		b = b[:32]
	}
	return fmt.Sprintf("% x", b)
}
