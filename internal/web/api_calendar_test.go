package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"chengguan/internal/storage"
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

func TestAdministratorEntersANewYearAndDeadlinesFollowIt(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		due := func() (string, bool) {
			var got struct {
				Due         string `json:"due"`
				Provisional bool   `json:"provisional"`
			}
			r := a.anonymous().getJSON(t, "/api/v1/calendar/due?start=2026-12-31&amount=1&unit=workday")
			r.wantStatus(t, http.StatusOK)
			r.decode(t, &got)
			return got.Due, got.Provisional
		}
		if d, p := due(); d != "2027-01-01" || !p {
			t.Fatalf("before 2027 is entered: %s provisional %v, want 2027-01-01 provisional", d, p)
		}

		officer := a.loginDemo(t, "officer")
		officer.get(t, "/admin/calendar").wantStatus(t, http.StatusForbidden)

		admin := a.loginDemo(t, "admin")
		list := admin.get(t, "/admin/calendar")
		list.wantStatus(t, http.StatusOK)
		if !strings.Contains(list.String(), "国务院办公厅关于2026年部分节假日安排的通知") || !strings.Contains(list.String(), `href="/admin/calendar/2027"`) {
			t.Fatalf("the holidays page lacks 2026 or the link to enter 2027:\n%.3000s", list.body)
		}
		admin.get(t, "/admin/calendar/2027").wantStatus(t, http.StatusOK)

		bad := admin.postForm(t, "/admin/calendar/2027", url.Values{"notice": {"x"}, "table": {"2027-01-01 休 元旦\n2027-01-09 班"}})
		bad.wantStatus(t, http.StatusBadRequest)
		if !strings.Contains(bad.String(), escaped(a.T("zh-CN", "calendar.line", map[string]any{"Line": 2}))) {
			t.Fatalf("the refusal does not name line 2:\n%.3000s", bad.body)
		}
		admin.postForm(t, "/admin/calendar/2027", url.Values{"notice": {"国务院办公厅关于2027年部分节假日安排的通知"},
			"table": {"# 元旦\n2027-01-01 休 元旦\n"}}).wantRedirect(t, "/admin/calendar?saved=2027")
		if d, p := due(); d != "2027-01-04" || p {
			t.Fatalf("after 2027 is entered: %s provisional %v, want 2027-01-04 settled", d, p)
		}
		page := admin.get(t, "/admin/calendar/2027")
		if !strings.Contains(page.String(), "2027-01-01 休 元旦") {
			t.Fatalf("the entered table is not shown for editing:\n%.3000s", page.body)
		}

		// The API: an administrator's bearer token may enter a year; the year in the path must match.
		api := a.bearer(t, "admin", demoPassword)
		table := map[string]any{"year": 2028, "off": []map[string]string{{"date": "2028-01-01", "name": "元旦"}}, "work": []any{}}
		if r := api.sendJSON(t, http.MethodPut, "/api/v1/calendar/years/2028", table); r.status >= 300 {
			t.Fatalf("PUT a year: status %d %s", r.status, r.body)
		}
		api.sendJSON(t, http.MethodPut, "/api/v1/calendar/years/2029", table).wantError(t, http.StatusBadRequest, "invalid")
		a.bearer(t, "supervisor", demoPassword).sendJSON(t, http.MethodPut, "/api/v1/calendar/years/2028", table).
			wantError(t, http.StatusForbidden, "forbidden")
	})
}

func TestWorkingHoursOfAUnitGovernItsWorkhourDeadlines(t *testing.T) {
	t.Parallel()
	a := startApp(t, storagetest.OpenSQLite(t))
	district := a.unitID(t, "419901")
	street := a.unitID(t, "419901001")
	admin := a.loginDemo(t, "admin")
	admin.postForm(t, "/admin/units/"+district+"/hours", url.Values{"hours": {"9-12"}}).wantStatus(t, http.StatusBadRequest)
	admin.postForm(t, "/admin/units/"+district+"/hours", url.Values{"hours": {"08:00-12:00,14:00-18:00"}}).
		wantRedirect(t, "/admin/units/"+district)
	page := admin.get(t, "/admin/units/"+street)
	if !strings.Contains(page.String(), "08:00-12:00,14:00-18:00") {
		t.Fatalf("the street's page does not show the hours it inherits:\n%.3000s", page.body)
	}
	// 4 working hours from 16:00 on 9/30: 16:00–18:00 is 2 h, then 10/8 08:00–10:00.
	q := url.Values{"start": {"2026-09-30T16:00:00+08:00"}, "amount": {"4"}, "unit": {"workhour"}, "unit_id": {street}}
	var got struct {
		Due string `json:"due"`
	}
	r := a.bearer(t, "inspector", demoPassword).getJSON(t, "/api/v1/calendar/due?"+q.Encode())
	r.wantStatus(t, http.StatusOK)
	r.decode(t, &got)
	if got.Due != "2026-10-08T10:00:00+08:00" {
		t.Fatalf("due in the street's hours: %s, want 2026-10-08T10:00:00+08:00", got.Due)
	}
	// Asking for a unit's hours needs a signed-in user who may see the unit.
	a.anonymous().getJSON(t, "/api/v1/calendar/due?"+q.Encode()).wantError(t, http.StatusUnauthorized, "unauthenticated")
	a.loginDemo(t, "dept").getJSON(t, "/api/v1/calendar/due?"+q.Encode()).wantError(t, http.StatusForbidden, "forbidden")
}
