package plugin

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
)

// Built is one message built from a consumer's configuration: its bytes, the matching rules
// the expressions set, and a markdown rendering of what the consumer asked for.
type Built struct {
	Message *dynamicpb.Message
	Bytes   []byte
	Rules   Rules
	Markup  string
}

// BuildMessage builds a message of md from config (field name -> literal or matching
// expression, nested objects for message fields, lists for repeated fields). what names
// the part for errors ("request", "response").
func BuildMessage(md protoreflect.MessageDescriptor, config map[string]any, what string) (*Built, error) {
	b := &builder{rules: Rules{}, what: what}
	msg := dynamicpb.NewMessage(md)
	if err := b.fill(msg, config, "$"); err != nil {
		return nil, err
	}
	raw, err := proto.MarshalOptions{Deterministic: true}.Marshal(msg)
	if err != nil {
		return nil, fmt.Errorf("%s: %s does not encode: %w", what, md.FullName(), err)
	}
	return &Built{Message: msg, Bytes: raw, Rules: b.rules, Markup: markup(md, config)}, nil
}

type builder struct {
	rules Rules
	what  string
}

func (b *builder) fail(path string, format string, args ...any) error {
	return fmt.Errorf("%s %s: %s", b.what, path, fmt.Sprintf(format, args...))
}

func (b *builder) fill(msg protoreflect.Message, config map[string]any, path string) error {
	md := msg.Descriptor()
	keys := make([]string, 0, len(config))
	for k := range config {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if strings.HasPrefix(k, "pact:") {
			continue
		}
		fd := md.Fields().ByName(protoreflect.Name(k))
		if fd == nil {
			fd = md.Fields().ByJSONName(k)
		}
		if fd == nil {
			return b.fail(path+"."+k, "message %s has no field %q (fields: %s)", md.FullName(), k, fieldNames(md))
		}
		if err := b.field(msg, fd, config[k], path+"."+string(fd.Name())); err != nil {
			return err
		}
	}
	return nil
}

func (b *builder) field(msg protoreflect.Message, fd protoreflect.FieldDescriptor, v any, path string) error {
	switch {
	case fd.IsMap():
		return b.fail(path, "map fields are not supported by this plugin")
	case fd.IsList():
		list := msg.Mutable(fd).List()
		switch x := v.(type) {
		case []any:
			for i, item := range x {
				ev, err := b.element(list, fd, item, fmt.Sprintf("%s[%d]", path, i))
				if err != nil {
					return err
				}
				list.Append(ev)
			}
			return nil
		case map[string]any:
			if fd.Message() == nil {
				return b.fail(path, "%s is a repeated %s: give a list or a matching expression", fd.Name(), kindName(fd))
			}
			// An object for a repeated message field is a template every element must match
			// (Pact's eachLike): at least one element, each like this one.
			b.rules[path] = append(b.rules[path], Rule{Type: "min-type", Min: 1, HasMin: true})
			ev, err := b.element(list, fd, x, path+"[*]")
			if err != nil {
				return err
			}
			list.Append(ev)
			return nil
		case string:
			if IsExpression(x) && fd.Message() == nil {
				def, err := ParseExpression(x)
				if err != nil {
					return b.fail(path, "%v", err)
				}
				var own, each []Rule
				for _, r := range def.Rules {
					if r.Type == "min-type" {
						own = append(own, r)
					} else {
						each = append(each, r)
					}
				}
				if len(own) == 0 {
					own = []Rule{{Type: "type"}}
				}
				b.rules[path] = append(b.rules[path], own...)
				if len(each) > 0 {
					b.rules[path+"[*]"] = append(b.rules[path+"[*]"], each...)
				}
				ev, err := scalar(fd, exampleOf(def))
				if err != nil {
					return b.fail(path, "%v", err)
				}
				list.Append(ev)
				return nil
			}
		}
		ev, err := b.element(list, fd, v, path+"[0]")
		if err != nil {
			return err
		}
		list.Append(ev)
		return nil
	case fd.Message() != nil:
		if fd.Message().FullName() == "google.protobuf.Timestamp" {
			if s, ok := v.(string); ok {
				return b.timestamp(msg, fd, s, path)
			}
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return b.fail(path, "%s is a message (%s): give an object of its fields", fd.Name(), fd.Message().FullName())
		}
		return b.fill(msg.Mutable(fd).Message(), obj, path)
	}
	val, err := b.scalarAt(fd, v, path)
	if err != nil {
		return err
	}
	msg.Set(fd, val)
	return nil
}

func (b *builder) element(list protoreflect.List, fd protoreflect.FieldDescriptor, v any, path string) (protoreflect.Value, error) {
	if fd.Message() != nil {
		obj, ok := v.(map[string]any)
		if !ok {
			return protoreflect.Value{}, b.fail(path, "elements of %s are messages (%s): give objects", fd.Name(), fd.Message().FullName())
		}
		ev := list.NewElement()
		if err := b.fill(ev.Message(), obj, path); err != nil {
			return protoreflect.Value{}, err
		}
		return ev, nil
	}
	return b.scalarAt(fd, v, path)
}

