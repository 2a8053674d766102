package urban

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"chengguan/internal/apperr"
	"chengguan/internal/calendar"
	"chengguan/internal/evidence"
	"chengguan/internal/grid"
	"chengguan/internal/grid/coord"
	"chengguan/internal/identity"
	"chengguan/internal/ledger"
)

// Service runs the closed loop.
type Service struct {
	store    Store
	units    Units
	cats     Categories
	cal      *calendar.Service
	grid     *grid.Service
	blobs    *evidence.Store
	cfg      Config
	now      func() time.Time
	newID    func() string
	maxFiles int
	areas    Areas

	keyMu    sync.Mutex
	trackKey []byte // the installation's tracking key, read once
}

// Deps are the Service's collaborators.
type Deps struct {
	Store      Store
	Units      Units
	Categories Categories
	Calendar   *calendar.Service
	Grid       *grid.Service
	Evidence   *evidence.Store
	Config     Config
	Now        func() time.Time
	NewID      func() string
	// Areas are the responsibility areas (责任区) behind the dispatch
	// suggestion (Suggest); nil suggests by category alone.
	Areas Areas
}

// NewService returns the loop's service.
func NewService(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{store: d.Store, units: d.Units, cats: d.Categories, cal: d.Calendar, grid: d.Grid,
		blobs: d.Evidence, cfg: d.Config, now: d.Now, newID: d.NewID, maxFiles: 9,
		areas: d.Areas}
}

// Config returns the city's settings of the loop.
func (s *Service) Config() Config { return s.cfg }

// Limits of a report.
const (
	MaxDescription = 2000
	MaxAddress     = 200
	MaxClientID    = 64
	MaxContact     = 100
)

// Report is a new report from any channel.
type Report struct {
	Channel     Channel
	CategoryID  string
	Urgency     Urgency
	Description string
	Address     string
	Lon, Lat    float64
	System      coord.System // of Lon/Lat; WGS-84 when empty
	ClientID    string       // idempotency key chosen by the client
	// ReporterKey scopes ClientID when there is no staff account: an Open311 key's ID,
	// a resident form's session. Staff reports use the account.
	ReporterKey string
	Contact     Contact
	Photos      []evidence.Blob // stored with PutEvidence first
}

// Receipt is what a reporter gets back.
type Receipt struct {
	Case *Case
	// Tracking is the reporter's private tracking secret of a public channel; empty for
	// staff reports. A resubmission carries it again when it can be derived again
	// (TrackingKeys), that is for cases whose secret was derived, not random.
	Tracking string
	// Duplicates are open cases of the same category nearby: candidates the centre
	// may merge.
	Duplicates []Case
	// Resubmitted: the client ID had been used; Case is the earlier case.
	Resubmitted bool
}

// PutEvidence stores an uploaded file in the evidence store (type sniffed, size
// limited, EXIF read). The blob enters the ledger when it is attached to a case.
func (s *Service) PutEvidence(ctx context.Context, r io.Reader, name string) (evidence.Blob, error) {
	if s.blobs == nil {
		return evidence.Blob{}, apperr.New(apperr.Unavailable, "evidence.unavailable")
	}
	b, err := s.blobs.Put(ctx, r, name)
	switch {
	case errors.Is(err, evidence.ErrTooLarge):
		return evidence.Blob{}, apperr.Wrap(apperr.TooLarge, "evidence.too_large", err)
	case errors.Is(err, evidence.ErrUnsupported), errors.Is(err, evidence.ErrInvalid):
		return evidence.Blob{}, apperr.Wrap(apperr.Unsupported, "evidence.unsupported", err)
	case err != nil:
		return evidence.Blob{}, err
	}
	return b, nil
}

// OpenEvidence opens an attachment's file for an actor who may see its case.
func (s *Service) OpenEvidence(ctx context.Context, actor *identity.Actor, caseID, sha string) (io.ReadSeekCloser, Attachment, error) {
	if _, err := s.Get(ctx, actor, caseID); err != nil {
		return nil, Attachment{}, err
	}
	atts, err := s.store.Attachments(ctx, caseID)
	if err != nil {
		return nil, Attachment{}, err
	}
	for _, a := range atts {
		if a.SHA256 == sha {
			f, err := s.blobs.Get(ctx, sha)
			if err != nil {
				return nil, Attachment{}, apperr.Wrap(apperr.NotFound, "evidence.missing", err)
			}
			return f, a, nil
		}
	}
	return nil, Attachment{}, apperr.New(apperr.NotFound, "evidence.not_found")
}

