package taxonomy

import (
	"context"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"chengguan/internal/apperr"
	"chengguan/internal/calendar"
	"chengguan/internal/identity"
	"chengguan/internal/ids"
	"chengguan/internal/ledger"
)

// Change is one category write of a save: a new category (Create) or a new
// version of a stored one, with its ledger record.
type Change struct {
	Category Category // as stored: Stored(c), with its new Version
	Create   bool
	Record   ledger.Record
}

// Revision is one recorded state of a category.
type Revision struct {
	CategoryID string
	Version    int
	At         time.Time
	By         string // account ID, or "system"
	Category   Category
}

// Store keeps the catalogue and its history. It holds no rules.
type Store interface {
	// Categories returns every category, in kind and code order.
	Categories(ctx context.Context) ([]Category, error)
	// SaveCategories applies the changes, a Revision for each and their
	// ledger records, in one transaction: all or nothing. An update applies
	// only to the version before its own (Version-1); if another write got
	// there first the whole save is a Conflict. A create whose kind and
	// code are taken is a Conflict too.
	SaveCategories(ctx context.Context, changes []Change) error
	// CategoryRevisions lists the recorded states of a category, newest
	// first; NotFound when there is no such category.
	CategoryRevisions(ctx context.Context, id string) ([]Revision, error)
}

// Units finds organisation units; storage.IdentityStore is one.
type Units interface {
	UnitByID(ctx context.Context, id string) (*identity.Unit, error)
	UnitByCode(ctx context.Context, code string) (*identity.Unit, error)
}

// Calendar is what deadlines need of the calendar service
// (*calendar.Service).
type Calendar interface {
	Calendar(ctx context.Context) (*calendar.Calendar, error)
	HoursFor(ctx context.Context, unitPath string) (calendar.Hours, bool, error)
}

// Service keeps the catalogue of an installation: staff read it, the
// administrators of the whole tree change it (one catalogue per city, as
// the calendar and the grid are), and other services look categories up
// and compute their deadlines. It caches the whole catalogue in memory.
type Service struct {
	store Store
	units Units
	cal   Calendar
	newID func() string
	now   func() time.Time
	// ttl bounds how long a change on another node can go unseen; a change
	// on this node is seen at once.
	ttl time.Duration

	cur atomic.Pointer[snapshot]
	mu  sync.Mutex // one reload at a time
}

// snapshot is the catalogue as this node last read it.
type snapshot struct {
	all     []Category       // kind, code order
	byID    map[string]int   // index into all
	byKey   map[kindCode]int // index into all
	checkAt time.Time
}

// NewService returns the taxonomy service. newID makes IDs (ids.New in
// production); now is the clock (time.Now if nil).
func NewService(store Store, units Units, cal Calendar, newID func() string, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, units: units, cal: cal, newID: newID, now: now, ttl: time.Minute}
}

// The actions recorded in the ledger for catalogue changes (allowed under
// identity.ActCategoryManage).
const (
	ActCreate = "category.create"
	ActUpdate = "category.update"
)

// ---- lookups for other services (no permission check) ----
//
// The catalogue is not secret: every member of staff may read it, and the
// public Open311 service list is drawn from it. These methods serve the
// services built on it (cases, Open311) and check no actor.