func (b *builder) scalarAt(fd protoreflect.FieldDescriptor, v any, path string) (protoreflect.Value, error) {
	if s, ok := v.(string); ok && IsExpression(s) {
		def, err := ParseExpression(s)
		if err != nil {
			return protoreflect.Value{}, b.fail(path, "%v", err)
		}
		b.rules[path] = append(b.rules[path], def.Rules...)
		v = exampleOf(def)
	}
	val, err := scalar(fd, v)
	if err != nil {
		return protoreflect.Value{}, b.fail(path, "%v", err)
	}
	return val, nil
}

func (b *builder) timestamp(msg protoreflect.Message, fd protoreflect.FieldDescriptor, s, path string) error {
	if IsExpression(s) {
		def, err := ParseExpression(s)
		if err != nil {
			return b.fail(path, "%v", err)
		}
		b.rules[path] = append(b.rules[path], def.Rules...)
		s = def.Example.Str
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return b.fail(path, "%s is a google.protobuf.Timestamp: give an RFC 3339 time, got %q", fd.Name(), s)
	}
	ts := msg.Mutable(fd).Message()
	ts.Set(ts.Descriptor().Fields().ByName("seconds"), protoreflect.ValueOfInt64(t.Unix()))
	ts.Set(ts.Descriptor().Fields().ByName("nanos"), protoreflect.ValueOfInt32(int32(t.Nanosecond())))
	return nil
}

func exampleOf(def Definition) any {
	switch def.Example.Kind {
	case "number":
		return def.Example.Num
	case "boolean":
		return def.Example.Bool
	case "null":
		return nil
	}
	return def.Example.Str
}

// scalar converts a JSON value (string, float64, bool) to a value of fd's kind.
func scalar(fd protoreflect.FieldDescriptor, v any) (protoreflect.Value, error) {
	bad := func() (protoreflect.Value, error) {
		return protoreflect.Value{}, fmt.Errorf("%s is %s; %v (%T) is not one", fd.Name(), kindName(fd), v, v)
	}
	switch fd.Kind() {
	case protoreflect.StringKind:
		switch x := v.(type) {
		case string:
			return protoreflect.ValueOfString(x), nil
		case float64:
			return protoreflect.ValueOfString(strconv.FormatFloat(x, 'f', -1, 64)), nil
		}
		return bad()
	case protoreflect.BytesKind:
		if s, ok := v.(string); ok {
			return protoreflect.ValueOfBytes([]byte(s)), nil
		}
		return bad()
	case protoreflect.BoolKind:
		switch x := v.(type) {
		case bool:
			return protoreflect.ValueOfBool(x), nil
		case string:
			if p, err := strconv.ParseBool(x); err == nil {
				return protoreflect.ValueOfBool(p), nil
			}
		}
		return bad()
	case protoreflect.EnumKind:
		switch x := v.(type) {
		case string:
			if ev := fd.Enum().Values().ByName(protoreflect.Name(x)); ev != nil {
				return protoreflect.ValueOfEnum(ev.Number()), nil
			}
			names := []string{}
			for i := 0; i < fd.Enum().Values().Len(); i++ {
				names = append(names, string(fd.Enum().Values().Get(i).Name()))
			}
			return protoreflect.Value{}, fmt.Errorf("%s is the enum %s; %q is not one of its values (%s)", fd.Name(), fd.Enum().FullName(), x, strings.Join(names, ", "))
		case float64:
			return protoreflect.ValueOfEnum(protoreflect.EnumNumber(int32(x))), nil
		}
		return bad()
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		f, ok := number(v)
		if !ok {
			return bad()
		}
		if fd.Kind() == protoreflect.FloatKind {
			return protoreflect.ValueOfFloat32(float32(f)), nil
		}
		return protoreflect.ValueOfFloat64(f), nil
	}
	f, ok := number(v)
	if !ok || f != math.Trunc(f) {
		return bad()
	}
	switch fd.Kind() {
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return protoreflect.ValueOfInt32(int32(f)), nil
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return protoreflect.ValueOfInt64(int64(f)), nil
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return protoreflect.ValueOfUint32(uint32(f)), nil
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return protoreflect.ValueOfUint64(uint64(f)), nil
	}
	return bad()
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case string:
		f, err := strconv.ParseFloat(x, 64)
		return f, err == nil
	}
	return 0, false
}

func fieldNames(md protoreflect.MessageDescriptor) string {
	names := make([]string, 0, md.Fields().Len())
	for i := 0; i < md.Fields().Len(); i++ {
		names = append(names, string(md.Fields().Get(i).Name()))
	}
	return strings.Join(names, ", ")
}

// markup renders the fields the consumer configured as a protobuf block (CommonMark),
// the way the pact shows an interaction to a reader.
func markup(md protoreflect.MessageDescriptor, config map[string]any) string {
	var sb strings.Builder
	sb.WriteString("```protobuf\nmessage " + string(md.Name()) + " {\n")
	for i := 0; i < md.Fields().Len(); i++ {
		fd := md.Fields().Get(i)
		v, ok := config[string(fd.Name())]
		if !ok {
			continue
		}
		val := fmt.Sprint(v)
		if _, isObj := v.(map[string]any); isObj {
			val = "{...}"
		} else if _, isList := v.([]any); isList {
			val = "[...]"
		}
		fmt.Fprintf(&sb, "    %s %s = %d; // %s\n", kindName(fd), fd.Name(), fd.Number(), val)
	}
	sb.WriteString("}\n```\n")
	return sb.String()
}
