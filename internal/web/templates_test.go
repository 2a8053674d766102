package web_test

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

	"chengguan/internal/apperr"
	"chengguan/internal/i18n"
	"chengguan/internal/identity"
)

// localeKeys returns the keys of each language file.
func localeKeys(t *testing.T) map[string]map[string]bool {
	t.Helper()
	out := map[string]map[string]bool{}
	for _, lang := range i18n.Languages() {
		keys, err := i18n.Keys(lang)
		if err != nil {
			t.Fatalf("keys of %s: %v", lang, err)
		}
		if len(keys) == 0 {
			t.Fatalf("%s has no keys", lang)
		}
		out[lang] = map[string]bool{}
		for _, k := range keys {
			out[lang][k] = true
		}
	}
	return out
}

// requireKeys fails for every key missing from a language; where says where
// the key is used.
func requireKeys(t *testing.T, locales map[string]map[string]bool, where string, keys ...string) {
	t.Helper()
	for _, key := range keys {
		for _, lang := range i18n.Languages() {
			if !locales[lang][key] {
				t.Errorf("%s uses %q, missing from %s.json", where, key, lang)
			}
		}
	}
}

// templateKey matches a literal key passed to T in a template: {{.T "k"}},
// {{$.T "k" …}}, and the same after a pipe or parenthesis.
var templateKey = regexp.MustCompile(`\.T\s+"([^"]+)"`)

func TestTemplateTranslationKeysExistInEveryLanguage(t *testing.T) {
	locales := localeKeys(t)
	files, err := filepath.Glob("templates/*.html")
	if err != nil || len(files) == 0 {
		t.Fatalf("no templates found (%v)", err)
	}
	used := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range templateKey.FindAllStringSubmatch(string(b), -1) {
			requireKeys(t, locales, f, m[1])
			used++
		}
	}
	if used < 50 {
		t.Fatalf("found only %d translated strings in the templates; is the pattern still right?", used)
	}
	// Keys the templates build: home.duty.<role>.
	for _, r := range identity.Roles() {
		requireKeys(t, locales, "templates/page_home.html", "home.duty."+string(r))
	}
}

func TestLocaleFilesHaveTheSameKeys(t *testing.T) {
	locales := localeKeys(t)
	for _, lang := range i18n.Languages() {
		for key := range locales[lang] {
			for _, other := range i18n.Languages() {
				if !locales[other][key] {
					t.Errorf("%q is in %s.json but not in %s.json", key, lang, other)
				}
			}
		}
	}
}

func TestEveryErrorCodeHasAMessage(t *testing.T) {
	locales := localeKeys(t)
	for _, c := range apperr.Codes() {
		requireKeys(t, locales, "apperr code "+string(c), "error."+string(c))
	}
}

func TestEveryRoleAndUnitKindHasALabel(t *testing.T) {
	locales := localeKeys(t)
	for _, r := range identity.Roles() {
		requireKeys(t, locales, "role "+string(r), r.LabelKey())
	}
	for _, k := range identity.UnitKinds() {
		requireKeys(t, locales, "unit kind "+string(k), k.LabelKey())
	}
}

// keyLike is a string literal shaped like a translation key.
var keyLike = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$`)

// TestGoTranslationKeysExistInEveryLanguage checks the keys that Go code
// passes around as string literals (page titles, notices, refusal reasons,
// field messages) in the web layer and the identity rules it renders.
func TestGoTranslationKeysExistInEveryLanguage(t *testing.T) {
	locales := localeKeys(t)
	// A literal counts as a key when its first segment is a key namespace,
	// so that file names and action codes are not mistaken for keys.
	namespaces := map[string]bool{}
	for key := range locales[i18n.ZH] {
		namespaces[key[:strings.Index(key, ".")]] = true
	}
	var files []string
	for _, pattern := range []string{"*.go", "../identity/*.go", "../urban/*.go"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	found := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || filepath.Base(f) == "action.go" {
			continue // action.go names actions, which are not message keys
		}
		file, err := parser.ParseFile(token.NewFileSet(), f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil || !keyLike.MatchString(s) || !namespaces[s[:strings.Index(s, ".")]] {
				return true
			}
			found++
			requireKeys(t, locales, f, s)
			return true
		})
	}
	if found < 40 {
		t.Fatalf("found only %d keys in Go code; is the scan still right?", found)
	}
}
