package personnel

import (
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"chengguan/internal/apperr"
	"chengguan/internal/identity"
	"chengguan/internal/ledger"
)

// Service keeps the personnel records: every change is checked, permitted
// by identity.Decide and written with its ledger record in one transaction.
type Service struct {
	store     Store
	newID     func() string
	now       func() time.Time
	minPer10k float64
}

// Options tune a Service.
type Options struct {
	// MinPer10k is the staffing minimum per 10,000 inhabitants
	// (DefaultMinPer10k when 0).
	MinPer10k float64
}

// NewService returns the personnel service over store. newID makes record
// IDs (ids.New in production); now is the clock (time.Now if nil).
func NewService(store Store, newID func() string, now func() time.Time, opts Options) *Service {
	if now == nil {
		now = time.Now
	}
	if opts.MinPer10k <= 0 {
		opts.MinPer10k = DefaultMinPer10k
	}
	return &Service{store: store, newID: newID, now: now, minPer10k: opts.MinPer10k}
}

// MinPer10k is the staffing minimum in force.
func (s *Service) MinPer10k() float64 { return s.minPer10k }

// Ledger actions of personnel changes (the permission asked is personnel.manage).
const (
	ActViewFull = "personnel.view_full" // a full (unmasked) record was shown
)

// Sensitive reports whether actor sees ID and phone numbers in full on a
// record placed at path: the personnel administrator only.
func Sensitive(actor *identity.Actor, path string) bool {
	return identity.Decide(actor, identity.ActPersonnelViewSensitive, identity.InUnit(path)).Allowed
}

// Masked returns p with the ID and phone numbers masked.
func Masked(p Person) Person {
	p.IDNumber = MaskID(p.IDNumber)
	p.Phone = MaskPhone(p.Phone)
	return p
}

func (s *Service) at() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// unit resolves a unit ID to its path; an unknown unit is an invalid field.
func (s *Service) unit(ctx context.Context, id string) (string, error) {
	if id == "" {
		return "", nil
	}
	path, _, err := s.store.UnitPath(ctx, id)
	if apperr.Is(err, apperr.NotFound) {
		return "", apperr.InvalidFields(apperr.Field("unit_id", "personnel.unit_unknown"))
	}
	return path, err
}

// record builds the ledger record of a change of a record of kind.
func (s *Service) record(actor *identity.Actor, op string, path string, kind Kind, id string, before, after any, at time.Time) (ledger.Record, error) {
	rec, err := identity.ChangeRecord(s.newID(), at, actor, identity.ActPersonnelManage, identity.InUnit(path),
		ledger.Subject{Kind: "personnel_" + string(kind), ID: id}, before, after)
	rec.Action = "personnel." + string(kind) + "." + op
	return rec, err
}

// SavePerson creates a person (empty ID) or updates one (ID and the Version
// last read). The ID number is checked (GB 11643) and stored in 18-character
// form; birth date and gender default to what it encodes.
// checkPerson validates a person's particulars and normalises the ID
// number, filling birth date and gender from it when not given.
func checkPerson(in *Person) error {
	var bad []apperr.FieldError
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 50 {
		bad = append(bad, apperr.Field("name", "personnel.name_required"))
	}
	id, flag, err := NormalizeID(in.IDNumber)
	if err != nil {
		bad = append(bad, apperr.Field("id_number", err.Error()))
	}
	if !in.StaffType.Valid() {
		bad = append(bad, apperr.Field("staff_type", "personnel.staff_type_invalid"))
	}
	if in.Post == "" {
		in.Post = PostMember
		if in.StaffType.Auxiliary() {
			in.Post = PostAssistant
		}
	}
	if !in.Post.Valid() {
		bad = append(bad, apperr.Field("post", "personnel.post_invalid"))
	}
	if !has(CadreLevels(), in.Level) {
		bad = append(bad, apperr.Field("level", "personnel.level_invalid"))
	}
	if in.Gender == "" && err == nil {
		in.Gender = IDGender(id)
	}
	if in.Gender != "male" && in.Gender != "female" && !(in.Gender == "" && err != nil) {
		bad = append(bad, apperr.Field("gender", "personnel.gender_invalid"))
	}
	if isZero(in.BirthDate) && err == nil {
		in.BirthDate, _ = IDBirthDate(id)
	}
	if in.Phone != "" && !validPhone(in.Phone) {
		bad = append(bad, apperr.Field("phone", "personnel.phone_invalid"))
	}
	if len(bad) > 0 {
		return apperr.InvalidFields(bad...)
	}
	in.IDNumber, in.IDFlag = id, flag
	return nil
}