// Submit takes a report in. actor is the member of staff reporting or entering it; nil
// for the public channels, which Open311 keys and the resident form guard.
func (s *Service) Submit(ctx context.Context, actor *identity.Actor, r Report) (Receipt, error) {
	now := s.now().UTC().Truncate(time.Millisecond)
	if err := s.validateReport(actor, &r); err != nil {
		return Receipt{}, err
	}
	key := r.ReporterKey
	if actor != nil {
		key = "account:" + actor.AccountID
	}
	if r.ClientID != "" {
		if prev, err := s.store.CaseByClientID(ctx, key, r.ClientID); err == nil {
			return s.resubmitted(ctx, prev)
		} else if !apperr.Is(err, apperr.NotFound) {
			return Receipt{}, err
		}
	}
	cat, err := s.cats.Category(ctx, r.CategoryID)
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return Receipt{}, apperr.InvalidFields(apperr.Field("category_id", "case.category_unknown"))
		}
		return Receipt{}, err
	}
	if !cat.Enabled {
		return Receipt{}, apperr.InvalidFields(apperr.Field("category_id", "case.category_unknown"))
	}
	if len(cat.Urgencies) > 0 && !slices.Contains(cat.Urgencies, r.Urgency) {
		return Receipt{}, apperr.InvalidFields(apperr.Field("urgency", "case.urgency_not_offered"))
	}
	cell, version, err := s.grid.Lookup(ctx, r.Lon, r.Lat, r.System)
	if err != nil {
		return Receipt{}, err
	}
	community, err := s.units.UnitByCode(ctx, cell.Community.Code)
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return Receipt{}, apperr.New(apperr.Invalid, "case.community_not_set_up").With(map[string]any{"Code": cell.Community.Code})
		}
		return Receipt{}, err
	}
	if actor != nil {
		// Staff report inside their own territory: an inspector on his grid, the
		// centre anywhere in its city.
		if err := identity.Decide(actor, identity.ActCaseReport, identity.InUnit(community.Path)).Err(); err != nil {
			return Receipt{}, err
		}
	}
	lon, lat := r.Lon, r.Lat
	if r.System == coord.GCJ02 {
		p := coord.GCJ02ToWGS84(orb.Point{lon, lat})
		lon, lat = p[0], p[1]
	}
	c := &Case{
		ID: s.newID(), Version: 1, Channel: r.Channel, CategoryID: cat.ID, Category: cat.Code, Urgency: r.Urgency,
		Description: r.Description, Address: r.Address, Lon: lon, Lat: lat,
		GridCode: cell.Code, GridVersion: version.ID, UnitID: community.ID, UnitPath: community.Path,
		State: StateReported, ClientID: r.ClientID, ReportedAt: now, UpdatedAt: now,
	}
	if actor != nil {
		c.ReporterID = actor.AccountID
	}
	var tracking string
	if r.Channel.Public() {
		if tracking, _, err = s.trackingSecret(ctx, c.ID); err != nil {
			return Receipt{}, err
		}
		c.TrackingHash = hashSecret(tracking)
	}
	if err := s.startStage(ctx, c, cat, now); err != nil {
		return Receipt{}, err
	}
	ev := Event{ID: s.newID(), CaseID: c.ID, At: now, ActorID: actorID(actor), Move: MoveReport, To: StateReported, Public: true}
	if actor != nil {
		via := identity.Via(actor, identity.ActCaseReport, c.Resource())
		ev.Role, ev.UnitID = via.Role, via.UnitID
	}
	rec, err := s.record(actor, MoveReport, c, nil, c, "")
	if err != nil {
		return Receipt{}, err
	}
	if actor == nil {
		rec.ActorID = "public:" + string(r.Channel) // the public is never named in the ledger
	}
	atts, evRecs := s.attach(actor, c, "report", r.Photos, now)
	c.ReporterKey = key
	err = s.store.CreateCase(ctx, c, r.Contact, ev, atts, append([]ledger.Record{rec}, evRecs...))
	if apperr.Is(err, apperr.Conflict) && r.ClientID != "" {
		// A concurrent resubmission won the race; answer with its case.
		if prev, err2 := s.store.CaseByClientID(ctx, key, r.ClientID); err2 == nil {
			return s.resubmitted(ctx, prev)
		}
	}
	if err != nil {
		return Receipt{}, err
	}
	rc := Receipt{Case: c, Tracking: tracking}
	if !r.Channel.Public() || r.Channel == ChannelHotline {
		// Staff at intake see the candidates at once; public reports meet them when
		// the centre files them (Duplicates).
		if rc.Duplicates, err = s.nearby(ctx, c); err != nil {
			return Receipt{}, err
		}
	}
	return rc, nil
}

