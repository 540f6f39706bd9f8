package plugin

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/bufbuild/protocompile"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
)

// Descriptors are the compiled descriptors of one .proto file and its imports, as the
// pact stores them: the FileDescriptorSet's bytes (base64 in the pact) keyed by their MD5.
type Descriptors struct {
	Key   string
	Raw   []byte
	Files *protoregistry.Files
}

// Compiler compiles .proto files. By default it compiles them itself (bufbuild/protocompile,
// which carries the well-known types such as google/protobuf/timestamp.proto), so neither a
// system protoc nor its include files are needed. Path (PACT_PROTOC) runs that protoc instead,
// for a user whose protos need protoc's own behaviour.
type Compiler struct {
	Path     string
	Includes []string
}

// Compile compiles protoFile (and its imports) into a FileDescriptorSet, the way Pact's
// protobuf plugin does: the file's own folder is the first import path, then Includes.
func (c Compiler) Compile(protoFile string) (*Descriptors, error) {
	if _, err := os.Stat(protoFile); err != nil {
		return nil, fmt.Errorf("pact:proto %q: %w (paths are relative to the test's working directory)", protoFile, err)
	}
	if c.Path != "" {
		return c.compileWithProtoc(protoFile)
	}
	paths := append([]string{filepath.Dir(protoFile)}, c.Includes...)
	raw, err := compileSet(filepath.Base(protoFile), paths)
	if err != nil {
		return nil, err
	}
	return LoadDescriptors(raw)
}

// compileSet compiles name (relative to one of paths) with protocompile and returns the
// serialized FileDescriptorSet of it and every file it imports, dependencies first (as
// protoc --include_imports writes it), without source info.
func compileSet(name string, paths []string) ([]byte, error) {
	var missing string
	source := &protocompile.SourceResolver{ImportPaths: paths}
	resolver := protocompile.WithStandardImports(protocompile.ResolverFunc(func(path string) (protocompile.SearchResult, error) {
		r, err := source.FindFileByPath(path)
		// The well-known types are asked of the import paths first, then served by protocompile.
		if err != nil && errors.Is(err, fs.ErrNotExist) && missing == "" && !strings.HasPrefix(path, "google/protobuf/") {
			missing = path
		}
		return r, err
	}))
	comp := protocompile.Compiler{Resolver: resolver, SourceInfoMode: protocompile.SourceInfoNone}
	files, err := comp.Compile(context.Background(), name)
	if err != nil {
		if imp := missing; imp != "" && errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("compiling %s: import %q not found in the import paths %s (add its folder to the pact's additionalIncludes)", name, imp, strings.Join(paths, ", "))
		}
		return nil, fmt.Errorf("compiling %s (import paths %s): %w", name, strings.Join(paths, ", "), err)
	}
	var set descriptorpb.FileDescriptorSet
	seen := map[string]bool{}
	var add func(fd protoreflect.FileDescriptor)
	add = func(fd protoreflect.FileDescriptor) {
		if seen[fd.Path()] {
			return
		}
		seen[fd.Path()] = true
		imports := fd.Imports()
		for i := 0; i < imports.Len(); i++ {
			add(imports.Get(i).FileDescriptor)
		}
		set.File = append(set.File, protodesc.ToFileDescriptorProto(fd))
	}
	for _, f := range files {
		add(f)
	}
	return proto.MarshalOptions{Deterministic: true}.Marshal(&set)
}

// compileWithProtoc runs the protoc named by Path (PACT_PROTOC).
func (c Compiler) compileWithProtoc(protoFile string) (*Descriptors, error) {
	if _, err := exec.LookPath(c.Path); err != nil {
		return nil, fmt.Errorf("PACT_PROTOC=%s: not found: unset PACT_PROTOC to let the plugin compile the .proto files itself", c.Path)
	}
	out, err := os.CreateTemp("", "pact-protobuf-*.pb")
	if err != nil {
		return nil, err
	}
	_ = out.Close()
	defer func() { _ = os.Remove(out.Name()) }()
	args := []string{"-o" + out.Name(), "-I" + filepath.Dir(protoFile), "--include_imports"}
	for _, inc := range c.Includes {
		args = append(args, "-I"+inc)
	}
	args = append(args, protoFile)
	cmd := exec.Command(c.Path, args...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("protoc (PACT_PROTOC=%s) failed on %s: %w: %s", c.Path, protoFile, err, strings.TrimSpace(string(msg)))
	}
	raw, err := os.ReadFile(out.Name())
	if err != nil {
		return nil, err
	}
	return LoadDescriptors(raw)
}