func (s *Service) SavePerson(ctx context.Context, actor *identity.Actor, in Person) (Person, error) {
	if err := checkPerson(&in); err != nil {
		return Person{}, err
	}
	path, err := s.unit(ctx, in.UnitID)
	if err != nil {
		return Person{}, err
	}
	in.UnitPath = path
	var before *Person
	var cur Row
	if in.ID != "" {
		cur, err = s.store.Person(ctx, in.ID)
		if err != nil {
			return Person{}, err
		}
		before = &cur.Person
		if err := identity.Decide(actor, identity.ActPersonnelManage, identity.InUnit(cur.Person.UnitPath)).Err(); err != nil {
			return Person{}, err
		}
		if in.Version != cur.Person.Version {
			return Person{}, apperr.New(apperr.Conflict, "personnel.stale")
		}
	} else {
		in.ID = s.newID()
		cur.CertStatus = ""
	}
	if err := identity.Decide(actor, identity.ActPersonnelManage, identity.InUnit(path)).Err(); err != nil {
		return Person{}, err
	}
	at := s.at()
	in.Version++
	in.UpdatedAt = at
	op := "create"
	if before != nil {
		op = "update"
	}
	rec, err := s.record(actor, op, path, KindPerson, in.ID, before, in, at)
	if err != nil {
		return Person{}, err
	}
	row, err := personRow(in, cur.CertStatus, cur.CertTo)
	if err != nil {
		return Person{}, err
	}
	if err := s.store.Apply(ctx, Change{People: []Row{row}, Ledger: []ledger.Record{rec}}); err != nil {
		return Person{}, err
	}
	return in, nil
}

func validPhone(p string) bool {
	if len(p) < 7 || len(p) > 20 {
		return false
	}
	for _, r := range p {
		if !(r >= '0' && r <= '9' || r == '-' || r == '+' || r == ' ') {
			return false
		}
	}
	return true
}

func personRow(p Person, cs CertStatus, to string) (Row, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return Row{}, apperr.Internalf("person: %w", err)
	}
	return Row{Person: p, CertStatus: cs, CertTo: to, Body: b}, nil
}

// certSummary picks the certificate that stands for the person in lists:
// the issued one valid the longest; else suspended, pending, revoked.
func certSummary(certs []Certificate) (CertStatus, string) {
	order := []CertStatus{CertValid, CertSuspended, CertReviewed, CertApplied, CertRevoked}
	for _, st := range order {
		var best *Certificate
		for i := range certs {
			if certs[i].Status == st && (best == nil || certs[i].ValidTo.Compare(best.ValidTo) > 0) {
				best = &certs[i]
			}
		}
		if best != nil {
			if st == CertReviewed || st == CertApplied {
				return CertApplied, best.ValidTo.String()
			}
			return st, best.ValidTo.String()
		}
	}
	return "", ""
}

// viewPerson loads a person the actor may view, or the refusal.
func (s *Service) viewPerson(ctx context.Context, actor *identity.Actor, id string) (Row, error) {
	row, err := s.store.Person(ctx, id)
	if err != nil {
		return Row{}, err
	}
	if err := identity.Decide(actor, identity.ActPersonnelView, identity.InUnit(row.Person.UnitPath)).Err(); err != nil {
		return Row{}, err
	}
	return row, nil
}

// managePerson loads a person the actor may manage.
func (s *Service) managePerson(ctx context.Context, actor *identity.Actor, id string) (Row, error) {
	row, err := s.store.Person(ctx, id)
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return Row{}, apperr.InvalidFields(apperr.Field("person_id", "personnel.person_unknown"))
		}
		return Row{}, err
	}
	if err := identity.Decide(actor, identity.ActPersonnelManage, identity.InUnit(row.Person.UnitPath)).Err(); err != nil {
		return Row{}, err
	}
	return row, nil
}

