package personnel

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"

	"chengguan/internal/apperr"
	"chengguan/internal/identity"
	"chengguan/internal/ledger"
)

// Card is everything about one person, as shown on their card.
type Card struct {
	Person       Person         `json:"person"`
	Full         bool           `json:"full"` // ID and phone numbers unmasked
	CertState    CertState      `json:"cert_state"`
	Certificates []Certificate  `json:"certificates"`
	Periods      []StatusPeriod `json:"periods"`
	Duties       []Duty         `json:"duties"`
	Holdings     []Holding      `json:"holdings"`
	Trainings    []Training     `json:"trainings"`
	Merits       []Merit        `json:"merits"`
	Transfers    []Transfer     `json:"transfers"`
	Scores       []Score        `json:"scores"`
	History      []Revision     `json:"history"`
	Status       PostStatus     `json:"status"`  // today
	Verdict      Verdict        `json:"verdict"` // may they file a case today
}

// Card loads a person's card. ID and phone numbers are masked unless the
// actor is a personnel administrator; an unmasked card is itself recorded in
// the ledger (who saw whose full record, when).
func (s *Service) Card(ctx context.Context, actor *identity.Actor, id string) (Card, error) {
	row, err := s.viewPerson(ctx, actor, id)
	if err != nil {
		return Card{}, err
	}
	facts, c, err := s.facts(ctx, row.Person)
	if err != nil {
		return Card{}, err
	}
	now := s.now()
	day := DateOf(now)
	c.Person = row.Person
	c.CertState, _ = BestCertificateState(c.Certificates, day)
	c.Status = statusOn(c.Periods, day)
	c.Verdict = Eligible(facts, identity.ActPenaltyFile, now)
	if c.History, err = s.history(ctx, row.Person.ID, c); err != nil {
		return Card{}, err
	}
	if Sensitive(actor, row.Person.UnitPath) {
		rec := identity.NewRecord(s.newID(), s.at(), actor, identity.ActPersonnelViewSensitive,
			identity.InUnit(row.Person.UnitPath), ledger.Subject{Kind: "personnel_person", ID: row.Person.ID}, "", "")
		rec.Action = ActViewFull
		if err := s.store.AppendLedger(ctx, rec); err != nil {
			return Card{}, err
		}
		c.Full = true
	} else {
		c.Person = Masked(c.Person)
	}
	return c, nil
}

// history is every version of the person and their records, newest first.
func (s *Service) history(ctx context.Context, personID string, c Card) ([]Revision, error) {
	ids := []string{personID}
	for _, x := range c.Certificates {
		ids = append(ids, x.ID)
	}
	for _, x := range c.Periods {
		ids = append(ids, x.ID)
	}
	for _, x := range c.Trainings {
		ids = append(ids, x.ID)
	}
	for _, x := range c.Holdings {
		ids = append(ids, x.ID)
	}
	for _, x := range c.Merits {
		ids = append(ids, x.ID)
	}
	for _, x := range c.Transfers {
		ids = append(ids, x.ID)
	}
	var out []Revision
	for _, id := range ids {
		h, err := s.store.History(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, h...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.After(out[j].At) })
	return out, nil
}

func statusOn(ps []StatusPeriod, day Date) PostStatus {
	st := StatusOnDuty
	var from Date
	for _, p := range ps {
		if p.Covers(day) && (p.Status != StatusOnDuty) && (isZero(from) || p.From.Compare(from) >= 0) {
			st, from = p.Status, p.From
		}
	}
	return st
}