func (s *Service) validateReport(actor *identity.Actor, r *Report) error {
	r.Description = strings.TrimSpace(r.Description)
	r.Address = strings.TrimSpace(r.Address)
	r.ClientID = strings.TrimSpace(r.ClientID)
	r.Contact.Name = strings.TrimSpace(r.Contact.Name)
	r.Contact.Phone = strings.TrimSpace(r.Contact.Phone)
	r.Contact.Email = strings.TrimSpace(r.Contact.Email)
	if r.Urgency == "" {
		r.Urgency = UrgencyNormal
	}
	if r.System == "" {
		r.System = coord.WGS84
	}
	var bad []apperr.FieldError
	if !r.Channel.Valid() {
		bad = append(bad, apperr.Field("channel", "case.channel_unknown"))
	}
	if r.CategoryID == "" {
		bad = append(bad, apperr.Field("category_id", "case.category_required"))
	}
	if !r.Urgency.Valid() {
		bad = append(bad, apperr.Field("urgency", "case.urgency_unknown"))
	}
	if r.Description == "" {
		bad = append(bad, apperr.Field("description", "case.description_required"))
	} else if utf8.RuneCountInString(r.Description) > MaxDescription {
		bad = append(bad, apperr.Field("description", "case.description_too_long"))
	}
	if utf8.RuneCountInString(r.Address) > MaxAddress {
		bad = append(bad, apperr.Field("address", "case.address_too_long"))
	}
	if len(r.ClientID) > MaxClientID {
		bad = append(bad, apperr.Field("client_id", "case.client_id_too_long"))
	}
	for f, v := range map[string]string{"contact_name": r.Contact.Name, "contact_phone": r.Contact.Phone, "contact_email": r.Contact.Email} {
		if utf8.RuneCountInString(v) > MaxContact {
			bad = append(bad, apperr.Field(f, "case.contact_too_long"))
		}
	}
	if len(r.Photos) > s.maxFiles {
		bad = append(bad, apperr.Field("photos", "case.too_many_files"))
	}
	if len(bad) > 0 {
		slices.SortFunc(bad, func(a, b apperr.FieldError) int { return strings.Compare(a.Field, b.Field) })
		return apperr.InvalidFields(bad...)
	}
	// Who may use which channel.
	switch r.Channel {
	case ChannelInspector, ChannelHotline:
		if actor == nil {
			return apperr.New(apperr.Unauthenticated, "perm.not_signed_in")
		}
		if _, d := identity.ScopeFor(actor, identity.ActCaseReport); !d.Allowed {
			return d.Err()
		}
		if r.Channel == ChannelHotline && !actor.HasRole(identity.RoleOperator) {
			return apperr.New(apperr.Forbidden, "case.hotline_operators_only")
		}
	case ChannelResident, ChannelOpen311:
		if actor != nil {
			return apperr.New(apperr.Forbidden, "case.public_channel_for_public")
		}
	}
	return nil
}

// Act makes a move on a case.
func (s *Service) Act(ctx context.Context, actor *identity.Actor, id string, in Input) (*Case, error) {
	c, err := s.store.CaseByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.visible(actor, c); err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	in.Note = strings.TrimSpace(in.Note)
	if err := Check(c, in, s.cfg, now); err != nil {
		return nil, err
	}
	if err := identity.Decide(actor, in.Move.Action(), c.Resource()).Err(); err != nil {
		return nil, err
	}
	if in.Move == MoveApprove || in.Move == MoveDeny {
		// A shift lead decides on another's request, never on his own.
		if c.Pending.By == actor.AccountID {
			return nil, apperr.New(apperr.Forbidden, "case.approve_own_request")
		}
	}
	before := *c
	next := *c
	next.Version++
	next.UpdatedAt = now
	ev := Event{ID: s.newID(), CaseID: c.ID, At: now, ActorID: actor.AccountID, Move: in.Move, From: c.State,
		Note: in.Note, Public: in.Public}
	via := identity.Via(actor, in.Move.Action(), c.Resource())
	ev.Role, ev.UnitID = via.Role, via.UnitID

	waits := in.Move != MoveApprove && in.Move != MoveDeny && s.cfg.NeedsApproval(in.Move) && !actor.HasRole(identity.RoleShiftLead)
	if in.Move == MoveExtend {
		waits = true
	}
	atts, recs := s.attach(actor, c, attachStage(in.Move), in.Photos, now)
	switch {
	case waits:
		next.Pending = &Pending{Move: in.Move, By: actor.AccountID, At: now, Reason: in.Note,
			Amount: in.Amount, Unit: in.Unit, DepartmentID: in.DepartmentID, MergeInto: in.MergeInto}
		if in.Move == MoveDispatch {
			if _, err := s.department(ctx, in.DepartmentID); err != nil {
				return nil, err
			}
		}
	case in.Move == MoveDeny:
		ev.Note = in.Note
		next.Pending = nil
	case in.Move == MoveApprove:
		p := *c.Pending
		next.Pending = nil
		pin := Input{Move: p.Move, Note: p.Reason, DepartmentID: p.DepartmentID, Amount: p.Amount, Unit: p.Unit,
			MergeInto: p.MergeInto}
		if err := s.apply(ctx, &next, pin, now); err != nil {
			return nil, err
		}
		if in.Note == "" {
			ev.Note = p.Reason
		}
	default:
		if err := s.apply(ctx, &next, in, now); err != nil {
			return nil, err
		}
	}
	ev.To = next.State
	var target *Case
	if next.State == StateMerged && c.State != StateMerged {
		if target, err = s.mergeTarget(ctx, c, next.MergedInto); err != nil {
			return nil, err
		}
	} else if in.Move == MoveMerge {
		if _, err := s.mergeTarget(ctx, c, in.MergeInto); err != nil {
			return nil, err
		}
	}
	rec, err := s.record(actor, in.Move, c, &before, &next, in.Note)
	if err != nil {
		return nil, err
	}
	recs = append([]ledger.Record{rec}, recs...)
	evs := []Event{ev}
	if target != nil {
		// The case carried on hears of its duplicate, in its public history: the link
		// runs both ways and both reporters see it.
		evs = append(evs, Event{ID: s.newID(), CaseID: target.ID, At: now, ActorID: actor.AccountID,
			Role: ev.Role, UnitID: ev.UnitID, Move: MoveMerge, From: target.State, To: target.State, Note: c.Number, Public: true})
	}
	if err := s.store.UpdateCase(ctx, &next, evs, atts, recs); err != nil {
		return nil, err
	}
	return &next, nil
}