// saveDoc writes a new version of a doc of a person the actor manages.
// prev is the stored version (nil for a new doc); the caller has filled
// every column but the version and the body.
func (s *Service) saveDoc(ctx context.Context, actor *identity.Actor, d Doc, prevVersion int, before, after any, sums ...Summary) error {
	at := s.at()
	d.Version = prevVersion + 1
	d.At = at
	d.By = identity.LedgerActor(actor)
	setMeta(after, d.Version, at)
	b, err := json.Marshal(after)
	if err != nil {
		return apperr.Internalf("%s: %w", d.Kind, err)
	}
	d.Body = b
	op := "create"
	if prevVersion > 0 {
		op = "update"
	}
	rec, err := s.record(actor, op, d.UnitPath, d.Kind, d.ID, before, after, at)
	if err != nil {
		return err
	}
	return s.store.Apply(ctx, Change{Docs: []Doc{d}, Summaries: sums, Ledger: []ledger.Record{rec}})
}

// setMeta stamps a record's version and time.
func setMeta(v any, version int, at time.Time) {
	switch x := v.(type) {
	case *Certificate:
		x.Version, x.UpdatedAt = version, at
	case *StatusPeriod:
		x.Version, x.UpdatedAt = version, at
	case *Duty:
		x.Version, x.UpdatedAt = version, at
	case *Equipment:
		x.Version, x.UpdatedAt = version, at
	case *Assignment:
		x.Version, x.UpdatedAt = version, at
	case *Training:
		x.Version, x.UpdatedAt = version, at
	case *Merit:
		x.Version, x.UpdatedAt = version, at
	case *Transfer:
		x.Version, x.UpdatedAt = version, at
	case *Population:
		x.Version, x.UpdatedAt = version, at
	case *Paper:
		x.Version, x.UpdatedAt = version, at
	case *Question:
		x.Version, x.UpdatedAt = version, at
	case *Score:
		x.Version, x.UpdatedAt = version, at
	}
}

// decodeDocs decodes the bodies of docs into T.
func decodeDocs[T any](docs []Doc) ([]T, error) {
	out := make([]T, 0, len(docs))
	for _, d := range docs {
		var v T
		if err := json.Unmarshal(d.Body, &v); err != nil {
			return nil, apperr.Internalf("%s %s: %w", d.Kind, d.ID, err)
		}
		out = append(out, v)
	}
	return out, nil
}

func load[T any](ctx context.Context, st Store, kind Kind, owner string) ([]T, error) {
	docs, err := st.Docs(ctx, kind, owner)
	if err != nil {
		return nil, err
	}
	return decodeDocs[T](docs)
}

// prevDoc returns the stored version of a doc being updated (0 for new) and
// its decoded body; a stale version is a Conflict.
func prevDoc[T any](ctx context.Context, st Store, kind Kind, id string, version int) (int, *T, error) {
	if id == "" {
		return 0, nil, nil
	}
	d, err := st.Doc(ctx, kind, id)
	if err != nil {
		return 0, nil, err
	}
	if d.Version != version {
		return 0, nil, apperr.New(apperr.Conflict, "personnel.stale")
	}
	var v T
	if err := json.Unmarshal(d.Body, &v); err != nil {
		return 0, nil, apperr.Internalf("%s %s: %w", kind, id, err)
	}
	return d.Version, &v, nil
}

func required(bad []apperr.FieldError, ok bool, field string) []apperr.FieldError {
	if !ok {
		return append(bad, apperr.Field(field, "personnel.field_required"))
	}
	return bad
}