// snapshot returns the cached catalogue, reading it again when it is older
// than the TTL.
func (s *Service) snapshot(ctx context.Context) (*snapshot, error) {
	if c := s.cur.Load(); c != nil && s.now().Before(c.checkAt) {
		return c, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.cur.Load(); c != nil && s.now().Before(c.checkAt) {
		return c, nil
	}
	cats, err := s.store.Categories(ctx)
	if err != nil {
		if c := s.cur.Load(); c != nil {
			return c, nil // keep serving the last catalogue; the next caller retries
		}
		return nil, err
	}
	depts := map[string]*identity.Unit{}
	for i := range cats {
		id := cats[i].DepartmentID
		u, ok := depts[id]
		if !ok {
			u, err = s.units.UnitByID(ctx, id)
			if err != nil && !apperr.Is(err, apperr.NotFound) {
				return nil, err
			}
			depts[id] = u
		}
		if u != nil {
			cats[i].DepartmentCode, cats[i].DepartmentName = u.Code, u.Name
		}
	}
	snap := &snapshot{all: cats, byID: make(map[string]int, len(cats)), byKey: make(map[kindCode]int, len(cats)),
		checkAt: s.now().Add(s.ttl)}
	for i, c := range cats {
		snap.byID[c.ID] = i
		snap.byKey[kindCode{c.Kind, c.Code}] = i
	}
	s.cur.Store(snap)
	return snap, nil
}

// kindCode is a category's key in the snapshot: a struct, so that a lookup
// builds no string.
type kindCode struct {
	kind Kind
	code string
}

// forget drops the cached catalogue after a write on this node.
func (s *Service) forget() { s.cur.Store(nil) }

// Category returns the category with this ID, enabled or not (a case keeps
// the ID of its category even after it is disabled). NotFound when there
// is none.
func (s *Service) Category(ctx context.Context, id string) (Category, error) {
	snap, err := s.snapshot(ctx)
	if err != nil {
		return Category{}, err
	}
	i, ok := snap.byID[id]
	if !ok {
		return Category{}, apperr.New(apperr.NotFound, "taxonomy.not_found")
	}
	return snap.all[i].Clone(), nil
}

// ByCode returns the category of a kind with a class code ("0101"),
// enabled or not. NotFound when there is none.
func (s *Service) ByCode(ctx context.Context, kind Kind, code string) (Category, error) {
	snap, err := s.snapshot(ctx)
	if err != nil {
		return Category{}, err
	}
	i, ok := snap.byKey[kindCode{kind, code}]
	if !ok {
		return Category{}, apperr.New(apperr.NotFound, "taxonomy.not_found")
	}
	return snap.all[i].Clone(), nil
}

// Enabled returns the categories offered for new reports, in kind and code
// order.
func (s *Service) Enabled(ctx context.Context) ([]Category, error) {
	return s.find(ctx, Filter{Enabled: ptr(true)})
}

// Filter selects categories for a list. The zero Filter selects all.
type Filter struct {
	Kind    Kind   // "" for both
	Major   string // 2-digit major class, "" for all
	Enabled *bool  // nil for both
	// Text is a case-insensitive substring of the code, the names or the
	// major class names.
	Text string
}

// Match reports whether c passes the filter.
func (f Filter) Match(c Category) bool {
	if f.Kind != "" && c.Kind != f.Kind {
		return false
	}
	if f.Major != "" && c.Major() != f.Major {
		return false
	}
	if f.Enabled != nil && c.Enabled != *f.Enabled {
		return false
	}
	if t := strings.ToLower(strings.TrimSpace(f.Text)); t != "" {
		hay := strings.ToLower(c.Code + "\x00" + c.Name + "\x00" + c.NameEN + "\x00" + c.MajorName + "\x00" + c.MajorNameEN)
		if !strings.Contains(hay, t) {
			return false
		}
	}
	return true
}

func (s *Service) find(ctx context.Context, f Filter) ([]Category, error) {
	snap, err := s.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	out := []Category{}
	for _, c := range snap.all {
		if f.Match(c) {
			out = append(out, c.Clone())
		}
	}
	return out, nil
}

func ptr[T any](v T) *T { return &v }

// Deadline is when a stage of a case is due.
type Deadline struct {
	Stage   Stage
	Urgency Urgency
	Limit   Limit
	calendar.Result
}

// Deadline computes when stage of a case of category c at urgency u, begun
// at start, is due, on the calendar in force. Working-hour limits count the
// working hours of the unit at hoursAt (a materialised path); when hoursAt
// is empty they count those of the category's handling department for
// StageHandle and the default hours otherwise. An urgency the category does
// not offer is Invalid.
func (s *Service) Deadline(ctx context.Context, c Category, stage Stage, u Urgency, start time.Time, hoursAt string) (Deadline, error) {
	l, err := c.Limit(stage, u)
	if err != nil {
		return Deadline{}, err
	}
	if l.Check() != "" {
		return Deadline{}, apperr.New(apperr.Invalid, "taxonomy.no_limit").With(map[string]any{"Code": c.Code})
	}
	cal, err := s.cal.Calendar(ctx)
	if err != nil {
		return Deadline{}, err
	}
	var opt calendar.Options
	if hoursAt == "" && stage == StageHandle && l.Unit == calendar.Workhour {
		dept, err := s.units.UnitByID(ctx, c.DepartmentID)
		if err != nil {
			return Deadline{}, err
		}
		hoursAt = dept.Path
	}
	if hoursAt != "" && l.Unit == calendar.Workhour {
		if opt.Hours, _, err = s.cal.HoursFor(ctx, hoursAt); err != nil {
			return Deadline{}, err
		}
	}
	r, err := cal.Due(start, l.Amount, l.Unit, opt)
	if err != nil {
		return Deadline{}, apperr.Wrap(apperr.Invalid, "taxonomy.deadline", err)
	}
	return Deadline{Stage: stage, Urgency: u, Limit: l, Result: r}, nil
}

// ---- staff reading (permission-checked) ----

// canView asks whether the actor may read the catalogue: every member of
// staff may, wherever they work, so it is asked at each of the actor's
// units until one allows.
func canView(actor *identity.Actor) error {
	d := identity.Decide(actor, identity.ActCategoryView, identity.Resource{})
	if d.Allowed || actor == nil {
		return d.Err()
	}
	for _, as := range actor.Assignments {
		if dd := identity.Decide(actor, identity.ActCategoryView, identity.InUnit(as.UnitPath)); dd.Allowed {
			return nil
		}
	}
	return d.Err()
}

// List returns the categories that pass the filter, in kind and code order.
func (s *Service) List(ctx context.Context, actor *identity.Actor, f Filter) ([]Category, error) {
	if err := canView(actor); err != nil {
		return nil, err
	}
	return s.find(ctx, f)
}

// Get returns one category by ID.
func (s *Service) Get(ctx context.Context, actor *identity.Actor, id string) (Category, error) {
	if err := canView(actor); err != nil {
		return Category{}, err
	}
	return s.Category(ctx, id)
}

// History lists the recorded states of a category, newest first.
func (s *Service) History(ctx context.Context, actor *identity.Actor, id string) ([]Revision, error) {
	if err := canView(actor); err != nil {
		return nil, err
	}
	if !ids.Valid(id) {
		return nil, apperr.New(apperr.NotFound, "taxonomy.not_found")
	}
	return s.store.CategoryRevisions(ctx, id)
}

// Export writes the whole catalogue as CSV (WriteCSV) for the actor.
func (s *Service) Export(ctx context.Context, actor *identity.Actor, w io.Writer) error {
	cats, err := s.List(ctx, actor, Filter{})
	if err != nil {
		return err
	}
	return WriteCSV(w, cats)
}

// ---- changes (administrators of the whole tree) ----

// manageWhere is where catalogue changes are allowed: the whole tree.
var manageWhere = identity.Resource{}

// Update saves an edit of a stored category. c carries the category's ID
// and the Version the edit was made on; a newer stored version is a
// Conflict. Department may be given by DepartmentID or DepartmentCode.
// Kind, code and source never change, nor a national category's names.
func (s *Service) Update(ctx context.Context, actor *identity.Actor, c Category) (Category, error) {
	if err := identity.Decide(actor, identity.ActCategoryManage, manageWhere).Err(); err != nil {
		return Category{}, err
	}
	snap, err := s.freshSnapshot(ctx)
	if err != nil {
		return Category{}, err
	}
	i, ok := snap.byID[c.ID]
	if !ok {
		return Category{}, apperr.New(apperr.NotFound, "taxonomy.not_found")
	}
	before := snap.all[i]
	if c.Version != before.Version {
		return Category{}, apperr.New(apperr.Conflict, "taxonomy.stale")
	}
	bad := CheckChange(before, c)
	if err := s.resolveDepartment(ctx, &c); err != nil {
		bad = append(bad, *err)
	}
	bad = append(bad, c.Validate()...)
	if len(bad) == 0 && majorNameConflict(snap.all, c) {
		bad = append(bad, apperr.Field("major_name", "taxonomy.major_name_differs"))
	}
	if len(bad) > 0 {
		return Category{}, apperr.InvalidFields(dedupe(bad)...)
	}
	if SameContent(before, c) {
		return before.Clone(), nil
	}
	ch, err := s.change(actor, &before, c)
	if err != nil {
		return Category{}, err
	}
	if err := s.store.SaveCategories(ctx, []Change{ch}); err != nil {
		return Category{}, err
	}
	s.forget()
	return s.Category(ctx, c.ID)
}

// Create adds a city's own category (Source City unless given). Its kind
// and code must be free.
func (s *Service) Create(ctx context.Context, actor *identity.Actor, c Category) (Category, error) {
	if err := identity.Decide(actor, identity.ActCategoryManage, manageWhere).Err(); err != nil {
		return Category{}, err
	}
	if c.Source == "" {
		c.Source = City
	}
	snap, err := s.freshSnapshot(ctx)
	if err != nil {
		return Category{}, err
	}
	var bad []apperr.FieldError
	if err := s.resolveDepartment(ctx, &c); err != nil {
		bad = append(bad, *err)
	}
	bad = append(bad, c.Validate()...)
	if _, taken := snap.byKey[kindCode{c.Kind, c.Code}]; taken && ValidCode(c.Code) {
		bad = append(bad, apperr.Field("code", "taxonomy.code_taken"))
	}
	if len(bad) == 0 && majorNameConflict(snap.all, c) {
		bad = append(bad, apperr.Field("major_name", "taxonomy.major_name_differs"))
	}
	if len(bad) > 0 {
		return Category{}, apperr.InvalidFields(dedupe(bad)...)
	}
	c.ID = s.newID()
	ch, err := s.change(actor, nil, c)
	if err != nil {
		return Category{}, err
	}
	if err := s.store.SaveCategories(ctx, []Change{ch}); err != nil {
		return Category{}, err
	}
	s.forget()
	return s.Category(ctx, c.ID)
}

// ImportReport is the outcome of an import: what it did, or, when any row
// has a problem, every problem and nothing done.
type ImportReport struct {
	Rows      int        `json:"rows"`
	Created   int        `json:"created"`
	Updated   int        `json:"updated"`
	Unchanged int        `json:"unchanged"`
	Errors    []RowError `json:"errors"`
}

// Import reads a catalogue CSV (ParseCSV) and applies it: a row whose kind
// and code are new creates a category, a row of a stored category updates
// it (CheckChange's rules apply), an identical row changes nothing.
// Categories missing from the file are left as they are: nothing is ever
// deleted. Any problem in any row refuses the whole file with an Invalid
// error, and the report lists every problem by line; otherwise every change
// and its ledger record is written in one transaction.
func (s *Service) Import(ctx context.Context, actor *identity.Actor, data []byte) (ImportReport, error) {
	rep := ImportReport{Errors: []RowError{}}
	if err := identity.Decide(actor, identity.ActCategoryManage, manageWhere).Err(); err != nil {
		return rep, err
	}
	rows, problems, err := ParseCSV(data)
	if err != nil {
		return rep, err
	}
	rep.Rows = len(rows)
	if len(rows) == 0 && len(problems) == 0 {
		return rep, apperr.New(apperr.Invalid, "taxonomy.csv_empty")
	}
	snap, err := s.freshSnapshot(ctx)
	if err != nil {
		return rep, err
	}
	rep.Errors = append(rep.Errors, problems...)
	// A cell the parser could not read is reported once, not again as
	// missing by Validate.
	type cell struct {
		line   int
		column string
	}
	reported := map[cell]bool{}
	for _, p := range problems {
		reported[cell{p.Line, p.Column}] = true
	}
	deptCache := map[string]*identity.Unit{}
	merged := make([]Category, 0, len(rows)+len(snap.all))
	befores := make([]*Category, len(rows))
	for ri, row := range rows {
		c := row.Category
		report := func(fields []apperr.FieldError) {
			for _, f := range dedupe(fields) {
				rep.Errors = append(rep.Errors, RowError{Line: row.Line, Code: c.Code, Column: f.Field, Key: f.Key, Args: f.Args})
			}
		}
		var bad []apperr.FieldError
		u, ferr := s.department(ctx, row.Department, deptCache)
		if ferr != nil {
			bad = append(bad, *ferr)
		} else {
			c.DepartmentID = u.ID
		}
		if i, ok := snap.byKey[kindCode{c.Kind, c.Code}]; ok {
			b := snap.all[i]
			befores[ri] = &b
			c.ID = b.ID
			bad = append(bad, CheckChange(b, c)...)
		}
		for _, f := range c.Validate() {
			if reported[cell{row.Line, f.Field}] {
				continue
			}
			if f.Field == "department" && ferr != nil {
				continue
			}
			bad = append(bad, f)
		}
		report(bad)
		merged = append(merged, c)
	}
	inFile := map[string]bool{}
	for _, c := range merged {
		inFile[c.Key()] = true
	}
	for _, c := range snap.all {
		if !inFile[c.Key()] {
			merged = append(merged, c)
		}
	}
	for i, j := range MajorConflicts(merged) {
		at, other := i, j
		if at >= len(rows) {
			at, other = j, i // a stored category disagrees with a row of the file
		}
		if at < len(rows) {
			rep.Errors = append(rep.Errors, RowError{Line: rows[at].Line, Code: merged[at].Code, Column: "major_name",
				Key: "taxonomy.major_name_differs", Args: map[string]any{"Code": merged[other].Code}})
		}
	}
	if len(rep.Errors) > 0 {
		slices.SortStableFunc(rep.Errors, func(a, b RowError) int { return a.Line - b.Line })
		return rep, apperr.New(apperr.Invalid, "taxonomy.import_invalid").With(map[string]any{"Count": len(rep.Errors)})
	}
	var changes []Change
	for ri := range rows {
		c, before := merged[ri], befores[ri]
		if before != nil && SameContent(*before, c) {
			rep.Unchanged++
			continue
		}
		if before == nil {
			c.ID = s.newID()
			rep.Created++
		} else {
			rep.Updated++
		}
		ch, err := s.change(actor, before, c)
		if err != nil {
			return rep, err
		}
		changes = append(changes, ch)
	}
	if len(changes) == 0 {
		return rep, nil
	}
	if err := s.store.SaveCategories(ctx, changes); err != nil {
		return rep, err
	}
	s.forget()
	return rep, nil
}

// freshSnapshot reads the catalogue from the store, for a change to be
// checked against the stored state (the store's version check catches a
// change that lands between this read and the write).
func (s *Service) freshSnapshot(ctx context.Context) (*snapshot, error) {
	s.forget()
	return s.snapshot(ctx)
}

// change makes the stored state and ledger record of a create (before nil)
// or an update.
func (s *Service) change(actor *identity.Actor, before *Category, c Category) (Change, error) {
	at := s.now().UTC().Truncate(time.Millisecond)
	c = Stored(c)
	c.UpdatedAt, c.UpdatedBy = at, identity.LedgerActor(actor)
	action := ActCreate
	var b any
	if before != nil {
		c.Version = before.Version + 1
		action = ActUpdate
		b = Stored(*before)
	} else {
		c.Version = 1
	}
	rec, err := identity.ChangeRecord(s.newID(), at, actor, identity.ActCategoryManage, manageWhere,
		ledger.Subject{Kind: "category", ID: c.ID}, b, c)
	if err != nil {
		return Change{}, err
	}
	rec.Action = action // recorded as what it did, though allowed as category.manage
	return Change{Category: c, Create: before == nil, Record: rec}, nil
}

// resolveDepartment fills c.DepartmentID from DepartmentCode when only the
// code is given, and checks that the unit is an enabled department.
func (s *Service) resolveDepartment(ctx context.Context, c *Category) *apperr.FieldError {
	ref := c.DepartmentID
	if ref == "" {
		ref = c.DepartmentCode
	}
	u, ferr := s.department(ctx, ref, nil)
	if ferr != nil {
		return ferr
	}
	c.DepartmentID = u.ID
	return nil
}

// department finds an enabled department unit by code or ID.
func (s *Service) department(ctx context.Context, ref string, cache map[string]*identity.Unit) (*identity.Unit, *apperr.FieldError) {
	f := func(key string) *apperr.FieldError {
		e := apperr.FieldError{Field: "department", Key: key, Args: map[string]any{"Unit": ref}}
		return &e
	}
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return nil, f("taxonomy.department_required")
	}
	u, ok := cache[ref]
	if !ok {
		var err error
		u, err = s.units.UnitByCode(ctx, ref)
		if apperr.Is(err, apperr.NotFound) && ids.Valid(ref) {
			u, err = s.units.UnitByID(ctx, ref)
		}
		if err != nil {
			u = nil
		}
		if cache != nil {
			cache[ref] = u
		}
	}
	switch {
	case u == nil:
		return nil, f("taxonomy.department_unknown")
	case u.Kind != identity.KindDepartment:
		return nil, f("taxonomy.department_kind")
	case u.Disabled:
		return nil, f("taxonomy.department_disabled")
	}
	return u, nil
}

// majorNameConflict reports whether c names its major class differently from
// another stored category of the same kind and major.
func majorNameConflict(all []Category, c Category) bool {
	for _, o := range all {
		if o.ID != c.ID && o.Kind == c.Kind && o.Major() == c.Major() {
			return o.MajorName != c.MajorName || o.MajorNameEN != c.MajorNameEN
		}
	}
	return false
}

// dedupe keeps the first problem of each field.
func dedupe(fs []apperr.FieldError) []apperr.FieldError {
	seen := map[string]bool{}
	out := fs[:0:0]
	for _, f := range fs {
		if !seen[f.Field] {
			seen[f.Field] = true
			out = append(out, f)
		}
	}
	return out
}
