package mutate

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"reflect"
	"regexp"
	"strings"

	"golang.org/x/tools/go/ast/astutil"
)

// operator finds candidates at one node (with its ancestors in stack, outermost first).
type operator struct {
	name    string
	doc     string
	example string
	find    func(p *pass, n ast.Node, stack []ast.Node) []candidate
}

// Operators lists every operator with its one-sentence documentation and an example.
func Operators() []OperatorDoc {
	out := make([]OperatorDoc, 0, len(operators))
	for _, o := range operators {
		out = append(out, OperatorDoc{Type: "operator", Name: o.name, Doc: o.doc, Example: o.example})
	}
	return out
}

func selectOperators(names []string) ([]*operator, error) {
	if len(names) == 0 {
		return operators, nil
	}
	var out []*operator
	for _, n := range names {
		i := -1
		for j, o := range operators {
			if o.name == n {
				i = j
			}
		}
		if i < 0 {
			known := make([]string, len(operators))
			for j, o := range operators {
				known[j] = o.name
			}
			return nil, &InputError{fmt.Sprintf("unknown operator %q; known: %s", n, strings.Join(known, ", "))}
		}
		out = append(out, operators[i])
	}
	return out, nil
}

var operators = []*operator{
	{
		name:    "timeout-x30",
		doc:     "A deadline or timeout made 30 times longer: context.WithTimeout, time.After and time.NewTimer outside loops, and every `...Timeout:` duration field of a struct literal.",
		example: "context.WithTimeout(ctx, c.timeout) -> context.WithTimeout(ctx, 30*(c.timeout))",
		find:    findTimeoutX30,
	},
	{
		name:    "timeout-removed",
		doc:     "A deadline or timeout removed: context.WithTimeout becomes context.WithCancel, and a `...Timeout:` field of a struct literal is deleted (its zero value: no timeout).",
		example: "context.WithTimeout(ctx, c.timeout) -> context.WithCancel(ctx)",
		find:    findTimeoutRemoved,
	},
	{
		name:    "retry-once",
		doc:     "A retry bound set to 1: the bound of a comparison against an attempts/retries limit inside a loop becomes 1, so the first failure is final.",
		example: "if attempt >= p.MaxAttempts { return err } -> if attempt >= 1 { return err }",
		find:    findRetryOnce,
	},
	{
		name:    "retry-unbounded",
		doc:     "A retry bound removed: the give-up check against an attempts/retries limit never fires (an if's condition made false, a for's condition made true).",
		example: "if attempt >= p.MaxAttempts { return err } -> if false && (attempt >= p.MaxAttempts) { return err }",
		find:    findRetryUnbounded,
	},
	{
		name:    "backoff-removed",
		doc:     "A backoff removed: a time.Sleep inside a loop is deleted, and the wait of a time.After or time.NewTimer inside a loop becomes 0.",
		example: "case <-time.After(backoff): -> case <-time.After(0):",
		find:    findBackoffRemoved,
	},
	{
		name:    "err-continue",
		doc:     "An `if err != nil` branch that returns or compensates made to continue: its condition is made false, so the code after it runs as if the call had succeeded.",
		example: "if err != nil { return nil, err } -> if err != nil && false { return nil, err }",
		find:    findErrContinue,
	},
	{
		name:    "compensation-call-deleted",
		doc:     "A call inside a compensation, rollback, refund or release path deleted: a call statement to Refund/Release/Rollback/Compensate/Undo..., or any call statement in a function so named, is removed (a single error result becomes nil).",
		example: "_ = tx.Rollback(ctx) -> (deleted)",
		find:    findCompensationCall,
	},
	{
		name:    "dedupe-always-false",
		doc:     "An idempotency or dedupe check made always-false: a boolean named for it (alreadyProcessed, isDuplicate, seen, exists...) is assigned false, or reads false where a condition tests it.",
		example: "alreadyProcessed := tag.RowsAffected() == 0 -> alreadyProcessed := false",
		find:    findDedupe,
	},
	{
		name:    "breaker-never-trips",
		doc:     "A circuit breaker's trip condition made never-true: every return of a ReadyToTrip (or *trip*/shouldOpen) function returns false.",
		example: "ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= n } -> ... { return false }",
		find:    findBreaker,
	},
	{
		name:    "errors-is-false",
		doc:     "An errors.Is against a package-level sentinel error made false, so the error is no longer recognised.",
		example: "errors.Is(err, order.ErrNotFound) -> false",
		find:    findErrorsIs,
	},
	{
		name:    "commit-error-ignored",
		doc:     "A commit's error ignored: `if err := tx.Commit(ctx); err != nil {...}` becomes `_ = tx.Commit(ctx)`, and `return tx.Commit(ctx)` returns nil.",
		example: "if err = tx.Commit(ctx); err != nil { return err } -> _ = tx.Commit(ctx)",
		find:    findCommitIgnored,
	},
	{
		name:    "offset-commit-early",
		doc:     "A consumer's offset commit moved before the work is stored: the commit call (or the append that marks a record for commit) moves before the statement that handles the record.",
		example: "if !c.deliver(r) { break }; handled = append(handled, r) -> handled = append(handled, r); if !c.deliver(r) { break }",
		find:    findOffsetEarly,
	},
}

