package web

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"chengguan/internal/apperr"
	"chengguan/internal/calendar"
	"chengguan/internal/identity"
	"chengguan/internal/urban/taxonomy"
)

// The catalogue pages: every member of staff reads the list and each
// category; administrators of the whole tree edit, add, import and export.

type categoriesPageData struct {
	Categories []taxonomy.Category
	Kinds      []taxonomy.Kind
	Kind       string
	Major      string
	Enabled    string
	Text       string
	// Report is the outcome of an import: its counts after a success, its
	// problems (with translated messages) after a refusal.
	Report   *taxonomy.ImportReport
	Problems []importProblem
}

type importProblem struct {
	Line    int
	Code    string
	Column  string
	Message string
}

func (s *Server) categoriesPage(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "page.categories")
	q := r.URL.Query()
	d := &categoriesPageData{}
	if c, err := strconv.Atoi(q.Get("created")); err == nil {
		u, _ := strconv.Atoi(q.Get("updated"))
		n, _ := strconv.Atoi(q.Get("unchanged"))
		d.Report = &taxonomy.ImportReport{Rows: c + u + n, Created: c, Updated: u, Unchanged: n}
	}
	if q.Get("saved") != "" {
		v.Flash = "form.saved"
	}
	return s.renderCategories(w, r, http.StatusOK, v, d)
}

func (s *Server) renderCategories(w http.ResponseWriter, r *http.Request, status int, v *view, d *categoriesPageData) error {
	q := r.URL.Query()
	d.Kinds = taxonomy.Kinds()
	d.Kind, d.Major, d.Enabled, d.Text = q.Get("kind"), q.Get("major"), q.Get("enabled"), q.Get("text")
	f := taxonomy.Filter{Text: d.Text}
	if k, ok := taxonomy.ParseKind(d.Kind); ok {
		f.Kind = k
	}
	if len(d.Major) == 2 {
		f.Major = d.Major
	}
	if d.Enabled == "true" || d.Enabled == "false" {
		e := d.Enabled == "true"
		f.Enabled = &e
	}
	cats, err := s.taxonomy.List(r.Context(), v.Actor, f)
	if err != nil {
		return err
	}
	d.Categories = cats
	v.Data = d
	s.render(w, r, status, "taxonomy", v)
	return nil
}

// categoryImport takes an uploaded CSV (the form field "file").
func (s *Server) categoryImport(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "page.categories")
	data, _, err := s.uploadedFile(r, "file", "taxonomy.csv_no_file")
	if err != nil && apperr.As(err).Fields == nil {
		return err // a body too large or unreadable: the error page
	}
	if err == nil {
		var rep taxonomy.ImportReport
		rep, err = s.taxonomy.Import(r.Context(), v.Actor, data)
		if err == nil {
			http.Redirect(w, r, "/admin/categories?"+url.Values{"created": {strconv.Itoa(rep.Created)},
				"updated": {strconv.Itoa(rep.Updated)}, "unchanged": {strconv.Itoa(rep.Unchanged)}}.Encode(), http.StatusSeeOther)
			return nil
		}
		if len(rep.Errors) > 0 {
			d := &categoriesPageData{Report: &rep}
			for _, e := range rep.Errors {
				d.Problems = append(d.Problems, importProblem{Line: e.Line, Code: e.Code, Column: e.Column, Message: v.loc.T(e.Key, e.Args)})
			}
			return s.formFailure(w, r, v, err, func(st int) error { return s.renderCategories(w, r, st, v, d) })
		}
	}
	return s.formFailure(w, r, v, err, func(st int) error { return s.renderCategories(w, r, st, v, &categoriesPageData{}) })
}

// uploadedFile reads a multipart form and returns the file of its field, whole, with the
// name the browser gave it. A body over the limit is errTooLarge and an unreadable one
// Invalid; a form without the file is an Invalid error on the field, with missingKey. The
// form's other values stay in r.MultipartForm.
func (s *Server) uploadedFile(r *http.Request, field, missingKey string) ([]byte, string, error) {
	if err := r.ParseMultipartForm(s.cfg.MaxBodyBytes); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, "", errTooLarge
		}
		return nil, "", apperr.Wrap(apperr.Invalid, "error.body_unreadable", err)
	}
	defer func() { _ = r.MultipartForm.RemoveAll() }()
	file, h, err := r.FormFile(field)
	if err != nil {
		return nil, "", apperr.InvalidFields(apperr.Field(field, missingKey))
	}
	defer file.Close()
	data, err := io.ReadAll(file)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, "", errTooLarge
		}
		return nil, "", apperr.Wrap(apperr.Invalid, "error.body_unreadable", err)
	}
	return data, h.Filename, nil
}

