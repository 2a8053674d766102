package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"chengguan/internal/apperr"
	"chengguan/internal/calendar"
	"chengguan/internal/identity"
)

// Administrators enter each year's State Council holiday notice as a table,
// one day a line: "2027-01-01 休 元旦" for a day off, "2027-02-06 班 春节" for
// a make-up working day.

type calendarPageData struct {
	Years []calendar.YearInfo
	// Next offers the years after the last loaded one.
	Next []int
}

func (s *Server) calendarPage(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "page.calendar")
	// The calendar is the whole installation's: administrators of the
	// whole tree keep it.
	if err := identity.Decide(v.Actor, identity.ActCalendarEdit, identity.Resource{}).Err(); err != nil {
		return err
	}
	years, err := s.calendar.Years(r.Context())
	if err != nil {
		return err
	}
	if r.URL.Query().Get("saved") != "" {
		v.Flash = "calendar.saved"
	}
	d := &calendarPageData{Years: years}
	last := time.Now().In(calendar.Location()).Year()
	if len(years) > 0 && years[0].Year.Year > last {
		last = years[0].Year.Year
	}
	d.Next = []int{last + 1}
	v.Data = d
	s.render(w, r, http.StatusOK, "calendar", v)
	return nil
}

type calendarYearData struct {
	Year    int
	Changes []calendar.Change
}

func (s *Server) calendarYearPage(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "page.calendar_year")
	year, err := strconv.Atoi(r.PathValue("year"))
	if err != nil || year < 2000 || year > 2999 {
		return apperr.New(apperr.NotFound, "")
	}
	years, err := s.calendar.Years(r.Context())
	if err != nil {
		return err
	}
	for _, y := range years {
		if y.Year.Year == year {
			v.Form["notice"], v.Form["table"] = y.Year.Notice, yearLines(y.Year)
		}
	}
	return s.renderCalendarYear(w, r, http.StatusOK, v, year)
}

func (s *Server) renderCalendarYear(w http.ResponseWriter, r *http.Request, status int, v *view, year int) error {
	// The calendar is the whole installation's: administrators of the
	// whole tree keep it.
	if err := identity.Decide(v.Actor, identity.ActCalendarEdit, identity.Resource{}).Err(); err != nil {
		return err
	}
	changes, err := s.calendar.Changes(r.Context(), year)
	if err != nil {
		return err
	}
	v.Data = &calendarYearData{Year: year, Changes: changes}
	s.render(w, r, status, "calendar_year", v)
	return nil
}

func (s *Server) calendarYearSave(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "page.calendar_year")
	year, err := strconv.Atoi(r.PathValue("year"))
	if err != nil || year < 2000 || year > 2999 {
		return apperr.New(apperr.NotFound, "")
	}
	f, err := form(r)
	if err != nil {
		return err
	}
	v.Form["notice"], v.Form["table"] = f.Get("notice"), f.Get("table")
	y, err := parseYearLines(year, f.Get("notice"), f.Get("table"))
	if err == nil {
		err = s.calendar.SetYear(r.Context(), v.Actor, y)
	}
	if err != nil {
		return s.formFailure(w, r, v, err, func(st int) error { return s.renderCalendarYear(w, r, st, v, year) })
	}
	http.Redirect(w, r, "/admin/calendar?saved="+strconv.Itoa(year), http.StatusSeeOther)
	return nil
}

// yearLines writes a table in the form the page edits.
func yearLines(y calendar.Year) string {
	var b strings.Builder
	for _, e := range y.Off {
		fmt.Fprintf(&b, "%s 休 %s\n", e.Date, e.Name)
	}
	for _, e := range y.Work {
		fmt.Fprintf(&b, "%s 班 %s\n", e.Date, e.Name)
	}
	return b.String()
}

// parseYearLines reads the page's table: one day a line, "date kind name",
// where kind is 休 (or off) for a day off and 班 (or work) for a make-up
// working day. Blank lines and lines starting with # are skipped.
func parseYearLines(year int, notice, text string) (calendar.Year, error) {
	y := calendar.Year{Year: year, Notice: strings.TrimSpace(notice), Off: []calendar.Entry{}, Work: []calendar.Entry{}}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		bad := apperr.InvalidFields(apperr.FieldError{Field: "table", Key: "calendar.line", Args: map[string]any{"Line": i + 1}})
		if len(fields) < 3 {
			return y, bad
		}
		d, err := calendar.ParseDate(fields[0])
		if err != nil {
			return y, bad
		}
		e := calendar.Entry{Date: d, Name: strings.Join(fields[2:], " ")}
		switch fields[1] {
		case "休", "off":
			y.Off = append(y.Off, e)
		case "班", "work":
			y.Work = append(y.Work, e)
		default:
			return y, bad
		}
	}
	return y, nil
}