// LoadDescriptors reads a serialized FileDescriptorSet.
func LoadDescriptors(raw []byte) (*Descriptors, error) {
	var set descriptorpb.FileDescriptorSet
	if err := proto.Unmarshal(raw, &set); err != nil {
		return nil, fmt.Errorf("the descriptors are not a FileDescriptorSet: %w", err)
	}
	files, err := protodesc.NewFiles(&set)
	if err != nil {
		return nil, fmt.Errorf("the descriptors do not link: %w", err)
	}
	sum := md5.Sum(raw)
	return &Descriptors{Key: hex.EncodeToString(sum[:]), Raw: raw, Files: files}, nil
}

// DescriptorsFromPact finds the descriptors stored under key in the pact's plugin data
// (metadata.plugins[name=protobuf].configuration[key].protoDescriptors).
func DescriptorsFromPact(pact map[string]any, key string) (*Descriptors, error) {
	md, _ := pact["metadata"].(map[string]any)
	plugins, _ := md["plugins"].([]any)
	for _, p := range plugins {
		pm, _ := p.(map[string]any)
		if pm["name"] != PluginName {
			continue
		}
		cfg, _ := pm["configuration"].(map[string]any)
		entry, ok := cfg[key].(map[string]any)
		if !ok {
			continue
		}
		enc, _ := entry["protoDescriptors"].(string)
		raw, err := base64.StdEncoding.DecodeString(enc)
		if err != nil {
			return nil, fmt.Errorf("protoDescriptors of %s are not base64: %w", key, err)
		}
		return LoadDescriptors(raw)
	}
	return nil, fmt.Errorf("the pact has no protobuf descriptors under key %s (metadata.plugins[protobuf].configuration)", key)
}

// Method finds "pkg.Service/Method" (a leading dot allowed) in the descriptors.
func (d *Descriptors) Method(route string) (protoreflect.MethodDescriptor, error) {
	route = strings.TrimPrefix(strings.TrimPrefix(route, "/"), ".")
	svc, method, ok := strings.Cut(route, "/")
	if !ok {
		return nil, fmt.Errorf("%q is not Service/Method", route)
	}
	desc, err := d.Files.FindDescriptorByName(protoreflect.FullName(svc))
	if err != nil {
		return nil, fmt.Errorf("service %s is not in the descriptors: %w", svc, err)
	}
	sd, ok := desc.(protoreflect.ServiceDescriptor)
	if !ok {
		return nil, fmt.Errorf("%s is not a service", svc)
	}
	md := sd.Methods().ByName(protoreflect.Name(method))
	if md == nil {
		names := []string{}
		for i := 0; i < sd.Methods().Len(); i++ {
			names = append(names, string(sd.Methods().Get(i).Name()))
		}
		return nil, fmt.Errorf("service %s has no method %s (methods: %s)", svc, method, strings.Join(names, ", "))
	}
	return md, nil
}

// Message finds a message by its full name (".pkg.Msg" or "pkg.Msg").
func (d *Descriptors) Message(name string) (protoreflect.MessageDescriptor, error) {
	desc, err := d.Files.FindDescriptorByName(protoreflect.FullName(strings.TrimPrefix(name, ".")))
	if err != nil {
		return nil, fmt.Errorf("message %s is not in the descriptors: %w", name, err)
	}
	md, ok := desc.(protoreflect.MessageDescriptor)
	if !ok {
		return nil, errors.New(name + " is not a message")
	}
	return md, nil
}

// findService finds a service by its short or full name in the file named file, then anywhere.
func (d *Descriptors) findService(name, file string) (protoreflect.ServiceDescriptor, error) {
	var found protoreflect.ServiceDescriptor
	d.Files.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		if file != "" && fd.Path() != file {
			return true
		}
		for i := 0; i < fd.Services().Len(); i++ {
			s := fd.Services().Get(i)
			if string(s.Name()) == name || string(s.FullName()) == strings.TrimPrefix(name, ".") {
				found = s
				return false
			}
		}
		return true
	})
	if found == nil {
		return nil, fmt.Errorf("no service %q in %s", name, file)
	}
	return found, nil
}