// facts loads what the rules need about a person, and the rest of the card.
func (s *Service) facts(ctx context.Context, p Person) (Facts, Card, error) {
	var c Card
	var err error
	if c.Certificates, err = load[Certificate](ctx, s.store, KindCertificate, p.ID); err != nil {
		return Facts{}, c, err
	}
	if c.Periods, err = load[StatusPeriod](ctx, s.store, KindPeriod, p.ID); err != nil {
		return Facts{}, c, err
	}
	if c.Trainings, err = load[Training](ctx, s.store, KindTraining, p.ID); err != nil {
		return Facts{}, c, err
	}
	if c.Duties, err = load[Duty](ctx, s.store, KindDuty, p.ID); err != nil {
		return Facts{}, c, err
	}
	if c.Merits, err = load[Merit](ctx, s.store, KindMerit, p.ID); err != nil {
		return Facts{}, c, err
	}
	if c.Transfers, err = load[Transfer](ctx, s.store, KindTransfer, p.ID); err != nil {
		return Facts{}, c, err
	}
	if c.Scores, err = decodeRef[Score](ctx, s.store, KindScore, p.ID); err != nil {
		return Facts{}, c, err
	}
	adocs, err := s.store.DocsByRef(ctx, KindAssignment, p.ID)
	if err != nil {
		return Facts{}, c, err
	}
	as, err := decodeDocs[Assignment](adocs)
	if err != nil {
		return Facts{}, c, err
	}
	for i, a := range as {
		h := Holding{Assignment: a, Kind: EquipmentKind(adocs[i].Tag)}
		if ed, err := s.store.Doc(ctx, KindEquipment, a.EquipmentID); err == nil {
			h.Serial = ed.Ref
		}
		c.Holdings = append(c.Holdings, h)
	}
	return Facts{Person: p, Certificates: c.Certificates, Periods: c.Periods, Trainings: c.Trainings, Holdings: c.Holdings}, c, nil
}

func decodeRef[T any](ctx context.Context, st Store, kind Kind, ref string) ([]T, error) {
	docs, err := st.DocsByRef(ctx, kind, ref)
	if err != nil {
		return nil, err
	}
	return decodeDocs[T](docs)
}

// Eligibility is Eligible for a stored person, for a viewer of the roster
// or for the person themself (an officer asking "may I act").
func (s *Service) Eligibility(ctx context.Context, actor *identity.Actor, personID string, act identity.Action, at time.Time) (Verdict, error) {
	row, err := s.store.Person(ctx, personID)
	if err != nil {
		return Verdict{}, err
	}
	own := actor != nil && row.Person.AccountID != "" && identity.Decide(actor, identity.ActSelfView, identity.Owned(row.Person.AccountID)).Allowed
	if !own {
		if err := identity.Decide(actor, identity.ActPersonnelView, identity.InUnit(row.Person.UnitPath)).Err(); err != nil {
			return Verdict{}, err
		}
	}
	return s.Check(ctx, personID, act, at)
}

// Check is Eligible for a stored person, without a permission check: the
// gate other capabilities (the penalty procedure) ask before they let a
// person act; they have already decided that their caller may act.
func (s *Service) Check(ctx context.Context, personID string, act identity.Action, at time.Time) (Verdict, error) {
	row, err := s.store.Person(ctx, personID)
	if err != nil {
		return Verdict{}, err
	}
	if at.IsZero() {
		at = s.now()
	}
	f, _, err := s.facts(ctx, row.Person)
	if err != nil {
		return Verdict{}, err
	}
	return Eligible(f, act, at), nil
}

// CheckAccount is Check for the person linked to an account; an account with
// no personnel record may not act ("no_personnel_record").
func (s *Service) CheckAccount(ctx context.Context, accountID string, act identity.Action, at time.Time) (Verdict, error) {
	row, err := s.store.PersonByAccount(ctx, accountID)
	if apperr.Is(err, apperr.NotFound) {
		return Verdict{Reasons: []Reason{reason("no_personnel_record", nil)}, Warnings: []Reason{}}, nil
	}
	if err != nil {
		return Verdict{}, err
	}
	return s.Check(ctx, row.Person.ID, act, at)
}

// RosterLine is one line of the roster.
type RosterLine struct {
	Person    Person    `json:"person"` // masked unless the viewer is a personnel administrator
	CertState CertState `json:"cert_state"`
	CertTo    string    `json:"cert_to,omitempty"`
}

// Page is a page of the roster.
type Page struct {
	Lines []RosterLine `json:"lines"`
	Total int          `json:"total"`
}

