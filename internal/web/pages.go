package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"chengguan/internal/calendar"
	"chengguan/internal/i18n"
	"chengguan/internal/identity"
)

//go:embed templates
var templateFiles embed.FS

// pages holds one parsed template per page, each with the shared layout.
type pages struct {
	byName map[string]*template.Template
}

func templateFuncs() template.FuncMap {
	return template.FuncMap{
		"shanghai": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.In(calendar.Location()).Format("2006-01-02 15:04")
		},
		"indent": func(path string) int { return strings.Count(path, "/") - 2 },
		"has":    func(list []string, s string) bool { return contains(list, s) },
		"inc":    func(i int) int { return i + 1 },
		"neg":    func(i int) int { return -i },
		// hm is the time of day in Asia/Shanghai.
		"hm": func(t time.Time) string { return t.In(calendar.Location()).Format("15:04") },
		// day prints a civil date, "—" for none.
		"day": func(d calendar.Date) string {
			if d == (calendar.Date{}) {
				return "—"
			}
			return d.String()
		},
		"zeroDay":   func(d calendar.Date) bool { return d == (calendar.Date{}) },
		"certClass": certClass,
		"list":      func(xs ...string) []string { return xs },
		// roleField tells a role row's error from the named fields'.
		"roleField": func(f string) bool { return strings.HasPrefix(f, "assignments[") },
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func parsePages() (*pages, error) {
	names, err := fs.Glob(templateFiles, "templates/page_*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, file := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(file, "templates/page_"), ".html")
		t, err := template.New(name).Funcs(templateFuncs()).ParseFS(templateFiles, "templates/layout.html", "templates/timeline.html", "templates/partial_*.html", "templates/case_row.html", file)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", file, err)
		}
		p.byName[name] = t
	}
	return p, nil
}

// view is what every page template gets.
type view struct {
	loc     *i18n.Localizer
	Lang    string
	Actor   *identity.Actor
	Account *identity.Account
	Path    string
	Title   string // translation key
	Flash   string // translation key of a success notice
	Secret  string // a secret shown once (a new API token)
	Err     *errorDetail
	Form    map[string]string
	Data    any
}

// T translates key; args are name/value pairs for the message template.
func (v *view) T(key string, args ...any) string {
	var data map[string]any
	if len(args) > 1 {
		data = map[string]any{}
		for i := 0; i+1 < len(args); i += 2 {
			data[fmt.Sprint(args[i])] = args[i+1]
		}
	}
	return v.loc.T(key, data)
}

// FieldErr is the message for one invalid field, or "".
func (v *view) FieldErr(field string) string {
	if v.Err == nil {
		return ""
	}
	for _, f := range v.Err.Fields {
		if f.Field == field {
			return f.Message
		}
	}
	return ""
}

// Can reports whether the actor may perform action somewhere: it decides
// which navigation and buttons to show. The services still check every call.
func (v *view) Can(action string) bool {
	if v.Actor == nil {
		return false
	}
	_, d := identity.ScopeFor(v.Actor, identity.Action(action))
	return d.Allowed
}

// CanEverywhere reports whether the actor may perform action over the whole
// tree (for what is kept once per installation, like the calendar).
func (v *view) CanEverywhere(action string) bool {
	return v.Actor != nil && identity.Decide(v.Actor, identity.Action(action), identity.Resource{}).Allowed
}

// HasRole reports whether the actor holds a role.
func (v *view) HasRole(role string) bool {
	return v.Actor != nil && v.Actor.HasRole(identity.Role(role))
}

// Names joins unit names with the language's list separator.
func (v *view) Names(units []identity.Unit) string {
	sep := ", "
	if v.Lang == i18n.ZH {
		sep = "、"
	}
	names := make([]string, len(units))
	for i, u := range units {
		names[i] = u.Name
	}
	return strings.Join(names, sep)
}

// OtherLang is the language the switch offers.
func (v *view) OtherLang() string {
	if v.Lang == i18n.EN {
		return i18n.ZH
	}
	return i18n.EN
}

func (s *Server) newView(r *http.Request, title string) *view {
	ri := info(r.Context())
	return &view{loc: ri.loc, Lang: ri.loc.Lang, Actor: ri.actor, Account: ri.account,
		Path: r.URL.Path, Title: title, Form: map[string]string{}}
}

// render writes a page. Templates render into a buffer first, so a template
// error becomes a clean 500 rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page string, v *view) {
	t, ok := s.pages.byName[page]
	if !ok {
		s.log.Error("unknown page", "page", page)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		s.log.Error("render page", "page", page, "err", err, "request_id", info(r.Context()).id)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

func (s *Server) renderErrorPage(w http.ResponseWriter, r *http.Request, status int, body errorBody) {
	v := s.newView(r, "page.error")
	v.Err = &body.Error
	s.render(w, r, status, "error", v)
}