// ---- helpers ---------------------------------------------------------------------------------

// callee is the function a call calls (nil for a function value or a conversion).
func callee(info *types.Info, call *ast.CallExpr) *types.Func {
	var id *ast.Ident
	switch f := ast.Unparen(call.Fun).(type) {
	case *ast.Ident:
		id = f
	case *ast.SelectorExpr:
		id = f.Sel
	default:
		return nil
	}
	fn, _ := info.Uses[id].(*types.Func)
	return fn
}

func isFunc(info *types.Info, call *ast.CallExpr, pkg string, names ...string) bool {
	fn := callee(info, call)
	if fn == nil || fn.Pkg() == nil || fn.Pkg().Path() != pkg {
		return false
	}
	for _, n := range names {
		if fn.Name() == n {
			return true
		}
	}
	return false
}

// callName is the last name of what a call calls: `x.y.Refund(...)` -> "Refund".
func callName(call *ast.CallExpr) string {
	switch f := ast.Unparen(call.Fun).(type) {
	case *ast.Ident:
		return f.Name
	case *ast.SelectorExpr:
		return f.Sel.Name
	}
	return ""
}

// exprName is an expression's last name: `p.MaxAttempts` -> "MaxAttempts", `n` -> "n".
func exprName(e ast.Expr) string {
	switch x := ast.Unparen(e).(type) {
	case *ast.Ident:
		return x.Name
	case *ast.SelectorExpr:
		return x.Sel.Name
	case *ast.CallExpr:
		return callName(x)
	}
	return ""
}

var errorType = types.Universe.Lookup("error").Type().Underlying().(*types.Interface)

func isError(t types.Type) bool { return t != nil && types.Implements(t, errorType) }

func isDuration(info *types.Info, e ast.Expr) bool {
	t := info.TypeOf(e)
	if n, ok := t.(*types.Named); ok {
		o := n.Obj()
		return o.Pkg() != nil && o.Pkg().Path() == "time" && o.Name() == "Duration"
	}
	return false
}

func isBool(info *types.Info, e ast.Expr) bool {
	b, ok := info.TypeOf(e).Underlying().(*types.Basic)
	return ok && b.Kind() == types.Bool
}

// inLoop: a for or range statement encloses the node in the same function.
func inLoop(stack []ast.Node) bool {
	for i := len(stack) - 1; i >= 0; i-- {
		switch stack[i].(type) {
		case *ast.ForStmt, *ast.RangeStmt:
			return true
		case *ast.FuncLit, *ast.FuncDecl:
			return false
		}
	}
	return false
}

func parent(stack []ast.Node) ast.Node {
	if len(stack) < 2 {
		return nil
	}
	return stack[len(stack)-2]
}

func ident(name string) *ast.Ident { return ast.NewIdent(name) }

func intLit(v string) *ast.BasicLit { return &ast.BasicLit{Kind: token.INT, Value: v} }

// replaceWith: a form that replaces the node with what make returns.
func replaceWith(make func(n ast.Node) ast.Node) form {
	return func(n ast.Node, c *astutil.Cursor, show func(ast.Node) string) (string, bool) {
		r := make(n)
		if r == nil {
			return "", false
		}
		c.Replace(r)
		return show(r), true
	}
}

// falseAnd: `false && (e)`, which keeps every name e uses used.
func falseAnd(e ast.Expr) ast.Expr {
	return &ast.BinaryExpr{X: ident("false"), Op: token.LAND, Y: &ast.ParenExpr{X: e}}
}

