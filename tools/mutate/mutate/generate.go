package mutate

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/aymanbagabas/go-udiff"
	"golang.org/x/tools/go/ast/astutil"
	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/packages"
)

// InputError is bad input: the request names something that does not exist.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

// candidate is one place an operator can change, found on the original type-checked tree.
type candidate struct {
	op       *operator
	node     ast.Node // in the original tree: its span and type find it again in a fresh parse
	at       ast.Node // the line shown (default: node's)
	line     int
	function string
	original string
	hint     string
	// forms are tried in order on a fresh parse; the first whose package type-checks is kept.
	forms []form
}

// form applies one version of the change at the cursor of the node found again (in a fresh
// parse of the file); it returns the changed code as it reads after the change, or ok=false.
type form func(n ast.Node, c *astutil.Cursor, show func(ast.Node) string) (mutated string, ok bool)

// pass is what an operator sees of one file.
type pass struct {
	pkg  *packages.Package
	file *ast.File
	info *types.Info
	fset *token.FileSet
	src  []byte
}

func (p *pass) text(n ast.Node) string {
	f := p.fset.File(n.Pos())
	return string(p.src[f.Offset(n.Pos()):f.Offset(n.End())])
}

func (p *pass) line(n ast.Node) int { return p.fset.Position(n.Pos()).Line }

// Generate finds every mutant of the request's packages and emits each; it returns the summary.
func Generate(req Request, emit func(Mutant) error) (Summary, error) {
	sum := Summary{Type: "summary", ByOp: map[string]int{}}
	ops, err := selectOperators(req.Operators)
	if err != nil {
		return sum, err
	}
	if req.Dir == "" || len(req.Packages) == 0 {
		return sum, &InputError{"request: \"dir\" and \"packages\" are required (e.g. {\"dir\": \"/copy/of/target\", \"packages\": [\"./payments/cmd/payments\"]})"}
	}
	dir, err := filepath.Abs(req.Dir)
	if err != nil {
		return sum, err
	}
	pkgs, err := load(dir, req)
	if err != nil {
		return sum, err
	}
	for _, pkg := range pkgs {
		sum.Packages++
		for i, file := range pkg.Syntax {
			name := pkg.CompiledGoFiles[i]
			if ast.IsGenerated(file) || strings.HasSuffix(name, "_test.go") {
				continue
			}
			sum.Files++
			src, err := os.ReadFile(name)
			if err != nil {
				return sum, err
			}
			p := &pass{pkg: pkg, file: file, info: pkg.TypesInfo, fset: pkg.Fset, src: src}
			rel, _ := filepath.Rel(dir, name)
			if err := mutateFile(p, i, rel, req, ops, &sum, emit); err != nil {
				return sum, err
			}
		}
	}
	return sum, nil
}

// load lists the packages the main packages import that live under dir, then loads those
// with syntax and types (everything else from export data).
func load(dir string, req Request) ([]*packages.Package, error) {
	flags := []string{}
	if len(req.Tags) > 0 {
		flags = append(flags, "-tags="+strings.Join(req.Tags, ","))
	}
	cfg := &packages.Config{Dir: dir, BuildFlags: flags, Mode: packages.NeedName | packages.NeedFiles | packages.NeedImports | packages.NeedDeps}
	roots, err := packages.Load(cfg, req.Packages...)
	if err != nil {
		return nil, fmt.Errorf("listing %s in %s: %w", strings.Join(req.Packages, " "), dir, err)
	}
	var local []string
	var problems []string
	packages.Visit(roots, nil, func(p *packages.Package) {
		for _, e := range p.Errors {
			problems = append(problems, e.Error())
		}
		if len(p.GoFiles) == 0 || !under(dir, p.GoFiles[0]) {
			return
		}
		for _, x := range req.Exclude {
			if x != "" && strings.Contains(p.PkgPath, x) {
				return
			}
		}
		local = append(local, p.PkgPath)
	})
	if len(problems) > 0 {
		return nil, &InputError{fmt.Sprintf("packages %s in %s do not load: %s", strings.Join(req.Packages, " "), dir, strings.Join(problems, "; "))}
	}
	sort.Strings(local)
	local = slices.Compact(local)
	if len(local) == 0 {
		return nil, nil
	}
	cfg.Mode = packages.NeedName | packages.NeedFiles | packages.NeedCompiledGoFiles | packages.NeedImports |
		packages.NeedTypes | packages.NeedTypesInfo | packages.NeedSyntax
	pkgs, err := packages.Load(cfg, local...)
	if err != nil {
		return nil, err
	}
	for _, p := range pkgs {
		if len(p.Errors) > 0 {
			return nil, fmt.Errorf("package %s does not type-check before any change: %v", p.PkgPath, p.Errors[0])
		}
	}
	sort.Slice(pkgs, func(i, j int) bool { return pkgs[i].PkgPath < pkgs[j].PkgPath })
	return pkgs, nil
}

func under(dir, file string) bool {
	rel, err := filepath.Rel(dir, file)
	return err == nil && !strings.HasPrefix(rel, "..")
}

