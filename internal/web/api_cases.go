package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"chengguan/internal/apperr"
	"chengguan/internal/calendar"
	"chengguan/internal/evidence"
	"chengguan/internal/grid/coord"
	"chengguan/internal/i18n"
	"chengguan/internal/identity"
	"chengguan/internal/urban"
)

func (s *Server) caseRoutes(api huma.API) {
	huma.Register(api, huma.Operation{OperationID: "upload-evidence", Method: http.MethodPost, Path: "/evidence",
		Summary: "Store a photo, video, audio or document as evidence; attach it to a report or move by its hash",
		Description: "multipart/form-data with one part named file. The type is sniffed from the content; each kind " +
			"has its size limit; EXIF capture time and GPS are read. Storing the same content twice is harmless.",
		Tags: []string{"cases"}, DefaultStatus: http.StatusCreated, MaxBodyBytes: s.cfg.MaxUploadBytes}, s.apiUploadEvidence)
	huma.Register(api, huma.Operation{OperationID: "report-case", Method: http.MethodPost, Path: "/cases",
		Summary: "Report a problem (监督员上报) or enter a hotline call (12345 热线录入)",
		Description: "The point is routed through the grid; a point outside every grid is refused with the reason. " +
			"client_id makes a resubmission return the first case (200) instead of a new one (201).",
		Tags: []string{"cases"}, DefaultStatus: http.StatusCreated}, s.apiReportCase)
	huma.Register(api, huma.Operation{OperationID: "list-cases", Method: http.MethodGet, Path: "/cases",
		Summary: "Cases in your scope, newest first; page with after=<id of the last case>",
		Tags:    []string{"cases"}}, s.apiListCases)
	huma.Register(api, huma.Operation{OperationID: "get-case", Method: http.MethodGet, Path: "/cases/{id}",
		Summary: "One case with its history, evidence and the moves you may make now (with the reason for the others)",
		Tags:    []string{"cases"}}, s.apiGetCase)
	huma.Register(api, huma.Operation{OperationID: "move-case", Method: http.MethodPost, Path: "/cases/{id}/moves",
		Summary: "Make a move: file, reject, merge, dispatch, handle, return, extend, verify, rework, close, reopen, approve, deny, hold, resume, void",
		Tags:    []string{"cases"}}, s.apiMoveCase)
	huma.Register(api, huma.Operation{OperationID: "case-contact", Method: http.MethodGet, Path: "/cases/{id}/contact",
		Summary: "A public reporter's contact details, for intake roles; every read is written to the ledger",
		Tags:    []string{"cases"}}, s.apiCaseContact)
	huma.Register(api, huma.Operation{OperationID: "case-duplicates", Method: http.MethodGet, Path: "/cases/{id}/duplicates",
		Summary: "Open cases of the same category nearby and recent: candidates to merge",
		Tags:    []string{"cases"}}, s.apiCaseDuplicates)
}

// CaseView is a case as staff see it. A public reporter's identity is never in it.
type CaseView struct {
	ID               string       `json:"id"`
	Number           string       `json:"number"`
	Version          int          `json:"version"`
	Channel          string       `json:"channel"`
	CategoryID       string       `json:"category_id"`
	CategoryCode     string       `json:"category_code"`
	Urgency          string       `json:"urgency"`
	Description      string       `json:"description"`
	Address          string       `json:"address"`
	Lon              float64      `json:"lon"`
	Lat              float64      `json:"lat"`
	GridCode         string       `json:"grid_code"`
	GridVersion      int64        `json:"grid_version"`
	UnitID           string       `json:"unit_id"`
	DepartmentID     string       `json:"department_id,omitempty"`
	State            string       `json:"state"`
	StateLabel       string       `json:"state_label"`
	HeldFrom         string       `json:"held_from,omitempty"`
	MergedInto       string       `json:"merged_into,omitempty"`
	Pending          *PendingView `json:"pending,omitempty"`
	ReporterID       string       `json:"reporter_id,omitempty"`
	ReportedAt       time.Time    `json:"reported_at"`
	UpdatedAt        time.Time    `json:"updated_at"`
	FiledAt          *time.Time   `json:"filed_at,omitempty"`
	DispatchedAt     *time.Time   `json:"dispatched_at,omitempty"`
	HandledAt        *time.Time   `json:"handled_at,omitempty"`
	VerifiedAt       *time.Time   `json:"verified_at,omitempty"`
	ClosedAt         *time.Time   `json:"closed_at,omitempty"`
	HandleDue        *time.Time   `json:"handle_due,omitempty"`
	StageDue         *time.Time   `json:"stage_due,omitempty" doc:"deadline of the stage the case is in"`
	StageProvisional bool         `json:"stage_provisional" doc:"the deadline crosses a year whose official calendar is not loaded"`
	Overdue          bool         `json:"overdue"`
	Reworks          int          `json:"reworks"`
	Extensions       int          `json:"extensions"`
	Reopens          int          `json:"reopens"`
	Returns          int          `json:"returns"`
	PublicNote       string       `json:"public_note,omitempty"`
	Rating           int          `json:"rating,omitempty"`
}