// deleteStmt: a form that removes a statement from its block.
func deleteStmt() form {
	return func(n ast.Node, c *astutil.Cursor, _ func(ast.Node) string) (string, bool) {
		if c.Index() < 0 {
			return "", false
		}
		c.Delete()
		return "(deleted)", true
	}
}

// ---- timeouts --------------------------------------------------------------------------------

var timeoutField = regexp.MustCompile(`(?i)timeout$`)

func times30(e ast.Node) ast.Node {
	return &ast.BinaryExpr{X: intLit("30"), Op: token.MUL, Y: &ast.ParenExpr{X: e.(ast.Expr)}}
}

// timeoutArgs: the duration argument of a deadline call outside a loop, or a Timeout field's value.
func timeoutArg(p *pass, n ast.Node, stack []ast.Node) (ast.Expr, string) {
	switch x := n.(type) {
	case *ast.CallExpr:
		if isFunc(p.info, x, "context", "WithTimeout") && len(x.Args) == 2 {
			return x.Args[1], p.text(x)
		}
		if !inLoop(stack) && isFunc(p.info, x, "time", "After", "NewTimer", "AfterFunc") && len(x.Args) >= 1 {
			return x.Args[0], p.text(x)
		}
	case *ast.KeyValueExpr:
		if k, ok := x.Key.(*ast.Ident); ok && timeoutField.MatchString(k.Name) && isDuration(p.info, x.Value) {
			if _, lit := parent(stack).(*ast.CompositeLit); lit {
				return x.Value, k.Name
			}
		}
	}
	return nil, ""
}

func findTimeoutX30(p *pass, n ast.Node, stack []ast.Node) []candidate {
	arg, what := timeoutArg(p, n, stack)
	if arg == nil {
		return nil
	}
	return []candidate{{node: arg, forms: []form{replaceWith(times30)},
		hint: fmt.Sprintf("no scenario checks that callers give up in time when the call bounded by %s is slow (a latency bound while a dependency hangs)", what)}}
}

func findTimeoutRemoved(p *pass, n ast.Node, stack []ast.Node) []candidate {
	switch x := n.(type) {
	case *ast.CallExpr:
		if isFunc(p.info, x, "context", "WithTimeout") && len(x.Args) == 2 {
			_, ok := ast.Unparen(x.Fun).(*ast.SelectorExpr)
			if !ok {
				return nil
			}
			return []candidate{{node: x, hint: fmt.Sprintf("no scenario checks that %s stops waiting when the call hangs (a deadline on the call)", p.text(x)),
				forms: []form{replaceWith(func(n ast.Node) ast.Node {
					c := n.(*ast.CallExpr)
					s := c.Fun.(*ast.SelectorExpr)
					return &ast.CallExpr{Fun: &ast.SelectorExpr{X: s.X, Sel: ident("WithCancel")}, Args: []ast.Expr{c.Args[0]}}
				})}}}
		}
	case *ast.KeyValueExpr:
		if _, what := timeoutArg(p, n, stack); what != "" {
			return []candidate{{node: x, hint: fmt.Sprintf("no scenario checks what %s bounds (nothing fails when it is gone)", what),
				forms: []form{func(n ast.Node, c *astutil.Cursor, _ func(ast.Node) string) (string, bool) {
					if c.Index() < 0 {
						return "", false
					}
					c.Delete()
					return "(field deleted)", true
				}}}}
		}
	}
	return nil
}

// ---- retries ---------------------------------------------------------------------------------

var retryBound = regexp.MustCompile(`(?i)(attempt|retr|tries)`)

// retryComparison: a comparison against an attempts limit inside a loop; bound is its limit side.
func retryComparison(n ast.Node, stack []ast.Node) (b *ast.BinaryExpr, boundLeft bool, ok bool) {
	b, ok = n.(*ast.BinaryExpr)
	if !ok || !inLoop(stack) && !isForCond(b, stack) {
		return nil, false, false
	}
	switch b.Op {
	case token.LSS, token.LEQ, token.GTR, token.GEQ:
	default:
		return nil, false, false
	}
	xn, yn := exprName(b.X), exprName(b.Y)
	limit := regexp.MustCompile(`(?i)(max|limit)`)
	switch {
	case retryBound.MatchString(yn) && limit.MatchString(yn):
		return b, false, true
	case retryBound.MatchString(xn) && limit.MatchString(xn):
		return b, true, true
	case retryBound.MatchString(xn) && !retryBound.MatchString(yn) && !isConst(b.Y):
		return b, false, true
	}
	return nil, false, false
}