// apply changes c by the move (its checks passed), and starts the clock of its new stage.
func (s *Service) apply(ctx context.Context, c *Case, in Input, now time.Time) error {
	from := c.State
	to := in.Move.target(c)
	switch in.Move {
	case MoveFile:
		c.FiledAt = now
	case MoveReject:
		c.PublicNote = in.Note
	case MoveMerge:
		c.MergedInto = in.MergeInto
	case MoveDispatch:
		d, err := s.department(ctx, in.DepartmentID)
		if err != nil {
			return err
		}
		c.DepartmentID, c.DepartmentPath = d.ID, d.Path
		c.DispatchedAt = now
	case MoveReturn:
		c.Returns++
		c.DepartmentID, c.DepartmentPath = "", ""
	case MoveHandle:
		c.HandledAt = now
	case MoveVerify:
		c.VerifiedAt = now
	case MoveRework:
		c.Reworks++
	case MoveClose:
		c.ClosedAt = now
	case MoveHold:
		c.HeldFrom = from
	case MoveResume:
		c.HeldFrom = ""
	case MoveReopen:
		c.Reopens++
		c.ClosedAt, c.VerifiedAt, c.HandledAt = time.Time{}, time.Time{}, time.Time{}
		c.DepartmentID, c.DepartmentPath = "", ""
	case MoveExtend:
		// Approved: the handling deadline moves by the extension, from the old deadline.
		res, err := s.due(ctx, c.StageDue, Limit{Amount: in.Amount, Unit: in.Unit}, c.DepartmentPath)
		if err != nil {
			return err
		}
		c.Extensions++
		c.StageDue, c.HandleDue = res.End(), res.End()
		c.StageProvisional = c.StageProvisional || res.Provisional
		c.WarnedLevel, c.EscalatedAt = 0, time.Time{}
		return nil
	case MoveRate:
		c.Rating = in.Rating
		c.RatedAt = now
		return nil
	case MoveNote:
		return nil
	}
	c.State = to
	if in.Move == MoveResume || in.Move == MoveRework {
		// The clock of a resumed or reworked stage is the one it had: a hold does not
		// buy time, and rework does not restart the handling limit.
		if to == StateDispatched || to == StateRework {
			c.StageDue = c.HandleDue
		}
		return nil
	}
	if in.Move == MoveHold {
		c.StageDue, c.StageStarted, c.StageProvisional = time.Time{}, time.Time{}, false
		return nil
	}
	cat, err := s.cats.Category(ctx, c.CategoryID)
	if err != nil {
		return err
	}
	return s.startStage(ctx, c, cat, now)
}

// startStage sets the clock of the stage c is now in.
func (s *Service) startStage(ctx context.Context, c *Case, cat Category, now time.Time) error {
	c.StageStarted, c.StageDue, c.StageProvisional = now, time.Time{}, false
	c.WarnedLevel, c.EscalatedAt = 0, time.Time{}
	stage := StageOf(c.State)
	if stage == "" || cat.Limits == nil {
		return nil
	}
	lim := cat.Limits(stage, c.Urgency)
	if lim.Zero() {
		return nil
	}
	res, err := s.due(ctx, now, lim, c.hoursAt(stage))
	if err != nil {
		return err
	}
	c.StageDue, c.StageProvisional = res.End(), res.Provisional
	if stage == StageHandle {
		c.HandleDue = c.StageDue
	}
	return nil
}

func (s *Service) due(ctx context.Context, start time.Time, lim Limit, unitPath string) (calendar.Result, error) {
	cal, err := s.cal.Calendar(ctx)
	if err != nil {
		return calendar.Result{}, err
	}
	hours, _, err := s.cal.HoursFor(ctx, unitPath)
	if err != nil {
		return calendar.Result{}, err
	}
	res, err := cal.Due(start, lim.Amount, lim.Unit, calendar.Options{Hours: hours})
	if err != nil {
		return calendar.Result{}, apperr.Internalf("deadline: %w", err)
	}
	return res, nil
}

