package calendar

import (
	"context"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"chengguan/internal/apperr"
	"chengguan/internal/identity"
	"chengguan/internal/ledger"
)

// StoredYear is a year table an administrator entered, as kept by a Store.
type StoredYear struct {
	Year      Year
	UpdatedAt time.Time
	UpdatedBy string // account ID, or "system"
}

// Change is one recorded edit of a year table.
type Change struct {
	ID      string
	Year    int
	At      time.Time
	ActorID string
	Before  *Year // nil for the first edit of the year
	After   Year
}

// Store keeps the entered year tables and their history. It holds no rules.
type Store interface {
	CalendarYears(ctx context.Context) ([]StoredYear, error)
	// SaveCalendarYear replaces (or adds) a year table and records the
	// change, with the table it replaced, in one transaction. Inside it,
	// check sees the stored tables as they are and either refuses the
	// change or returns the ledger record to append with it.
	SaveCalendarYear(ctx context.Context, y StoredYear, changeID string,
		check func(stored []StoredYear) (ledger.Record, error)) error
	CalendarChanges(ctx context.Context, year int) ([]Change, error)
	// WorkingHours returns the configured hours ("09:00-12:00,…") of those
	// of the units that have any, by unit ID.
	WorkingHours(ctx context.Context, unitIDs []string) (map[string]string, error)
	// SetWorkingHours configures a unit's hours; empty spans remove them.
	SetWorkingHours(ctx context.Context, unitID, spans string, at time.Time, by string, rec ledger.Record) error
}

// Service is the statutory calendar of an installation: the official tables
// embedded in the binary, overlaid by the tables administrators enter (a new
// year's State Council notice arrives every November, before any library
// release knows it).
type Service struct {
	store Store
	now   func() time.Time
	newID func() string
	// ttl bounds how long another node's edit can go unseen; edits on this
	// node are seen at once.
	ttl time.Duration

	mu      sync.Mutex
	cached  *Calendar
	expires time.Time
	// changed are told after a year table or a unit's working hours
	// changed, so that open deadlines can be computed again.
	changed []func(ctx context.Context)
	hours   map[string]hoursEntry // HoursFor's answers by unit path
}

// OnChange registers fn to be called, after the commit, whenever a year
// table or working hours change on this node. fn must not block: deadlines
// are recomputed in the background.
func (s *Service) OnChange(fn func(ctx context.Context)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.changed = append(s.changed, fn)
}

func (s *Service) notify(ctx context.Context) {
	s.mu.Lock()
	fns := append([]func(context.Context){}, s.changed...)
	s.mu.Unlock()
	for _, fn := range fns {
		fn(context.WithoutCancel(ctx))
	}
}

// NewService returns the calendar service over store. newID makes change
// IDs (ids.New in production).
func NewService(store Store, newID func() string, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, now: now, newID: newID, ttl: time.Minute}
}

// Calendar returns the calendar in force: official tables with the entered
// ones layered over them.
func (s *Service) Calendar(ctx context.Context) (*Calendar, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if s.cached != nil && now.Before(s.expires) {
		return s.cached, nil
	}
	stored, err := s.store.CalendarYears(ctx)
	if err != nil {
		return nil, err
	}
	years := OfficialYears()
	for _, y := range stored {
		years = append(years, y.Year)
	}
	c, err := New(years...)
	if err != nil {
		return nil, apperr.Internalf("stored calendar tables: %w", err)
	}
	s.cached, s.expires = c, now.Add(s.ttl)
	return c, nil
}

// YearInfo describes one loaded year for the administrators' overview.
type YearInfo struct {
	Year      Year
	Edited    bool // entered by an administrator rather than embedded
	UpdatedAt time.Time
	UpdatedBy string
}

// Years lists every loaded year, newest first.
func (s *Service) Years(ctx context.Context) ([]YearInfo, error) {
	stored, err := s.store.CalendarYears(ctx)
	if err != nil {
		return nil, err
	}
	byYear := map[int]YearInfo{}
	for _, y := range OfficialYears() {
		byYear[y.Year] = YearInfo{Year: y}
	}
	for _, y := range stored {
		byYear[y.Year.Year] = YearInfo{Year: y.Year, Edited: true, UpdatedAt: y.UpdatedAt, UpdatedBy: y.UpdatedBy}
	}
	out := make([]YearInfo, 0, len(byYear))
	for _, y := range byYear {
		out = append(out, y)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Year.Year > out[j].Year.Year })
	return out, nil
}

