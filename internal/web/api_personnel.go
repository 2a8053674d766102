package web

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"chengguan/internal/apperr"
	"chengguan/internal/calendar"
	"chengguan/internal/identity"
	"chengguan/internal/personnel"
	"chengguan/internal/personnel/sheet"
)

// personnelRoutes registers the personnel subsystem's API (issue 5).
func (s *Server) personnelRoutes(api huma.API) {
	tags := []string{"personnel"}
	reg := func(id, method, path, summary string, status int) huma.Operation {
		return huma.Operation{OperationID: id, Method: method, Path: "/personnel" + path, Summary: summary, Tags: tags, DefaultStatus: status}
	}
	huma.Register(api, reg("personnel-roster", http.MethodGet, "/people",
		"The roster of enforcement staff in your jurisdiction, filtered; ID and phone numbers masked unless you are a personnel administrator", 0),
		s.apiPersonnelRoster)
	huma.Register(api, reg("personnel-create", http.MethodPost, "/people", "Add a person (personnel administrators)", http.StatusCreated),
		s.apiPersonnelCreate)
	huma.Register(api, reg("personnel-update", http.MethodPut, "/people/{id}", "Change a person's basic information (with the version read)", 0),
		s.apiPersonnelUpdate)
	huma.Register(api, reg("personnel-card", http.MethodGet, "/people/{id}",
		"A person's card: everything about them and its history. A full (unmasked) card is written to the ledger", 0),
		s.apiPersonnelCard)
	huma.Register(api, reg("personnel-eligibility", http.MethodGet, "/people/{id}/eligibility",
		"May this person perform this enforcement act at this moment, and if not, why (reason codes with parameters)", 0),
		s.apiPersonnelEligibility)
	huma.Register(api, reg("personnel-certificate", http.MethodPost, "/people/{id}/certificates",
		"Apply for (or enter) an enforcement certificate", http.StatusCreated), s.apiPersonnelCertificate)
	huma.Register(api, reg("personnel-certificate-status", http.MethodPost, "/certificates/{id}/status",
		"Move a certificate: applied → reviewed → valid → suspended/revoked/void", 0), s.apiPersonnelCertificateStatus)
	huma.Register(api, reg("personnel-period", http.MethodPost, "/people/{id}/periods",
		"Record a post status period (在岗/休假/病假/脱产培训/停职/调出)", http.StatusCreated), s.apiPersonnelPeriod)
	huma.Register(api, reg("personnel-duty", http.MethodPost, "/people/{id}/duties", "Record a duty (值班)", http.StatusCreated),
		s.apiPersonnelDuty)
	huma.Register(api, reg("personnel-training", http.MethodPost, "/people/{id}/trainings", "Record a completed course", http.StatusCreated),
		s.apiPersonnelTraining)
	huma.Register(api, reg("personnel-merit", http.MethodPost, "/people/{id}/merits", "Record a reward or a disciplinary measure",
		http.StatusCreated), s.apiPersonnelMerit)
	huma.Register(api, reg("personnel-transfer", http.MethodPost, "/people/{id}/transfers", "Record a transfer in or out",
		http.StatusCreated), s.apiPersonnelTransfer)
	huma.Register(api, reg("personnel-equipment-add", http.MethodPost, "/equipment", "Add an item to the inventory", http.StatusCreated),
		s.apiPersonnelEquipment)
	huma.Register(api, reg("personnel-equipment-assign", http.MethodPost, "/equipment/{id}/assign", "Hand an item to a person", 0),
		s.apiPersonnelAssign)
	huma.Register(api, reg("personnel-equipment-return", http.MethodPost, "/equipment/{id}/return", "Take an item back", 0),
		s.apiPersonnelReturn)
	huma.Register(api, reg("personnel-equipment-holder", http.MethodGet, "/equipment/{id}/holder",
		"Who held the item at a moment", 0), s.apiPersonnelHolder)
	huma.Register(api, reg("personnel-population", http.MethodPost, "/populations",
		"Record a jurisdiction's population for a year (常住 + 暂住)", 0), s.apiPersonnelPopulation)
	huma.Register(api, reg("personnel-board-certificates", http.MethodGet, "/boards/certificates",
		"Certificates expired or expiring within 60 days", 0), s.apiPersonnelBoardCerts)
	huma.Register(api, reg("personnel-board-training", http.MethodGet, "/boards/training", "Officers missing a training rule", 0),
		s.apiPersonnelBoardTraining)
	huma.Register(api, reg("personnel-board-equipment", http.MethodGet, "/boards/equipment", "The inventory and who holds each item now", 0),
		s.apiPersonnelBoardEquipment)
	huma.Register(api, reg("personnel-board-staffing", http.MethodGet, "/boards/staffing",
		"Staffing per 10,000 inhabitants by district, and the auxiliary-to-officer trend", 0), s.apiPersonnelBoardStaffing)
	huma.Register(api, reg("personnel-question", http.MethodPost, "/questions", "Add a question to the legal-knowledge bank", http.StatusCreated),
		s.apiPersonnelQuestion)
	huma.Register(api, reg("personnel-paper", http.MethodPost, "/papers",
		"Set an exam paper and draw its candidates (squad heads and legal officers always; others sampled with a recorded seed)",
		http.StatusCreated), s.apiPersonnelPaper)
	huma.Register(api, reg("personnel-paper-redraw", http.MethodGet, "/papers/{id}/redraw",
		"Repeat a paper's draw from its recorded seed", 0), s.apiPersonnelRedraw)
	imp := reg("personnel-import", http.MethodPost, "/import",
		"Import an xlsx sheet of the roster, certificates or equipment: every row is checked and, only when all pass, "+
			"all are written (all or nothing). Problems come back per row as error fields rows[N].column", 0)
	imp.MaxBodyBytes = s.importLimit() // an Excel file, read whole
	huma.Register(api, imp, s.apiPersonnelImport)
	huma.Register(api, reg("personnel-export", http.MethodGet, "/export",
		"Export a list as xlsx (roster, certs, training, equipment), masked as the caller sees it", 0), s.apiPersonnelExport)
	huma.Register(api, reg("personnel-score", http.MethodPost, "/papers/{id}/scores", "Record a candidate's score", 0),
		s.apiPersonnelScore)
}