type categoryFormData struct {
	Category    *taxonomy.Category // nil for a new one
	CanManage   bool
	Kinds       []taxonomy.Kind
	Units       []calendar.Unit
	Departments []identity.Unit
	Stages      []limitField
	Revisions   []taxonomy.Revision
	Timeline    []entry // the category's ledger records
}

// limitField is one amount + unit pair of the form.
type limitField struct {
	Name  string // form field prefix and error field, e.g. "file_limit"
	Label string // translation key
	// Optional limits (urgency levels) may be left empty.
	Optional bool
}

func limitFields() []limitField {
	return []limitField{
		{"file_limit", "taxonomy.stage.file", false},
		{"dispatch_limit", "taxonomy.stage.dispatch", false},
		{"handle_limit", "taxonomy.stage.handle", false},
		{"verify_limit", "taxonomy.stage.verify", false},
		{"urgent_handle_limit", "taxonomy.urgent_handle", true},
		{"critical_handle_limit", "taxonomy.critical_handle", true},
	}
}

func (s *Server) categoryNewPage(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "page.category_new")
	v.Form["enabled"] = "1"
	v.Form["source"] = string(taxonomy.City)
	return s.renderCategoryForm(w, r, http.StatusOK, v, nil)
}

func (s *Server) categoryEditPage(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "page.category_edit")
	c, err := s.taxonomy.Get(r.Context(), v.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	if !identity.Decide(v.Actor, identity.ActCategoryManage, identity.Resource{}).Allowed {
		v.Title = "page.category_view"
	}
	fillCategoryForm(v.Form, c)
	if r.URL.Query().Get("saved") != "" {
		v.Flash = "form.saved"
	}
	return s.renderCategoryForm(w, r, http.StatusOK, v, &c)
}

func (s *Server) renderCategoryForm(w http.ResponseWriter, r *http.Request, status int, v *view, c *taxonomy.Category) error {
	d := &categoryFormData{Category: c, Kinds: taxonomy.Kinds(), Stages: limitFields(),
		Units:     []calendar.Unit{calendar.Workhour, calendar.Workday, calendar.Hour, calendar.Day},
		CanManage: identity.Decide(v.Actor, identity.ActCategoryManage, identity.Resource{}).Allowed}
	if c == nil && !d.CanManage {
		return identity.Decide(v.Actor, identity.ActCategoryManage, identity.Resource{}).Err()
	}
	if d.CanManage {
		units, err := s.identity.Units(r.Context(), v.Actor, identity.UnitFilter{Kind: identity.KindDepartment})
		if err != nil {
			return err
		}
		d.Departments = units
	}
	if c != nil {
		revs, err := s.taxonomy.History(r.Context(), v.Actor, c.ID)
		if err != nil {
			return err
		}
		d.Revisions = revs
		if d.Timeline, err = s.timeline(r, v.Actor, "category", c.ID); err != nil {
			return err
		}
	}
	v.Data = d
	s.render(w, r, status, "taxonomy_edit", v)
	return nil
}

// fillCategoryForm writes a category into the form's values.
func fillCategoryForm(f map[string]string, c taxonomy.Category) {
	f["kind"], f["code"], f["source"] = string(c.Kind), c.Code, string(c.Source)
	f["major_name"], f["major_name_en"], f["name"], f["name_en"] = c.MajorName, c.MajorNameEN, c.Name, c.NameEN
	f["department"] = c.DepartmentID
	f["file_condition"], f["close_condition"] = c.FileCondition, c.CloseCondition
	f["version"] = strconv.Itoa(c.Version)
	if c.Enabled {
		f["enabled"] = "1"
	}
	set := func(name string, l taxonomy.Limit) {
		if !l.IsZero() {
			f[name+"_amount"], f[name+"_unit"] = strconv.Itoa(l.Amount), string(l.Unit)
		}
	}
	set("file_limit", c.FileLimit)
	set("dispatch_limit", c.DispatchLimit)
	set("handle_limit", c.HandleLimit)
	set("verify_limit", c.VerifyLimit)
	for _, u := range c.Urgencies {
		set(string(u.Level)+"_handle_limit", u.Handle)
	}
}