func isConst(e ast.Expr) bool { _, ok := ast.Unparen(e).(*ast.BasicLit); return ok }

func isForCond(b *ast.BinaryExpr, stack []ast.Node) bool {
	f, ok := parent(stack).(*ast.ForStmt)
	return ok && f.Cond == b
}

func findRetryOnce(p *pass, n ast.Node, stack []ast.Node) []candidate {
	b, left, ok := retryComparison(n, stack)
	if !ok {
		return nil
	}
	bound := b.Y
	if left {
		bound = b.X
	}
	if lit, ok := ast.Unparen(bound).(*ast.BasicLit); ok && lit.Value == "1" {
		return nil
	}
	return []candidate{{node: bound, forms: []form{replaceWith(func(ast.Node) ast.Node { return intLit("1") })},
		hint: fmt.Sprintf("no scenario checks that a brief failure is retried (a fault that heals before %s attempts are spent)", p.text(bound))}}
}

func findRetryUnbounded(p *pass, n ast.Node, stack []ast.Node) []candidate {
	b, _, ok := retryComparison(n, stack)
	if !ok {
		return nil
	}
	keepGoing := "false"
	switch par := parent(stack).(type) {
	case *ast.ForStmt:
		if par.Cond != b {
			return nil
		}
		keepGoing = "true"
	case *ast.IfStmt:
		if par.Cond != b {
			return nil
		}
	default:
		return nil
	}
	hint := fmt.Sprintf("no scenario checks that retries stop while a dependency stays down (%s never gives up)", p.text(b))
	if keepGoing == "true" {
		return []candidate{{node: b, hint: hint, forms: []form{replaceWith(func(ast.Node) ast.Node { return ident("true") })}}}
	}
	return []candidate{{node: b, hint: hint, forms: []form{
		replaceWith(func(ast.Node) ast.Node { return ident("false") }),
		replaceWith(func(n ast.Node) ast.Node { return falseAnd(n.(ast.Expr)) }),
	}}}
}

// ---- backoff ---------------------------------------------------------------------------------

func findBackoffRemoved(p *pass, n ast.Node, stack []ast.Node) []candidate {
	call, ok := n.(*ast.CallExpr)
	if !ok || !inLoop(stack) || len(call.Args) == 0 {
		return nil
	}
	hint := fmt.Sprintf("no scenario checks the pace of retries against a failing dependency (the wait %s is gone)", p.text(call))
	zero := func(n ast.Node) ast.Node {
		if isConst(n.(ast.Expr)) {
			return intLit("0")
		}
		return &ast.BinaryExpr{X: intLit("0"), Op: token.MUL, Y: &ast.ParenExpr{X: n.(ast.Expr)}}
	}
	if isFunc(p.info, call, "time", "Sleep") {
		if st, ok := parent(stack).(*ast.ExprStmt); ok {
			return []candidate{{node: st, hint: hint, forms: []form{deleteStmt()}}}
		}
	}
	if isFunc(p.info, call, "time", "After", "NewTimer") {
		return []candidate{{node: call.Args[0], hint: hint, forms: []form{
			replaceWith(func(ast.Node) ast.Node { return intLit("0") }),
			replaceWith(zero),
		}}}
	}
	return nil
}

// ---- error branches --------------------------------------------------------------------------

var compensationWords = regexp.MustCompile(`(?i)^(compensat|rollback|refund|release|undo|revert|unreserve|restock|abort)`)
var compensationFunc = regexp.MustCompile(`(?i)(compensat|rollback|refund|release|undo|revert)`)

// errNotNil: `x != nil` where x is an error.
func errNotNil(p *pass, e ast.Expr) bool {
	b, ok := ast.Unparen(e).(*ast.BinaryExpr)
	if !ok || b.Op != token.NEQ {
		return false
	}
	if id, ok := b.Y.(*ast.Ident); !ok || id.Name != "nil" {
		return false
	}
	return isError(p.info.TypeOf(b.X))
}

