package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"chengguan/internal/apperr"
	"chengguan/internal/calendar"
	"chengguan/internal/evidence"
	"chengguan/internal/identity"
	"chengguan/internal/personnel"
)

// The personnel pages (issue 5): the roster, a person's card, four boards
// and the Excel import. Every page reads through personnel.Service, which
// masks ID and phone numbers for everyone but personnel administrators.

func (s *Server) personnelUIRoutes(mux *http.ServeMux) {
	mux.Handle("GET /personnel", s.page(s.personnelRosterPage))
	mux.Handle("GET /personnel/people/{id}", s.page(s.personnelCardPage))
	mux.Handle("GET /personnel/people/{id}/photo", s.page(s.personnelPhoto))
	mux.Handle("POST /personnel/people/{id}/photo", s.page(s.personnelPhotoUpload))
	mux.Handle("GET /personnel/boards/{board}", s.page(s.personnelBoardPage))
	mux.Handle("GET /personnel/exams", s.page(s.personnelExamsPage))
	mux.Handle("GET /personnel/export.xlsx", s.page(s.personnelExport))
	mux.Handle("GET /personnel/import", s.page(s.personnelImportPage))
	mux.Handle("POST /personnel/import", s.page(s.personnelImportSubmit))
	s.personnelFormRoutes(mux)
}

// option is a value of a filter with its label key.
type option struct {
	Value, Key string
}

type personnelRosterData struct {
	Lines                            []personnel.RosterLine
	Total                            int
	Q, UnitID, Staff, Status, Cert   string
	Units                            []identity.Unit
	StaffTypes, Statuses, CertStates []option
	Prev, Next, Export               string
	CanManage                        bool
	UnitNames                        map[string]string
}

const rosterPage = 50

func (s *Server) personnelRosterPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	v := s.newView(r, "personnel.roster_title")
	q := r.URL.Query()
	d := &personnelRosterData{Q: q.Get("q"), UnitID: q.Get("unit_id"), Staff: q.Get("staff_type"), Status: q.Get("status"),
		Cert: q.Get("cert"), CanManage: v.Can(string(identity.ActPersonnelManage))}
	f, err := s.rosterFilter(ctx, d.UnitID, d.Staff, "", d.Status, d.Cert, d.Q)
	if err != nil {
		return err
	}
	offset, _ := strconv.Atoi(q.Get("offset"))
	if offset < 0 {
		offset = 0
	}
	f.Limit, f.Offset = rosterPage, offset
	pg, err := s.personnel.Roster(ctx, v.Actor, f)
	if err != nil {
		return err
	}
	d.Lines, d.Total = pg.Lines, pg.Total
	units, err := s.identity.Units(ctx, v.Actor, identity.UnitFilter{})
	if err != nil {
		return err
	}
	d.UnitNames = map[string]string{}
	for _, u := range units {
		d.UnitNames[u.ID] = u.Name
		if u.Kind == identity.KindSquad || u.Kind == identity.KindDistrict || u.Kind == identity.KindCity {
			d.Units = append(d.Units, u)
		}
	}
	for _, t := range personnel.StaffTypes() {
		d.StaffTypes = append(d.StaffTypes, option{string(t), "personnel.staff." + string(t)})
	}
	for _, t := range personnel.PostStatuses() {
		d.Statuses = append(d.Statuses, option{string(t), "personnel.status." + string(t)})
	}
	for _, t := range []personnel.CertState{personnel.StateValid, personnel.StateExpiring, personnel.StateExpired, personnel.StateNone,
		personnel.StateSuspended, personnel.StateRevoked, personnel.StatePending} {
		d.CertStates = append(d.CertStates, option{string(t), "personnel.state." + string(t)})
	}
	page := func(off int) string {
		qq := url.Values{}
		for k, vs := range q {
			qq[k] = vs
		}
		qq.Set("offset", strconv.Itoa(off))
		return "/personnel?" + qq.Encode()
	}
	if offset > 0 {
		d.Prev = page(max(0, offset-rosterPage))
	}
	if offset+rosterPage < pg.Total {
		d.Next = page(offset + rosterPage)
	}
	eq := url.Values{}
	for k, vs := range q {
		if k != "offset" {
			eq[k] = vs
		}
	}
	d.Export = "/personnel/export.xlsx?" + eq.Encode()
	v.Data = d
	s.render(w, r, http.StatusOK, "personnel_roster", v)
	return nil
}

