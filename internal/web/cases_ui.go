package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"chengguan/internal/apperr"
	"chengguan/internal/calendar"
	"chengguan/internal/evidence"
	"chengguan/internal/grid"
	"chengguan/internal/identity"
	"chengguan/internal/urban"
	"chengguan/internal/urban/taxonomy"
)

// The staff pages of the 数字城管 closed loop (REQUIREMENTS B1–B8, issue 4 §5): the work
// lists of each role, the case page with the moves this user may make now (and the reason
// for every other), and the report forms. Every rule lives in internal/urban; these
// handlers decode, call the service and render.

func (s *Server) caseUIRoutes(mux *http.ServeMux) {
	if s.urban == nil {
		return
	}
	mux.Handle("GET /cases", s.page(s.casesPage))
	mux.Handle("GET /cases/new", s.page(s.caseNewPage))
	mux.Handle("POST /cases/new", s.page(s.caseReport))
	mux.Handle("GET /cases/map", s.page(s.casesMapPage))
	mux.Handle("GET /cases/map.json", s.page(s.casesMapData))
	mux.Handle("GET /cases/{id}", s.page(s.casePage))
	mux.Handle("POST /cases/{id}/move", s.page(s.caseMove))
	mux.Handle("POST /cases/{id}/contact", s.page(s.caseContact))
	mux.Handle("GET /indicators", s.page(s.indicatorsPage))
	mux.Handle("GET /indicators.csv", s.page(s.indicatorsCSV))
	mux.Handle("GET /indicators.xlsx", s.page(s.indicatorsXLSX))
	mux.HandleFunc("GET /report", s.residentReportPage)
	mux.HandleFunc("POST /report", s.residentReport)
	mux.HandleFunc("GET /report/cells.json", s.reportCells)
	mux.HandleFunc("GET /track", s.trackLookup)
	mux.HandleFunc("GET /track/{number}", s.trackPage)
	mux.HandleFunc("POST /track/{number}", s.trackRate)
	mux.HandleFunc("POST /track/{number}/reopen", s.trackReopen)
}

// caseRow is a case as a work list shows it.
type caseRow struct {
	Case      urban.Case
	Category  string // code and name in the page's language
	DefDept   string // preselected for 派遣: the suggestion (urban.Service.Suggest)
	Remaining string
	Overdue   bool
	Warn      int // warning fractions of the stage's time used: 0, 1 (50 %), 2 (80 %)
	// SuggestedBy is the responsibility area that suggested DefDept; nil when the
	// category's handling department is suggested.
	SuggestedBy *grid.Area
}

// categoryName is a category's name in the page's language.
func categoryName(lang string, c taxonomy.Category) string {
	if lang == "en" && c.NameEN != "" {
		return c.NameEN
	}
	return c.Name
}

// rows decorates cases with what the lists show: category, time left, badges.
func (s *Server) rows(ctx context.Context, lang string, cases []urban.Case) []caseRow {
	loc := s.i18n.For(lang)
	now := time.Now()
	warnAt := s.urban.Config().WarnAt
	out := make([]caseRow, 0, len(cases))
	suggested, err := s.urban.Suggest(ctx, cases)
	if err != nil {
		// The lists still show; the dispatch form falls back to the category's department.
		s.log.Warn("dispatch suggestions", "err", err)
		suggested = nil
	}
	for i := range cases {
		c := &cases[i]
		r := caseRow{Case: *c, Category: c.Category, Overdue: c.Overdue(now), Warn: c.WarningLevel(now, warnAt)}
		if cat, err := s.taxonomy.Category(ctx, c.CategoryID); err == nil {
			r.Category = cat.Code + " " + categoryName(lang, cat)
			r.DefDept = cat.DepartmentID
		}
		if suggested != nil {
			r.DefDept, r.SuggestedBy = suggested[i].DepartmentID, suggested[i].Area
		}
		if left, ok, err := s.urban.Remaining(ctx, c); err == nil && ok {
			r.Remaining = remainingView(loc, left).Text
		}
		out = append(out, r)
	}
	return out
}

