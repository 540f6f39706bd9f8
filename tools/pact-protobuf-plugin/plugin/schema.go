package plugin

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// ProviderProtosEnv names .proto files or folders (separated by the OS's list separator) of the
// provider's own, current protos. When it is set, verification also compares the pact's
// descriptors with the provider's for every field the consumer's interaction uses: a field
// renamed (same number, wire-compatible, so invisible on the wire), renumbered or retyped in
// the provider's proto fails verification naming the field. The pact format is unchanged.
const ProviderProtosEnv = "PACT_PROTOBUF_PROVIDER_PROTOS"

// ProviderSchemas are the provider's compiled protos, by service full name.
type ProviderSchemas struct {
	services map[protoreflect.FullName]protoreflect.ServiceDescriptor
}

// LoadProviderSchemas compiles every .proto under paths (each with its own folder as the
// include root, as the consumer side does).
func LoadProviderSchemas(c Compiler, paths []string) (*ProviderSchemas, error) {
	s := &ProviderSchemas{services: map[protoreflect.FullName]protoreflect.ServiceDescriptor{}}
	var files []string
	for _, p := range paths {
		if p == "" {
			continue
		}
		err := filepath.WalkDir(p, func(f string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.HasSuffix(f, ".proto") {
				files = append(files, f)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", ProviderProtosEnv, p, err)
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s names no .proto file (%s)", ProviderProtosEnv, strings.Join(paths, ", "))
	}
	for _, f := range files {
		d, err := c.Compile(f)
		if err != nil {
			return nil, fmt.Errorf("the provider's proto: %w", err)
		}
		d.Files.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
			for i := 0; i < fd.Services().Len(); i++ {
				sd := fd.Services().Get(i)
				if _, seen := s.services[sd.FullName()]; !seen {
					s.services[sd.FullName()] = sd
				}
			}
			return true
		})
	}
	return s, nil
}

// Check compares the interaction's method as the pact knows it with the provider's proto:
// the method must exist with the same input and output, and every field the consumer's
// expectations use (request and response) must keep its name, number and type.
func (s *ProviderSchemas) Check(i *Interaction) []Mismatch {
	pactMethod := i.Method
	svc, ok := s.services[pactMethod.Parent().FullName()]
	if !ok {
		return []Mismatch{{Path: i.Route, Part: "schema", Expected: string(pactMethod.Parent().FullName()), Actual: "(missing)",
			Message: fmt.Sprintf("the provider's proto has no service %s", pactMethod.Parent().FullName())}}
	}
	m := svc.Methods().ByName(pactMethod.Name())
	if m == nil {
		return []Mismatch{{Path: i.Route, Part: "schema", Expected: string(pactMethod.Name()), Actual: "(missing)",
			Message: fmt.Sprintf("the provider's service %s has no method %s", svc.FullName(), pactMethod.Name())}}
	}
	var out []Mismatch
	out = append(out, compareSchema(pactMethod.Input(), m.Input(), usedPaths(i.Request), "request", "$")...)
	out = append(out, compareSchema(pactMethod.Output(), m.Output(), usedPaths(i.Response), "response", "$")...)
	return out
}

// usedPaths are the fields a part's expectations and rules mention, list indices dropped.
func usedPaths(p Part) map[string]bool {
	used := map[string]bool{}
	for k := range p.Expectations {
		used[stripIndices(k)] = true
	}
	for k := range p.Rules {
		used[stripIndices(k)] = true
	}
	return used
}

func compareSchema(pact, provider protoreflect.MessageDescriptor, used map[string]bool, part, path string) []Mismatch {
	var out []Mismatch
	for n := 0; n < pact.Fields().Len(); n++ {
		fd := pact.Fields().Get(n)
		p := path + "." + string(fd.Name())
		if !used[p] {
			continue
		}
		where := fmt.Sprintf("%s %s (%s)", part, p, pact.FullName())
		pf := provider.Fields().ByName(fd.Name())
		if pf == nil {
			if same := provider.Fields().ByNumber(fd.Number()); same != nil {
				out = append(out, Mismatch{Path: p, Part: "schema", Expected: string(fd.Name()), Actual: string(same.Name()),
					Message: fmt.Sprintf("%s: field %s (number %d) is renamed %s in the provider's proto", where, fd.Name(), fd.Number(), same.Name())})
			} else {
				out = append(out, Mismatch{Path: p, Part: "schema", Expected: string(fd.Name()), Actual: "(missing)",
					Message: fmt.Sprintf("%s: field %s (number %d) is missing from the provider's proto (fields: %s)", where, fd.Name(), fd.Number(), fieldNames(provider))})
			}
			continue
		}
		if pf.Number() != fd.Number() {
			out = append(out, Mismatch{Path: p, Part: "schema", Expected: fmt.Sprint(fd.Number()), Actual: fmt.Sprint(pf.Number()),
				Message: fmt.Sprintf("%s: field %s is number %d in the pact but %d in the provider's proto (renumbered)", where, fd.Name(), fd.Number(), pf.Number())})
		}
		if kindName(pf) != kindName(fd) {
			out = append(out, Mismatch{Path: p, Part: "schema", Expected: kindName(fd), Actual: kindName(pf),
				Message: fmt.Sprintf("%s: field %s is %s in the pact but %s in the provider's proto (type changed)", where, fd.Name(), kindName(fd), kindName(pf))})
			continue
		}
		if fd.Message() != nil && pf.Message() != nil {
			out = append(out, compareSchema(fd.Message(), pf.Message(), used, part, p)...)
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Path < out[b].Path })
	return out
}