func mutateFile(p *pass, index int, rel string, req Request, ops []*operator, sum *Summary, emit func(Mutant) error) error {
	var cands []candidate
	ins := inspector.New([]*ast.File{p.file})
	ins.WithStack(nil, func(n ast.Node, push bool, stack []ast.Node) bool {
		if !push {
			return true
		}
		if skipped(n, req) {
			return false
		}
		for _, op := range ops {
			for _, c := range op.find(p, n, stack) {
				c.op = op
				c.line = p.line(c.node)
				if c.at != nil {
					c.line = p.line(c.at)
				}
				c.function = enclosingFunction(stack)
				if c.original == "" {
					c.original = p.text(c.node)
				}
				cands = append(cands, c)
			}
		}
		return true
	})
	if len(cands) == 0 {
		return nil
	}
	before, err := printFresh(p.src, rel, nil)
	if err != nil {
		return err
	}
	seen := map[string]int{}
	for _, c := range cands {
		m, ok := realise(p, index, rel, before, c)
		if !ok {
			sum.Discarded++
			continue
		}
		key := strings.Join([]string{req.Service, rel, c.function, c.op.name, c.original, m.Mutated}, "\x00")
		seen[key]++
		h := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%d", key, seen[key])))
		m.ID = hex.EncodeToString(h[:])[:10]
		m.Service = req.Service
		m.Package = p.pkg.PkgPath
		if err := emit(m); err != nil {
			return err
		}
		sum.Mutants++
		sum.ByOp[c.op.name]++
	}
	return nil
}

// skipped: a branch that a target's own switch guards (e.g. `if sabotage.On(...)`): mutating
// deliberate sabotage code says nothing about the catalog.
func skipped(n ast.Node, req Request) bool {
	ifs, ok := n.(*ast.IfStmt)
	if !ok {
		return false
	}
	found := false
	ast.Inspect(ifs.Cond, func(x ast.Node) bool {
		if id, ok := x.(*ast.Ident); ok {
			for _, s := range skipIdents(req) {
				if strings.Contains(strings.ToLower(id.Name), s) {
					found = true
				}
			}
		}
		return !found
	})
	return found
}

func skipIdents(req Request) []string {
	out := []string{"sabotage"}
	for _, x := range req.Exclude {
		if strings.HasPrefix(x, "ident:") {
			out = append(out, strings.ToLower(strings.TrimPrefix(x, "ident:")))
		}
	}
	return out
}

// realise tries each form of a candidate on a fresh parse; the first that type-checks wins.
func realise(p *pass, index int, rel, before string, c candidate) (Mutant, bool) {
	for _, f := range c.forms {
		var mutated string
		after, err := printFresh(p.src, rel, func(fset *token.FileSet, file *ast.File) bool {
			applied := false
			start, end := p.fset.File(c.node.Pos()).Offset(c.node.Pos()), p.fset.File(c.node.Pos()).Offset(c.node.End())
			tf := fset.File(file.Pos())
			show := func(n ast.Node) string {
				var b bytes.Buffer
				if err := format.Node(&b, fset, n); err != nil {
					return "?"
				}
				return b.String()
			}
			astutil.Apply(file, func(cur *astutil.Cursor) bool {
				n := cur.Node()
				if applied || n == nil || !n.Pos().IsValid() || !n.End().IsValid() {
					return !applied
				}
				if tf.Offset(n.Pos()) == start && tf.Offset(n.End()) == end && fmt.Sprintf("%T", n) == fmt.Sprintf("%T", c.node) {
					mutated, applied = f(n, cur, show)
					return false
				}
				return true
			}, nil)
			return applied
		})
		if err != nil || after == before {
			continue
		}
		if !typeChecks(p, index, after) {
			continue
		}
		return Mutant{
			Type:     "mutant",
			Operator: c.op.name,
			File:     rel,
			Line:     c.line,
			Function: c.function,
			Original: c.original,
			Mutated:  mutated,
			Hint:     c.hint,
			Diff:     udiff.Unified("a/"+rel, "b/"+rel, before, after),
			Content:  after,
		}, true
	}
	return Mutant{}, false
}

// printFresh parses src anew, applies change (when given) and prints the file with go/format.
func printFresh(src []byte, name string, change func(*token.FileSet, *ast.File) bool) (string, error) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, name, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return "", err
	}
	if change != nil && !change(fset, file) {
		return "", errors.New("not applied")
	}
	var b bytes.Buffer
	if err := format.Node(&b, fset, file); err != nil {
		return "", err
	}
	return b.String(), nil
}

// typeChecks type-checks the package with file `index` replaced by src.
func typeChecks(p *pass, index int, src string) bool {
	fset := p.fset
	f, err := parser.ParseFile(fset, p.pkg.CompiledGoFiles[index], src, parser.SkipObjectResolution)
	if err != nil {
		return false
	}
	files := slices.Clone(p.pkg.Syntax)
	files[index] = f
	ok := true
	conf := types.Config{
		Importer: importerFor(p.pkg),
		Error:    func(error) { ok = false },
	}
	_, _ = conf.Check(p.pkg.PkgPath, fset, files, nil)
	return ok
}

type importFunc func(string) (*types.Package, error)

func (i importFunc) Import(path string) (*types.Package, error) { return i(path) }

func importerFor(pkg *packages.Package) importFunc {
	return func(path string) (*types.Package, error) {
		if path == "unsafe" {
			return types.Unsafe, nil
		}
		if ip, ok := pkg.Imports[path]; ok && ip.Types != nil {
			return ip.Types, nil
		}
		return nil, fmt.Errorf("no type information for %s", path)
	}
}

// enclosingFunction names the function a node is in: `Handle`, `(*Relay).Run`, `Run.func1`.
func enclosingFunction(stack []ast.Node) string {
	name := ""
	lits := 0
	for _, n := range stack {
		switch f := n.(type) {
		case *ast.FuncDecl:
			name = f.Name.Name
			if f.Recv != nil && len(f.Recv.List) > 0 {
				name = fmt.Sprintf("(%s).%s", types.ExprString(f.Recv.List[0].Type), name)
			}
		case *ast.FuncLit:
			lits++
		}
	}
	if lits > 0 && name != "" {
		name = fmt.Sprintf("%s.func%d", name, lits)
	}
	return name
}