// urgent orders a work list: overdue first, then the most of its stage's time used, then
// the most urgent, then the newest.
func urgent(a, b caseRow) int {
	rank := func(r caseRow) int {
		n := r.Warn
		if r.Overdue {
			n = 10
		}
		return n
	}
	level := map[urban.Urgency]int{urban.UrgencyCritical: 2, urban.UrgencyUrgent: 1}
	switch {
	case rank(a) != rank(b):
		return rank(b) - rank(a)
	case level[a.Case.Urgency] != level[b.Case.Urgency]:
		return level[b.Case.Urgency] - level[a.Case.Urgency]
	}
	return b.Case.ReportedAt.Compare(a.Case.ReportedAt)
}

// ---- work lists ----

// workView is one work list: the intake queue, the dispatch board, the department inbox,
// the inspector's verification list, or all cases in scope.
type workView struct {
	Name   string
	Action identity.Action // what the list is for; the tab shows to those who may
	// Sections are the lists the view shows, each a filter of its own.
	Sections []workSection
}

type workSection struct {
	Title   string // translation key
	States  []urban.State
	Pending bool
}

func workViews() []workView {
	return []workView{
		{"intake", identity.ActCaseFile, []workSection{
			{"cases.section.reported", []urban.State{urban.StateReported}, false},
			{"cases.section.pending", nil, true}}},
		{"dispatch", identity.ActCaseDispatch, []workSection{
			{"cases.section.dispatch", []urban.State{urban.StateFiled, urban.StateReturned}, false}}},
		{"inbox", identity.ActCaseHandle, []workSection{
			{"cases.section.inbox", []urban.State{urban.StateDispatched, urban.StateRework}, false}}},
		{"verify", identity.ActCaseVerify, []workSection{
			{"cases.section.verify", []urban.State{urban.StateHandled}, false}}},
		{"all", identity.ActCaseView, []workSection{{"cases.section.all", nil, false}}},
	}
}

// defaultView is the list a role starts on.
func defaultView(a *identity.Actor) string {
	switch {
	case a.HasRole(identity.RoleShiftLead):
		return "dispatch"
	case a.HasRole(identity.RoleOperator):
		return "intake"
	case a.HasRole(identity.RoleDepartment):
		return "inbox"
	case a.HasRole(identity.RoleInspector):
		return "verify"
	}
	return "all"
}

type shownSection struct {
	Title string
	Count int
	Rows  []caseRow
}

type casesPageData struct {
	View        string
	Views       []string
	Sections    []shownSection
	Q           string
	Category    string
	State       string
	Overdue     bool
	States      []urban.State
	Groups      []categoryGroup
	Departments []identity.Unit
	CanDispatch bool
	Back        string
	// Links are the moves each row links to on the case page (the view's usual work).
	Links []string
}

// casesPerSection bounds each list; the counts say how many there are in all.
const casesPerSection = 100