// PendingView is a move waiting for a shift lead.
type PendingView struct {
	Move         string    `json:"move"`
	By           string    `json:"by"`
	At           time.Time `json:"at"`
	Reason       string    `json:"reason"`
	Amount       int       `json:"amount,omitempty"`
	Unit         string    `json:"unit,omitempty"`
	DepartmentID string    `json:"department_id,omitempty"`
}

func caseView(loc *i18n.Localizer, c *urban.Case, now time.Time) CaseView {
	v := CaseView{ID: c.ID, Number: c.Number, Version: c.Version, Channel: string(c.Channel), CategoryID: c.CategoryID,
		CategoryCode: c.Category, Urgency: string(c.Urgency), Description: c.Description, Address: c.Address,
		Lon: c.Lon, Lat: c.Lat, GridCode: c.GridCode, GridVersion: c.GridVersion, UnitID: c.UnitID,
		DepartmentID: c.DepartmentID, State: string(c.State), StateLabel: loc.T(c.State.LabelKey(), nil),
		HeldFrom: string(c.HeldFrom), MergedInto: c.MergedInto, ReporterID: c.ReporterID, ReportedAt: c.ReportedAt,
		UpdatedAt: c.UpdatedAt, FiledAt: optTime(c.FiledAt), DispatchedAt: optTime(c.DispatchedAt),
		HandledAt: optTime(c.HandledAt), VerifiedAt: optTime(c.VerifiedAt), ClosedAt: optTime(c.ClosedAt),
		HandleDue: optTime(c.HandleDue), StageDue: optTime(c.StageDue), StageProvisional: c.StageProvisional,
		Overdue: c.Overdue(now), Reworks: c.Reworks, Extensions: c.Extensions, Reopens: c.Reopens, Returns: c.Returns,
		PublicNote: c.PublicNote, Rating: c.Rating}
	if p := c.Pending; p != nil {
		v.Pending = &PendingView{Move: string(p.Move), By: p.By, At: p.At, Reason: p.Reason, Amount: p.Amount,
			Unit: string(p.Unit), DepartmentID: p.DepartmentID}
	}
	return v
}

// EvidenceView describes a stored file.
type EvidenceView struct {
	SHA256     string     `json:"sha256"`
	Kind       string     `json:"kind"`
	MediaType  string     `json:"media_type"`
	Size       int64      `json:"size"`
	CapturedAt *time.Time `json:"captured_at,omitempty" doc:"EXIF capture time"`
	Lon        *float64   `json:"lon,omitempty" doc:"EXIF GPS longitude (WGS-84)"`
	Lat        *float64   `json:"lat,omitempty"`
}

type uploadEvidenceInput struct {
	RawBody huma.MultipartFormFiles[struct {
		File huma.FormFile `form:"file" required:"true" doc:"the file"`
	}]
}

type uploadEvidenceOutput struct{ Body EvidenceView }

func (s *Server) apiUploadEvidence(ctx context.Context, in *uploadEvidenceInput) (*uploadEvidenceOutput, error) {
	if err := urban.MayUpload(actorOf(ctx)); err != nil {
		return nil, err
	}
	f := in.RawBody.Data().File
	if !f.IsSet {
		return nil, apperr.InvalidFields(apperr.Field("file", "evidence.file_required"))
	}
	defer f.Close()
	b, err := s.urban.PutEvidence(ctx, f, f.Filename)
	if err != nil {
		return nil, err
	}
	return &uploadEvidenceOutput{Body: evidenceView(b)}, nil
}

