package web

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/xuri/excelize/v2"

	"chengguan/internal/apperr"
	"chengguan/internal/calendar"
	"chengguan/internal/identity"
	"chengguan/internal/urban"
)

// The evaluation indicators of the closed loop (FACTS §1.5, issue 4 §6): per department,
// district, street, grid or inspector, over a month or any range of days, each with its formula. The service
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
	Period     indicatorPeriod
	Quick      []quickPeriod
	Dimension  string
	Dimensions []urban.Dimension
	Keys       []string
	Rows       []indicatorRow
	Total      indicatorRow
	CSV        string
	XLSX       string
}

// indicatorPeriod is the period the staff chose: a month (the default), or a range of
// days whose end date is included, as people say it; the service takes [Start, End).
type indicatorPeriod struct {
	Mode       string // "month" or "range"
	Month      string // YYYY-MM
	From, To   string // YYYY-MM-DD, To included
	Start, End time.Time
}

// Label names the period in a caption or a file name.
func (p indicatorPeriod) Label() string {
	if p.Mode == periodRange {
		return p.From + " – " + p.To
	}
	return p.Month
}

// query is the period as query parameters, so links and exports keep it.
func (p indicatorPeriod) query() url.Values {
	if p.Mode == periodRange {
		return url.Values{"period": {periodRange}, "from": {p.From}, "to": {p.To}}
	}
	return url.Values{"month": {p.Month}}
}

func (p indicatorPeriod) fileLabel() string {
	if p.Mode == periodRange {
		return p.From + "_" + p.To
	}
	return p.Month
}

const (
	periodMonth = "month"
	periodRange = "range"
)

// quickPeriod is one of the usual periods, offered as a link.
type quickPeriod struct {
	Key    string // translation key
	Href   string
	Active bool
}

// readIndicatorPeriod reads the period and dimension of the page's query: this month and
// by department by default; period=range (or from/to without a period) takes the days
// from and to, both included. Every problem is reported as a field error at once.
func readIndicatorPeriod(q url.Values, now time.Time) (indicatorPeriod, urban.Dimension, error) {
	d := urban.Dimension(q.Get("dimension"))
	if d == "" {
		d = urban.ByDepartment
	}
	loc := calendar.Location()
	p := indicatorPeriod{Mode: q.Get("period"), Month: q.Get("month"), From: q.Get("from"), To: q.Get("to")}
	if p.Mode == "" && (p.From != "" || p.To != "") {
		p.Mode = periodRange
	}
	if p.Mode != periodRange {
		p.Mode = periodMonth
		if p.Month == "" {
			p.Month = now.In(loc).Format("2006-01")
		}
		start, err := time.ParseInLocation("2006-01", p.Month, loc)
		if err != nil {
			return p, d, apperr.InvalidFields(apperr.Field("month", "indicator.month"))
		}
		p.Start, p.End = start, start.AddDate(0, 1, 0)
		return p, d, nil
	}
	if p.Month == "" {
		p.Month = now.In(loc).Format("2006-01") // ready if the staff switch back to a month
	}
	var bad []apperr.FieldError
	from, ferr := calendar.ParseDate(p.From)
	if ferr != nil {
		bad = append(bad, apperr.Field("from", "indicator.date"))
	}
	to, terr := calendar.ParseDate(p.To)
	if terr != nil {
		bad = append(bad, apperr.Field("to", "indicator.date"))
	}
	if len(bad) > 0 {
		return p, d, apperr.InvalidFields(bad...)
	}
	p.Start, p.End = from.Start(), to.AddDays(1).Start()
	switch {
	case p.End.Before(p.Start.AddDate(0, 0, 1)):
		return p, d, apperr.InvalidFields(apperr.Field("to", "indicator.range_order"))
	case p.End.Sub(p.Start) > urban.MaxPeriod:
		return p, d, apperr.InvalidFields(apperr.FieldError{Field: "to", Key: "indicator.range_too_long",
			Args: map[string]any{"Days": int(urban.MaxPeriod / (24 * time.Hour))}})
	}
	return p, d, nil
}