// Remaining is the time left in a case's stage in the stage limit's own unit.
func (s *Service) Remaining(ctx context.Context, c *Case) (calendar.Left, bool, error) {
	stage := StageOf(c.State)
	if stage == "" || c.StageDue.IsZero() {
		return calendar.Left{}, false, nil
	}
	cat, err := s.cats.Category(ctx, c.CategoryID)
	if err != nil {
		return calendar.Left{}, false, err
	}
	lim := cat.Limits(stage, c.Urgency)
	if lim.Zero() {
		lim.Unit = calendar.Hour
	}
	cal, err := s.cal.Calendar(ctx)
	if err != nil {
		return calendar.Left{}, false, err
	}
	hours, _, err := s.cal.HoursFor(ctx, c.hoursAt(stage))
	if err != nil {
		return calendar.Left{}, false, err
	}
	due := c.StageDue
	if lim.Unit.DateOnly() {
		due = due.Add(-time.Nanosecond) // End() is the next day's midnight
	}
	left, err := cal.Remaining(s.now(), due, lim.Unit, calendar.Options{Hours: hours})
	if err != nil {
		return calendar.Left{}, false, apperr.Internalf("remaining: %w", err)
	}
	return left, true, nil
}

func (s *Service) department(ctx context.Context, id string) (*identity.Unit, error) {
	d, err := s.units.UnitByID(ctx, id)
	if err != nil || d.Kind != identity.KindDepartment || d.Disabled {
		return nil, apperr.InvalidFields(apperr.Field("department_id", "case.department_unknown"))
	}
	return d, nil
}

// mergeTarget returns the open case of the same category a duplicate may merge into.
func (s *Service) mergeTarget(ctx context.Context, c *Case, target string) (*Case, error) {
	t, err := s.store.CaseByID(ctx, target)
	if err != nil || t.State.Terminal() {
		return nil, apperr.InvalidFields(apperr.Field("merge_into", "case.merge_target_unknown"))
	}
	if t.CategoryID != c.CategoryID {
		return nil, apperr.InvalidFields(apperr.Field("merge_into", "case.merge_other_category"))
	}
	return t, nil
}

// Get returns a case the actor may see.
func (s *Service) Get(ctx context.Context, actor *identity.Actor, id string) (*Case, error) {
	c, err := s.store.CaseByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.visible(actor, c); err != nil {
		return nil, err
	}
	return c, nil
}

// visible refuses a case the actor may not see, as not found when the actor has no case
// role at all would be misleading: the refusal says why.
func (s *Service) visible(actor *identity.Actor, c *Case) error {
	return identity.Decide(actor, identity.ActCaseView, c.Resource()).Err()
}

// List lists cases in the actor's scope, newest first.
func (s *Service) List(ctx context.Context, actor *identity.Actor, f Filter) ([]Case, error) {
	f, err := s.scoped(actor, f)
	if err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	return s.store.ListCases(ctx, f)
}

// scoped limits a filter to the cases the actor may see, as of now unless it
// says when.
func (s *Service) scoped(actor *identity.Actor, f Filter) (Filter, error) {
	scope, d := identity.ScopeFor(actor, identity.ActCaseView)
	if !d.Allowed {
		return Filter{}, d.Err()
	}
	f.Scope = scope
	if f.Now.IsZero() {
		f.Now = s.now()
	}
	return f, nil
}

// Count counts the cases a list with f would show, without its page limits.
func (s *Service) Count(ctx context.Context, actor *identity.Actor, f Filter) (int, error) {
	f, err := s.scoped(actor, f)
	if err != nil {
		return 0, err
	}
	return s.store.CountCases(ctx, f)
}

// History returns a case's events, oldest first.
func (s *Service) History(ctx context.Context, actor *identity.Actor, id string) ([]Event, error) {
	if _, err := s.Get(ctx, actor, id); err != nil {
		return nil, err
	}
	return s.store.Events(ctx, id)
}

// Attachments lists a case's evidence.
func (s *Service) Attachments(ctx context.Context, actor *identity.Actor, id string) ([]Attachment, error) {
	if _, err := s.Get(ctx, actor, id); err != nil {
		return nil, err
	}
	return s.store.Attachments(ctx, id)
}

// ContactOf reveals a reporter's contact details to an intake role, and records that it
// did in the ledger.
func (s *Service) ContactOf(ctx context.Context, actor *identity.Actor, id string) (Contact, error) {
	c, err := s.Get(ctx, actor, id)
	if err != nil {
		return Contact{}, err
	}
	if err := identity.Decide(actor, identity.ActCaseContact, c.Resource()).Err(); err != nil {
		return Contact{}, err
	}
	rec := identity.NewRecord(s.newID(), s.now().UTC().Truncate(time.Millisecond), actor, identity.ActCaseContact,
		c.Resource(), ledger.Subject{Kind: "case", ID: c.ID}, "", "")
	if err := s.store.AppendLedgerOnly(ctx, []ledger.Record{rec}); err != nil {
		return Contact{}, err
	}
	return s.store.ContactOf(ctx, id)
}

// Duplicates lists open cases of the same category near a case, reported in the
// configured window before it: the candidates the centre may merge.
func (s *Service) Duplicates(ctx context.Context, actor *identity.Actor, id string) ([]Case, error) {
	c, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	return s.nearby(ctx, c)
}