type personnelCardData struct {
	Manage   bool                // the viewer may change this person's records
	Moves    map[string][]string // certificate ID → statuses it may move to
	Statuses []option
	Card     personnel.Card
	Unit     string
	Reasons  []string
	Warnings []string
	History  []historyLine
}

type historyLine struct {
	At      time.Time
	Kind    string
	Version int
	By      string
}

func (s *Server) personnelCardPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderCard(w, r, http.StatusOK, s.newView(r, "personnel.card_title"), r.PathValue("id"))
}

func (s *Server) renderCard(w http.ResponseWriter, r *http.Request, status int, v *view, id string) error {
	ctx := r.Context()
	c, err := s.personnel.Card(ctx, v.Actor, id)
	if err != nil {
		return err
	}
	d := &personnelCardData{Card: c, Manage: identity.Decide(v.Actor, identity.ActPersonnelManage, identity.InUnit(c.Person.UnitPath)).Allowed,
		Moves: map[string][]string{}}
	for _, x := range c.Certificates {
		d.Moves[x.ID] = nextCertStatuses(x.Status)
	}
	for _, st := range personnel.PostStatuses() {
		d.Statuses = append(d.Statuses, option{string(st), "personnel.status." + string(st)})
	}
	if c.Person.UnitID != "" {
		if u, err := s.identity.Unit(ctx, v.Actor, c.Person.UnitID); err == nil {
			d.Unit = u.Name
		}
	}
	for _, x := range c.Verdict.Reasons {
		d.Reasons = append(d.Reasons, v.loc.T(x.Key, translateArgs(v.loc, x.Args)))
	}
	for _, x := range c.Verdict.Warnings {
		d.Warnings = append(d.Warnings, v.loc.T(x.Key, translateArgs(v.loc, x.Args)))
	}
	for _, h := range c.History {
		by := h.By
		if by == "" {
			by = "—"
		}
		d.History = append(d.History, historyLine{At: h.At, Kind: string(h.Kind), Version: h.Version, By: by})
	}
	v.Data = d
	s.render(w, r, status, "personnel_card", v)
	return nil
}

type personnelBoardData struct {
	// The "who held it then" lookup of the equipment board.
	Serial, At string
	Held       *heldAnswer
	Board      string
	Certs      []personnel.ExpiryLine
	Training   []personnel.TrainingLine
	Equipment  []personnel.EquipmentLine
	Staffing   personnel.StaffingBoard
	Boards     []string
}

func (s *Server) personnelBoardPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	board := r.PathValue("board")
	v := s.newView(r, "personnel.board."+board)
	d := &personnelBoardData{Board: board, Boards: []string{"certs", "training", "equipment", "staffing"}}
	var err error
	switch board {
	case "certs":
		d.Certs, err = s.personnel.CertificateBoard(ctx, v.Actor)
	case "training":
		d.Training, err = s.personnel.TrainingBoard(ctx, v.Actor, r.URL.Query().Get("all") != "")
	case "equipment":
		d.Equipment, err = s.personnel.EquipmentBoard(ctx, v.Actor, personnel.EquipmentKind(r.URL.Query().Get("kind")))
		if err == nil {
			err = s.heldLookup(r, v, d)
		}
	case "staffing":
		d.Staffing, err = s.personnel.Staffing(ctx, v.Actor)
	default:
		return apperr.New(apperr.NotFound, "")
	}
	if err != nil {
		return err
	}
	v.Data = d
	s.render(w, r, http.StatusOK, "personnel_board", v)
	return nil
}

// squadPersonnel is the personnel panel of a squad leader's home page.
type squadPersonnel struct {
	Expiring []personnel.ExpiryLine
	OnDuty   []personnel.DutyLine
}

func (s *Server) squadPersonnel(r *http.Request, actor *identity.Actor) (*squadPersonnel, error) {
	ctx := r.Context()
	certs, err := s.personnel.CertificateBoard(ctx, actor)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	day := personnel.DateOf(now)
	duties, err := s.personnel.DutiesAround(ctx, actor, day.Start(), day.AddDays(1).Start())
	if err != nil {
		return nil, err
	}
	return &squadPersonnel{Expiring: certs, OnDuty: duties}, nil
}