func (s *Server) casesPage(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "page.cases")
	ctx := r.Context()
	if !v.Can(string(identity.ActCaseView)) {
		_, d := identity.ScopeFor(v.Actor, identity.ActCaseView)
		return d.Err()
	}
	q := r.URL.Query()
	d := &casesPageData{View: q.Get("view"), Q: strings.TrimSpace(q.Get("q")), Category: q.Get("category"),
		State: q.Get("state"), Overdue: q.Get("overdue") == "1", States: urban.States()}
	var view *workView
	for _, wv := range workViews() {
		if v.Can(string(wv.Action)) {
			d.Views = append(d.Views, wv.Name)
			if wv.Name == d.View || (d.View == "" && wv.Name == defaultView(v.Actor)) {
				view = &wv
			}
		}
	}
	if view == nil {
		all := workViews()[len(workViews())-1]
		view = &all
	}
	d.View = view.Name
	v.Title = "cases.view." + view.Name
	if utf8.RuneCountInString(d.Q) > 100 {
		return apperr.InvalidFields(apperr.Field("q", "cases.query_too_long"))
	}
	groups, err := s.categoryGroups(ctx, v.Lang)
	if err != nil {
		return err
	}
	d.Groups = groups
	for _, sec := range view.Sections {
		f := urban.Filter{States: sec.States, Pending: sec.Pending, Text: d.Q, CategoryID: d.Category,
			Overdue: d.Overdue, Limit: casesPerSection}
		if view.Name == "all" && d.State != "" {
			if !urban.State(d.State).Valid() {
				return apperr.InvalidFields(apperr.Field("state", "case.state_unknown"))
			}
			f.States = []urban.State{urban.State(d.State)}
		}
		n, err := s.urban.Count(ctx, v.Actor, f)
		if err != nil {
			return err
		}
		cases, err := s.urban.List(ctx, v.Actor, f)
		if err != nil {
			return err
		}
		rows := s.rows(ctx, v.Lang, cases)
		slices.SortStableFunc(rows, urgent)
		d.Sections = append(d.Sections, shownSection{Title: sec.Title, Count: n, Rows: rows})
	}
	if view.Name == "dispatch" && v.Can(string(identity.ActCaseDispatch)) {
		d.CanDispatch = true
		if d.Departments, err = s.departments(ctx); err != nil {
			return err
		}
	}
	d.Links = map[string][]string{"intake": {"file", "reject"}, "inbox": {"handle", "return", "extend"},
		"verify": {"verify", "rework"}}[view.Name]
	d.Back = r.URL.RequestURI()
	if q.Get("moved") != "" {
		v.Flash = "cases.moved"
	}
	v.Data = d
	s.render(w, r, http.StatusOK, "cases", v)
	return nil
}

// departments lists the handling departments: the names of the organisation are no
// secret, and a dispatcher chooses among all of them.
func (s *Server) departments(ctx context.Context) ([]identity.Unit, error) {
	return s.identity.Units(ctx, identity.System(), identity.UnitFilter{Kind: identity.KindDepartment})
}

// categoryGroup is an optgroup of the category select: a kind (部件/事件) and a major class.
type categoryGroup struct {
	Kind  taxonomy.Kind
	Major string // the major class's name in the page's language
	Cats  []categoryOption
}

type categoryOption struct {
	ID, Code, Name string
}

// categoryGroups lists the enabled categories by kind and major class.
func (s *Server) categoryGroups(ctx context.Context, lang string) ([]categoryGroup, error) {
	cats, err := s.taxonomy.Enabled(ctx)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(cats, func(a, b taxonomy.Category) int {
		if a.Kind != b.Kind {
			return strings.Compare(string(a.Kind), string(b.Kind))
		}
		return strings.Compare(a.Code, b.Code)
	})
	var out []categoryGroup
	for _, c := range cats {
		major := c.MajorName
		if lang == "en" && c.MajorNameEN != "" {
			major = c.MajorNameEN
		}
		if n := len(out); n == 0 || out[n-1].Kind != c.Kind || out[n-1].Major != major {
			out = append(out, categoryGroup{Kind: c.Kind, Major: major})
		}
		g := &out[len(out)-1]
		g.Cats = append(g.Cats, categoryOption{ID: c.ID, Code: c.Code, Name: categoryName(lang, c)})
	}
	return out, nil
}

// ---- the case page ----

// moveForm is a move the user may make now, with the fields its form needs.
type moveForm struct {
	Move   string
	Label  string
	Note   bool // the note is required
	Dept   bool
	Extend bool
	Photos bool
	Merge  bool
	Public bool // the note may be shown to the reporter
	Danger bool
}