func (s *Service) nearby(ctx context.Context, c *Case) ([]Case, error) {
	r := s.cfg.DuplicateRadius
	if r <= 0 {
		return nil, nil
	}
	dLat := r / 111_320
	dLon := r / (111_320 * math.Cos(c.Lat*math.Pi/180))
	cands, err := s.store.Nearby(ctx, c.CategoryID, c.ReportedAt.Add(-s.cfg.DuplicateWindow),
		c.Lon-dLon, c.Lat-dLat, c.Lon+dLon, c.Lat+dLat, 20)
	if err != nil {
		return nil, err
	}
	out := cands[:0]
	for _, x := range cands {
		if x.ID != c.ID && x.Open() && distance(c.Lon, c.Lat, x.Lon, x.Lat) <= r {
			out = append(out, x)
		}
	}
	return out, nil
}

// distance is the great-circle distance in metres.
func distance(lon1, lat1, lon2, lat2 float64) float64 {
	const earth = 6_371_000
	p1, p2 := lat1*math.Pi/180, lat2*math.Pi/180
	dp, dl := (lat2-lat1)*math.Pi/180, (lon2-lon1)*math.Pi/180
	a := math.Sin(dp/2)*math.Sin(dp/2) + math.Cos(p1)*math.Cos(p2)*math.Sin(dl/2)*math.Sin(dl/2)
	return 2 * earth * math.Asin(math.Sqrt(a))
}

// Track is the resident's view of a case: by its number and the private tracking secret.
// A wrong secret is not found, so that numbers cannot be probed.
func (s *Service) Track(ctx context.Context, number, secret string) (*Case, []Event, error) {
	c, err := s.store.CaseByNumber(ctx, number)
	if err != nil || c.TrackingHash == "" || secret == "" || !equalHash(c.TrackingHash, hashSecret(secret)) {
		return nil, nil, apperr.New(apperr.NotFound, "case.track_not_found")
	}
	evs, err := s.store.Events(ctx, c.ID)
	if err != nil {
		return nil, nil, err
	}
	public := evs[:0]
	for _, e := range evs {
		if e.Public {
			public = append(public, e)
		}
	}
	return c, public, nil
}

// record is the ledger record of a move: the digests of the case before and after.
func (s *Service) record(actor *identity.Actor, m Move, c *Case, before, after *Case, reason string) (ledger.Record, error) {
	var b, a any
	if before != nil {
		b = digestable(before)
	}
	if after != nil {
		a = digestable(after)
	}
	act := m.Action()
	rec, err := identity.ChangeRecord(s.newID(), s.now().UTC().Truncate(time.Millisecond), actor, act, c.Resource(),
		ledger.Subject{Kind: "case", ID: c.ID}, b, a)
	if err != nil {
		return ledger.Record{}, err
	}
	rec.Action = "case." + string(m)
	rec.Reason = reason
	return rec, nil
}

// digestable is the part of a case its ledger digests cover: everything but the
// tracking hash, which is a credential.
func digestable(c *Case) any {
	d := *c
	d.TrackingHash = ""
	d.ReporterKey = ""
	return d
}

// attach makes the attachments of stored blobs and their ledger records: the record's
// After digest is the file's SHA-256, so that the ledger names every file that must stay
// on disk unaltered (chengguan ledger verify checks them).
func (s *Service) attach(actor *identity.Actor, c *Case, stage string, blobs []evidence.Blob, now time.Time) ([]Attachment, []ledger.Record) {
	var atts []Attachment
	var recs []ledger.Record
	for _, b := range blobs {
		a := Attachment{ID: s.newID(), CaseID: c.ID, SHA256: b.SHA256, Stage: stage, Kind: string(b.Kind),
			MediaType: b.MIME, Size: b.Size, Name: b.Name, By: actorID(actor), At: now}
		if b.CapturedAt != nil {
			a.CapturedAt = b.CapturedAt.UTC()
		}
		if b.GPS != nil {
			a.HasGPS, a.Lon, a.Lat = true, b.GPS.Lon, b.GPS.Lat
		}
		atts = append(atts, a)
		rec := identity.NewRecord(s.newID(), now, actor, identity.ActCaseView, c.Resource(),
			ledger.Subject{Kind: EvidenceSubject, ID: a.ID}, "", b.SHA256)
		rec.Action = "evidence.add"
		if actor == nil {
			rec.ActorID = "public:" + string(c.Channel)
		}
		rec.Reason = "case " + c.ID + " " + stage
		recs = append(recs, rec)
	}
	return atts, recs
}

// attachStage names the stage files given with a move belong to.
func attachStage(m Move) string {
	switch m {
	case MoveHandle:
		return "handle"
	case MoveVerify, MoveRework:
		return "verify"
	}
	return "note"
}

// EvidenceSubject is the ledger subject kind of an attached file; the After digest of
// its record is the file's SHA-256.
const EvidenceSubject = "evidence"

func actorID(a *identity.Actor) string {
	if a == nil {
		return ""
	}
	return a.AccountID
}