// Roster lists the people the actor may see, filtered, with ID and phone
// numbers masked for everyone: full numbers are shown only where the view
// is recorded (Card, and RosterExport for personnel administrators).
func (s *Service) Roster(ctx context.Context, actor *identity.Actor, f Filter) (Page, error) {
	return s.roster(ctx, actor, f, false)
}

// RosterExport is Roster for an export: the personnel administrator gets
// the full numbers of the people in their jurisdiction, and the export is
// recorded in the ledger (personnel.export_full, with the count); everyone
// else gets the masked list, as on screen.
func (s *Service) RosterExport(ctx context.Context, actor *identity.Actor, f Filter) (Page, error) {
	pg, err := s.roster(ctx, actor, f, true)
	if err != nil {
		return pg, err
	}
	full := 0
	for _, l := range pg.Lines {
		if !strings.Contains(l.Person.IDNumber, "*") && l.Person.IDNumber != "" {
			full++
		}
	}
	if full > 0 {
		rec := identity.NewRecord(s.newID(), s.at(), actor, identity.ActPersonnelViewSensitive, identity.Resource{},
			ledger.Subject{Kind: "personnel_export", ID: s.newID()}, "", "")
		rec.Action = ActExportFull
		rec.Reason = strconv.Itoa(full) + " people"
		if err := s.store.AppendLedger(ctx, rec); err != nil {
			return Page{}, err
		}
	}
	return pg, nil
}

// ActExportFull is the ledger action of an export with full numbers.
const ActExportFull = "personnel.export_full"

func (s *Service) roster(ctx context.Context, actor *identity.Actor, f Filter, unmask bool) (Page, error) {
	scope, d := identity.ScopeFor(actor, identity.ActPersonnelView)
	if err := d.Err(); err != nil {
		return Page{}, err
	}
	f.All, f.Paths = scope.All, scope.Paths
	if isZero(f.Day) {
		f.Day = DateOf(s.now())
	}
	if f.StaffType != "" && !f.StaffType.Valid() {
		return Page{}, apperr.InvalidFields(apperr.Field("staff_type", "personnel.staff_type_invalid"))
	}
	if f.Status != "" && !has(PostStatuses(), f.Status) {
		return Page{}, apperr.InvalidFields(apperr.Field("status", "personnel.status_invalid"))
	}
	switch f.CertState {
	case "", StateValid, StateExpiring, StateExpired, StateNone, StateSuspended, StateRevoked, StatePending:
	default:
		return Page{}, apperr.InvalidFields(apperr.Field("cert", "personnel.cert_state_invalid"))
	}
	f.Text = strings.TrimSpace(f.Text)
	if f.Limit < 0 || f.Limit > 100000 || f.Offset < 0 {
		return Page{}, apperr.InvalidFields(apperr.Field("limit", "personnel.limit_invalid"))
	}
	rows, total, err := s.store.People(ctx, f)
	if err != nil {
		return Page{}, err
	}
	sens := map[string]bool{}
	pg := Page{Total: total, Lines: make([]RosterLine, 0, len(rows))}
	for _, r := range rows {
		p := r.Person
		show, ok := sens[p.UnitPath]
		if !ok {
			show = unmask && Sensitive(actor, p.UnitPath)
			sens[p.UnitPath] = show
		}
		if !show {
			p = Masked(p)
		}
		pg.Lines = append(pg.Lines, RosterLine{Person: p, CertState: rowCertState(r, f.Day), CertTo: r.CertTo})
	}
	return pg, nil
}

func rowCertState(r Row, day Date) CertState {
	switch r.CertStatus {
	case "":
		return StateNone
	case CertApplied, CertReviewed:
		return StatePending
	case CertSuspended:
		return StateSuspended
	case CertRevoked:
		return StateRevoked
	}
	to, err := parseDate(r.CertTo)
	if err != nil {
		return StateNone
	}
	return Certificate{Status: CertValid, ValidTo: to}.StateOn(day)
}

// Brief returns a person the actor may view, masked, without loading the rest of the card.
func (s *Service) Brief(ctx context.Context, actor *identity.Actor, id string) (Person, error) {
	row, err := s.viewPerson(ctx, actor, id)
	if err != nil {
		return Person{}, err
	}
	return Masked(row.Person), nil
}