func findErrContinue(p *pass, n ast.Node, _ []ast.Node) []candidate {
	ifs, ok := n.(*ast.IfStmt)
	if !ok || !errNotNil(p, ifs.Cond) {
		return nil
	}
	returns, compensates := false, ""
	for _, st := range ifs.Body.List {
		switch s := st.(type) {
		case *ast.ReturnStmt:
			returns = true
		case *ast.ExprStmt:
			if c, ok := s.X.(*ast.CallExpr); ok && compensationWords.MatchString(callName(c)) {
				compensates = callName(c)
			}
		}
	}
	if !returns && compensates == "" {
		return nil
	}
	what := "returns"
	if compensates != "" {
		what = "calls " + compensates
	}
	subject := p.text(ifs.Cond)
	if ifs.Init != nil {
		subject = p.text(ifs.Init)
	}
	return []candidate{{node: ifs.Cond, original: p.text(ifs.Cond),
		hint: fmt.Sprintf("no scenario makes `%s` fail and checks the outcome (the branch that %s is skipped)", short(subject), what),
		forms: []form{replaceWith(func(n ast.Node) ast.Node {
			return &ast.BinaryExpr{X: n.(ast.Expr), Op: token.LAND, Y: ident("false")}
		})}}}
}

func short(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}

// ---- compensations ---------------------------------------------------------------------------

func isLogOrMetric(p *pass, call *ast.CallExpr) bool {
	fn := callee(p.info, call)
	if fn != nil && fn.Pkg() != nil {
		switch fn.Pkg().Path() {
		case "log/slog", "log", "fmt", "github.com/prometheus/client_golang/prometheus":
			return true
		}
	}
	switch callName(call) {
	case "Info", "Warn", "Error", "Debug", "InfoContext", "WarnContext", "ErrorContext", "DebugContext", "Inc", "Add", "Observe", "Set", "RecordError", "SetStatus", "End", "SetAttributes":
		return true
	}
	return false
}

func isBuiltin(p *pass, call *ast.CallExpr) bool {
	id, ok := ast.Unparen(call.Fun).(*ast.Ident)
	if !ok {
		return false
	}
	_, b := p.info.Uses[id].(*types.Builtin)
	return b
}

func isCancelFunc(p *pass, call *ast.CallExpr) bool {
	t := p.info.TypeOf(call.Fun)
	if n, ok := t.(*types.Named); ok {
		return n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "context"
	}
	return false
}

func inCompensation(stack []ast.Node) string {
	for i := len(stack) - 1; i >= 0; i-- {
		if f, ok := stack[i].(*ast.FuncDecl); ok {
			if compensationFunc.MatchString(f.Name.Name) && !strings.HasPrefix(f.Name.Name, "New") {
				return f.Name.Name
			}
			return ""
		}
	}
	return ""
}

func findCompensationCall(p *pass, n ast.Node, stack []ast.Node) []candidate {
	var call *ast.CallExpr
	switch s := n.(type) {
	case *ast.ExprStmt:
		call, _ = s.X.(*ast.CallExpr)
	case *ast.DeferStmt:
		call = s.Call
	case *ast.AssignStmt:
		if len(s.Rhs) == 1 && allBlank(s.Lhs) {
			call, _ = s.Rhs[0].(*ast.CallExpr)
		}
	}
	if call != nil {
		if isLogOrMetric(p, call) || isCancelFunc(p, call) || isBuiltin(p, call) {
			return nil
		}
		fn := inCompensation(stack)
		if !compensationWords.MatchString(callName(call)) && fn == "" {
			return nil
		}
		where := "on its path"
		if fn != "" {
			where = "in " + fn
		}
		return []candidate{{node: n, hint: fmt.Sprintf("no scenario checks the effect of %s %s (what it undoes stays done)", short(p.text(call)), where),
			forms: []form{deleteStmt()}}}
	}
	// err := x.Release(ctx, id) (a single error result): the call is not made, err is nil.
	if s, ok := n.(*ast.AssignStmt); ok && len(s.Lhs) == 1 && len(s.Rhs) == 1 {
		c, ok := s.Rhs[0].(*ast.CallExpr)
		if !ok || !compensationWords.MatchString(callName(c)) || !isError(p.info.TypeOf(c)) {
			return nil
		}
		return []candidate{{node: c, hint: fmt.Sprintf("no scenario checks the effect of %s (what it undoes stays done)", short(p.text(c))),
			forms: []form{replaceWith(func(ast.Node) ast.Node {
				return &ast.CallExpr{Fun: ident("error"), Args: []ast.Expr{ident("nil")}}
			})}}}
	}
	return nil
}

