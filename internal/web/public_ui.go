package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"chengguan/internal/apperr"
	"chengguan/internal/grid"
	"chengguan/internal/urban"
)

// The public pages of the closed loop: a resident reports a problem without signing in
// and follows it by a private tracking link (REQUIREMENTS B2, issue 4 §2). Nothing here
// shows who reported, handled or verified a case.

// residentKey scopes the resident form's client IDs: each rendering of the form has a
// random one, so that a double submission of the same form makes one case.
const residentKey = "resident-form"

func (s *Server) residentReportPage(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "page.report")
	v.Form["client_id"] = newClientID()
	if err := s.renderReportForm(w, r, http.StatusOK, v, string(urban.ChannelResident), ""); err != nil {
		s.writeError(w, r, err)
	}
}

type reportDoneData struct {
	Number string
	// Link is the private tracking link; a resubmission shows it again when the
	// service could derive it again, and otherwise says it was shown the first time.
	Link        string
	Resubmitted bool
}

func (s *Server) residentReport(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "page.report")
	client := clientAddr(r, s.proxies)
	if wait := s.reportThrottle.wait(client); wait > 0 {
		err := apperr.New(apperr.RateLimited, "report.client_wait").With(map[string]any{
			"Minutes": int(wait.Minutes()) + 1, "Seconds": int(wait.Seconds()) + 1})
		setRetryAfter(w, err)
		s.writeError(w, r, err)
		return
	}
	f, photos, err := s.uploadForm(r)
	var rc urban.Receipt
	if err == nil {
		var rep urban.Report
		rep, err = reportFields(f, v)
		if err == nil {
			rep.Channel, rep.ReporterKey, rep.Photos = urban.ChannelResident, residentKey, photos
			rc, err = s.urban.Submit(r.Context(), nil, rep)
		}
	}
	if err != nil {
		if apperr.CodeOf(err) == apperr.NotFound {
			err = apperr.InvalidFields(apperr.Field("location", "cases.outside_grid"))
		}
		err = s.uploadFailure(w, r, v, err, func(st int) error {
			return s.renderReportForm(w, r, st, v, string(urban.ChannelResident), "")
		})
		if err != nil {
			s.writeError(w, r, err)
		}
		return
	}
	if !rc.Resubmitted {
		s.reportThrottle.failed(client) // counts reports, not failures, here
	}
	d := &reportDoneData{Number: rc.Case.Number, Resubmitted: rc.Resubmitted}
	if rc.Tracking != "" {
		d.Link = trackPath(rc.Case.Number, rc.Tracking)
	}
	v.Title = "page.report_done"
	v.Data = d
	s.render(w, r, http.StatusCreated, "report_done", v)
}