// TrackingKeys is implemented by a store that keeps the installation's tracking key:
// random bytes shared by every node and kept across restarts, never in the repository.
type TrackingKeys interface {
	TrackingKey(ctx context.Context) ([]byte, error)
}

// trackingLabel separates the tracking secrets from anything else ever derived from
// the same key.
const trackingLabel = "chengguan/tracking/v1\x00"

// trackingSecret is a case's private tracking secret: the first 128 bits of
// HMAC-SHA256 of its ID under the installation's tracking key, in hex, so that it can
// be derived again for a resubmitted form and cannot be guessed from the case's number
// or ID without the key. With a store that keeps no key it is random (derived false),
// as it was before the key existed.
func (s *Service) trackingSecret(ctx context.Context, caseID string) (secret string, derived bool, err error) {
	key, err := s.trackingKey(ctx)
	if err != nil || key == nil {
		return newSecret(), false, err
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(trackingLabel + caseID))
	return hex.EncodeToString(m.Sum(nil)[:16]), true, nil
}

func (s *Service) trackingKey(ctx context.Context) ([]byte, error) {
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	if s.trackKey != nil {
		return s.trackKey, nil
	}
	ks, ok := s.store.(TrackingKeys)
	if !ok {
		return nil, nil
	}
	key, err := ks.TrackingKey(ctx)
	if err != nil {
		return nil, err
	}
	s.trackKey = key
	return key, nil
}

// resubmitted answers a form sent again with the case it made. The tracking secret is
// given again only when the one derived now is the one stored: a case made before the
// key existed has a random secret that nobody can show again.
func (s *Service) resubmitted(ctx context.Context, prev *Case) (Receipt, error) {
	rc := Receipt{Case: prev, Resubmitted: true}
	if prev.TrackingHash == "" {
		return rc, nil
	}
	secret, derived, err := s.trackingSecret(ctx, prev.ID)
	if err != nil {
		return Receipt{}, err
	}
	if derived && equalHash(prev.TrackingHash, hashSecret(secret)) {
		rc.Tracking = secret
	}
	return rc, nil
}