// SaveCertificate creates or updates a certificate's particulars. A new one
// starts as applied (申领) unless Status says otherwise (an existing
// certificate entered afterwards is entered as valid). The status of an
// existing certificate changes only through MoveCertificate.
func (s *Service) SaveCertificate(ctx context.Context, actor *identity.Actor, c Certificate) (Certificate, error) {
	row, err := s.managePerson(ctx, actor, c.PersonID)
	if err != nil {
		return Certificate{}, err
	}
	c.Number, c.Issuer, c.Field = strings.TrimSpace(c.Number), strings.TrimSpace(c.Issuer), strings.TrimSpace(c.Field)
	var bad []apperr.FieldError
	bad = required(bad, c.Number != "", "number")
	bad = required(bad, c.Issuer != "", "issuer")
	bad = required(bad, !isZero(c.ValidFrom), "valid_from")
	bad = required(bad, !isZero(c.ValidTo), "valid_to")
	if !isZero(c.ValidFrom) && !isZero(c.ValidTo) && c.ValidTo.Compare(c.ValidFrom) < 0 {
		bad = append(bad, apperr.Field("valid_to", "personnel.period_order"))
	}
	if row.Person.StaffType.Auxiliary() {
		bad = append(bad, apperr.Field("person_id", "personnel.auxiliary_no_certificate"))
	}
	prevV, prev, err := prevDoc[Certificate](ctx, s.store, KindCertificate, c.ID, c.Version)
	if err != nil {
		return Certificate{}, err
	}
	if prev != nil {
		c.Status = prev.Status
	} else {
		if c.Status == "" {
			c.Status = CertApplied
		}
		if !has(CertStatuses(), c.Status) {
			bad = append(bad, apperr.Field("status", "personnel.cert_status_invalid"))
		}
		c.ID = s.newID()
	}
	if len(bad) > 0 {
		return Certificate{}, apperr.InvalidFields(bad...)
	}
	if err := s.saveCert(ctx, actor, row, &c, prevV, prev); err != nil {
		return c, err
	}
	return c, nil
}

// saveCert writes a certificate and the person's certificate summary.
func (s *Service) saveCert(ctx context.Context, actor *identity.Actor, row Row, c *Certificate, prevV int, prev *Certificate) error {
	certs, err := load[Certificate](ctx, s.store, KindCertificate, c.PersonID)
	if err != nil {
		return err
	}
	replaced := false
	for i := range certs {
		if certs[i].ID == c.ID {
			certs[i], replaced = *c, true
		}
	}
	if !replaced {
		certs = append(certs, *c)
	}
	cs, to := certSummary(certs)
	var sums []Summary
	if cs != row.CertStatus || to != row.CertTo {
		// The summary is a column of the person's row, not a new version of
		// the person: it is derived from the certificates, whose history is kept.
		sums = append(sums, Summary{PersonID: row.Person.ID, CertStatus: cs, CertTo: to})
	}
	d := Doc{Kind: KindCertificate, ID: c.ID, Owner: c.PersonID, Ref: c.Number, UnitPath: row.Person.UnitPath, Tag: string(c.Status),
		From: c.ValidFrom.String(), To: c.ValidTo.String()}
	var before any
	if prev != nil {
		before = prev
	}
	return s.saveDoc(ctx, actor, d, prevV, before, c, sums...)
}

// MoveCertificate moves a certificate along application → review → issue
// → void (FACTS §2.10), or suspends, reinstates or revokes it.
func (s *Service) MoveCertificate(ctx context.Context, actor *identity.Actor, id string, version int, to CertStatus, note string) (Certificate, error) {
	prevV, prev, err := prevDoc[Certificate](ctx, s.store, KindCertificate, id, version)
	if err != nil {
		return Certificate{}, err
	}
	row, err := s.managePerson(ctx, actor, prev.PersonID)
	if err != nil {
		return Certificate{}, err
	}
	if !nextCert(prev.Status, to) {
		return Certificate{}, apperr.New(apperr.Conflict, "personnel.cert_transition").With(map[string]any{
			"From": LabelKey("personnel.cert." + string(prev.Status)), "To": LabelKey("personnel.cert." + string(to))})
	}
	c := *prev
	c.Status, c.Note = to, strings.TrimSpace(note)
	if err := s.saveCert(ctx, actor, row, &c, prevV, prev); err != nil {
		return c, err
	}
	return c, nil
}