func parseOptDate(field, s string) (calendar.Date, error) {
	if s == "" {
		return calendar.Date{}, nil
	}
	d, err := calendar.ParseDate(s)
	if err != nil {
		return d, apperr.InvalidFields(apperr.Field(field, "personnel.date_invalid"))
	}
	return d, nil
}

func parseAt(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return t, apperr.InvalidFields(apperr.Field(field, "personnel.at_invalid"))
	}
	return t, nil
}

// ---- roster and people ----

type personnelRosterInput struct {
	UnitID    string `query:"unit_id" maxLength:"36" doc:"only this unit and the units under it"`
	StaffType string `query:"staff_type" enum:"civil_servant,civil_managed,institution,auxiliary,dispatched," doc:"编制类型"`
	Post      string `query:"post" enum:"member,squad_head,legal_officer,leader,assistant,other,"`
	Status    string `query:"status" enum:"on_duty,leave,sick_leave,training,suspended,transferred_out," doc:"post status today"`
	Cert      string `query:"cert" enum:"valid,expiring,expired,none,suspended,revoked,pending," doc:"certificate state today"`
	Q         string `query:"q" maxLength:"50" doc:"text in the name"`
	Limit     int    `query:"limit" minimum:"0" maximum:"1000" default:"100"`
	Offset    int    `query:"offset" minimum:"0"`
}

type personnelRosterOutput struct{ Body personnel.Page }