// SetYear enters a year's table, replacing any earlier one. Only an
// administrator of the whole tree may: the calendar is the same for every
// unit. The change is recorded with the table it replaced.
func (s *Service) SetYear(ctx context.Context, actor *identity.Actor, y Year) error {
	if err := identity.Decide(actor, identity.ActCalendarEdit, identity.Resource{}).Err(); err != nil {
		return err
	}
	if err := y.Validate(); err != nil {
		return apperr.Wrap(apperr.Invalid, "calendar.table_invalid", err).With(map[string]any{"Problem": err.Error()})
	}
	at := s.now().UTC().Truncate(time.Millisecond)
	// The check runs inside the store's transaction, against the tables as
	// they are when it writes: two administrators saving adjacent years at
	// once cannot both pass against a state that no longer holds.
	check := func(stored []StoredYear) (ledger.Record, error) {
		// The new table must fit with the others (a December day of one
		// table may be listed by the next year's).
		years := OfficialYears()
		var before *Year
		for _, st := range stored {
			years = append(years, st.Year)
			if st.Year.Year == y.Year {
				b := st.Year
				before = &b
			}
		}
		if _, err := New(append(years, y)...); err != nil {
			return ledger.Record{}, apperr.Wrap(apperr.Invalid, "calendar.table_invalid", err).With(map[string]any{"Problem": err.Error()})
		}
		return s.ledgerRecord(actor, identity.ActCalendarEdit, identity.Resource{}, "calendar_year", strconv.Itoa(y.Year), before, y, at)
	}
	if err := s.store.SaveCalendarYear(ctx, StoredYear{Year: y, UpdatedAt: at, UpdatedBy: identity.LedgerActor(actor)}, s.newID(), check); err != nil {
		return err
	}
	s.mu.Lock()
	s.cached = nil
	s.mu.Unlock()
	s.notify(ctx)
	return nil
}

// Changes lists the recorded edits of a year, oldest first.
func (s *Service) Changes(ctx context.Context, year int) ([]Change, error) {
	return s.store.CalendarChanges(ctx, year)
}

// HoursFor returns the working hours in force at the unit with this
// materialised path ("/city/district/…/"): its own, else the nearest
// ancestor's, else the default. inherited tells whether they come from
// above.
//
// Answers are kept for the service's TTL (every deadline of every case asks),
// and forgotten at once when hours change on this node.
func (s *Service) HoursFor(ctx context.Context, unitPath string) (h Hours, inherited bool, err error) {
	now := s.now()
	s.mu.Lock()
	if e, ok := s.hours[unitPath]; ok && now.Before(e.expires) {
		s.mu.Unlock()
		return e.h, e.inherited, nil
	}
	s.mu.Unlock()
	h, inherited, err = s.hoursFor(ctx, unitPath)
	if err != nil {
		return Hours{}, false, err
	}
	s.mu.Lock()
	if s.hours == nil || len(s.hours) > 10_000 {
		s.hours = map[string]hoursEntry{}
	}
	s.hours[unitPath] = hoursEntry{h: h, inherited: inherited, expires: now.Add(s.ttl)}
	s.mu.Unlock()
	return h, inherited, nil
}

// hoursEntry is a cached answer of HoursFor.
type hoursEntry struct {
	h         Hours
	inherited bool
	expires   time.Time
}

func (s *Service) hoursFor(ctx context.Context, unitPath string) (h Hours, inherited bool, err error) {
	chain := strings.Split(strings.Trim(unitPath, "/"), "/")
	configured, err := s.store.WorkingHours(ctx, chain)
	if err != nil {
		return Hours{}, false, err
	}
	for i := len(chain) - 1; i >= 0; i-- {
		if spans, ok := configured[chain[i]]; ok {
			h, err := ParseHours(spans)
			if err != nil {
				return Hours{}, false, apperr.Internalf("stored working hours of %s: %w", chain[i], err)
			}
			return h, i != len(chain)-1, nil
		}
	}
	return DefaultHours(), true, nil
}

// SetHours configures the working hours of a unit and the units under it
// (工作时 deadlines are counted in them); empty spans return the unit to
// what it inherits. The unit's administrators may.
func (s *Service) SetHours(ctx context.Context, actor *identity.Actor, unit *identity.Unit, spans string) error {
	if err := identity.Decide(actor, identity.ActUnitUpdate, identity.InUnit(unit.Path)).Err(); err != nil {
		return err
	}
	spans = strings.TrimSpace(spans)
	if spans != "" {
		h, err := ParseHours(spans)
		if err != nil {
			return apperr.InvalidFields(apperr.Field("hours", "calendar.hours_format"))
		}
		spans = h.String()
	}
	current, err := s.store.WorkingHours(ctx, []string{unit.ID})
	if err != nil {
		return err
	}
	at := s.now().UTC().Truncate(time.Millisecond)
	var before, after any
	if c, ok := current[unit.ID]; ok {
		before = c
	}
	if spans != "" {
		after = spans
	}
	rec, err := s.ledgerRecord(actor, identity.ActUnitUpdate, identity.InUnit(unit.Path), "unit_hours", unit.ID, before, after, at)
	if err != nil {
		return err
	}
	if err := s.store.SetWorkingHours(ctx, unit.ID, spans, at, identity.LedgerActor(actor), rec); err != nil {
		return err
	}
	s.mu.Lock()
	s.hours = nil
	s.mu.Unlock()
	s.notify(ctx)
	return nil
}

// ledgerRecord makes the full-process record of a change, for the store to
// append in the change's transaction.
func (s *Service) ledgerRecord(actor *identity.Actor, action identity.Action, where identity.Resource,
	kind, id string, before, after any, at time.Time) (ledger.Record, error) {
	return identity.ChangeRecord(s.newID(), at, actor, action, where, ledger.Subject{Kind: kind, ID: id}, before, after)
}

// MarshalYear is the stored form of a year table.
func MarshalYear(y Year) ([]byte, error) { return json.Marshal(y) }
