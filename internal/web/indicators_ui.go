package web

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"time"

	"chengguan/internal/apperr"
	"chengguan/internal/calendar"
	"chengguan/internal/identity"
	"chengguan/internal/urban"
)

// The evaluation indicators of the closed loop (FACTS §1.5, issue 4 §6): per department,
// district, street, grid or inspector, over a month, each with its formula. The service
// scopes the cases to what the user may see; the page is for the roles that are judged
// or judge: supervisors, shift leads, operators and departments.

// indicatorRoles are the roles the indicators page is for.
var indicatorRoles = []identity.Role{identity.RoleSupervisor, identity.RoleShiftLead, identity.RoleOperator, identity.RoleDepartment}

// MayIndicators reports whether the user may open the indicators page (the navigation).
func (v *view) MayIndicators() bool {
	if v.Actor == nil {
		return false
	}
	for _, r := range indicatorRoles {
		if v.Actor.HasRole(r) {
			return true
		}
	}
	return false
}

// indicatorCell is one figure of the table.
type indicatorCell struct {
	Text  string
	Title string // a rate's numerator / denominator
}

type indicatorRow struct {
	Name  string
	Cells []indicatorCell
}

type indicatorsData struct {
	Month      string // YYYY-MM
	Dimension  string
	Dimensions []urban.Dimension
	Keys       []string
	Rows       []indicatorRow
	Total      indicatorRow
	CSV        string
}

// indicatorPeriod reads the month and dimension of the page's query: this month and by
// department by default.
func indicatorPeriod(r *http.Request) (month string, from, to time.Time, d urban.Dimension, err error) {
	q := r.URL.Query()
	month, d = q.Get("month"), urban.Dimension(q.Get("dimension"))
	if d == "" {
		d = urban.ByDepartment
	}
	now := time.Now().In(calendar.Location())
	if month == "" {
		month = now.Format("2006-01")
	}
	from, perr := time.ParseInLocation("2006-01", month, calendar.Location())
	if perr != nil {
		return month, from, to, d, apperr.InvalidFields(apperr.Field("month", "indicator.month"))
	}
	return month, from, from.AddDate(0, 1, 0), d, nil
}

func (s *Server) indicatorReport(r *http.Request, v *view) (*indicatorsData, error) {
	if !v.MayIndicators() {
		return nil, apperr.New(apperr.Forbidden, "indicator.roles_only")
	}
	month, from, to, dim, err := indicatorPeriod(r)
	if err != nil {
		return nil, err
	}
	rep, err := s.urban.Indicators(r.Context(), v.Actor, dim, from, to)
	if err != nil {
		return nil, err
	}
	d := &indicatorsData{Month: month, Dimension: string(dim), Dimensions: urban.Dimensions(), Keys: urban.IndicatorKeys(),
		CSV: "/indicators.csv?month=" + month + "&dimension=" + string(dim)}
	for _, g := range rep.Groups {
		name := g.Name
		if dim == urban.ByInspector {
			if a, err := s.identity.Account(r.Context(), v.Actor, g.Key); err == nil {
				name = a.DisplayName
			}
		}
		d.Rows = append(d.Rows, indicatorRow{Name: name, Cells: cells(g.Counts)})
	}
	d.Total = indicatorRow{Name: v.T("indicator.total"), Cells: cells(rep.Total)}
	return d, nil
}

func cells(c urban.Counts) []indicatorCell {
	var out []indicatorCell
	for _, in := range c.Indicators() {
		cell := indicatorCell{Text: fmt.Sprintf("%.0f", in.Value)}
		if in.Rate {
			cell.Title = fmt.Sprintf("%d / %d", in.Num, in.Den)
			if in.Den == 0 {
				cell.Text = "—"
			} else {
				cell.Text = fmt.Sprintf("%.1f%%", in.Value)
			}
		}
		out = append(out, cell)
	}
	return out
}

func (s *Server) indicatorsPage(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "page.indicators")
	d, err := s.indicatorReport(r, v)
	if err != nil {
		return err
	}
	v.Data = d
	s.render(w, r, http.StatusOK, "indicators", v)
	return nil
}

// indicatorsCSV streams the table as CSV (UTF-8 with a byte order mark, which
// spreadsheet programs need to read Chinese), with a formula line under the header.
func (s *Server) indicatorsCSV(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "page.indicators")
	d, err := s.indicatorReport(r, v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="indicators-%s-%s.csv"`, d.Month, d.Dimension))
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte("\uFEFF"))
	cw := csv.NewWriter(w)
	head := []string{v.T("indicator.dimension." + d.Dimension)}
	formulas := []string{v.T("indicator.formula")}
	for _, k := range d.Keys {
		head = append(head, v.T("indicator."+k))
		formulas = append(formulas, v.T("indicator."+k+".formula"))
	}
	_ = cw.Write(head)
	_ = cw.Write(formulas)
	for _, row := range append(d.Rows, d.Total) {
		rec := []string{csvSafe(row.Name)}
		for _, c := range row.Cells {
			rec = append(rec, c.Text)
		}
		_ = cw.Write(rec)
	}
	cw.Flush()
	return nil
}

// csvSafe keeps a spreadsheet from reading a name as a formula.
func csvSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@') {
		return "'" + s
	}
	return s
}