// quickPeriods are this month, last month, this quarter and this year, each a link that
// keeps the dimension.
func quickPeriods(now time.Time, cur indicatorPeriod, d urban.Dimension) []quickPeriod {
	now = now.In(calendar.Location())
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, calendar.Location())
	quarter := month.AddDate(0, -int(month.Month()-1)%3, 0)
	year := month.AddDate(0, -int(month.Month()-1), 0)
	day := func(t time.Time) string { return t.Format(time.DateOnly) }
	periods := []struct {
		key string
		p   indicatorPeriod
	}{
		{"indicator.quick.this_month", indicatorPeriod{Mode: periodMonth, Month: month.Format("2006-01")}},
		{"indicator.quick.last_month", indicatorPeriod{Mode: periodMonth, Month: month.AddDate(0, -1, 0).Format("2006-01")}},
		{"indicator.quick.this_quarter", indicatorPeriod{Mode: periodRange, From: day(quarter), To: day(quarter.AddDate(0, 3, -1))}},
		{"indicator.quick.this_year", indicatorPeriod{Mode: periodRange, From: day(year), To: day(year.AddDate(1, 0, -1))}},
	}
	var out []quickPeriod
	for _, q := range periods {
		v := q.p.query()
		v.Set("dimension", string(d))
		active := q.p.Mode == cur.Mode && q.p.Month == cur.Month && (q.p.Mode == periodMonth || q.p.From == cur.From && q.p.To == cur.To)
		out = append(out, quickPeriod{Key: q.key, Href: "/indicators?" + v.Encode(), Active: active})
	}
	return out
}

func (s *Server) indicatorReport(r *http.Request, v *view) (*indicatorsData, error) {
	if !v.MayIndicators() {
		return nil, apperr.New(apperr.Forbidden, "indicator.roles_only")
	}
	now := time.Now()
	p, dim, err := readIndicatorPeriod(r.URL.Query(), now)
	d := &indicatorsData{Period: p, Quick: quickPeriods(now, p, dim), Dimension: string(dim),
		Dimensions: urban.Dimensions(), Keys: urban.IndicatorKeys()}
	if err != nil {
		return d, err
	}
	rep, err := s.urban.Indicators(r.Context(), v.Actor, dim, p.Start, p.End)
	if err != nil {
		return d, err
	}
	q := p.query()
	q.Set("dimension", string(dim))
	d.CSV, d.XLSX = "/indicators.csv?"+q.Encode(), "/indicators.xlsx?"+q.Encode()
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
		// A period the staff typed wrong comes back on the form with its reason.
		if apperr.CodeOf(err) != apperr.Invalid || d == nil {
			return err
		}
		status, body := render(v.loc, info(r.Context()).id, err)
		v.Err, v.Data = &body.Error, d
		s.render(w, r, status, "indicators", v)
		return nil
	}
	v.Data = d
	s.render(w, r, http.StatusOK, "indicators", v)
	return nil
}

// indicatorLines is the table as the exports write it: the header, a formula line under
// it, a row per group and the totals.
func indicatorLines(v *view, d *indicatorsData) [][]string {
	head := []string{v.T("indicator.dimension." + d.Dimension)}
	formulas := []string{v.T("indicator.formula")}
	for _, k := range d.Keys {
		head = append(head, v.T("indicator."+k))
		formulas = append(formulas, v.T("indicator."+k+".formula"))
	}
	lines := [][]string{head, formulas}
	for _, row := range append(d.Rows, d.Total) {
		rec := []string{csvSafe(row.Name)}
		for _, c := range row.Cells {
			rec = append(rec, c.Text)
		}
		lines = append(lines, rec)
	}
	return lines
}

// indicatorsCSV writes the table as CSV (UTF-8 with a byte order mark, which
// spreadsheet programs need to read Chinese), with a formula line under the header.
func (s *Server) indicatorsCSV(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "page.indicators")
	d, err := s.indicatorReport(r, v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="indicators-%s-%s.csv"`, d.Period.fileLabel(), d.Dimension))
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte("\uFEFF"))
	cw := csv.NewWriter(w)
	_ = cw.WriteAll(indicatorLines(v, d))
	return nil
}

// indicatorsXLSX writes the same table as an xlsx sheet, every cell as text as shown.
func (s *Server) indicatorsXLSX(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "page.indicators")
	d, err := s.indicatorReport(r, v)
	if err != nil {
		return err
	}
	book := excelize.NewFile()
	defer book.Close()
	sheet := v.T("page.indicators")
	if err := book.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	for i, line := range indicatorLines(v, d) {
		cell, err := excelize.CoordinatesToCellName(1, i+1)
		if err != nil {
			return err
		}
		if err := book.SetSheetRow(sheet, cell, &line); err != nil {
			return err
		}
	}
	w.Header().Set("Content-Type", xlsxType)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="indicators-%s-%s.xlsx"`, d.Period.fileLabel(), d.Dimension))
	w.Header().Set("Cache-Control", "no-store")
	_, err = book.WriteTo(w)
	return err
}

// csvSafe keeps a spreadsheet from reading a name as a formula.
func csvSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@') {
		return "'" + s
	}
	return s
}
