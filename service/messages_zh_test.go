package service_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// englishSentence is four English words in a row: what a message left in
// English (or with an English half after the Chinese) reads like. Codes,
// field names and header names are single tokens and pass.
var englishSentence = regexp.MustCompile(`[A-Za-z]+ [a-z]+ [a-z]+ [a-z]+`)

// TestMessagesAreChinese walks the error catalogue in the source: every
// message that reaches a person (service's invalid/conflict/bad/errors'
// Error methods, the import row problems, the held intake problems, the
// edges' writeErr and error details) must be Chinese; the English code
// beside it stays. A message written only in ASCII, or with an English
// sentence in it, fails the test and names its place.
func TestMessagesAreChinese(t *testing.T) {
	dirs := []string{".", "kernel", "catalog", "movein", "../web", "../miniprogram", "../internal/jsonbody"}
	// msgArg is, per called function name, which argument is the message.
	msgArg := map[string]int{"invalid": 2, "Invalid": 2, "conflict": 1, "Conflict": 1, "bad": 1, "writeErr": 3}
	// msgField are the struct fields holding a message.
	msgField := map[string]bool{"Message": true, "Msg": false}
	fset := token.NewFileSet()
	checked := 0
	for _, dir := range dirs {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f, err := parser.ParseFile(fset, path, src, 0)
			if err != nil {
				t.Fatal(err)
			}
			check := func(e ast.Expr) {
				lits := literals(e)
				if len(lits) == 0 {
					return // a message passed on (err.Error(), a variable)
				}
				checked++
				text := strings.Join(lits, "")
				if !hasHan(text) || englishSentence.MatchString(text) {
					t.Errorf("%s: message %q is not Chinese", fset.Position(e.Pos()), text)
				}
			}
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CallExpr:
					name := ""
					switch fn := n.Fun.(type) {
					case *ast.Ident:
						name = fn.Name
					case *ast.SelectorExpr:
						name = fn.Sel.Name
					}
					if i, ok := msgArg[name]; ok && i < len(n.Args) {
						check(n.Args[i])
					}
				case *ast.KeyValueExpr:
					if k, ok := n.Key.(*ast.Ident); ok && msgField[k.Name] {
						check(n.Value)
					}
				case *ast.FuncDecl:
					// Error() of a refusal type says what was refused.
					if n.Name.Name == "Error" && n.Recv != nil && n.Body != nil && refusal(n) {
						ast.Inspect(n.Body, func(m ast.Node) bool {
							if r, ok := m.(*ast.ReturnStmt); ok && len(r.Results) == 1 {
								check(r.Results[0])
							}
							return true
						})
					}
				}
				return true
			})
		}
	}
	if checked < 200 {
		t.Fatalf("checked only %d messages: the walk misses the catalogue", checked)
	}
}

// refusal reports whether an Error method belongs to a type people are
// shown (internal failures keep English: only the log reads them).
func refusal(fn *ast.FuncDecl) bool {
	var name string
	switch r := fn.Recv.List[0].Type.(type) {
	case *ast.StarExpr:
		if id, ok := r.X.(*ast.Ident); ok {
			name = id.Name
		}
	case *ast.Ident:
		name = r.Name
	}
	switch name {
	case "SignatureError", "ConflictError", "InvalidError", "UndeliverableError", "errStale", "WeChatError":
		return false // they return a message checked where it is built, or are internal
	}
	return strings.HasSuffix(name, "Error")
}

// literals are the string constants an expression builds a message from;
// for a fmt.Sprintf or errors.New call, its format.
func literals(e ast.Expr) []string {
	var out []string
	ast.Inspect(e, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok {
			if sel, ok := call.Fun.(*ast.SelectorExpr); ok && (sel.Sel.Name == "Join" || sel.Sel.Name == "FormatInt" || sel.Sel.Name == "Itoa") {
				return false // separators and numbers, not words
			}
		}
		if bl, ok := n.(*ast.BasicLit); ok && bl.Kind == token.STRING {
			if s, err := strconv.Unquote(bl.Value); err == nil {
				out = append(out, s)
			}
		}
		return true
	})
	return out
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}
