package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"chengguan/internal/apperr"
	"chengguan/internal/i18n"
	"chengguan/internal/identity"
	"chengguan/internal/personnel"
	"chengguan/internal/personnel/sheet"
)

// xlsxType is the media type of an xlsx file.
const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// importXLSX is sheet.Import with this server's personnel service.
func (s *Server) importXLSX(ctx context.Context, actor *identity.Actor, kind string, data []byte) (personnel.ImportResult, error) {
	return sheet.Import(ctx, s.personnel, actor, kind, data)
}

type personnelImportData struct {
	Kind   string
	Kinds  []option
	Result *personnel.ImportResult
}

func importKinds() []option {
	return []option{{personnel.ImportRoster, "personnel.import.roster"}, {personnel.ImportCertificates, "personnel.import.certificates"},
		{personnel.ImportEquipment, "personnel.import.equipment"}}
}

func (s *Server) personnelImportPage(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "personnel.import")
	if _, d := identity.ScopeFor(v.Actor, identity.ActPersonnelManage); !d.Allowed {
		return d.Err()
	}
	v.Data = &personnelImportData{Kind: personnel.ImportRoster, Kinds: importKinds()}
	s.render(w, r, http.StatusOK, "personnel_import", v)
	return nil
}

func (s *Server) personnelImportSubmit(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "personnel.import")
	d := &personnelImportData{Kind: r.FormValue("kind"), Kinds: importKinds()}
	v.Data = d
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errTooLarge
		}
		return apperr.Wrap(apperr.Invalid, "error.body_unreadable", err)
	}
	d.Kind = r.FormValue("kind")
	f, _, err := r.FormFile("file")
	if err != nil {
		return apperr.InvalidFields(apperr.Field("file", "personnel.field_required"))
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return apperr.Wrap(apperr.Invalid, "error.body_unreadable", err)
	}
	res, err := s.importXLSX(r.Context(), v.Actor, d.Kind, data)
	d.Result = &res
	if err != nil {
		e := apperr.As(err)
		if e.Code != apperr.Invalid {
			return err
		}
		_, body := render(v.loc, info(r.Context()).id, err)
		v.Err = &body.Error
		s.render(w, r, http.StatusBadRequest, "personnel_import", v)
		return nil
	}
	s.render(w, r, http.StatusOK, "personnel_import", v)
	return nil
}

// exportList builds the rows of a list as the viewer sees it (masked the
// same way as on screen).
func (s *Server) exportList(ctx context.Context, actor *identity.Actor, loc *i18n.Localizer, list string, f personnel.Filter) (string, []string, [][]string, error) {
	t := func(k string) string { return loc.T(k, nil) }
	switch list {
	case "", "roster":
		pg, err := s.personnel.RosterExport(ctx, actor, f)
		if err != nil {
			return "", nil, nil, err
		}
		header := []string{t("personnel.name"), t("personnel.id_number"), t("personnel.gender"), t("personnel.staff_type"),
			t("personnel.post"), t("personnel.rank"), t("personnel.unit"), t("personnel.phone"), t("personnel.hired_on"),
			t("personnel.cert_state"), t("personnel.valid_to")}
		units := map[string]string{}
		var rows [][]string
		for _, l := range pg.Lines {
			p := l.Person
			if _, ok := units[p.UnitID]; !ok && p.UnitID != "" {
				if u, err := s.identity.Unit(ctx, actor, p.UnitID); err == nil {
					units[p.UnitID] = u.Name
				}
			}
			rows = append(rows, []string{p.Name, p.IDNumber, t("personnel.gender." + p.Gender), t("personnel.staff." + string(p.StaffType)),
				t("personnel.post." + string(p.Post)), p.Rank, units[p.UnitID], p.Phone, dayText(p.HiredOn),
				t("personnel.state." + string(l.CertState)), l.CertTo})
		}
		return t("personnel.roster_title"), header, rows, nil
	case "certs":
		lines, err := s.personnel.CertificateBoard(ctx, actor)
		if err != nil {
			return "", nil, nil, err
		}
		header := []string{t("personnel.name"), t("personnel.number"), t("personnel.issuer"), t("personnel.valid_to"), t("personnel.days_left")}
		var rows [][]string
		for _, l := range lines {
			rows = append(rows, []string{l.Person.Name, l.Certificate.Number, l.Certificate.Issuer, l.Certificate.ValidTo.String(), strconv.Itoa(l.Days)})
		}
		return t("personnel.board.certs"), header, rows, nil
	case "training":
		lines, err := s.personnel.TrainingBoard(ctx, actor, true)
		if err != nil {
			return "", nil, nil, err
		}
		header := []string{t("personnel.name"), t("personnel.initial_done"), t("personnel.appointment_due"), t("personnel.provincial_due"),
			t("personnel.last_provincial"), t("personnel.hours_3y")}
		yes := func(b bool) string {
			if b {
				return "✓"
			}
			return ""
		}
		var rows [][]string
		for _, l := range lines {
			rows = append(rows, []string{l.Person.Name, yes(l.InitialDone), yes(l.AppointmentDue), yes(l.ProvincialDue), l.LastProvincial, strconv.Itoa(l.Hours3y)})
		}
		return t("personnel.board.training"), header, rows, nil
	case "equipment":
		lines, err := s.personnel.EquipmentBoard(ctx, actor, "")
		if err != nil {
			return "", nil, nil, err
		}
		header := []string{t("personnel.kind"), t("personnel.serial"), t("personnel.model"), t("personnel.condition"), t("personnel.holder"), t("personnel.since")}
		var rows [][]string
		for _, l := range lines {
			holder, since := "", ""
			if l.Holder != nil {
				holder, since = l.Holder.Name, l.Since.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04")
			}
			rows = append(rows, []string{t("personnel.equip." + string(l.Equipment.Kind)), l.Equipment.Serial, l.Equipment.Model,
				t("personnel.cond." + string(l.Equipment.Condition)), holder, since})
		}
		return t("personnel.board.equipment"), header, rows, nil
	}
	return "", nil, nil, apperr.New(apperr.NotFound, "")
}

func dayText(d personnel.Date) string {
	if d == (personnel.Date{}) {
		return ""
	}
	return d.String()
}

func (s *Server) personnelExport(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	f, err := s.rosterFilter(ctx, q.Get("unit_id"), q.Get("staff_type"), "", q.Get("status"), q.Get("cert"), q.Get("q"))
	if err != nil {
		return err
	}
	loc := info(ctx).loc
	name, header, rows, err := s.exportList(ctx, actorOf(ctx), loc, q.Get("list"), f)
	if err != nil {
		return err
	}
	b, err := sheet.Write(name, header, rows)
	if err != nil {
		return apperr.Internalf("xlsx: %w", err)
	}
	w.Header().Set("Content-Type", xlsxType)
	w.Header().Set("Content-Disposition", `attachment; filename="personnel.xlsx"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b)
	return nil
}
