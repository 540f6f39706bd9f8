// protogen runs protoc's code generator plugins (protoc-gen-go, protoc-gen-go-grpc, ...) on
// .proto files it compiles itself with bufbuild/protocompile, which carries the well-known
// types (google/protobuf/*.proto). It stands in for protoc where the project generates code,
// so neither Debian's protobuf-compiler nor libprotobuf-dev is needed.
//
// The command line is the subset of protoc's that the project uses:
//
//	protogen -I DIR [-I DIR ...] --NAME_out=OUT [--NAME_opt=OPT ...] FILE.proto ...
//
// Each --NAME_out runs protoc-gen-NAME from PATH with a CodeGeneratorRequest on stdin, as
// protoc does, and writes the files of its CodeGeneratorResponse under OUT.
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/bufbuild/protocompile"
	"github.com/bufbuild/protocompile/linker"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/pluginpb"
)

type generator struct {
	name string
	out  string
	opts []string
}

type invocation struct {
	includes []string
	gens     []*generator
	files    []string
}

func main() {
	inv, err := parseArgs(os.Args[1:])
	if err == nil {
		err = run(inv)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "protogen:", err)
		os.Exit(1)
	}
}

func parseArgs(args []string) (*invocation, error) {
	inv := &invocation{}
	byName := map[string]*generator{}
	gen := func(name string) *generator {
		if g, ok := byName[name]; ok {
			return g
		}
		g := &generator{name: name}
		byName[name] = g
		inv.gens = append(inv.gens, g)
		return g
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-I" || a == "--proto_path":
			if i+1 >= len(args) {
				return nil, fmt.Errorf("%s needs a folder", a)
			}
			i++
			inv.includes = append(inv.includes, args[i])
		case strings.HasPrefix(a, "-I"):
			inv.includes = append(inv.includes, a[2:])
		case strings.HasPrefix(a, "--proto_path="):
			inv.includes = append(inv.includes, strings.TrimPrefix(a, "--proto_path="))
		case strings.HasPrefix(a, "--") && strings.Contains(a, "_out="):
			k, v, _ := strings.Cut(a[2:], "=")
			g := gen(strings.TrimSuffix(k, "_out"))
			// protoc's --NAME_out=OPTS:DIR form.
			if opts, dir, ok := strings.Cut(v, ":"); ok {
				g.opts = append(g.opts, opts)
				v = dir
			}
			g.out = v
		case strings.HasPrefix(a, "--") && strings.Contains(a, "_opt="):
			k, v, _ := strings.Cut(a[2:], "=")
			g := gen(strings.TrimSuffix(k, "_opt"))
			g.opts = append(g.opts, v)
		case strings.HasPrefix(a, "-"):
			return nil, fmt.Errorf("unknown flag %q (protogen takes -I DIR, --NAME_out=DIR, --NAME_opt=OPT and .proto files)", a)
		default:
			inv.files = append(inv.files, a)
		}
	}
	if len(inv.files) == 0 {
		return nil, errors.New("no .proto files given")
	}
	if len(inv.includes) == 0 {
		inv.includes = []string{"."}
	}
	for _, g := range inv.gens {
		if g.out == "" {
			return nil, fmt.Errorf("--%s_opt given without --%s_out", g.name, g.name)
		}
	}
	if len(inv.gens) == 0 {
		return nil, errors.New("no --NAME_out given: nothing to generate")
	}
	return inv, nil
}

// compile compiles the files with source info (comments reach the generated code) and returns
// the request's proto_file list: every file and its imports, dependencies first.
func compile(inv *invocation) ([]*descriptorpb.FileDescriptorProto, error) {
	var missing []string
	source := &protocompile.SourceResolver{ImportPaths: inv.includes}
	resolver := protocompile.WithStandardImports(protocompile.ResolverFunc(func(path string) (protocompile.SearchResult, error) {
		r, err := source.FindFileByPath(path)
		if err != nil && errors.Is(err, fs.ErrNotExist) && !strings.HasPrefix(path, "google/protobuf/") {
			missing = append(missing, path)
		}
		return r, err
	}))
	comp := protocompile.Compiler{Resolver: resolver, SourceInfoMode: protocompile.SourceInfoStandard}
	files, err := comp.Compile(context.Background(), inv.files...)
	if err != nil {
		if len(missing) > 0 && errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%q not found in the import paths %s (add its folder with -I)", missing[0], strings.Join(inv.includes, ", "))
		}
		return nil, err
	}
	var out []*descriptorpb.FileDescriptorProto
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
		if r, ok := fd.(linker.Result); ok {
			out = append(out, r.FileDescriptorProto())
			return
		}
		out = append(out, protodesc.ToFileDescriptorProto(fd))
	}
	for _, f := range files {
		add(f)
	}
	return out, nil
}

func run(inv *invocation) error {
	protoFiles, err := compile(inv)
	if err != nil {
		return err
	}
	for _, g := range inv.gens {
		req := &pluginpb.CodeGeneratorRequest{
			FileToGenerate: inv.files,
			ProtoFile:      protoFiles,
		}
		if len(g.opts) > 0 {
			req.Parameter = proto.String(strings.Join(g.opts, ","))
		}
		if err := generate(g, req); err != nil {
			return err
		}
	}
	return nil
}

func generate(g *generator, req *pluginpb.CodeGeneratorRequest) error {
	in, err := proto.Marshal(req)
	if err != nil {
		return err
	}
	bin := "protoc-gen-" + g.name
	path, err := exec.LookPath(bin)
	if err != nil {
		return fmt.Errorf("--%s_out: %s not found on PATH", g.name, bin)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(path)
	cmd.Stdin = bytes.NewReader(in)
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w: %s", bin, err, strings.TrimSpace(stderr.String()))
	}
	var resp pluginpb.CodeGeneratorResponse
	if err := proto.Unmarshal(stdout.Bytes(), &resp); err != nil {
		return fmt.Errorf("%s wrote a response that is not a CodeGeneratorResponse: %w", bin, err)
	}
	if resp.Error != nil {
		return fmt.Errorf("--%s_out: %s", g.name, resp.GetError())
	}
	return writeFiles(g.out, resp.File)
}

func writeFiles(dir string, files []*pluginpb.CodeGeneratorResponse_File) error {
	contents := map[string]*strings.Builder{}
	var order []string
	for _, f := range files {
		if f.InsertionPoint != nil {
			return fmt.Errorf("%s: insertion points are not supported", f.GetName())
		}
		name := f.GetName()
		if name == "" || filepath.IsAbs(name) || strings.HasPrefix(filepath.Clean(name), "..") {
			return fmt.Errorf("the generator named an output file outside %s: %q", dir, name)
		}
		b, ok := contents[name]
		if !ok {
			b = &strings.Builder{}
			contents[name] = b
			order = append(order, name)
		}
		b.WriteString(f.GetContent())
	}
	sort.Strings(order)
	for _, name := range order {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(contents[name].String()), 0o644); err != nil {
			return err
		}
	}
	return nil
}