// rosterFilter turns the roster's query into a filter.
func (s *Server) rosterFilter(ctx context.Context, unitID, staff, post, status, cert, q string) (personnel.Filter, error) {
	f := personnel.Filter{StaffType: personnel.StaffType(staff), Post: personnel.Post(post), Status: personnel.PostStatus(status),
		CertState: personnel.CertState(cert), Text: q}
	if unitID != "" {
		u, err := s.identity.Unit(ctx, actorOf(ctx), unitID)
		if err != nil {
			return f, err
		}
		f.UnitPath = u.Path
	}
	return f, nil
}

func (s *Server) apiPersonnelRoster(ctx context.Context, in *personnelRosterInput) (*personnelRosterOutput, error) {
	f, err := s.rosterFilter(ctx, in.UnitID, in.StaffType, in.Post, in.Status, in.Cert, in.Q)
	if err != nil {
		return nil, err
	}
	f.Limit, f.Offset = in.Limit, in.Offset
	pg, err := s.personnel.Roster(ctx, actorOf(ctx), f)
	if err != nil {
		return nil, err
	}
	return &personnelRosterOutput{Body: pg}, nil
}

// PersonIn is a person as the API takes it.
type PersonIn struct {
	AccountID string `json:"account_id,omitempty" maxLength:"36"`
	UnitID    string `json:"unit_id" maxLength:"36"`
	Name      string `json:"name" maxLength:"50"`
	IDNumber  string `json:"id_number" maxLength:"18" doc:"GB 11643, 18 characters (or the old 15 digits)"`
	Gender    string `json:"gender,omitempty" enum:"male,female," doc:"default: from the ID number"`
	BirthDate string `json:"birth_date,omitempty" doc:"YYYY-MM-DD; default: from the ID number"`
	StaffType string `json:"staff_type" enum:"civil_servant,civil_managed,institution,auxiliary,dispatched"`
	Post      string `json:"post,omitempty" enum:"member,squad_head,legal_officer,leader,assistant,other,"`
	Rank      string `json:"rank,omitempty" maxLength:"50"`
	Level     string `json:"level,omitempty" enum:"section,division,bureau,"`
	Phone     string `json:"phone,omitempty" maxLength:"20"`
	Photo     string `json:"photo,omitempty" maxLength:"64" doc:"SHA-256 of the photo in the evidence store"`
	HiredOn   string `json:"hired_on,omitempty" doc:"YYYY-MM-DD"`
	Version   int    `json:"version,omitempty" doc:"the version read, when changing a person"`
}

func (in PersonIn) person() (personnel.Person, error) {
	birth, err := parseOptDate("birth_date", in.BirthDate)
	if err != nil {
		return personnel.Person{}, err
	}
	hired, err := parseOptDate("hired_on", in.HiredOn)
	if err != nil {
		return personnel.Person{}, err
	}
	return personnel.Person{AccountID: in.AccountID, UnitID: in.UnitID, Name: in.Name, IDNumber: in.IDNumber, Gender: in.Gender,
		BirthDate: birth, StaffType: personnel.StaffType(in.StaffType), Post: personnel.Post(in.Post), Rank: in.Rank,
		Level: personnel.CadreLevel(in.Level), Phone: in.Phone, Photo: in.Photo, HiredOn: hired, Version: in.Version}, nil
}

type personnelPersonInput struct{ Body PersonIn }

type personnelPersonOutput struct{ Body personnel.Person }

func (s *Server) apiPersonnelCreate(ctx context.Context, in *personnelPersonInput) (*personnelPersonOutput, error) {
	p, err := in.Body.person()
	if err != nil {
		return nil, err
	}
	p, err = s.personnel.SavePerson(ctx, actorOf(ctx), p)
	if err != nil {
		return nil, err
	}
	return &personnelPersonOutput{Body: p}, nil
}

type personnelUpdateInput struct {
	ID   string `path:"id" maxLength:"36"`
	Body PersonIn
}

