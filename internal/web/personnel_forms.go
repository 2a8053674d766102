package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"chengguan/internal/apperr"
	"chengguan/internal/calendar"

	"chengguan/internal/identity"
	"chengguan/internal/personnel"
)

// The personnel administrator's forms: add a person, and on a person's
// card add a certificate, move one along its life, and record a post
// status period. Everything else goes through the API or an Excel import.

func (s *Server) personnelFormRoutes(mux *http.ServeMux) {
	mux.Handle("GET /personnel/new", s.page(s.personnelNewPage))
	mux.Handle("POST /personnel/people", s.page(s.personnelCreate))
	mux.Handle("POST /personnel/people/{id}/certificates", s.page(s.personnelCertCreate))
	mux.Handle("POST /personnel/certificates/{id}/status", s.page(s.personnelCertMove))
	mux.Handle("POST /personnel/people/{id}/periods", s.page(s.personnelPeriodCreate))
	mux.Handle("POST /personnel/people/{id}/duties", s.page(s.personnelDutyCreate))
	mux.Handle("POST /personnel/people/{id}/equipment", s.page(s.personnelHandOut))
	mux.Handle("POST /personnel/equipment/{id}/return", s.page(s.personnelTakeBack))
}

type personnelNewData struct {
	Units      []identity.Unit
	StaffTypes []option
	Posts      []option
}

func (s *Server) personnelNewForm(w http.ResponseWriter, r *http.Request, status int, v *view) error {
	if _, d := identity.ScopeFor(v.Actor, identity.ActPersonnelManage); !d.Allowed {
		return d.Err()
	}
	units, err := s.identity.Units(r.Context(), v.Actor, identity.UnitFilter{})
	if err != nil {
		return err
	}
	d := &personnelNewData{Units: units}
	for _, t := range personnel.StaffTypes() {
		d.StaffTypes = append(d.StaffTypes, option{string(t), "personnel.staff." + string(t)})
	}
	for _, p := range personnel.Posts() {
		d.Posts = append(d.Posts, option{string(p), "personnel.post." + string(p)})
	}
	v.Data = d
	s.render(w, r, status, "personnel_new", v)
	return nil
}

func (s *Server) personnelNewPage(w http.ResponseWriter, r *http.Request) error {
	return s.personnelNewForm(w, r, http.StatusOK, s.newView(r, "personnel.new"))
}

func (s *Server) personnelCreate(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "personnel.new")
	f, err := form(r)
	if err != nil {
		return err
	}
	for _, k := range []string{"name", "id_number", "unit_id", "staff_type", "post", "rank", "phone", "hired_on"} {
		v.Form[k] = f.Get(k)
	}
	in := PersonIn{Name: f.Get("name"), IDNumber: f.Get("id_number"), UnitID: f.Get("unit_id"), StaffType: f.Get("staff_type"),
		Post: f.Get("post"), Rank: f.Get("rank"), Phone: f.Get("phone"), HiredOn: f.Get("hired_on")}
	p, err := in.person()
	if err == nil {
		p, err = s.personnel.SavePerson(r.Context(), v.Actor, p)
	}
	if err != nil {
		return s.formFailure(w, r, v, err, func(st int) error { return s.personnelNewForm(w, r, st, v) })
	}
	http.Redirect(w, r, "/personnel/people/"+p.ID, http.StatusSeeOther)
	return nil
}

// cardFailure shows the card again with the error of a form on it.
func (s *Server) cardFailure(w http.ResponseWriter, r *http.Request, id string, err error) error {
	v := s.newView(r, "personnel.card_title")
	return s.formFailure(w, r, v, err, func(st int) error { return s.renderCard(w, r, st, v, id) })
}