func allBlank(es []ast.Expr) bool {
	for _, e := range es {
		if id, ok := e.(*ast.Ident); !ok || id.Name != "_" {
			return false
		}
	}
	return true
}

// ---- dedupe ----------------------------------------------------------------------------------

var dedupeWords = regexp.MustCompile(`(?i)(idempot|dedup|duplicate|already|seen|processed|replay|exists)`)

func findDedupe(p *pass, n ast.Node, stack []ast.Node) []candidate {
	hint := func(name string) string {
		return fmt.Sprintf("no scenario repeats or redelivers the same request and checks it takes effect once (%s is never true)", name)
	}
	switch x := n.(type) {
	case *ast.AssignStmt:
		if len(x.Lhs) != 1 || len(x.Rhs) != 1 {
			return nil
		}
		id, ok := x.Lhs[0].(*ast.Ident)
		if !ok || !dedupeWords.MatchString(id.Name) || !isBool(p.info, x.Rhs[0]) {
			return nil
		}
		return []candidate{{node: x.Rhs[0], hint: hint(id.Name), forms: []form{
			replaceWith(func(ast.Node) ast.Node { return ident("false") }),
			replaceWith(func(n ast.Node) ast.Node { return falseAnd(n.(ast.Expr)) }),
		}}}
	case *ast.Ident, *ast.CallExpr, *ast.SelectorExpr:
		e := x.(ast.Expr)
		name := exprName(e)
		if !dedupeWords.MatchString(name) || !isBool(p.info, e) || !inCondition(e, stack) {
			return nil
		}
		if id, ok := e.(*ast.Ident); ok && p.info.Defs[id] != nil {
			return nil
		}
		if _, ok := parent(stack).(*ast.SelectorExpr); ok {
			return nil // the selector as a whole is the candidate
		}
		return []candidate{{node: e, hint: hint(name), forms: []form{
			replaceWith(func(ast.Node) ast.Node { return ident("false") }),
			replaceWith(func(n ast.Node) ast.Node { return falseAnd(n.(ast.Expr)) }),
		}}}
	}
	return nil
}

// inCondition: the expression is (part of) an if's or a tagless switch case's condition.
func inCondition(e ast.Expr, stack []ast.Node) bool {
	for i := len(stack) - 2; i >= 0; i-- {
		switch s := stack[i].(type) {
		case *ast.IfStmt:
			return contains(s.Cond, e)
		case *ast.CaseClause:
			for _, c := range s.List {
				if contains(c, e) {
					if i > 1 {
						if sw, ok := stack[i-2].(*ast.SwitchStmt); ok && sw.Tag == nil {
							return true
						}
					}
				}
			}
			return false
		case ast.Stmt, *ast.FuncLit:
			return false
		}
	}
	return false
}

func contains(outer, inner ast.Node) bool {
	return outer != nil && outer.Pos() <= inner.Pos() && inner.End() <= outer.End()
}

// ---- breakers --------------------------------------------------------------------------------

var tripName = regexp.MustCompile(`(?i)^(readytotrip|shouldtrip|shouldopen|tripped|istripped)$`)

func findBreaker(p *pass, n ast.Node, stack []ast.Node) []candidate {
	var body *ast.BlockStmt
	var target ast.Node
	switch x := n.(type) {
	case *ast.KeyValueExpr:
		k, ok := x.Key.(*ast.Ident)
		lit, isLit := x.Value.(*ast.FuncLit)
		if !ok || !isLit || !tripName.MatchString(k.Name) {
			return nil
		}
		body, target = lit.Body, lit
	case *ast.FuncDecl:
		if !tripName.MatchString(x.Name.Name) || x.Body == nil {
			return nil
		}
		body, target = x.Body, x
	default:
		return nil
	}
	_ = body
	return []candidate{{node: target, hint: "no scenario checks that the breaker opens while its dependency is down (callers fail fast, the breaker's state metric goes to open)",
		forms: []form{returnsFalse(false), returnsFalse(true)}}}
}