// categoryFromForm reads the form onto base (the stored category for an
// edit). A limit whose amount is not a number is reported as such.
func categoryFromForm(f url.Values, form map[string]string, base taxonomy.Category) (taxonomy.Category, []apperr.FieldError) {
	for _, k := range []string{"kind", "code", "source", "major_name", "major_name_en", "name", "name_en", "department",
		"file_condition", "close_condition", "version", "enabled"} {
		form[k] = f.Get(k)
	}
	c := base
	if c.ID == "" {
		c.Kind, c.Code, c.Source = taxonomy.Kind(f.Get("kind")), strings.TrimSpace(f.Get("code")), taxonomy.Source(f.Get("source"))
	}
	c.MajorName, c.MajorNameEN = strings.TrimSpace(f.Get("major_name")), strings.TrimSpace(f.Get("major_name_en"))
	c.Name, c.NameEN = strings.TrimSpace(f.Get("name")), strings.TrimSpace(f.Get("name_en"))
	c.DepartmentID, c.DepartmentCode = f.Get("department"), ""
	c.FileCondition, c.CloseCondition = strings.TrimSpace(f.Get("file_condition")), strings.TrimSpace(f.Get("close_condition"))
	c.Enabled = f.Get("enabled") == "1"
	c.Version, _ = strconv.Atoi(f.Get("version"))
	var bad []apperr.FieldError
	read := func(name string) taxonomy.Limit {
		a, u := strings.TrimSpace(f.Get(name+"_amount")), f.Get(name+"_unit")
		form[name+"_amount"], form[name+"_unit"] = a, u
		if a == "" {
			return taxonomy.Limit{}
		}
		n, err := strconv.Atoi(a)
		if err != nil {
			bad = append(bad, apperr.Field(name, "taxonomy.limit_amount"))
			return taxonomy.Limit{}
		}
		return taxonomy.Limit{Amount: n, Unit: calendar.Unit(u)}
	}
	c.FileLimit, c.DispatchLimit = read("file_limit"), read("dispatch_limit")
	c.HandleLimit, c.VerifyLimit = read("handle_limit"), read("verify_limit")
	c.Urgencies = nil
	for _, u := range []taxonomy.Urgency{taxonomy.Urgent, taxonomy.Critical} {
		if l := read(string(u) + "_handle_limit"); !l.IsZero() {
			c.Urgencies = append(c.Urgencies, taxonomy.UrgencyLimit{Level: u, Handle: l})
		}
	}
	return c, bad
}

func (s *Server) categoryCreate(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "page.category_new")
	f, err := form(r)
	if err != nil {
		return err
	}
	c, bad := categoryFromForm(f, v.Form, taxonomy.Category{})
	if len(bad) > 0 {
		err = apperr.InvalidFields(bad...)
	} else {
		c, err = s.taxonomy.Create(r.Context(), v.Actor, c)
	}
	if err != nil {
		return s.formFailure(w, r, v, err, func(st int) error { return s.renderCategoryForm(w, r, st, v, nil) })
	}
	http.Redirect(w, r, "/admin/categories/"+c.ID+"?saved=1", http.StatusSeeOther)
	return nil
}

func (s *Server) categoryUpdate(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "page.category_edit")
	f, err := form(r)
	if err != nil {
		return err
	}
	cur, err := s.taxonomy.Get(r.Context(), v.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	c, bad := categoryFromForm(f, v.Form, cur)
	if len(bad) > 0 {
		err = apperr.InvalidFields(bad...)
	} else {
		c, err = s.taxonomy.Update(r.Context(), v.Actor, c)
	}
	if err != nil {
		return s.formFailure(w, r, v, err, func(st int) error { return s.renderCategoryForm(w, r, st, v, &cur) })
	}
	http.Redirect(w, r, "/admin/categories/"+c.ID+"?saved=1", http.StatusSeeOther)
	return nil
}

// Limit writes a time limit in the page's language ("4 个工作时"), or "—".
func (v *view) Limit(l taxonomy.Limit) string {
	if l.IsZero() {
		return "—"
	}
	return v.T("taxonomy.limit", "Amount", l.Amount, "Unit", v.T(unitKey(l.Unit)))
}

// unitKey is the translation key of a calendar unit's name.
func unitKey(u calendar.Unit) string { return "taxonomy.unit." + string(u) }

// UnitLabel is the name of a calendar unit in the page's language.
func (v *view) UnitLabel(u calendar.Unit) string { return v.T(unitKey(u)) }