// SavePeriod records a post status period.
func (s *Service) SavePeriod(ctx context.Context, actor *identity.Actor, p StatusPeriod) (StatusPeriod, error) {
	row, err := s.managePerson(ctx, actor, p.PersonID)
	if err != nil {
		return StatusPeriod{}, err
	}
	var bad []apperr.FieldError
	if !has(PostStatuses(), p.Status) {
		bad = append(bad, apperr.Field("status", "personnel.status_invalid"))
	}
	bad = required(bad, !isZero(p.From), "from")
	if !isZero(p.To) && p.To.Compare(p.From) < 0 {
		bad = append(bad, apperr.Field("to", "personnel.period_order"))
	}
	if len(bad) > 0 {
		return StatusPeriod{}, apperr.InvalidFields(bad...)
	}
	prevV, prev, err := prevDoc[StatusPeriod](ctx, s.store, KindPeriod, p.ID, p.Version)
	if err != nil {
		return StatusPeriod{}, err
	}
	if prev == nil {
		p.ID = s.newID()
	}
	d := Doc{Kind: KindPeriod, ID: p.ID, Owner: p.PersonID, UnitPath: row.Person.UnitPath, Tag: string(p.Status),
		From: p.From.String(), To: dateOrEmpty(p.To)}
	if err := s.saveDoc(ctx, actor, d, prevV, anyOrNil(prev), &p); err != nil {
		return p, err
	}
	return p, nil
}

// SaveDuty records a duty roster entry.
func (s *Service) SaveDuty(ctx context.Context, actor *identity.Actor, du Duty) (Duty, error) {
	row, err := s.managePerson(ctx, actor, du.PersonID)
	if err != nil {
		return Duty{}, err
	}
	if du.Start.IsZero() || !du.End.After(du.Start) || du.End.Sub(du.Start) > 48*time.Hour {
		return Duty{}, apperr.InvalidFields(apperr.Field("end", "personnel.duty_period"))
	}
	prevV, prev, err := prevDoc[Duty](ctx, s.store, KindDuty, du.ID, du.Version)
	if err != nil {
		return Duty{}, err
	}
	if prev == nil {
		du.ID = s.newID()
	}
	du.Start, du.End = du.Start.UTC(), du.End.UTC()
	d := Doc{Kind: KindDuty, ID: du.ID, Owner: du.PersonID, UnitPath: row.Person.UnitPath, From: instant(du.Start), To: instant(du.End)}
	if err := s.saveDoc(ctx, actor, d, prevV, anyOrNil(prev), &du); err != nil {
		return du, err
	}
	return du, nil
}

// SaveTraining records a completed course.
func (s *Service) SaveTraining(ctx context.Context, actor *identity.Actor, t Training) (Training, error) {
	row, err := s.managePerson(ctx, actor, t.PersonID)
	if err != nil {
		return Training{}, err
	}
	if err := checkTraining(&t); err != nil {
		return Training{}, err
	}
	prevV, prev, err := prevDoc[Training](ctx, s.store, KindTraining, t.ID, t.Version)
	if err != nil {
		return Training{}, err
	}
	if prev == nil {
		t.ID = s.newID()
	}
	d := Doc{Kind: KindTraining, ID: t.ID, Owner: t.PersonID, UnitPath: row.Person.UnitPath, Tag: string(t.Kind),
		Tag2: string(t.Level), Num: int64(t.Hours), From: t.Start.String(), To: t.End.String()}
	if err := s.saveDoc(ctx, actor, d, prevV, anyOrNil(prev), &t); err != nil {
		return t, err
	}
	return t, nil
}

func checkTraining(t *Training) error {
	t.Course = strings.TrimSpace(t.Course)
	var bad []apperr.FieldError
	bad = required(bad, t.Course != "", "course")
	if !has(TrainingKinds(), t.Kind) {
		bad = append(bad, apperr.Field("kind", "personnel.training_kind_invalid"))
	}
	if !has(OrganiserLevels(), t.Level) {
		bad = append(bad, apperr.Field("level", "personnel.organiser_invalid"))
	}
	if t.Hours <= 0 || t.Hours > 2000 {
		bad = append(bad, apperr.Field("hours", "personnel.hours_invalid"))
	}
	bad = required(bad, !isZero(t.Start), "start")
	bad = required(bad, !isZero(t.End), "end")
	if !isZero(t.Start) && !isZero(t.End) && t.End.Compare(t.Start) < 0 {
		bad = append(bad, apperr.Field("end", "personnel.period_order"))
	}
	if len(bad) > 0 {
		return apperr.InvalidFields(bad...)
	}
	return nil
}