// returnsFalse makes every return of the function's own body (not nested literals) false.
func returnsFalse(keep bool) form {
	return func(n ast.Node, _ *astutil.Cursor, _ func(ast.Node) string) (string, bool) {
		var body *ast.BlockStmt
		switch f := n.(type) {
		case *ast.FuncLit:
			body = f.Body
		case *ast.FuncDecl:
			body = f.Body
		}
		changed := false
		ast.Inspect(body, func(x ast.Node) bool {
			if _, ok := x.(*ast.FuncLit); ok {
				return false
			}
			if r, ok := x.(*ast.ReturnStmt); ok && len(r.Results) == 1 {
				if keep {
					r.Results[0] = falseAnd(r.Results[0])
				} else {
					r.Results[0] = ident("false")
				}
				changed = true
			}
			return true
		})
		if keep {
			return "every return: false && (...)", changed
		}
		return "every return: false", changed
	}
}

// ---- errors.Is -------------------------------------------------------------------------------

func findErrorsIs(p *pass, n ast.Node, _ []ast.Node) []candidate {
	call, ok := n.(*ast.CallExpr)
	if !ok || !isFunc(p.info, call, "errors", "Is") || len(call.Args) != 2 {
		return nil
	}
	var id *ast.Ident
	switch s := ast.Unparen(call.Args[1]).(type) {
	case *ast.Ident:
		id = s
	case *ast.SelectorExpr:
		id = s.Sel
	default:
		return nil
	}
	v, ok := p.info.Uses[id].(*types.Var)
	if !ok || v.Pkg() == nil || v.Parent() != v.Pkg().Scope() {
		return nil
	}
	return []candidate{{node: call, hint: fmt.Sprintf("no scenario produces %s here and checks how it is handled", p.text(call.Args[1])),
		forms: []form{
			replaceWith(func(ast.Node) ast.Node { return ident("false") }),
			replaceWith(func(n ast.Node) ast.Node { return &ast.ParenExpr{X: falseAnd(n.(ast.Expr))} }),
		}}}
}

// ---- commits ---------------------------------------------------------------------------------

func isCommit(p *pass, e ast.Expr) (*ast.CallExpr, bool) {
	c, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok || !strings.HasPrefix(callName(c), "Commit") || !isError(p.info.TypeOf(c)) {
		return nil, false
	}
	return c, true
}

func findCommitIgnored(p *pass, n ast.Node, stack []ast.Node) []candidate {
	switch x := n.(type) {
	case *ast.IfStmt:
		as, ok := x.Init.(*ast.AssignStmt)
		if !ok || len(as.Lhs) != 1 || len(as.Rhs) != 1 || !errNotNil(p, x.Cond) || x.Else != nil {
			return nil
		}
		call, ok := isCommit(p, as.Rhs[0])
		if !ok {
			return nil
		}
		return []candidate{{node: x, original: p.text(x.Init) + "; " + p.text(x.Cond) + " {...}",
			hint: fmt.Sprintf("no scenario makes %s fail and checks that the caller is told (a commit reported as success)", short(p.text(call))),
			forms: []form{replaceWith(func(n ast.Node) ast.Node {
				init := n.(*ast.IfStmt).Init.(*ast.AssignStmt)
				return &ast.AssignStmt{Lhs: []ast.Expr{ident("_")}, Tok: token.ASSIGN, Rhs: init.Rhs}
			})}}}
	case *ast.ReturnStmt:
		if len(x.Results) != 1 {
			return nil
		}
		call, ok := isCommit(p, x.Results[0])
		if !ok {
			return nil
		}
		return []candidate{{node: x, hint: fmt.Sprintf("no scenario makes %s fail and checks that the caller is told (a commit reported as success)", short(p.text(call))),
			forms: []form{func(n ast.Node, c *astutil.Cursor, show func(ast.Node) string) (string, bool) {
				if c.Index() < 0 {
					return "", false
				}
				r := n.(*ast.ReturnStmt)
				ignore := &ast.AssignStmt{Lhs: []ast.Expr{ident("_")}, Tok: token.ASSIGN, Rhs: []ast.Expr{r.Results[0]}}
				c.InsertBefore(ignore)
				c.Replace(&ast.ReturnStmt{Results: []ast.Expr{ident("nil")}})
				return show(ignore) + "; return nil", true
			}}}}
	}
	return nil
}

// ---- consumer offsets ------------------------------------------------------------------------