func newMoveForm(m urban.Move, label string) moveForm {
	f := moveForm{Move: string(m), Label: label}
	switch m {
	case urban.MoveReject, urban.MoveReturn, urban.MoveExtend, urban.MoveRework, urban.MoveHold, urban.MoveVoid,
		urban.MoveReopen, urban.MoveDeny, urban.MoveHandle:
		f.Note = true
	}
	switch m {
	case urban.MoveDispatch:
		f.Dept = true
	case urban.MoveExtend:
		f.Extend = true
	case urban.MoveHandle, urban.MoveVerify, urban.MoveRework:
		f.Photos = true
	case urban.MoveMerge:
		f.Merge = true
	case urban.MoveVoid, urban.MoveReject:
		f.Danger = true
	}
	f.Public = m != urban.MoveReject // a rejection's reason is always the reporter's
	return f
}

type historyRow struct {
	Event urban.Event
	Actor string
}

type photo struct {
	URL        string
	Stage      string
	CapturedAt time.Time
}

type casePageData struct {
	Case        urban.Case
	Row         caseRow
	Department  string
	PendingDept string
	History     []historyRow
	Before      []photo
	After       []photo
	Duplicates  []caseRow
	Moves       []moveForm
	Refused     []MoveView
	Departments []identity.Unit
	Units       []calendar.Unit
	CanContact  bool
	Contact     *urban.Contact
	Timeline    []entry
	Open        string // the move whose form was submitted with an error
	Tiles       string
}

func (s *Server) casePage(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "page.case")
	q := r.URL.Query()
	switch {
	case q.Get("reported") != "":
		v.Flash = "cases.reported"
	case q.Get("moved") != "":
		v.Flash = "cases.moved"
	}
	return s.renderCase(w, r, http.StatusOK, v, r.PathValue("id"), nil, "")
}

func (s *Server) renderCase(w http.ResponseWriter, r *http.Request, status int, v *view, id string, contact *urban.Contact, open string) error {
	ctx := r.Context()
	actor := v.Actor
	c, err := s.urban.Get(ctx, actor, id)
	if err != nil {
		return err
	}
	evs, err := s.urban.History(ctx, actor, id)
	if err != nil {
		return err
	}
	atts, err := s.urban.Attachments(ctx, actor, id)
	if err != nil {
		return err
	}
	d := &casePageData{Case: *c, Contact: contact, Open: open, Tiles: s.cfg.MapTiles,
		Units: []calendar.Unit{calendar.Workday, calendar.Workhour, calendar.Day, calendar.Hour}}
	d.Row = s.rows(ctx, v.Lang, []urban.Case{*c})[0]
	v.Title = "page.case"
	deptName := func(id string) string {
		if id == "" {
			return ""
		}
		if u, err := s.identity.Unit(ctx, identity.System(), id); err == nil {
			return u.Name
		}
		return id
	}
	d.Department = deptName(c.DepartmentID)
	if c.Pending != nil {
		d.PendingDept = deptName(c.Pending.DepartmentID)
	}
	names := map[string]string{}
	for _, e := range evs {
		h := historyRow{Event: e}
		if e.ActorID != "" && !publicActor(e.ActorID) {
			name, ok := names[e.ActorID]
			if !ok {
				name, _ = s.staffName(ctx, actor, e.ActorID)
				names[e.ActorID] = name
			}
			h.Actor = name
		}
		d.History = append(d.History, h)
	}
	for _, a := range atts {
		p := photo{URL: "/cases/" + c.ID + "/evidence/" + a.SHA256, Stage: a.Stage, CapturedAt: a.CapturedAt}
		if a.Kind != string(evidence.Photo) {
			continue
		}
		if a.Stage == "report" {
			d.Before = append(d.Before, p)
		} else {
			d.After = append(d.After, p)
		}
	}
	if c.Open() {
		dups, err := s.urban.Duplicates(ctx, actor, id)
		if err != nil {
			return err
		}
		d.Duplicates = s.rows(ctx, v.Lang, dups)
	}
	for _, o := range s.urban.Options(actor, c) {
		label := v.loc.T(o.Move.LabelKey(), nil)
		if o.Err == nil {
			d.Moves = append(d.Moves, newMoveForm(o.Move, label))
			continue
		}
		e := apperr.As(o.Err)
		d.Refused = append(d.Refused, MoveView{Move: string(o.Move), Label: label,
			Reason: v.loc.T(e.MessageKey(), translateArgs(v.loc, e.Args))})
	}
	if slices.ContainsFunc(d.Moves, func(m moveForm) bool { return m.Dept }) {
		if d.Departments, err = s.departments(ctx); err != nil {
			return err
		}
		if v.Form["department_id"] == "" {
			v.Form["department_id"] = d.Row.DefDept
		}
	}
	d.CanContact = c.Channel.Public() && identity.Decide(actor, identity.ActCaseContact, c.Resource()).Allowed
	if d.Timeline, err = s.timeline(r, actor, "case", c.ID); err != nil {
		return err
	}
	v.Data = d
	s.render(w, r, status, "case", v)
	return nil
}