// SaveMerit records a reward or a disciplinary measure.
func (s *Service) SaveMerit(ctx context.Context, actor *identity.Actor, m Merit) (Merit, error) {
	row, err := s.managePerson(ctx, actor, m.PersonID)
	if err != nil {
		return Merit{}, err
	}
	m.Title = strings.TrimSpace(m.Title)
	var bad []apperr.FieldError
	if m.Kind != "reward" && m.Kind != "discipline" {
		bad = append(bad, apperr.Field("kind", "personnel.merit_kind_invalid"))
	}
	bad = required(bad, m.Title != "", "title")
	bad = required(bad, !isZero(m.Date), "date")
	if len(bad) > 0 {
		return Merit{}, apperr.InvalidFields(bad...)
	}
	prevV, prev, err := prevDoc[Merit](ctx, s.store, KindMerit, m.ID, m.Version)
	if err != nil {
		return Merit{}, err
	}
	if prev == nil {
		m.ID = s.newID()
	}
	d := Doc{Kind: KindMerit, ID: m.ID, Owner: m.PersonID, UnitPath: row.Person.UnitPath, Tag: m.Kind, From: m.Date.String()}
	if err := s.saveDoc(ctx, actor, d, prevV, anyOrNil(prev), &m); err != nil {
		return m, err
	}
	return m, nil
}

// SaveTransfer records a transfer in or out. A transfer out sets the
// person's leaving day (LeftOn: not on the staff from that day) and opens a
// 调出 post status period; a transfer in sets their first day (HiredOn)
// when unset.
func (s *Service) SaveTransfer(ctx context.Context, actor *identity.Actor, t Transfer) (Transfer, error) {
	row, err := s.managePerson(ctx, actor, t.PersonID)
	if err != nil {
		return Transfer{}, err
	}
	t.Org = strings.TrimSpace(t.Org)
	var bad []apperr.FieldError
	if t.Direction != "in" && t.Direction != "out" {
		bad = append(bad, apperr.Field("direction", "personnel.direction_invalid"))
	}
	bad = required(bad, !isZero(t.Date), "date")
	bad = required(bad, t.Org != "", "org")
	if len(bad) > 0 {
		return Transfer{}, apperr.InvalidFields(bad...)
	}
	if t.ID != "" {
		return Transfer{}, apperr.New(apperr.Conflict, "personnel.transfer_final")
	}
	t.ID = s.newID()
	p := row.Person
	before := p
	switch t.Direction {
	case "out":
		p.LeftOn = t.Date
	case "in":
		if isZero(p.HiredOn) {
			p.HiredOn = t.Date
		}
		p.LeftOn = Date{}
	}
	at := s.at()
	p.Version++
	p.UpdatedAt = at
	prow, err := personRow(p, row.CertStatus, row.CertTo)
	if err != nil {
		return Transfer{}, err
	}
	rec, err := s.record(actor, "update", p.UnitPath, KindPerson, p.ID, before, p, at)
	if err != nil {
		return Transfer{}, err
	}
	setMeta(&t, 1, at)
	b, err := json.Marshal(t)
	if err != nil {
		return Transfer{}, apperr.Internalf("transfer: %w", err)
	}
	trec, err := s.record(actor, "create", p.UnitPath, KindTransfer, t.ID, nil, t, at)
	if err != nil {
		return Transfer{}, err
	}
	d := Doc{Kind: KindTransfer, ID: t.ID, Owner: t.PersonID, UnitPath: p.UnitPath, Tag: t.Direction, From: t.Date.String(),
		Version: 1, At: at, By: identity.LedgerActor(actor), Body: b}
	ch := Change{People: []Row{prow}, Docs: []Doc{d}, Ledger: []ledger.Record{trec, rec}}
	if t.Direction == "out" {
		// The post status follows: 调出 from the transfer's day, open-ended.
		sp := StatusPeriod{ID: s.newID(), PersonID: p.ID, Status: StatusTransferred, From: t.Date, Note: t.Org, Version: 1, UpdatedAt: at}
		sb, err := json.Marshal(sp)
		if err != nil {
			return Transfer{}, apperr.Internalf("period: %w", err)
		}
		srec, err := s.record(actor, "create", p.UnitPath, KindPeriod, sp.ID, nil, sp, at)
		if err != nil {
			return Transfer{}, err
		}
		ch.Docs = append(ch.Docs, Doc{Kind: KindPeriod, ID: sp.ID, Owner: p.ID, UnitPath: p.UnitPath, Tag: string(sp.Status),
			From: sp.From.String(), Version: 1, At: at, By: identity.LedgerActor(actor), Body: sb})
		ch.Ledger = append(ch.Ledger, srec)
	}
	if err := s.store.Apply(ctx, ch); err != nil {
		return t, err
	}
	return t, nil
}