func (s *Server) apiPersonnelUpdate(ctx context.Context, in *personnelUpdateInput) (*personnelPersonOutput, error) {
	p, err := in.Body.person()
	if err != nil {
		return nil, err
	}
	p.ID = in.ID
	p, err = s.personnel.SavePerson(ctx, actorOf(ctx), p)
	if err != nil {
		return nil, err
	}
	return &personnelPersonOutput{Body: p}, nil
}

type idPath struct {
	ID string `path:"id" maxLength:"80"`
}

type personnelCardOutput struct{ Body personnel.Card }

func (s *Server) apiPersonnelCard(ctx context.Context, in *idPath) (*personnelCardOutput, error) {
	c, err := s.personnel.Card(ctx, actorOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return &personnelCardOutput{Body: c}, nil
}

type personnelEligibilityInput struct {
	ID  string `path:"id" maxLength:"36"`
	Act string `query:"act" required:"true" maxLength:"40" doc:"an enforcement action, e.g. penalty.file, penalty.investigate"`
	At  string `query:"at" maxLength:"40" doc:"RFC 3339 moment; default now"`
}

// EligibilityAnswer is the answer of GET /personnel/people/{id}/eligibility:
// the verdict with each reason's message in the request's language.
type EligibilityAnswer struct {
	Allowed  bool            `json:"allowed"`
	Act      string          `json:"act"`
	At       time.Time       `json:"at"`
	Reasons  []reasonMessage `json:"reasons"`
	Warnings []reasonMessage `json:"warnings"`
}

type reasonMessage struct {
	personnel.Reason
	Message string `json:"message"`
}

type personnelEligibilityOutput struct{ Body EligibilityAnswer }

func (s *Server) apiPersonnelEligibility(ctx context.Context, in *personnelEligibilityInput) (*personnelEligibilityOutput, error) {
	at, err := parseAt("at", in.At)
	if err != nil {
		return nil, err
	}
	if at.IsZero() {
		at = time.Now()
	}
	v, err := s.personnel.Eligibility(ctx, actorOf(ctx), in.ID, identity.Action(in.Act), at)
	if err != nil {
		return nil, err
	}
	loc := info(ctx).loc
	tr := func(rs []personnel.Reason) []reasonMessage {
		out := []reasonMessage{}
		for _, r := range rs {
			out = append(out, reasonMessage{Reason: r, Message: loc.T(r.Key, translateArgs(loc, r.Args))})
		}
		return out
	}
	return &personnelEligibilityOutput{Body: EligibilityAnswer{Allowed: v.Allowed, Act: in.Act, At: at.UTC(),
		Reasons: tr(v.Reasons), Warnings: tr(v.Warnings)}}, nil
}

// ---- records of a person ----

type certificateIn struct {
	Number    string `json:"number" maxLength:"40"`
	Issuer    string `json:"issuer" maxLength:"100"`
	Field     string `json:"field,omitempty" maxLength:"100"`
	ValidFrom string `json:"valid_from" doc:"YYYY-MM-DD"`
	ValidTo   string `json:"valid_to" doc:"YYYY-MM-DD, the last valid day"`
	Status    string `json:"status,omitempty" enum:"applied,valid," doc:"applied (default) for a new application; valid to enter an issued one"`
}

type personnelCertificateInput struct {
	ID   string `path:"id" maxLength:"36"`
	Body certificateIn
}

type personnelCertificateOutput struct{ Body personnel.Certificate }

func (s *Server) apiPersonnelCertificate(ctx context.Context, in *personnelCertificateInput) (*personnelCertificateOutput, error) {
	from, err := parseOptDate("valid_from", in.Body.ValidFrom)
	if err != nil {
		return nil, err
	}
	to, err := parseOptDate("valid_to", in.Body.ValidTo)
	if err != nil {
		return nil, err
	}
	c, err := s.personnel.SaveCertificate(ctx, actorOf(ctx), personnel.Certificate{PersonID: in.ID, Number: in.Body.Number,
		Issuer: in.Body.Issuer, Field: in.Body.Field, ValidFrom: from, ValidTo: to, Status: personnel.CertStatus(in.Body.Status)})
	if err != nil {
		return nil, err
	}
	return &personnelCertificateOutput{Body: c}, nil
}

type personnelCertificateStatusInput struct {
	ID   string `path:"id" maxLength:"36"`
	Body struct {
		Status  string `json:"status" enum:"reviewed,valid,suspended,revoked,void"`
		Version int    `json:"version" doc:"the version read"`
		Note    string `json:"note,omitempty" maxLength:"200"`
	}
}

func (s *Server) apiPersonnelCertificateStatus(ctx context.Context, in *personnelCertificateStatusInput) (*personnelCertificateOutput, error) {
	c, err := s.personnel.MoveCertificate(ctx, actorOf(ctx), in.ID, in.Body.Version, personnel.CertStatus(in.Body.Status), in.Body.Note)
	if err != nil {
		return nil, err
	}
	return &personnelCertificateOutput{Body: c}, nil
}

type personnelPeriodInput struct {
	ID   string `path:"id" maxLength:"36"`
	Body struct {
		Status string `json:"status" enum:"on_duty,leave,sick_leave,training,suspended,transferred_out"`
		From   string `json:"from" doc:"YYYY-MM-DD"`
		To     string `json:"to,omitempty" doc:"YYYY-MM-DD, inclusive; empty while open"`
		Note   string `json:"note,omitempty" maxLength:"200"`
	}
}

// bodyOut is an operation's answer: a JSON body of type T.
type bodyOut[T any] struct{ Body T }

// answer wraps a service result as an operation's answer.
func answer[T any](v T, err error) (*bodyOut[T], error) {
	if err != nil {
		return nil, err
	}
	return &bodyOut[T]{Body: v}, nil
}

func (s *Server) apiPersonnelPeriod(ctx context.Context, in *personnelPeriodInput) (*bodyOut[personnel.StatusPeriod], error) {
	from, err := parseOptDate("from", in.Body.From)
	if err != nil {
		return nil, err
	}
	to, err := parseOptDate("to", in.Body.To)
	if err != nil {
		return nil, err
	}
	p, err := s.personnel.SavePeriod(ctx, actorOf(ctx), personnel.StatusPeriod{PersonID: in.ID, Status: personnel.PostStatus(in.Body.Status),
		From: from, To: to, Note: in.Body.Note})
	return answer(p, err)
}

type personnelDutyInput struct {
	ID   string `path:"id" maxLength:"36"`
	Body struct {
		Start time.Time `json:"start"`
		End   time.Time `json:"end"`
		Post  string    `json:"post,omitempty" maxLength:"50"`
	}
}

func (s *Server) apiPersonnelDuty(ctx context.Context, in *personnelDutyInput) (*bodyOut[personnel.Duty], error) {
	return answer(s.personnel.SaveDuty(ctx, actorOf(ctx), personnel.Duty{PersonID: in.ID, Start: in.Body.Start, End: in.Body.End, Post: in.Body.Post}))
}

type personnelTrainingInput struct {
	ID   string `path:"id" maxLength:"36"`
	Body struct {
		Course      string `json:"course" maxLength:"100"`
		Kind        string `json:"kind" enum:"initial,appointment,regular"`
		Level       string `json:"level" enum:"ministry,province,city,county"`
		Hours       int    `json:"hours"`
		Start       string `json:"start" doc:"YYYY-MM-DD"`
		End         string `json:"end" doc:"YYYY-MM-DD"`
		Certificate string `json:"certificate,omitempty" maxLength:"60"`
	}
}

func (s *Server) apiPersonnelTraining(ctx context.Context, in *personnelTrainingInput) (*bodyOut[personnel.Training], error) {
	start, err := parseOptDate("start", in.Body.Start)
	if err != nil {
		return nil, err
	}
	end, err := parseOptDate("end", in.Body.End)
	if err != nil {
		return nil, err
	}
	t, err := s.personnel.SaveTraining(ctx, actorOf(ctx), personnel.Training{PersonID: in.ID, Course: in.Body.Course,
		Kind: personnel.TrainingKind(in.Body.Kind), Level: personnel.OrganiserLevel(in.Body.Level), Hours: in.Body.Hours,
		Start: start, End: end, Certificate: in.Body.Certificate})
	return answer(t, err)
}

type personnelMeritInput struct {
	ID   string `path:"id" maxLength:"36"`
	Body struct {
		Kind      string `json:"kind" enum:"reward,discipline"`
		Title     string `json:"title" maxLength:"100"`
		Date      string `json:"date" doc:"YYYY-MM-DD"`
		Authority string `json:"authority,omitempty" maxLength:"100"`
		Note      string `json:"note,omitempty" maxLength:"200"`
	}
}

func (s *Server) apiPersonnelMerit(ctx context.Context, in *personnelMeritInput) (*bodyOut[personnel.Merit], error) {
	d, err := parseOptDate("date", in.Body.Date)
	if err != nil {
		return nil, err
	}
	m, err := s.personnel.SaveMerit(ctx, actorOf(ctx), personnel.Merit{PersonID: in.ID, Kind: in.Body.Kind, Title: in.Body.Title,
		Date: d, Authority: in.Body.Authority, Note: in.Body.Note})
	return answer(m, err)
}

type personnelTransferInput struct {
	ID   string `path:"id" maxLength:"36"`
	Body struct {
		Direction string `json:"direction" enum:"in,out"`
		Date      string `json:"date" doc:"YYYY-MM-DD"`
		Org       string `json:"org" maxLength:"100" doc:"the other organisation"`
		Note      string `json:"note,omitempty" maxLength:"200"`
	}
}

func (s *Server) apiPersonnelTransfer(ctx context.Context, in *personnelTransferInput) (*bodyOut[personnel.Transfer], error) {
	d, err := parseOptDate("date", in.Body.Date)
	if err != nil {
		return nil, err
	}
	t, err := s.personnel.SaveTransfer(ctx, actorOf(ctx), personnel.Transfer{PersonID: in.ID, Direction: in.Body.Direction, Date: d,
		Org: in.Body.Org, Note: in.Body.Note})
	return answer(t, err)
}

// ---- equipment ----

type personnelEquipmentInput struct {
	Body struct {
		Kind      string `json:"kind" enum:"recorder,terminal,vehicle,radio"`
		Serial    string `json:"serial" maxLength:"64"`
		Model     string `json:"model,omitempty" maxLength:"64"`
		UnitID    string `json:"unit_id" maxLength:"36"`
		Condition string `json:"condition,omitempty" enum:"good,worn,broken,lost,retired,"`
	}
}

func (s *Server) apiPersonnelEquipment(ctx context.Context, in *personnelEquipmentInput) (*bodyOut[personnel.Equipment], error) {
	e, err := s.personnel.SaveEquipment(ctx, actorOf(ctx), personnel.Equipment{Kind: personnel.EquipmentKind(in.Body.Kind),
		Serial: in.Body.Serial, Model: in.Body.Model, UnitID: in.Body.UnitID, Condition: personnel.Condition(in.Body.Condition)})
	return answer(e, err)
}

type personnelAssignInput struct {
	ID   string `path:"id" maxLength:"36"`
	Body struct {
		PersonID string `json:"person_id,omitempty" maxLength:"36"`
		At       string `json:"at,omitempty" doc:"RFC 3339; default now"`
	}
}

func (s *Server) apiPersonnelAssign(ctx context.Context, in *personnelAssignInput) (*bodyOut[personnel.Assignment], error) {
	at, err := parseAt("at", in.Body.At)
	if err != nil {
		return nil, err
	}
	return answer(s.personnel.Assign(ctx, actorOf(ctx), in.ID, in.Body.PersonID, at))
}

func (s *Server) apiPersonnelReturn(ctx context.Context, in *personnelAssignInput) (*bodyOut[personnel.Assignment], error) {
	at, err := parseAt("at", in.Body.At)
	if err != nil {
		return nil, err
	}
	return answer(s.personnel.Return(ctx, actorOf(ctx), in.ID, at))
}

type personnelHolderInput struct {
	ID string `path:"id" maxLength:"36"`
	At string `query:"at" required:"true" maxLength:"40" doc:"RFC 3339"`
}

type personnelHolderOutput struct {
	Body struct {
		Person     personnel.Person     `json:"person"`
		Assignment personnel.Assignment `json:"assignment"`
	}
}

func (s *Server) apiPersonnelHolder(ctx context.Context, in *personnelHolderInput) (*personnelHolderOutput, error) {
	at, err := parseAt("at", in.At)
	if err != nil {
		return nil, err
	}
	p, a, err := s.personnel.HolderAt(ctx, actorOf(ctx), in.ID, at)
	if err != nil {
		return nil, err
	}
	out := &personnelHolderOutput{}
	out.Body.Person, out.Body.Assignment = p, a
	return out, nil
}

type personnelPopulationInput struct {
	Body struct {
		UnitID    string `json:"unit_id" maxLength:"36"`
		Year      int    `json:"year"`
		Resident  int64  `json:"resident" doc:"常住人口"`
		Temporary int64  `json:"temporary" doc:"暂住人口"`
	}
}

func (s *Server) apiPersonnelPopulation(ctx context.Context, in *personnelPopulationInput) (*bodyOut[personnel.Population], error) {
	p, err := s.personnel.SavePopulation(ctx, actorOf(ctx), personnel.Population{UnitID: in.Body.UnitID, Year: in.Body.Year,
		Resident: in.Body.Resident, Temporary: in.Body.Temporary})
	return answer(p, err)
}

// ---- boards ----

type personnelBoardInput struct {
	All  bool   `query:"all" doc:"training board: everyone, not only those missing a rule"`
	Kind string `query:"kind" enum:"recorder,terminal,vehicle,radio," doc:"equipment board: one kind"`
}

func (s *Server) apiPersonnelBoardCerts(ctx context.Context, _ *personnelBoardInput) (*bodyOut[[]personnel.ExpiryLine], error) {
	return answer(s.personnel.CertificateBoard(ctx, actorOf(ctx)))
}

func (s *Server) apiPersonnelBoardTraining(ctx context.Context, in *personnelBoardInput) (*bodyOut[[]personnel.TrainingLine], error) {
	return answer(s.personnel.TrainingBoard(ctx, actorOf(ctx), in.All))
}

func (s *Server) apiPersonnelBoardEquipment(ctx context.Context, in *personnelBoardInput) (*bodyOut[[]personnel.EquipmentLine], error) {
	return answer(s.personnel.EquipmentBoard(ctx, actorOf(ctx), personnel.EquipmentKind(in.Kind)))
}

func (s *Server) apiPersonnelBoardStaffing(ctx context.Context, _ *personnelBoardInput) (*bodyOut[personnel.StaffingBoard], error) {
	return answer(s.personnel.Staffing(ctx, actorOf(ctx)))
}

// ---- exams ----

type personnelQuestionInput struct {
	Body struct {
		Text    string   `json:"text" maxLength:"1000"`
		Options []string `json:"options" maxItems:"8"`
		Answer  int      `json:"answer"`
		Field   string   `json:"field,omitempty" maxLength:"50"`
	}
}

func (s *Server) apiPersonnelQuestion(ctx context.Context, in *personnelQuestionInput) (*bodyOut[personnel.Question], error) {
	q, err := s.personnel.SaveQuestion(ctx, actorOf(ctx), personnel.Question{Text: in.Body.Text, Options: in.Body.Options,
		Answer: in.Body.Answer, Field: in.Body.Field})
	return answer(q, err)
}

type personnelPaperInput struct {
	Body struct {
		Title       string   `json:"title" maxLength:"100"`
		Date        string   `json:"date" doc:"YYYY-MM-DD"`
		UnitID      string   `json:"unit_id" maxLength:"36"`
		QuestionIDs []string `json:"question_ids" maxItems:"500"`
		SamplePct   int      `json:"sample_pct" doc:"share of team members and auxiliary staff drawn, 1–100"`
		Seed        uint64   `json:"seed,omitempty" doc:"repeat a draw with a known seed; default a fresh random seed"`
	}
}

func (s *Server) apiPersonnelPaper(ctx context.Context, in *personnelPaperInput) (*bodyOut[personnel.Paper], error) {
	d, err := parseOptDate("date", in.Body.Date)
	if err != nil {
		return nil, err
	}
	p, err := s.personnel.CreatePaper(ctx, actorOf(ctx), personnel.Paper{Title: in.Body.Title, Date: d, UnitID: in.Body.UnitID,
		QuestionIDs: in.Body.QuestionIDs, SamplePct: in.Body.SamplePct, Seed: in.Body.Seed})
	return answer(p, err)
}

func (s *Server) apiPersonnelRedraw(ctx context.Context, in *idPath) (*bodyOut[[]personnel.Candidate], error) {
	return answer(s.personnel.Redraw(ctx, actorOf(ctx), in.ID))
}

type personnelScoreInput struct {
	ID   string `path:"id" maxLength:"36"`
	Body struct {
		PersonID string `json:"person_id" maxLength:"36"`
		Score    int    `json:"score"`
	}
}

func (s *Server) apiPersonnelScore(ctx context.Context, in *personnelScoreInput) (*bodyOut[personnel.Score], error) {
	return answer(s.personnel.RecordScore(ctx, actorOf(ctx), in.ID, in.Body.PersonID, in.Body.Score))
}

type personnelImportInput struct {
	Kind    string `query:"kind" required:"true" enum:"roster,certificates,equipment"`
	RawBody []byte `contentType:"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"`
}

type personnelImportOutput struct{ Body personnel.ImportResult }

func (s *Server) apiPersonnelImport(ctx context.Context, in *personnelImportInput) (*personnelImportOutput, error) {
	res, err := s.importXLSX(ctx, actorOf(ctx), in.Kind, in.RawBody)
	if err != nil {
		return nil, err
	}
	return &personnelImportOutput{Body: res}, nil
}

type personnelExportInput struct {
	UnitID    string `query:"unit_id" maxLength:"36"`
	StaffType string `query:"staff_type" enum:"civil_servant,civil_managed,institution,auxiliary,dispatched,"`
	Post      string `query:"post" enum:"member,squad_head,legal_officer,leader,assistant,other,"`
	Status    string `query:"status" enum:"on_duty,leave,sick_leave,training,suspended,transferred_out,"`
	Cert      string `query:"cert" enum:"valid,expiring,expired,none,suspended,revoked,pending,"`
	Q         string `query:"q" maxLength:"50"`
	List      string `query:"list" enum:"roster,certs,training,equipment," doc:"which list; default the roster (with the roster filters)"`
}

type personnelExportOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               []byte
}

func (s *Server) apiPersonnelExport(ctx context.Context, in *personnelExportInput) (*personnelExportOutput, error) {
	f, err := s.rosterFilter(ctx, in.UnitID, in.StaffType, in.Post, in.Status, in.Cert, in.Q)
	if err != nil {
		return nil, err
	}
	name, header, rows, err := s.exportList(ctx, actorOf(ctx), info(ctx).loc, in.List, f)
	if err != nil {
		return nil, err
	}
	b, err := sheet.Write(name, header, rows)
	if err != nil {
		return nil, apperr.Internalf("xlsx: %w", err)
	}
	return &personnelExportOutput{ContentType: xlsxType, ContentDisposition: `attachment; filename="personnel.xlsx"`, Body: b}, nil
}
