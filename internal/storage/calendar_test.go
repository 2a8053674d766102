package storage_test

import (
	"context"
	"testing"
	"time"

	"chengguan/internal/apperr"
	"chengguan/internal/calendar"
	"chengguan/internal/identity"
	"chengguan/internal/ids"
	"chengguan/internal/storage"
	"chengguan/internal/storage/storagetest"
)

// table2027 is a made-up 2027 table for the tests (the real notice is not
// out yet): 元旦 on Friday 1/1, and Saturday 1/9 a make-up working day.
func table2027(notice string) calendar.Year {
	d := func(s string) calendar.Date {
		v, err := calendar.ParseDate(s)
		if err != nil {
			panic(err)
		}
		return v
	}
	return calendar.Year{Year: 2027, Notice: notice,
		Off:  []calendar.Entry{{Date: d("2027-01-01"), Name: "元旦"}},
		Work: []calendar.Entry{{Date: d("2027-01-09"), Name: "元旦"}}}
}

func TestEnteredYearTablesLayerOverTheOfficialOnesAndAreRecorded(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		svc := calendar.NewService(storage.NewCalendarStore(db), ids.New, time.Now)
		c, err := svc.Calendar(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !c.Loaded(2026) || c.Loaded(2027) {
			t.Fatalf("before any edit: 2026 loaded %v, 2027 loaded %v; want the official tables only", c.Loaded(2026), c.Loaded(2027))
		}

		rootAdmin := &identity.Actor{AccountID: ids.New(), Assignments: []identity.Assignment{{Role: identity.RoleAdmin, UnitPath: "/" + ids.New() + "/"}}}
		districtAdmin := &identity.Actor{AccountID: ids.New(), Assignments: []identity.Assignment{{Role: identity.RoleAdmin, UnitPath: "/a/b/"}}}
		officer := &identity.Actor{AccountID: ids.New(), Assignments: []identity.Assignment{{Role: identity.RoleOfficer, UnitPath: "/a/"}}}
		if err := svc.SetYear(ctx, officer, table2027("v1")); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("an officer enters a year: %v, want forbidden", err)
		}
		if err := svc.SetYear(ctx, districtAdmin, table2027("v1")); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("a district administrator enters a year: %v, want forbidden", err)
		}
		bad := table2027("bad")
		bad.Work = append(bad.Work, calendar.Entry{Date: bad.Off[0].Date, Name: "元旦"})
		if err := svc.SetYear(ctx, rootAdmin, bad); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("a table giving one day off and on: %v, want invalid", err)
		}

		if err := svc.SetYear(ctx, rootAdmin, table2027("v1")); err != nil {
			t.Fatalf("SetYear: %v", err)
		}
		if err := svc.SetYear(ctx, identity.System(), table2027("v2")); err != nil {
			t.Fatalf("SetYear by the operator: %v", err)
		}
		c, err = svc.Calendar(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !c.Loaded(2027) {
			t.Fatal("the entered 2027 table is not loaded")
		}
		// Thursday 2026-12-31 + 1 workday: 1/1 is off, so Monday 2027-01-04, and no longer provisional.
		start, _ := calendar.ParseStart("2026-12-31")
		res, err := c.Due(start, 1, calendar.Workday, calendar.Options{})
		if err != nil || res.String() != "2027-01-04" || res.Provisional {
			t.Fatalf("due across the entered new year: %v %v", res, err)
		}

		changes, err := svc.Changes(ctx, 2027)
		if err != nil {
			t.Fatal(err)
		}
		if len(changes) != 2 || changes[0].Before != nil || changes[0].ActorID != rootAdmin.AccountID ||
			changes[1].Before == nil || changes[1].Before.Notice != "v1" || changes[1].After.Notice != "v2" || changes[1].ActorID != "system" {
			t.Fatalf("recorded changes: %+v", changes)
		}
		years, err := svc.Years(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(years) < 3 || years[0].Year.Year != 2027 || !years[0].Edited || years[1].Edited {
			t.Fatalf("years overview: %+v", years)
		}
	})
}