func evidenceView(b evidence.Blob) EvidenceView {
	v := EvidenceView{SHA256: b.SHA256, Kind: string(b.Kind), MediaType: b.MIME, Size: b.Size}
	if b.CapturedAt != nil {
		t := b.CapturedAt.UTC()
		v.CapturedAt = &t
	}
	if b.GPS != nil {
		v.Lon, v.Lat = &b.GPS.Lon, &b.GPS.Lat
	}
	return v
}

// ReportBody is a staff report.
type ReportBody struct {
	Channel     string   `json:"channel" enum:"inspector,hotline" doc:"inspector: 监督员上报; hotline: an operator enters a 12345 call"`
	CategoryID  string   `json:"category_id" minLength:"1" maxLength:"64"`
	Urgency     string   `json:"urgency,omitempty" enum:"normal,urgent,critical" default:"normal"`
	Description string   `json:"description" minLength:"1" maxLength:"8000"`
	Address     string   `json:"address,omitempty" maxLength:"800"`
	Lon         float64  `json:"lon" minimum:"-180" maximum:"180"`
	Lat         float64  `json:"lat" minimum:"-90" maximum:"90"`
	CRS         string   `json:"crs,omitempty" enum:"wgs84,gcj02" default:"wgs84"`
	ClientID    string   `json:"client_id,omitempty" maxLength:"64" doc:"chosen by the client; a resubmission with it returns the first case"`
	Evidence    []string `json:"evidence,omitempty" maxItems:"9" doc:"SHA-256 hashes from POST /evidence"`
	CallerName  string   `json:"caller_name,omitempty" maxLength:"100" doc:"hotline: kept private"`
	CallerPhone string   `json:"caller_phone,omitempty" maxLength:"100" doc:"hotline: kept private"`
	CallerEmail string   `json:"caller_email,omitempty" maxLength:"100"`
}

type reportCaseInput struct{ Body ReportBody }

// ReportAnswer is the answer to a report.
type ReportAnswer struct {
	Case        CaseView   `json:"case"`
	Duplicates  []CaseView `json:"duplicates" doc:"open cases of the same category nearby: candidates to merge"`
	Resubmitted bool       `json:"resubmitted"`
}

type reportCaseOutput struct {
	Status int
	Body   ReportAnswer
}

func (s *Server) apiReportCase(ctx context.Context, in *reportCaseInput) (*reportCaseOutput, error) {
	actor := actorOf(ctx)
	b := in.Body
	sys, err := coord.ParseSystem(b.CRS)
	if err != nil {
		return nil, apperr.InvalidFields(apperr.Field("crs", "grid.crs"))
	}
	photos, err := s.blobsOf(ctx, b.Evidence)
	if err != nil {
		return nil, err
	}
	rc, err := s.urban.Submit(ctx, actor, urban.Report{Channel: urban.Channel(b.Channel), CategoryID: b.CategoryID,
		Urgency: urban.Urgency(b.Urgency), Description: b.Description, Address: b.Address, Lon: b.Lon, Lat: b.Lat,
		System: sys, ClientID: b.ClientID, Photos: photos,
		Contact: urban.Contact{Name: b.CallerName, Phone: b.CallerPhone, Email: b.CallerEmail}})
	if err != nil {
		return nil, err
	}
	loc := info(ctx).loc
	now := time.Now()
	out := &reportCaseOutput{Status: http.StatusCreated, Body: ReportAnswer{Case: caseView(loc, rc.Case, now),
		Duplicates: []CaseView{}, Resubmitted: rc.Resubmitted}}
	if rc.Resubmitted {
		out.Status = http.StatusOK
	}
	for i := range rc.Duplicates {
		out.Body.Duplicates = append(out.Body.Duplicates, caseView(loc, &rc.Duplicates[i], now))
	}
	return out, nil
}