var offsetCommit = regexp.MustCompile(`(?i)^(commit\w*|markoffset|markmessage|ack)$`)
var workCall = regexp.MustCompile(`(?i)(handle|process|store|save|deliver|apply|consume|persist)`)

func callsMatching(n ast.Node, re *regexp.Regexp) *ast.CallExpr {
	var found *ast.CallExpr
	ast.Inspect(n, func(x ast.Node) bool {
		if c, ok := x.(*ast.CallExpr); ok && found == nil && re.MatchString(callName(c)) {
			found = c
		}
		return found == nil
	})
	return found
}

// commitArgs: the objects passed to an offset commit anywhere in the function.
func commitArgs(p *pass, fn ast.Node) map[types.Object]bool {
	out := map[types.Object]bool{}
	ast.Inspect(fn, func(x ast.Node) bool {
		if c, ok := x.(*ast.CallExpr); ok && offsetCommit.MatchString(callName(c)) {
			for _, a := range c.Args {
				if id, ok := ast.Unparen(a).(*ast.Ident); ok {
					out[p.info.Uses[id]] = true
				}
			}
		}
		return true
	})
	return out
}

func outerFunc(stack []ast.Node) ast.Node {
	for _, n := range stack {
		if f, ok := n.(*ast.FuncDecl); ok {
			return f
		}
	}
	return nil
}

func findOffsetEarly(p *pass, n ast.Node, stack []ast.Node) []candidate {
	block, ok := n.(*ast.BlockStmt)
	if !ok {
		return nil
	}
	fn := outerFunc(stack)
	if fn == nil {
		return nil
	}
	marked := commitArgs(p, fn)
	var out []candidate
	for i, st := range block.List {
		isCommitStmt := false
		if es, ok := st.(*ast.ExprStmt); ok {
			if c, ok := es.X.(*ast.CallExpr); ok && offsetCommit.MatchString(callName(c)) {
				isCommitStmt = true
			}
		}
		if as, ok := st.(*ast.AssignStmt); ok && len(as.Lhs) == 1 && len(as.Rhs) == 1 {
			if id, ok := as.Lhs[0].(*ast.Ident); ok && marked[p.info.Uses[id]] {
				if c, ok := as.Rhs[0].(*ast.CallExpr); ok && callName(c) == "append" {
					isCommitStmt = true
				}
			}
		}
		if !isCommitStmt {
			continue
		}
		for j := i - 1; j >= 0; j-- {
			if callsMatching(block.List[j], workCall) == nil {
				continue
			}
			from, to := i, j
			moved := p.text(st)
			out = append(out, candidate{node: block, at: st, original: moved,
				hint: fmt.Sprintf("no scenario stops or crashes the consumer between `%s` and the work before it, and checks that nothing is lost", short(moved)),
				forms: []form{func(n ast.Node, _ *astutil.Cursor, _ func(ast.Node) string) (string, bool) {
					b := n.(*ast.BlockStmt)
					if len(b.List) != len(block.List) {
						return "", false
					}
					s := b.List[from]
					// Every statement between the two places is laid out anew (no gap where one left).
					for k := to; k <= from; k++ {
						clearPositions(b.List[k])
					}
					if from == len(b.List)-1 {
						b.Rbrace = b.List[len(b.List)-1].End()
					}
					list := append([]ast.Stmt{}, b.List[:to]...)
					list = append(list, s)
					for k := to; k < len(b.List); k++ {
						if k != from {
							list = append(list, b.List[k])
						}
					}
					b.List = list
					return "moved before the work: " + short(moved), true
				}}})
			break
		}
	}
	return out
}

var posType = reflect.TypeFor[token.Pos]()

// clearPositions zeroes every position in a subtree, so the printer lays a moved statement out
// where it now stands instead of where it came from.
func clearPositions(n ast.Node) {
	ast.Inspect(n, func(x ast.Node) bool {
		if x == nil {
			return false
		}
		v := reflect.ValueOf(x)
		if v.Kind() != reflect.Pointer || v.IsNil() {
			return true
		}
		v = v.Elem()
		if v.Kind() != reflect.Struct {
			return true
		}
		for i := 0; i < v.NumField(); i++ {
			if f := v.Field(i); f.Type() == posType && f.CanSet() {
				f.SetInt(0)
			}
		}
		return true
	})
}