// reportCells serves the grid cells of the version in force to the public form's map, so
// that a resident sees where the grid covers: the cells, their codes and their
// communities' names are public facts of the city's digital management.
func (s *Server) reportCells(w http.ResponseWriter, r *http.Request) {
	idx, _, err := s.grid.Current(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	body, err := grid.MarshalGeoJSON(idx.Cells())
	if err != nil {
		s.writeError(w, r, apperr.Internalf("grid GeoJSON: %w", err))
		return
	}
	w.Header().Set("Content-Type", "application/geo+json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(body)
}

// trackPath is a case's private tracking link.
func trackPath(number, secret string) string {
	return "/track/" + url.PathEscape(number) + "?" + url.Values{"k": {secret}}.Encode()
}

type trackData struct {
	Number  string
	Key     string
	Case    *urban.Case
	Steps   []trackStep
	CanRate bool
	// CanReopen: closed within the city's reopening period.
	CanReopen bool
}

// trackStep is one line of a resident's view of the progress: a milestone of the loop
// or a public note, with no one's name.
type trackStep struct {
	At   time.Time
	Move urban.Move
	Note string
}

// trackSteps are the case's milestones (from its own timestamps, so that the resident
// sees every stage even where staff kept their notes internal) and its public notes.
func trackSteps(c *urban.Case, evs []urban.Event) []trackStep {
	var out []trackStep
	for _, m := range []struct {
		at   time.Time
		move urban.Move
	}{{c.ReportedAt, urban.MoveReport}, {c.FiledAt, urban.MoveFile}, {c.DispatchedAt, urban.MoveDispatch},
		{c.HandledAt, urban.MoveHandle}, {c.VerifiedAt, urban.MoveVerify}, {c.ClosedAt, urban.MoveClose}} {
		if !m.at.IsZero() {
			out = append(out, trackStep{At: m.at, Move: m.move})
		}
	}
	for _, e := range evs {
		if e.Note == "" {
			continue
		}
		i := slices.IndexFunc(out, func(s trackStep) bool { return s.Move == e.Move && s.At.Equal(e.At) && s.Note == "" })
		if i >= 0 {
			out[i].Note = e.Note
			continue
		}
		out = append(out, trackStep{At: e.At, Move: e.Move, Note: e.Note})
	}
	slices.SortStableFunc(out, func(a, b trackStep) int { return a.At.Compare(b.At) })
	return out
}

// trackLookup is the form that opens a tracking page by number and secret.
func (s *Server) trackLookup(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if n, k := strings.TrimSpace(q.Get("number")), strings.TrimSpace(q.Get("k")); n != "" && k != "" {
		http.Redirect(w, r, trackPath(n, k), http.StatusSeeOther)
		return
	}
	v := s.newView(r, "page.track")
	v.Data = &trackData{}
	s.render(w, r, http.StatusOK, "track", v)
}

func (s *Server) trackPage(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "page.track")
	if r.URL.Query().Get("rated") != "" {
		v.Flash = "track.rated"
	}
	if r.URL.Query().Get("reopened") != "" {
		v.Flash = "track.reopened"
	}
	s.renderTrack(w, r, http.StatusOK, v, r.PathValue("number"), r.URL.Query().Get("k"))
}

func (s *Server) renderTrack(w http.ResponseWriter, r *http.Request, status int, v *view, number, key string) {
	c, evs, err := s.urban.Track(r.Context(), number, key)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// The tracking page never names the people: steps keep only their move, time and
	// public note.
	reopenable := c.State == urban.StateClosed &&
		(s.urban.Config().ReopenWithin == 0 || time.Since(c.ClosedAt) <= s.urban.Config().ReopenWithin)
	v.Data = &trackData{Number: number, Key: key, Case: c, Steps: trackSteps(c, evs),
		CanRate: c.State == urban.StateClosed && c.Rating == 0, CanReopen: reopenable}
	s.render(w, r, status, "track", v)
}

// trackRate records the resident's satisfaction (回访评价) after closing.
func (s *Server) trackRate(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "page.track")
	f, err := form(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	number, key := r.PathValue("number"), f.Get("k")
	rating, _ := strconv.Atoi(f.Get("rating"))
	v.Form["rating"], v.Form["comment"] = f.Get("rating"), f.Get("comment")
	if _, err := s.urban.Rate(r.Context(), number, key, rating, f.Get("comment")); err != nil {
		err = s.formFailure(w, r, v, err, func(st int) error {
			s.renderTrack(w, r, st, v, number, key)
			return nil
		})
		if err != nil {
			s.writeError(w, r, err)
		}
		return
	}
	http.Redirect(w, r, trackPath(number, key)+"&rated=1", http.StatusSeeOther)
}

// trackReopen reopens a closed case at the resident's request (重新打开), within the
// city's reopening period.
func (s *Server) trackReopen(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "page.track")
	f, err := form(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	number, key := r.PathValue("number"), f.Get("k")
	v.Form["reason"] = f.Get("reason")
	if _, err := s.urban.Reopen(r.Context(), number, key, f.Get("reason")); err != nil {
		err = s.formFailure(w, r, v, err, func(st int) error {
			s.renderTrack(w, r, st, v, number, key)
			return nil
		})
		if err != nil {
			s.writeError(w, r, err)
		}
		return
	}
	http.Redirect(w, r, trackPath(number, key)+"&reopened=1", http.StatusSeeOther)
}