func (s *Server) blobsOf(ctx context.Context, shas []string) ([]evidence.Blob, error) {
	var out []evidence.Blob
	for _, sha := range shas {
		b, err := s.urban.Evidence(ctx, strings.ToLower(strings.TrimSpace(sha)))
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

type listCasesInput struct {
	State      []string `query:"state" doc:"one or more states"`
	Overdue    bool     `query:"overdue"`
	Pending    bool     `query:"pending" doc:"only cases with a move waiting for approval"`
	Department string   `query:"department_id"`
	Category   string   `query:"category_id"`
	Channel    string   `query:"channel" enum:"inspector,hotline,resident,open311,"`
	Q          string   `query:"q" maxLength:"100" doc:"number, description or address contains"`
	After      string   `query:"after" doc:"id of the last case of the previous page"`
	Limit      int      `query:"limit" minimum:"1" maximum:"500" default:"50"`
}

// CaseList is a page of cases.
type CaseList struct {
	Cases []CaseView `json:"cases"`
	Next  string     `json:"next,omitempty" doc:"pass as after= for the next page"`
}

type listCasesOutput struct{ Body CaseList }

func (s *Server) apiListCases(ctx context.Context, in *listCasesInput) (*listCasesOutput, error) {
	f := urban.Filter{Overdue: in.Overdue, Pending: in.Pending, DepartmentID: in.Department, CategoryID: in.Category,
		Channel: urban.Channel(in.Channel), Text: in.Q, After: in.After, Limit: in.Limit}
	for _, st := range in.State {
		for _, one := range strings.Split(st, ",") {
			if one == "" {
				continue
			}
			if !urban.State(one).Valid() {
				return nil, apperr.InvalidFields(apperr.Field("state", "case.state_unknown"))
			}
			f.States = append(f.States, urban.State(one))
		}
	}
	cases, err := s.urban.List(ctx, actorOf(ctx), f)
	if err != nil {
		return nil, err
	}
	loc := info(ctx).loc
	now := time.Now()
	out := &listCasesOutput{Body: CaseList{Cases: make([]CaseView, 0, len(cases))}}
	for i := range cases {
		out.Body.Cases = append(out.Body.Cases, caseView(loc, &cases[i], now))
	}
	if len(cases) == f.Limit && f.Limit > 0 {
		out.Body.Next = cases[len(cases)-1].ID
	}
	return out, nil
}

type caseIDInput struct {
	ID string `path:"id" maxLength:"64"`
}

// CaseDetail is one case with what the page needs.
type CaseDetail struct {
	Case        CaseView         `json:"case"`
	Remaining   *RemainingView   `json:"remaining,omitempty" doc:"time left in the stage, in its limit's unit"`
	History     []EventView      `json:"history"`
	Attachments []AttachmentView `json:"attachments"`
	Moves       []MoveView       `json:"moves" doc:"every move, allowed now or not, with the reason"`
	// SuggestedDepartment is computed when read, never stored with the case.
	SuggestedDepartment *SuggestionView `json:"suggested_department,omitempty" doc:"the department the dispatch form offers first, and why; absent when neither a responsibility area nor the category names one"`
}

// SuggestionView is the department a dispatch is suggested to go to, and why: the
// responsibility area (责任区) that covers the case's place and category, or else the
// category's handling department.
type SuggestionView struct {
	DepartmentID   string         `json:"department_id"`
	DepartmentName string         `json:"department_name"`
	Source         string         `json:"source" enum:"area,category" doc:"area: a responsibility area covers the case; category: the category's handling department"`
	Area           *AreaBriefView `json:"area,omitempty" doc:"the responsibility area, when source is area"`
}

// AreaBriefView names a responsibility area.
type AreaBriefView struct {
	Code    string `json:"code"`
	Name    string `json:"name"`
	Kind    string `json:"kind,omitempty"`
	Version int64  `json:"version" doc:"the area version it belongs to"`
}

// RemainingView is the time left in a stage.
type RemainingView struct {
	Unit        string `json:"unit"`
	Days        int    `json:"days,omitempty"`
	Minutes     int64  `json:"minutes,omitempty"`
	Overdue     bool   `json:"overdue"`
	Provisional bool   `json:"provisional"`
	Text        string `json:"text" doc:"e.g. 还剩 2 个工作时"`
}

// EventView is one entry of a case's history.
type EventView struct {
	At      time.Time `json:"at"`
	ActorID string    `json:"actor_id,omitempty"`
	Role    string    `json:"role,omitempty"`
	Move    string    `json:"move"`
	Label   string    `json:"label"`
	From    string    `json:"from,omitempty"`
	To      string    `json:"to"`
	Note    string    `json:"note,omitempty"`
	Public  bool      `json:"public"`
}

// AttachmentView is a piece of evidence on a case.
type AttachmentView struct {
	SHA256     string     `json:"sha256"`
	Stage      string     `json:"stage"`
	Kind       string     `json:"kind"`
	MediaType  string     `json:"media_type"`
	Size       int64      `json:"size"`
	CapturedAt *time.Time `json:"captured_at,omitempty"`
	URL        string     `json:"url"`
}

// MoveView is a move and whether it may be made now.
type MoveView struct {
	Move    string `json:"move"`
	Label   string `json:"label"`
	Allowed bool   `json:"allowed"`
	Reason  string `json:"reason,omitempty"`
}

type getCaseOutput struct{ Body CaseDetail }

func (s *Server) apiGetCase(ctx context.Context, in *caseIDInput) (*getCaseOutput, error) {
	d, err := s.caseDetail(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &getCaseOutput{Body: d}, nil
}

func (s *Server) caseDetail(ctx context.Context, id string) (CaseDetail, error) {
	actor := actorOf(ctx)
	c, err := s.urban.Get(ctx, actor, id)
	if err != nil {
		return CaseDetail{}, err
	}
	evs, err := s.urban.History(ctx, actor, id)
	if err != nil {
		return CaseDetail{}, err
	}
	atts, err := s.urban.Attachments(ctx, actor, id)
	if err != nil {
		return CaseDetail{}, err
	}
	loc := info(ctx).loc
	d := CaseDetail{Case: caseView(loc, c, time.Now()), History: []EventView{}, Attachments: []AttachmentView{}}
	if left, ok, err := s.urban.Remaining(ctx, c); err != nil {
		return CaseDetail{}, err
	} else if ok {
		d.Remaining = remainingView(loc, left)
	}
	for _, e := range evs {
		d.History = append(d.History, EventView{At: e.At, ActorID: e.ActorID, Role: string(e.Role), Move: string(e.Move),
			Label: loc.T(e.Move.LabelKey(), nil), From: string(e.From), To: string(e.To), Note: e.Note, Public: e.Public})
	}
	for _, a := range atts {
		d.Attachments = append(d.Attachments, AttachmentView{SHA256: a.SHA256, Stage: a.Stage, Kind: a.Kind,
			MediaType: a.MediaType, Size: a.Size, CapturedAt: optTime(a.CapturedAt),
			URL: "/cases/" + c.ID + "/evidence/" + a.SHA256})
	}
	sug, err := s.urban.Suggest(ctx, []urban.Case{*c})
	if err != nil {
		return CaseDetail{}, err
	}
	if sug[0].DepartmentID != "" {
		v, err := s.suggestionView(ctx, sug[0])
		if err != nil {
			return CaseDetail{}, err
		}
		d.SuggestedDepartment = &v
	}
	for _, o := range s.urban.Options(actor, c) {
		mv := MoveView{Move: string(o.Move), Label: loc.T(o.Move.LabelKey(), nil), Allowed: o.Err == nil}
		if o.Err != nil {
			e := apperr.As(o.Err)
			mv.Reason = loc.T(e.MessageKey(), translateArgs(loc, e.Args))
		}
		d.Moves = append(d.Moves, mv)
	}
	return d, nil
}

// suggestionView names the suggested department.
func (s *Server) suggestionView(ctx context.Context, sg urban.Suggestion) (SuggestionView, error) {
	v := SuggestionView{DepartmentID: sg.DepartmentID, DepartmentName: sg.DepartmentID, Source: "category"}
	// The names of the organisation are no secret (see departments).
	u, err := s.identity.Unit(ctx, identity.System(), sg.DepartmentID)
	switch {
	case err == nil:
		v.DepartmentName = u.Name
	case !apperr.Is(err, apperr.NotFound):
		return SuggestionView{}, err
	}
	if a := sg.Area; a != nil {
		v.Source, v.Area = "area", &AreaBriefView{Code: a.Code, Name: a.Name, Kind: a.Kind, Version: sg.AreaVersion}
	}
	return v, nil
}

func remainingView(loc *i18n.Localizer, left calendar.Left) *RemainingView {
	v := &RemainingView{Unit: string(left.Unit), Days: left.Days, Minutes: int64(left.Time / time.Minute),
		Overdue: left.Overdue, Provisional: left.Provisional}
	n := left.Days
	if !left.Unit.DateOnly() {
		n = int(left.Time / time.Hour)
	}
	key := "case.remaining." + string(left.Unit)
	if left.Overdue {
		key = "case.overdue." + string(left.Unit)
		if n < 0 {
			n = -n
		}
	}
	v.Text = loc.T(key, map[string]any{"N": n})
	return v
}

// MoveBody is a move on a case.
type MoveBody struct {
	Move         string   `json:"move" doc:"file, reject, merge, dispatch, handle, return, extend, verify, rework, close, reopen, approve, deny, hold, resume, void"`
	Note         string   `json:"note,omitempty" maxLength:"8000" doc:"reason or description; required by reject, return, extend, handle, rework, hold, void, reopen, deny"`
	Public       bool     `json:"public,omitempty" doc:"the reporter may see the note"`
	DepartmentID string   `json:"department_id,omitempty" maxLength:"64"`
	MergeInto    string   `json:"merge_into,omitempty" maxLength:"64"`
	Amount       int      `json:"amount,omitempty" minimum:"0"`
	Unit         string   `json:"unit,omitempty" enum:"workday,workhour,day,hour,"`
	Version      int      `json:"version,omitempty" doc:"the version you saw; a stale one is a conflict"`
	Evidence     []string `json:"evidence,omitempty" maxItems:"9" doc:"SHA-256 hashes from POST /evidence (after-photos)"`
}

type moveCaseInput struct {
	ID   string `path:"id" maxLength:"64"`
	Body MoveBody
}

type moveCaseOutput struct{ Body CaseView }

func (s *Server) apiMoveCase(ctx context.Context, in *moveCaseInput) (*moveCaseOutput, error) {
	photos, err := s.blobsOf(ctx, in.Body.Evidence)
	if err != nil {
		return nil, err
	}
	b := in.Body
	c, err := s.urban.Act(ctx, actorOf(ctx), in.ID, urban.Input{Move: urban.Move(b.Move), Note: b.Note, Public: b.Public,
		DepartmentID: b.DepartmentID, MergeInto: b.MergeInto, Amount: b.Amount, Unit: calendar.Unit(b.Unit),
		Version: b.Version, Photos: photos})
	if err != nil {
		return nil, err
	}
	return &moveCaseOutput{Body: caseView(info(ctx).loc, c, time.Now())}, nil
}

// ContactView is a public reporter's contact details.
type ContactView struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
	Email string `json:"email"`
}

type caseContactOutput struct {
	CacheControl string `header:"Cache-Control"`
	Body         ContactView
}

func (s *Server) apiCaseContact(ctx context.Context, in *caseIDInput) (*caseContactOutput, error) {
	c, err := s.urban.ContactOf(ctx, actorOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return &caseContactOutput{CacheControl: "no-store", Body: ContactView{Name: c.Name, Phone: c.Phone, Email: c.Email}}, nil
}

type caseDuplicatesOutput struct{ Body CaseList }

func (s *Server) apiCaseDuplicates(ctx context.Context, in *caseIDInput) (*caseDuplicatesOutput, error) {
	dups, err := s.urban.Duplicates(ctx, actorOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	loc := info(ctx).loc
	out := &caseDuplicatesOutput{Body: CaseList{Cases: []CaseView{}}}
	for i := range dups {
		out.Body.Cases = append(out.Body.Cases, caseView(loc, &dups[i], time.Now()))
	}
	return out, nil
}

// serveEvidence streams an attachment of a case the actor may see, with its sniffed
// type and nosniff, for the case page's images.
func (s *Server) serveEvidence(w http.ResponseWriter, r *http.Request) {
	actor := actorOf(r.Context())
	if actor == nil {
		s.writeError(w, r, apperr.New(apperr.Unauthenticated, "perm.not_signed_in"))
		return
	}
	f, a, err := s.urban.OpenEvidence(r.Context(), actor, r.PathValue("id"), r.PathValue("sha"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", a.MediaType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, max-age=86400, immutable")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	http.ServeContent(w, r, "", a.At, f)
}