func newSecret() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func hashSecret(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func equalHash(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	var v byte
	for i := 0; i < len(a); i++ {
		v |= a[i] ^ b[i]
	}
	return v == 0
}

// Option is a move as the case page offers it: allowed, or refused with the reason.
type Option struct {
	Move Move
	Err  error // nil when the actor may make the move now
}

// Options lists the staff moves on c with, for each, whether actor may make it now and
// if not why: the state's rule first, then the actor's permission.
func (s *Service) Options(actor *identity.Actor, c *Case) []Option {
	now := s.now()
	var out []Option
	for _, m := range Moves() {
		probe := Input{Move: m, Note: "-", DepartmentID: "-", MergeInto: "-", Amount: 1, Unit: calendar.Day, Rating: 3}
		err := Check(c, probe, s.cfg, now)
		if err == nil {
			err = identity.Decide(actor, m.Action(), c.Resource()).Err()
		}
		if err == nil && (m == MoveApprove || m == MoveDeny) && c.Pending.By == actorID(actor) {
			err = apperr.New(apperr.Forbidden, "case.approve_own_request")
		}
		out = append(out, Option{Move: m, Err: err})
	}
	return out
}

// Evidence describes a stored file by its hash, for a move or report that attaches it.
func (s *Service) Evidence(ctx context.Context, sha string) (evidence.Blob, error) {
	if s.blobs == nil {
		return evidence.Blob{}, apperr.New(apperr.Unavailable, "evidence.unavailable")
	}
	if !evidence.ValidSHA256(sha) {
		return evidence.Blob{}, apperr.InvalidFields(apperr.Field("evidence", "evidence.not_found"))
	}
	b, err := s.blobs.Describe(ctx, sha)
	if err != nil {
		return evidence.Blob{}, apperr.InvalidFields(apperr.Field("evidence", "evidence.not_found"))
	}
	return b, nil
}

// MayUpload reports whether actor may upload evidence: anyone who reports, handles or
// verifies cases.
func MayUpload(actor *identity.Actor) error {
	var first error
	for _, a := range []identity.Action{identity.ActCaseReport, identity.ActCaseHandle, identity.ActCaseVerify} {
		_, d := identity.ScopeFor(actor, a)
		if d.Allowed {
			return nil
		}
		if first == nil {
			first = d.Err()
		}
	}
	return first
}

// WarningLevel is how many of the warning fractions of its stage's time a case has used
// at now: 0 none, 1 after the first (default 50 %), 2 after the second (80 %); an overdue
// case is past them all.
func (c *Case) WarningLevel(now time.Time, fractions []float64) int {
	if c.StageDue.IsZero() || c.StageStarted.IsZero() || !c.StageDue.After(c.StageStarted) {
		return 0
	}
	used := float64(now.Sub(c.StageStarted)) / float64(c.StageDue.Sub(c.StageStarted))
	n := 0
	for _, f := range fractions {
		if used >= f {
			n++
		}
	}
	return n
}

// Escalate marks the open cases whose stage deadline has passed at now as escalated to
// the shift lead and the department (超期升级): once per stage, with a history event and
// a ledger record by the system. Several nodes may run it at once: a case changed
// meanwhile is skipped and taken by the next run. It returns how many it escalated.
func (s *Service) Escalate(ctx context.Context, now time.Time) (int, error) {
	now = now.UTC().Truncate(time.Millisecond)
	due, err := s.store.Due(ctx, now, 500)
	if err != nil {
		return 0, err
	}
	n := 0
	for i := range due {
		c := &due[i]
		before := *c
		next := *c
		next.Version++
		next.EscalatedAt = now
		ev := Event{ID: s.newID(), CaseID: c.ID, At: now, Move: MoveEscalate, From: c.State, To: c.State}
		rec, err := s.record(identity.System(), MoveEscalate, c, &before, &next, "")
		if err != nil {
			return n, err
		}
		rec.ActorID = "system"
		err = s.store.UpdateCase(ctx, &next, []Event{ev}, nil, []ledger.Record{rec})
		if apperr.Is(err, apperr.Conflict) {
			continue
		}
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Export streams every case of f in the actor's scope to fn, newest first, for CSV and
// xlsx downloads. A case carries no reporter identity, so neither can an export.
func (s *Service) Export(ctx context.Context, actor *identity.Actor, f Filter, fn func(*Case) error) error {
	f, err := s.scoped(actor, f)
	if err != nil {
		return err
	}
	return s.store.EachCase(ctx, f, fn)
}

// RecomputeDeadlines computes the deadline of every open case's stage again, after an
// administrator entered a year's official holiday table or changed a unit's working
// hours: a case whose deadline moves gets the new one, a history event and a ledger
// record. A handling deadline that an approved extension moved is left as it is (the
// extension is counted from the old deadline) and reported in skipped. It returns how
// many cases changed.
func (s *Service) RecomputeDeadlines(ctx context.Context) (changed, skipped int, err error) {
	var todo []Case
	f := Filter{States: []State{StateReported, StateFiled, StateReturned, StateDispatched, StateRework, StateHandled},
		Scope: identity.Scope{All: true}, Now: s.now()}
	if err := s.store.EachCase(ctx, f, func(c *Case) error {
		if !c.StageDue.IsZero() {
			todo = append(todo, *c)
		}
		return nil
	}); err != nil {
		return 0, 0, err
	}
	for i := range todo {
		c := &todo[i]
		stage := StageOf(c.State)
		if (stage == StageHandle) && c.Extensions > 0 {
			skipped++
			continue
		}
		cat, err := s.cats.Category(ctx, c.CategoryID)
		if err != nil {
			return changed, skipped, err
		}
		lim := cat.Limits(stage, c.Urgency)
		if lim.Zero() {
			continue
		}
		start := c.StageStarted
		if stage == StageHandle {
			start = c.DispatchedAt
		}
		res, err := s.due(ctx, start, lim, c.hoursAt(stage))
		if err != nil {
			return changed, skipped, err
		}
		if res.End().Equal(c.StageDue) && res.Provisional == c.StageProvisional {
			continue
		}
		now := s.now().UTC().Truncate(time.Millisecond)
		before := *c
		next := *c
		next.Version++
		next.UpdatedAt = now
		next.StageDue, next.StageProvisional = res.End(), res.Provisional
		if stage == StageHandle {
			next.HandleDue = next.StageDue
		}
		if next.StageDue.After(now) {
			next.EscalatedAt = time.Time{}
		}
		ev := Event{ID: s.newID(), CaseID: c.ID, At: now, Move: MoveRecompute, From: c.State, To: c.State,
			Note: before.StageDue.Format(time.RFC3339) + " → " + next.StageDue.Format(time.RFC3339)}
		rec, err := s.record(identity.System(), MoveRecompute, c, &before, &next, "calendar changed")
		if err != nil {
			return changed, skipped, err
		}
		rec.ActorID = "system"
		err = s.store.UpdateCase(ctx, &next, []Event{ev}, nil, []ledger.Record{rec})
		if apperr.Is(err, apperr.Conflict) {
			continue // moved meanwhile; its new stage took the new calendar
		}
		if err != nil {
			return changed, skipped, err
		}
		changed++
	}
	return changed, skipped, nil
}

// OpenBlob opens a stored file by its hash for another capability that has checked
// the viewer's right to it (a person's photo), with what the store knows of it.
func (s *Service) OpenBlob(ctx context.Context, sha string) (io.ReadSeekCloser, evidence.Blob, error) {
	b, err := s.Evidence(ctx, sha)
	if err != nil {
		return nil, evidence.Blob{}, apperr.New(apperr.NotFound, "evidence.not_found")
	}
	f, err := s.blobs.Get(ctx, sha)
	if err != nil {
		return nil, evidence.Blob{}, apperr.Wrap(apperr.NotFound, "evidence.missing", err)
	}
	return f, b, nil
}