// caseContact reveals a public reporter's contact details on the case page; the service
// writes the read to the ledger.
func (s *Server) caseContact(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "page.case")
	id := r.PathValue("id")
	ct, err := s.urban.ContactOf(r.Context(), v.Actor, id)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return s.renderCase(w, r, http.StatusOK, v, id, &ct, "")
}

// caseMove makes a move from the case page (or a work list's quick form).
func (s *Server) caseMove(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "page.case")
	id := r.PathValue("id")
	f, photos, err := s.uploadForm(r)
	if err == nil {
		for _, k := range []string{"move", "note", "public", "department_id", "merge_into", "amount", "unit"} {
			v.Form[k] = f.Get(k)
		}
		amount, _ := strconv.Atoi(f.Get("amount"))
		version, _ := strconv.Atoi(f.Get("version"))
		_, err = s.urban.Act(r.Context(), v.Actor, id, urban.Input{Move: urban.Move(f.Get("move")), Note: f.Get("note"),
			Public: f.Get("public") == "1", DepartmentID: f.Get("department_id"), MergeInto: f.Get("merge_into"),
			Amount: amount, Unit: calendar.Unit(f.Get("unit")), Version: version, Photos: photos})
	}
	if err != nil {
		return s.uploadFailure(w, r, v, err, func(st int) error {
			return s.renderCase(w, r, st, v, id, nil, v.Form["move"])
		})
	}
	back := "/cases/" + id + "?moved=1"
	if b := f.Get("back"); b != "" {
		back = localPath(b)
		sep := "?"
		if strings.Contains(back, "?") {
			sep = "&"
		}
		back += sep + "moved=1"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}

// uploadFailure is formFailure for the forms that carry photos: a refused file re-renders
// the form with its reason too.
func (s *Server) uploadFailure(w http.ResponseWriter, r *http.Request, v *view, err error, again func(status int) error) error {
	switch apperr.CodeOf(err) {
	case apperr.TooLarge, apperr.Unsupported:
		status, body := render(v.loc, info(r.Context()).id, err)
		v.Err = &body.Error
		return again(status)
	}
	return s.formFailure(w, r, v, err, again)
}

// uploadForm reads a form that may be multipart with photos (the field "photos"): it
// stores each file in the evidence store (type sniffed, size limited, EXIF read) and
// returns the blobs to attach.
func (s *Server) uploadForm(r *http.Request) (url.Values, []evidence.Blob, error) {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		f, err := form(r)
		return f, nil, err
	}
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, nil, errTooLarge
		}
		return nil, nil, apperr.Wrap(apperr.Invalid, "error.body_unreadable", err)
	}
	defer func() { _ = r.MultipartForm.RemoveAll() }()
	vals := url.Values(r.MultipartForm.Value)
	for k, vs := range vals {
		if !utf8.ValidString(k) {
			return nil, nil, errBadUTF8
		}
		for _, x := range vs {
			if !utf8.ValidString(x) {
				return nil, nil, errBadUTF8
			}
		}
	}
	var blobs []evidence.Blob
	for _, fh := range r.MultipartForm.File["photos"] {
		if fh.Filename == "" && fh.Size == 0 {
			continue // an empty file input
		}
		file, err := fh.Open()
		if err != nil {
			return vals, nil, apperr.Wrap(apperr.Invalid, "error.body_unreadable", err)
		}
		b, err := s.urban.PutEvidence(r.Context(), file, fh.Filename)
		file.Close()
		if err != nil {
			return vals, nil, err
		}
		blobs = append(blobs, b)
	}
	return vals, blobs, nil
}