// certClass is the tag colour of a certificate state.
func certClass(st personnel.CertState) string {
	switch st {
	case personnel.StateValid:
		return "good"
	case personnel.StateExpiring, personnel.StatePending, personnel.StateNotYet:
		return "warn"
	}
	return "bad"
}

type examLine struct {
	Paper      personnel.Paper
	Unit       string
	Candidates []examCandidate
}

type examCandidate struct {
	Person personnel.Person
	Reason string
	Score  *personnel.Score
}

// personnelExamsPage lists the exam papers with their seed and candidates
// (法律知识考试): who must sit, who was drawn, and the scores.
func (s *Server) personnelExamsPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	v := s.newView(r, "personnel.exams")
	papers, err := s.personnel.Papers(ctx, v.Actor)
	if err != nil {
		return err
	}
	var lines []examLine
	for _, p := range papers {
		l := examLine{Paper: p}
		if u, err := s.identity.Unit(ctx, v.Actor, p.UnitID); err == nil {
			l.Unit = u.Name
		}
		scores, err := s.personnel.Scores(ctx, v.Actor, p.ID)
		if err != nil {
			return err
		}
		for _, c := range p.Candidates {
			ec := examCandidate{Reason: c.Reason}
			if card, err := s.personnel.Brief(ctx, v.Actor, c.PersonID); err == nil {
				ec.Person = card
			}
			if sc, ok := scores[c.PersonID]; ok {
				ec.Score = &sc
			}
			l.Candidates = append(l.Candidates, ec)
		}
		lines = append(lines, l)
	}
	v.Data = lines
	s.render(w, r, http.StatusOK, "personnel_exams", v)
	return nil
}

type heldAnswer struct {
	Equipment  personnel.Equipment
	Person     personnel.Person
	Assignment personnel.Assignment
	Nobody     bool
}

// heldLookup answers the equipment board's question "who held serial X at
// moment T" (a datetime-local in Asia/Shanghai).
func (s *Server) heldLookup(r *http.Request, v *view, d *personnelBoardData) error {
	q := r.URL.Query()
	d.Serial, d.At = q.Get("serial"), q.Get("at")
	if d.Serial == "" || d.At == "" {
		return nil
	}
	at, err := time.ParseInLocation("2006-01-02T15:04", d.At, calendar.Location())
	if err != nil {
		_, body := render(v.loc, info(r.Context()).id, apperr.InvalidFields(apperr.Field("at", "personnel.at_invalid")))
		v.Err = &body.Error
		return nil
	}
	e, p, a, err := s.personnel.HolderBySerial(r.Context(), v.Actor, d.Serial, at)
	switch {
	case err == nil:
		d.Held = &heldAnswer{Equipment: e, Person: p, Assignment: a}
	case apperr.Is(err, apperr.NotFound):
		d.Held = &heldAnswer{Nobody: true}
	default:
		return err
	}
	return nil
}

// personnelPhoto serves a person's photo to those who may see the person, with
// its sniffed type.
func (s *Server) personnelPhoto(w http.ResponseWriter, r *http.Request) error {
	sha, err := s.personnel.PhotoOf(r.Context(), actorOf(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	if sha == "" {
		return apperr.New(apperr.NotFound, "personnel.no_photo")
	}
	f, b, err := s.urban.OpenBlob(r.Context(), sha)
	if err != nil {
		return err
	}
	defer f.Close()
	w.Header().Set("Content-Type", b.MIME)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	http.ServeContent(w, r, "", time.Time{}, f)
	return nil
}

// personnelPhotoUpload stores an uploaded photo in the evidence store (type
// sniffed from the content, size limited) and makes it the person's photo.
func (s *Server) personnelPhotoUpload(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	_, blobs, err := s.uploadForm(r)
	if err != nil {
		return err
	}
	if len(blobs) != 1 {
		return apperr.InvalidFields(apperr.Field("photos", "personnel.photo_one"))
	}
	if blobs[0].Kind != evidence.Photo {
		return apperr.New(apperr.Unsupported, "personnel.photo_not_image")
	}
	if _, err := s.personnel.SetPhoto(r.Context(), actorOf(r.Context()), id, blobs[0].SHA256); err != nil {
		return err
	}
	http.Redirect(w, r, "/personnel/people/"+id, http.StatusSeeOther)
	return nil
}
