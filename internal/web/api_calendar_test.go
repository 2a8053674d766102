package web_test

import (
	"net/http"
	"net/url"
	"testing"

	"chengguan/internal/storage/storagetest"
)

func TestCalendarDueAnswersWithoutSignInAsTheContractSays(t *testing.T) {
	t.Parallel()
	a := startApp(t, storagetest.OpenSQLite(t))
	u := a.anonymous()
	cases := []struct {
		start, amount, unit string
		due                 string
		provisional         bool
	}{
		// 国庆 2026: 10/1–10/7 off, 10/10 (Saturday) a make-up working day.
		{"2026-09-30", "7", "workday", "2026-10-15", false},
		// 15 calendar days end on Friday 2026-06-19, the first day of 端午: rolled to Monday 6/22.
		{"2026-06-04", "15", "day", "2026-06-22", false},
		// 16:00–17:30 on 9/30 is 1.5 h; 2.5 h more on 10/8 runs to 11:30.
		{"2026-09-30T16:00:00+08:00", "4", "workhour", "2026-10-08T11:30:00+08:00", false},
		{"2026-09-30T16:00:00+08:00", "3", "hour", "2026-09-30T19:00:00+08:00", false},
		// No official 2027 calendar yet: weekends only, and said so.
		{"2027-03-01", "5", "workday", "2027-03-08", true},
	}
	for _, c := range cases {
		q := url.Values{"start": {c.start}, "amount": {c.amount}, "unit": {c.unit}}
		r := u.getJSON(t, "/api/v1/calendar/due?"+q.Encode())
		r.wantStatus(t, http.StatusOK)
		var got struct {
			Due         string `json:"due"`
			Provisional bool   `json:"provisional"`
		}
		r.decode(t, &got)
		if got.Due != c.due || got.Provisional != c.provisional {
			t.Errorf("%s + %s %s: got %+v, want due %s provisional %v", c.start, c.amount, c.unit, got, c.due, c.provisional)
		}
	}
	for field, q := range map[string]url.Values{
		"start":  {"start": {"30/09/2026"}, "amount": {"7"}, "unit": {"workday"}},
		"amount": {"start": {"2026-09-30"}, "amount": {"99999"}, "unit": {"day"}},
		"unit":   {"start": {"2026-09-30"}, "amount": {"7"}, "unit": {"week"}},
	} {
		e := u.getJSON(t, "/api/v1/calendar/due?"+q.Encode()).wantError(t, http.StatusBadRequest, "invalid")
		if e.field(field) == "" {
			t.Errorf("bad %s: the error names no field %q: %+v", field, field, e)
		}
	}
}