func TestWorkingHoursAreInheritedFromTheNearestUnitThatSetsThem(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		tr := makeTree(t, storage.NewIdentityStore(db))
		svc := calendar.NewService(storage.NewCalendarStore(db), ids.New, time.Now)
		admin := &identity.Actor{AccountID: ids.New(), Assignments: []identity.Assignment{{Role: identity.RoleAdmin, UnitPath: tr.city.Path}}}
		officer := &identity.Actor{AccountID: ids.New(), Assignments: []identity.Assignment{{Role: identity.RoleOfficer, UnitPath: tr.city.Path}}}

		h, inherited, err := svc.HoursFor(ctx, tr.streetA.Path)
		if err != nil || h.String() != calendar.DefaultHours().String() || !inherited {
			t.Fatalf("with nothing set: %v inherited %v, %v; want the default", h, inherited, err)
		}
		if err := svc.SetHours(ctx, officer, &tr.distA, "08:30-12:00,14:00-17:30"); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("an officer sets hours: %v, want forbidden", err)
		}
		if err := svc.SetHours(ctx, admin, &tr.distA, "9-12"); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("malformed hours: %v, want invalid", err)
		}
		if err := svc.SetHours(ctx, admin, &tr.distA, "08:30-12:00,14:00-17:30"); err != nil {
			t.Fatalf("SetHours: %v", err)
		}
		h, inherited, err = svc.HoursFor(ctx, tr.streetA.Path)
		if err != nil || h.String() != "08:30-12:00,14:00-17:30" || !inherited {
			t.Fatalf("a street under the district: %v inherited %v, %v", h, inherited, err)
		}
		h, inherited, _ = svc.HoursFor(ctx, tr.distA.Path)
		if h.String() != "08:30-12:00,14:00-17:30" || inherited {
			t.Fatalf("the district itself: %v inherited %v", h, inherited)
		}
		if h, _, _ := svc.HoursFor(ctx, tr.distB.Path); h.String() != calendar.DefaultHours().String() {
			t.Fatalf("the other district: %v, want the default", h)
		}
		if err := svc.SetHours(ctx, admin, &tr.distA, ""); err != nil {
			t.Fatalf("clear hours: %v", err)
		}
		if h, _, _ := svc.HoursFor(ctx, tr.streetA.Path); h.String() != calendar.DefaultHours().String() {
			t.Fatalf("after clearing: %v, want the default", h)
		}
	})
}

// A table that contradicts another stored one (the next year's may list the
// last days of December) is refused, inside the writing transaction.
func TestAYearTableThatContradictsAnotherIsRefused(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		svc := calendar.NewService(storage.NewCalendarStore(db), ids.New, time.Now)
		d := func(s string) calendar.Date {
			v, err := calendar.ParseDate(s)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		y2027 := calendar.Year{Year: 2027, Off: []calendar.Entry{}, Work: []calendar.Entry{{Date: d("2027-12-25"), Name: "元旦"}}}
		if err := svc.SetYear(ctx, identity.System(), y2027); err != nil {
			t.Fatalf("2027: %v", err)
		}
		y2028 := calendar.Year{Year: 2028, Off: []calendar.Entry{{Date: d("2027-12-25"), Name: "元旦"}}, Work: []calendar.Entry{}}
		if err := svc.SetYear(ctx, identity.System(), y2028); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("a 2028 table giving 2027-12-25 off against 2027's make-up day: %v, want invalid", err)
		}
		years, err := svc.Years(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, y := range years {
			if y.Year.Year == 2028 {
				t.Fatal("the refused 2028 table was stored")
			}
		}
		if changes, _ := svc.Changes(ctx, 2028); len(changes) != 0 {
			t.Fatalf("the refused table left changes: %+v", changes)
		}
	})
}