// ---- report forms ----

type reportFormData struct {
	Channel string // inspector, hotline or resident
	Groups  []categoryGroup
	Tiles   string
	// Receipt of a staff member who may not open cases (an officer, an auxiliary).
	Number string
}

// newClientID is the idempotency key of one rendering of a report form: a resubmission of
// the same form returns the first case.
func newClientID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Server) caseNewPage(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "page.case_new")
	if _, d := identity.ScopeFor(v.Actor, identity.ActCaseReport); !d.Allowed {
		return d.Err()
	}
	v.Form["client_id"] = newClientID()
	v.Form["urgency"] = string(urban.UrgencyNormal)
	channel := urban.ChannelInspector
	if r.URL.Query().Get("channel") == string(urban.ChannelHotline) && v.Actor.HasRole(identity.RoleOperator) {
		channel = urban.ChannelHotline
	}
	return s.renderReportForm(w, r, http.StatusOK, v, string(channel), "")
}

func (s *Server) renderReportForm(w http.ResponseWriter, r *http.Request, status int, v *view, channel, number string) error {
	groups, err := s.categoryGroups(r.Context(), v.Lang)
	if err != nil {
		return err
	}
	if channel == string(urban.ChannelHotline) {
		v.Title = "page.case_hotline"
	}
	v.Data = &reportFormData{Channel: channel, Groups: groups, Tiles: s.cfg.MapTiles, Number: number}
	page := "case_new"
	if channel == string(urban.ChannelResident) {
		page = "report"
	}
	s.render(w, r, status, page, v)
	return nil
}

// reportFields copies the report form into v.Form and reads it.
func reportFields(f url.Values, v *view) (urban.Report, error) {
	for _, k := range []string{"channel", "category_id", "urgency", "description", "address", "lon", "lat", "client_id",
		"contact_name", "contact_phone"} {
		v.Form[k] = strings.TrimSpace(f.Get(k))
	}
	rep := urban.Report{Channel: urban.Channel(v.Form["channel"]), CategoryID: v.Form["category_id"],
		Urgency: urban.Urgency(v.Form["urgency"]), Description: v.Form["description"], Address: v.Form["address"],
		ClientID: v.Form["client_id"], Contact: urban.Contact{Name: v.Form["contact_name"], Phone: v.Form["contact_phone"]}}
	var bad []apperr.FieldError
	lon, err1 := strconv.ParseFloat(v.Form["lon"], 64)
	lat, err2 := strconv.ParseFloat(v.Form["lat"], 64)
	if err1 != nil || err2 != nil || lon < -180 || lon > 180 || lat < -90 || lat > 90 {
		bad = append(bad, apperr.Field("location", "cases.location_required"))
	}
	rep.Lon, rep.Lat = lon, lat
	if len(bad) > 0 {
		return rep, apperr.InvalidFields(bad...)
	}
	return rep, nil
}

