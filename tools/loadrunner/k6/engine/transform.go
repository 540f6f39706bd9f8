package engine

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Module is one k6 JavaScript module ("k6/http", ...): the names it exports (checked before
// any VU starts) and a constructor of those exports for one VU. Each module's Go package
// registers itself once, in its init, with Register.
type Module struct {
	Name    string
	Exports []string
	New     func(vu *VU) map[string]any
}

var modules = map[string]*Module{}

// Register adds a module; a name registered twice is a programming error.
func Register(m *Module) {
	if _, dup := modules[m.Name]; dup {
		panic("k6 module registered twice: " + m.Name)
	}
	modules[m.Name] = m
}

// ModuleNames lists the registered modules, sorted.
func ModuleNames() []string {
	out := make([]string, 0, len(modules))
	for n := range modules {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

var (
	importRe      = regexp.MustCompile(`(?m)^[ \t]*import\s+(?:([\w$*{}\s,]+?)\s+from\s+)?(['"])([^'"\n]+)['"][ \t]*;?`)
	exportDefault = regexp.MustCompile(`(?m)((?:^|;)[ \t]*)export\s+default\s+`)
	exportDecl    = regexp.MustCompile(`(?m)((?:^|;)[ \t]*)export\s+((?:const|let|var)\s+([\w$]+)|(?:async\s+)?function\s*\*?\s*([\w$]+)|class\s+([\w$]+))`)
	exportList    = regexp.MustCompile(`(?m)^[ \t]*export\s*\{([^}]*)\}[ \t]*;?`)
	identAfterDot = `\b%s\s*\.\s*([A-Za-z_$][\w$]*)`
)

// binding is one name an import statement introduces.
type binding struct {
	local, imported string // imported: "default", "*" or a name
}

// Transform turns a k6 script's ES module syntax (import/export) into CommonJS for goja,
// keeping every line where it was so that errors point at the script's own lines. It checks
// each k6 module, each named import and each property used on an imported k6 module against
// what faultline supports, and fails with the file, the line, the name and the supported list.
func Transform(file, src string) (string, error) {
	var errs []string
	lineOf := func(off int) int { return strings.Count(src[:off], "\n") + 1 }
	var out strings.Builder
	last := 0
	n := 0
	var moduleBindings [][2]string // local name of a default/namespace import of a k6 module, module
	for _, m := range importRe.FindAllStringSubmatchIndex(src, -1) {
		out.WriteString(src[last:m[0]])
		last = m[1]
		stmt := src[m[0]:m[1]]
		spec := src[m[6]:m[7]]
		clause := ""
		if m[2] >= 0 {
			clause = src[m[2]:m[3]]
		}
		line := lineOf(m[0])
		if strings.HasPrefix(spec, "http://") || strings.HasPrefix(spec, "https://") {
			errs = append(errs, fmt.Sprintf("%s:%d: import %q: remote modules cannot be loaded here (no network); copy the module beside the script and import it as ./name.js", file, line, spec))
		} else if !strings.HasPrefix(spec, ".") && !strings.HasPrefix(spec, "/") {
			if _, ok := modules[spec]; !ok {
				errs = append(errs, fmt.Sprintf("%s:%d: import %q: module not supported by faultline's k6 runner; supported modules: %s", file, line, spec, strings.Join(ModuleNames(), ", ")))
			}
		}
		bs, err := parseClause(clause)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s:%d: %v", file, line, err))
		}
		n++
		v := fmt.Sprintf("__k6m%d", n)
		fmt.Fprintf(&out, "const %s = require(%q);", v, spec)
		for _, b := range bs {
			switch b.imported {
			case "default":
				fmt.Fprintf(&out, " const %s = (%s && %s.default !== undefined) ? %s.default : %s;", b.local, v, v, v, v)
			case "*":
				fmt.Fprintf(&out, " const %s = %s;", b.local, v)
			default:
				if mod, ok := modules[spec]; ok && !contains(mod.Exports, b.imported) {
					errs = append(errs, fmt.Sprintf("%s:%d: %s is not exported by faultline's %s; it supports: %s", file, line, b.imported, spec, strings.Join(mod.Exports, ", ")))
				}
				fmt.Fprintf(&out, " const %s = %s.%s;", b.local, v, b.imported)
			}
			if _, ok := modules[spec]; ok && (b.imported == "default" || b.imported == "*") {
				moduleBindings = append(moduleBindings, [2]string{b.local, spec})
			}
		}
		out.WriteString(strings.Repeat("\n", strings.Count(stmt, "\n")))
	}
	out.WriteString(src[last:])
	code := out.String()

	// Properties used on imported k6 modules (http.get, metrics.Trend, ...), in code only.
	bare := stripComments(src)
	for _, mb := range moduleBindings {
		mod := modules[mb[1]]
		re := regexp.MustCompile(fmt.Sprintf(identAfterDot, regexp.QuoteMeta(mb[0])))
		for _, m := range re.FindAllStringSubmatchIndex(bare, -1) {
			name := bare[m[2]:m[3]]
			if !contains(mod.Exports, name) && name != "default" {
				errs = append(errs, fmt.Sprintf("%s:%d: %s.%s: %s has no %q in faultline's k6 runner; it supports: %s",
					file, lineOf(m[0]), mb[0], name, mb[1], name, strings.Join(mod.Exports, ", ")))
			}
		}
	}

	var tail []string
	code = exportDefault.ReplaceAllString(code, "${1}exports.default = ")
	code = exportDecl.ReplaceAllStringFunc(code, func(s string) string {
		sm := exportDecl.FindStringSubmatch(s)
		for _, name := range sm[3:] {
			if name != "" {
				tail = append(tail, fmt.Sprintf("exports.%s = %s;", name, name))
			}
		}
		return sm[1] + sm[2]
	})
	code = exportList.ReplaceAllStringFunc(code, func(s string) string {
		inner := exportList.FindStringSubmatch(s)[1]
		for _, part := range strings.Split(inner, ",") {
			f := strings.Fields(part)
			switch {
			case len(f) == 1:
				tail = append(tail, fmt.Sprintf("exports.%s = %s;", f[0], f[0]))
			case len(f) == 3 && f[1] == "as":
				tail = append(tail, fmt.Sprintf("exports.%s = %s;", f[2], f[0]))
			}
		}
		return strings.Repeat("\n", strings.Count(s, "\n"))
	})
	if len(errs) > 0 {
		return "", fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return code + "\n" + strings.Join(tail, " ") + "\n", nil
}

// stripComments blanks comments and the insides of string literals (keeping newlines, so
// offsets still map to lines): names in them are not API uses.
func stripComments(s string) string {
	b := []byte(s)
	blank := func(i int) {
		if b[i] != '\n' {
			b[i] = ' '
		}
	}
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c == '/' && i+1 < len(b) && b[i+1] == '/':
			for ; i < len(b) && b[i] != '\n'; i++ {
				blank(i)
			}
		case c == '/' && i+1 < len(b) && b[i+1] == '*':
			for ; i < len(b) && !(b[i] == '*' && i+1 < len(b) && b[i+1] == '/'); i++ {
				blank(i)
			}
			if i+1 < len(b) {
				blank(i)
				blank(i + 1)
				i++
			}
		case c == '\'' || c == '"' || c == '`':
			for i++; i < len(b) && b[i] != c; i++ {
				if b[i] == '\\' && i+1 < len(b) {
					blank(i)
					i++
				}
				blank(i)
			}
		}
	}
	return string(b)
}

func parseClause(c string) ([]binding, error) {
	c = strings.TrimSpace(c)
	if c == "" {
		return nil, nil
	}
	var out []binding
	if i := strings.IndexByte(c, '{'); i >= 0 {
		j := strings.IndexByte(c, '}')
		if j < i {
			return nil, fmt.Errorf("import {%s}: unbalanced braces", c)
		}
		for _, part := range strings.Split(c[i+1:j], ",") {
			f := strings.Fields(part)
			switch {
			case len(f) == 0:
			case len(f) == 1:
				out = append(out, binding{local: f[0], imported: f[0]})
			case len(f) == 3 && f[1] == "as":
				out = append(out, binding{local: f[2], imported: f[0]})
			default:
				return nil, fmt.Errorf("import {%s}: cannot read %q", c[i+1:j], part)
			}
		}
		c = strings.TrimSpace(strings.Trim(strings.TrimSpace(c[:i]+c[j+1:]), ","))
	}
	for _, part := range strings.Split(c, ",") {
		part = strings.TrimSpace(part)
		switch {
		case part == "":
		case strings.HasPrefix(part, "*"):
			f := strings.Fields(part)
			if len(f) != 3 || f[1] != "as" {
				return nil, fmt.Errorf("import %s: write import * as name", part)
			}
			out = append(out, binding{local: f[2], imported: "*"})
		default:
			out = append(out, binding{local: part, imported: "default"})
		}
	}
	return out, nil
}