// SavePopulation records a jurisdiction's population for a year; a second
// entry for the same unit and year is a new version of the first.
func (s *Service) SavePopulation(ctx context.Context, actor *identity.Actor, p Population) (Population, error) {
	path, err := s.unit(ctx, p.UnitID)
	if err != nil {
		return Population{}, err
	}
	var bad []apperr.FieldError
	bad = required(bad, p.UnitID != "", "unit_id")
	if p.Year < 2000 || p.Year > 2999 {
		bad = append(bad, apperr.Field("year", "personnel.year_invalid"))
	}
	if p.Resident < 0 || p.Temporary < 0 || p.Resident+p.Temporary > 100_000_000 {
		bad = append(bad, apperr.Field("resident", "personnel.population_invalid"))
	}
	if len(bad) > 0 {
		return Population{}, apperr.InvalidFields(bad...)
	}
	if err := identity.Decide(actor, identity.ActPersonnelManage, identity.InUnit(path)).Err(); err != nil {
		return Population{}, err
	}
	p.UnitPath = path
	p.ID = p.UnitID + ":" + itoa(p.Year)
	var prevV int
	var prev *Population
	if d, err := s.store.Doc(ctx, KindPopulation, p.ID); err == nil {
		prevV = d.Version
		var old Population
		if err := json.Unmarshal(d.Body, &old); err != nil {
			return Population{}, apperr.Internalf("population: %w", err)
		}
		prev = &old
	} else if !apperr.Is(err, apperr.NotFound) {
		return Population{}, err
	}
	d := Doc{Kind: KindPopulation, ID: p.ID, Owner: p.UnitID, UnitPath: path, Tag: itoa(p.Year)}
	if err := s.saveDoc(ctx, actor, d, prevV, anyOrNil(prev), &p); err != nil {
		return p, err
	}
	return p, nil
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func anyOrNil[T any](p *T) any {
	if p == nil {
		return nil
	}
	return p
}

func dateOrEmpty(d Date) string {
	if isZero(d) {
		return ""
	}
	return d.String()
}

// instant is the sortable text form of a moment in the store.
func instant(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// SetPhoto sets a person's photo: the SHA-256 of an image already in the
// evidence store. It is a change of the person like any other (a new version,
// its ledger record); the personnel administrator of the person's unit may.
func (s *Service) SetPhoto(ctx context.Context, actor *identity.Actor, id, sha string) (Person, error) {
	row, err := s.managePerson(ctx, actor, id)
	if err != nil {
		return Person{}, err
	}
	p := row.Person
	p.Photo = sha
	return s.SavePerson(ctx, actor, p)
}

// PhotoOf is the SHA-256 of a person's photo, "" for none, for a viewer who may see
// the person.
func (s *Service) PhotoOf(ctx context.Context, actor *identity.Actor, id string) (string, error) {
	row, err := s.viewPerson(ctx, actor, id)
	if err != nil {
		return "", err
	}
	return row.Person.Photo, nil
}