// caseReport takes the staff report form: an inspector's (or officer's) report, or an
// operator's entry of a hotline call.
func (s *Server) caseReport(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "page.case_new")
	f, photos, err := s.uploadForm(r)
	channel := string(urban.ChannelInspector)
	var rc urban.Receipt
	if err == nil {
		if f.Get("channel") == string(urban.ChannelHotline) {
			channel = string(urban.ChannelHotline)
		}
		var rep urban.Report
		rep, err = reportFields(f, v)
		if err == nil {
			rep.Channel = urban.Channel(channel)
			rep.Photos = photos
			rc, err = s.urban.Submit(r.Context(), v.Actor, rep)
		}
	}
	if err != nil {
		if apperr.CodeOf(err) == apperr.NotFound {
			// A point outside every grid: the reporter corrects the pin.
			err = apperr.InvalidFields(apperr.Field("location", "cases.outside_grid"))
		}
		return s.uploadFailure(w, r, v, err, func(st int) error { return s.renderReportForm(w, r, st, v, channel, "") })
	}
	if v.Can(string(identity.ActCaseView)) {
		if _, err := s.urban.Get(r.Context(), v.Actor, rc.Case.ID); err == nil {
			http.Redirect(w, r, "/cases/"+rc.Case.ID+"?reported=1", http.StatusSeeOther)
			return nil
		}
	}
	// Officers and auxiliaries report but do not work cases: they get the number and a
	// fresh form for the next report.
	v.Form = map[string]string{"client_id": newClientID(), "urgency": string(urban.UrgencyNormal)}
	v.Flash = "cases.reported"
	return s.renderReportForm(w, r, http.StatusOK, v, channel, rc.Case.Number)
}

// ---- the case map ----

type casesMapPageData struct {
	States   []urban.State
	State    string
	Category string
	Groups   []categoryGroup
	Tiles    string
}

func (s *Server) casesMapPage(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "page.cases_map")
	if _, d := identity.ScopeFor(v.Actor, identity.ActCaseView); !d.Allowed {
		return d.Err()
	}
	groups, err := s.categoryGroups(r.Context(), v.Lang)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	var open []urban.State
	for _, st := range urban.States() {
		if !st.Terminal() {
			open = append(open, st)
		}
	}
	v.Data = &casesMapPageData{States: open, State: q.Get("state"), Category: q.Get("category"), Groups: groups,
		Tiles: s.cfg.MapTiles}
	s.render(w, r, http.StatusOK, "cases_map", v)
	return nil
}

// mapCase is a marker of the case map.
type mapCase struct {
	ID       string  `json:"id"`
	Number   string  `json:"number"`
	Lon      float64 `json:"lon"`
	Lat      float64 `json:"lat"`
	State    string  `json:"state"`
	Label    string  `json:"label"`
	Category string  `json:"category"`
	Overdue  bool    `json:"overdue"`
	Warn     int     `json:"warn"`
}

// casesMapMax bounds the markers of one map.
const casesMapMax = 500

// casesMapData answers the map's script with the open cases in the user's scope.
func (s *Server) casesMapData(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	ri := info(ctx)
	q := r.URL.Query()
	f := urban.Filter{CategoryID: q.Get("category"), Limit: casesMapMax}
	if st := q.Get("state"); st != "" {
		if !urban.State(st).Valid() {
			return apperr.InvalidFields(apperr.Field("state", "case.state_unknown"))
		}
		f.States = []urban.State{urban.State(st)}
	} else {
		for _, st := range urban.States() {
			if !st.Terminal() {
				f.States = append(f.States, st)
			}
		}
	}
	cases, err := s.urban.List(ctx, ri.actor, f)
	if err != nil {
		return err
	}
	now := time.Now()
	out := make([]mapCase, 0, len(cases))
	for _, c := range cases {
		out = append(out, mapCase{ID: c.ID, Number: c.Number, Lon: c.Lon, Lat: c.Lat, State: string(c.State),
			Label: ri.loc.T(c.State.LabelKey(), nil), Category: c.Category, Overdue: c.Overdue(now),
			Warn: c.WarningLevel(now, s.urban.Config().WarnAt)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"cases": out})
	return nil
}

// rowView is a work list's case with the page's view, for the "caserow" template.
type rowView struct {
	caseRow
	V *view
}

// Row pairs a case row with the view for the "caserow" template.
func (v *view) Row(r caseRow) rowView { return rowView{caseRow: r, V: v} }

// HasMove reports whether the case page offers a move to the user now.
func (v *view) HasMove(move string) bool {
	d, ok := v.Data.(*casePageData)
	return ok && slices.ContainsFunc(d.Moves, func(m moveForm) bool { return m.Move == move })
}