func (s *Server) personnelCertCreate(w http.ResponseWriter, r *http.Request) error {
	f, err := form(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	from, err := parseOptDate("valid_from", f.Get("valid_from"))
	if err != nil {
		return s.cardFailure(w, r, id, err)
	}
	to, err := parseOptDate("valid_to", f.Get("valid_to"))
	if err != nil {
		return s.cardFailure(w, r, id, err)
	}
	_, err = s.personnel.SaveCertificate(r.Context(), actorOf(r.Context()), personnel.Certificate{PersonID: id, Number: f.Get("number"),
		Issuer: f.Get("issuer"), Field: f.Get("field"), ValidFrom: from, ValidTo: to, Status: personnel.CertStatus(f.Get("status"))})
	if err != nil {
		return s.cardFailure(w, r, id, err)
	}
	http.Redirect(w, r, "/personnel/people/"+id, http.StatusSeeOther)
	return nil
}

func (s *Server) personnelCertMove(w http.ResponseWriter, r *http.Request) error {
	f, err := form(r)
	if err != nil {
		return err
	}
	version, _ := strconv.Atoi(f.Get("version"))
	c, err := s.personnel.MoveCertificate(r.Context(), actorOf(r.Context()), r.PathValue("id"), version,
		personnel.CertStatus(f.Get("status")), f.Get("note"))
	if err != nil {
		return s.cardFailure(w, r, f.Get("person_id"), err)
	}
	http.Redirect(w, r, "/personnel/people/"+c.PersonID, http.StatusSeeOther)
	return nil
}

func (s *Server) personnelPeriodCreate(w http.ResponseWriter, r *http.Request) error {
	f, err := form(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	from, err := parseOptDate("from", f.Get("from"))
	if err != nil {
		return s.cardFailure(w, r, id, err)
	}
	to, err := parseOptDate("to", f.Get("to"))
	if err != nil {
		return s.cardFailure(w, r, id, err)
	}
	_, err = s.personnel.SavePeriod(r.Context(), actorOf(r.Context()), personnel.StatusPeriod{PersonID: id,
		Status: personnel.PostStatus(f.Get("status")), From: from, To: to, Note: f.Get("note")})
	if err != nil {
		return s.cardFailure(w, r, id, err)
	}
	http.Redirect(w, r, "/personnel/people/"+id, http.StatusSeeOther)
	return nil
}

// nextCertStatuses are the moves offered on the card for a status.
func nextCertStatuses(st personnel.CertStatus) []string {
	switch st {
	case personnel.CertApplied:
		return []string{"reviewed", "void"}
	case personnel.CertReviewed:
		return []string{"valid", "void"}
	case personnel.CertValid:
		return []string{"suspended", "revoked", "void"}
	case personnel.CertSuspended:
		return []string{"valid", "revoked", "void"}
	}
	return nil
}

// localTime reads a datetime-local field (Asia/Shanghai).
func localTime(field, v string) (time.Time, error) {
	t, err := time.ParseInLocation("2006-01-02T15:04", v, calendar.Location())
	if err != nil {
		return t, apperr.InvalidFields(apperr.Field(field, "personnel.at_invalid"))
	}
	return t, nil
}

func (s *Server) personnelDutyCreate(w http.ResponseWriter, r *http.Request) error {
	f, err := form(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	start, err := localTime("start", f.Get("start"))
	if err != nil {
		return s.cardFailure(w, r, id, err)
	}
	end, err := localTime("end", f.Get("end"))
	if err != nil {
		return s.cardFailure(w, r, id, err)
	}
	if _, err := s.personnel.SaveDuty(r.Context(), actorOf(r.Context()), personnel.Duty{PersonID: id, Start: start, End: end,
		Post: f.Get("post")}); err != nil {
		return s.cardFailure(w, r, id, err)
	}
	http.Redirect(w, r, "/personnel/people/"+id, http.StatusSeeOther)
	return nil
}

// personnelHandOut hands the item with a serial number to the person now.
func (s *Server) personnelHandOut(w http.ResponseWriter, r *http.Request) error {
	f, err := form(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	actor := actorOf(r.Context())
	items, err := s.personnel.EquipmentBoard(r.Context(), actor, "")
	if err != nil {
		return err
	}
	serial := strings.TrimSpace(f.Get("serial"))
	for _, l := range items {
		if l.Equipment.Serial == serial {
			if _, err := s.personnel.Assign(r.Context(), actor, l.Equipment.ID, id, time.Time{}); err != nil {
				return s.cardFailure(w, r, id, err)
			}
			http.Redirect(w, r, "/personnel/people/"+id, http.StatusSeeOther)
			return nil
		}
	}
	return s.cardFailure(w, r, id, apperr.InvalidFields(apperr.Field("serial", "personnel.equipment_not_found")))
}

func (s *Server) personnelTakeBack(w http.ResponseWriter, r *http.Request) error {
	f, err := form(r)
	if err != nil {
		return err
	}
	a, err := s.personnel.Return(r.Context(), actorOf(r.Context()), r.PathValue("id"), time.Time{})
	if err != nil {
		return s.cardFailure(w, r, f.Get("person_id"), err)
	}
	http.Redirect(w, r, "/personnel/people/"+a.PersonID, http.StatusSeeOther)
	return nil
}
