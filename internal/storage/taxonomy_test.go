package storage_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"chengguan/internal/apperr"
	"chengguan/internal/calendar"
	"chengguan/internal/demo"
	"chengguan/internal/identity"
	"chengguan/internal/ids"
	"chengguan/internal/storage"
	"chengguan/internal/storage/storagetest"
	"chengguan/internal/urban/taxonomy"
)

// taxonomyService returns the catalogue service over a database holding
// the demo city's units (and no categories yet).
func taxonomyService(t *testing.T, db *storage.DB, now func() time.Time) *taxonomy.Service {
	t.Helper()
	ctx := context.Background()
	svc, err := identity.NewService(storage.NewIdentityStore(db), identity.Options{Argon2: identity.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Load(ctx, svc, func(string) string { return "demo-password-1" }); err != nil {
		t.Fatal(err)
	}
	cal := calendar.NewService(storage.NewCalendarStore(db), ids.New, now)
	return taxonomy.NewService(storage.NewTaxonomyStore(db), storage.NewIdentityStore(db), cal, ids.New, now)
}

func TestDemoCatalogueImportsOnceWithALedgerRecordPerCategory(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		svc := taxonomyService(t, db, nil)
		before := len(ledgerRecords(t, db))
		rep, created, err := demo.LoadCategories(ctx, svc)
		if err != nil || !created || rep.Created < 40 || rep.Created != rep.Rows {
			t.Fatalf("LoadCategories: %+v %t %v", rep, created, err)
		}
		recs := ledgerRecords(t, db)[before:]
		if len(recs) != rep.Created || recs[0].Action != taxonomy.ActCreate || recs[0].Subject.Kind != "category" {
			t.Fatalf("%d ledger records (first %+v), want %d category.create", len(recs), recs[0], rep.Created)
		}
		if _, created, err := demo.LoadCategories(ctx, svc); err != nil || created {
			t.Fatalf("second LoadCategories: imported %t, %v; want nothing", created, err)
		}
		// The same file again through the importer changes nothing.
		rep, err = svc.Import(ctx, identity.System(), taxonomy.DemoCSV())
		if err != nil || rep.Unchanged != rep.Rows || rep.Created+rep.Updated != 0 {
			t.Fatalf("re-import: %+v %v", rep, err)
		}
		c, err := svc.ByCode(ctx, taxonomy.Component, "0101")
		if err != nil || c.Name != "上水井盖" || c.DepartmentCode != "419900-GS" || c.DepartmentName != "示范市供水公司" || c.Version != 1 {
			t.Fatalf("ByCode(component, 0101): %+v %v", c, err)
		}
		if got, err := svc.Category(ctx, c.ID); err != nil || got.Code != "0101" {
			t.Fatalf("Category(%s): %+v %v", c.ID, got, err)
		}
		_, err = svc.ByCode(ctx, taxonomy.Event, "9999")
		wantCode(t, err, apperr.NotFound, "unknown code")
	})
}

func TestImportWithABadRowWritesNothing(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		svc := taxonomyService(t, db, nil)
		csv := string(taxonomy.DemoCSV())
		// Line 3 names a unit that is no department; line 5 an unknown one.
		lines := strings.Split(csv, "\n")
		lines[2] = strings.Replace(lines[2], "419900-SZ", "419901", 1)
		lines[4] = strings.Replace(lines[4], "419900-SZ", "nowhere", 1)
		before := len(ledgerRecords(t, db))
		rep, err := svc.Import(ctx, rootAdmin(), []byte(strings.Join(lines, "\n")))
		wantCode(t, err, apperr.Invalid, "import with bad rows")
		if len(rep.Errors) != 2 || rep.Errors[0].Line != 3 || rep.Errors[0].Key != "taxonomy.department_kind" ||
			rep.Errors[1].Line != 5 || rep.Errors[1].Key != "taxonomy.department_unknown" || rep.Errors[1].Column != "department" {
			t.Fatalf("report: %+v", rep.Errors)
		}
		cats, err := storage.NewTaxonomyStore(db).Categories(ctx)
		if err != nil || len(cats) != 0 {
			t.Fatalf("after a refused import: %d categories, %v", len(cats), err)
		}
		if n := len(ledgerRecords(t, db)); n != before {
			t.Fatalf("a refused import left %d ledger records", n-before)
		}
	})
}

func TestCityEditsNationalCategoryAndAddsItsOwn(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		svc := taxonomyService(t, db, func() time.Time { return t0 })
		if _, _, err := demo.LoadCategories(ctx, svc); err != nil {
			t.Fatal(err)
		}
		admin := rootAdmin()
		c, err := svc.ByCode(ctx, taxonomy.Event, "0102")
		if err != nil {
			t.Fatal(err)
		}
		edit := c.Clone()
		edit.HandleLimit = taxonomy.Limit{Amount: 1, Unit: calendar.Workday}
		edit.Urgencies = nil
		edit.Enabled = false
		edit.DepartmentID, edit.DepartmentCode = "", "419900-SZ"
		got, err := svc.Update(ctx, admin, edit)
		if err != nil || got.Version != 2 || got.Enabled || got.DepartmentCode != "419900-SZ" || got.HandleLimit != edit.HandleLimit || len(got.Urgencies) != 0 {
			t.Fatalf("Update: %+v %v", got, err)
		}
		// The same edit again is stale: it was made on version 1.
		_, err = svc.Update(ctx, admin, edit)
		wantCode(t, err, apperr.Conflict, "stale edit")
		rename := got.Clone()
		rename.Name = "垃圾"
		_, err = svc.Update(ctx, admin, rename)
		wantCode(t, err, apperr.Invalid, "renaming a national category")
		revs, err := svc.History(ctx, admin, c.ID)
		if err != nil || len(revs) != 2 || revs[0].Version != 2 || revs[1].Category.HandleLimit != c.HandleLimit || revs[0].By != admin.AccountID {
			t.Fatalf("History: %+v %v", revs, err)
		}
		enabled, err := svc.Enabled(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range enabled {
			if e.ID == c.ID {
				t.Fatal("a disabled category is still offered")
			}
		}
		own := taxonomy.Category{Kind: taxonomy.Event, Code: "0603", MajorName: "扩展事件", MajorNameEN: "City extension events",
			Name: "违规晾晒", DepartmentCode: "419900-HW", FileLimit: edit.FileLimit, DispatchLimit: edit.DispatchLimit,
			HandleLimit: edit.HandleLimit, VerifyLimit: edit.VerifyLimit, Enabled: true}
		created, err := svc.Create(ctx, admin, own)
		if err != nil || created.Source != taxonomy.City || created.Version != 1 {
			t.Fatalf("Create: %+v %v", created, err)
		}
		_, err = svc.Create(ctx, admin, own)
		wantCode(t, err, apperr.Invalid, "the same code again")
		own.Code, own.MajorName = "0604", "其他"
		_, err = svc.Create(ctx, admin, own)
		wantCode(t, err, apperr.Invalid, "a second name for major class 06")
	})
}

func TestOnlyAnAdministratorOfTheWholeTreeChangesTheCatalogue(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		svc := taxonomyService(t, db, nil)
		districtAdmin := &identity.Actor{AccountID: ids.New(), Assignments: []identity.Assignment{{Role: identity.RoleAdmin, UnitPath: "/a/b/"}}}
		dept := &identity.Actor{AccountID: ids.New(), Assignments: []identity.Assignment{{Role: identity.RoleDepartment, UnitPath: "/a/b/"}}}
		for name, actor := range map[string]*identity.Actor{"district administrator": districtAdmin, "department": dept, "nobody": nil} {
			_, err := svc.Import(ctx, actor, taxonomy.DemoCSV())
			if !apperr.Is(err, apperr.Forbidden) && !apperr.Is(err, apperr.Unauthenticated) {
				t.Fatalf("%s imports: %v, want refused", name, err)
			}
		}
		if _, _, err := demo.LoadCategories(ctx, svc); err != nil {
			t.Fatal(err)
		}
		// Reading is for every member of staff, wherever they work.
		cats, err := svc.List(ctx, dept, taxonomy.Filter{Kind: taxonomy.Event, Major: "01"})
		if err != nil || len(cats) != 6 {
			t.Fatalf("department lists events 01xx: %d, %v", len(cats), err)
		}
		_, err = svc.List(ctx, nil, taxonomy.Filter{})
		wantCode(t, err, apperr.Unauthenticated, "anonymous list")
		c := cats[0]
		c.Enabled = false
		_, err = svc.Update(ctx, dept, c)
		wantCode(t, err, apperr.Forbidden, "department edits")
	})
}

func TestDeadlineCountsTheDepartmentsWorkingHours(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		taxonomyService(t, db, nil) // loads the demo city
		// One calendar service, as in a process: it forgets cached working hours
		// when they change (another node's change is seen within its TTL).
		cal := calendar.NewService(storage.NewCalendarStore(db), ids.New, nil)
		svc := taxonomy.NewService(storage.NewTaxonomyStore(db), storage.NewIdentityStore(db), cal, ids.New, nil)
		if _, _, err := demo.LoadCategories(ctx, svc); err != nil {
			t.Fatal(err)
		}
		c, err := svc.ByCode(ctx, taxonomy.Event, "0102") // 暴露垃圾: 4 工作时, urgent 2 工作时
		if err != nil {
			t.Fatal(err)
		}
		// Friday 2026-03-06 16:00 in Shanghai: 1.5 h are left that day
		// (to 17:30), the rest on Monday from 09:00.
		start := time.Date(2026, 3, 6, 16, 0, 0, 0, calendar.Location())
		d, err := svc.Deadline(ctx, c, taxonomy.StageHandle, taxonomy.Normal, start, "")
		if err != nil || !d.Due.Equal(time.Date(2026, 3, 9, 11, 30, 0, 0, calendar.Location())) || d.Limit.Amount != 4 {
			t.Fatalf("normal: %+v %v", d, err)
		}
		d, err = svc.Deadline(ctx, c, taxonomy.StageHandle, taxonomy.Urgent, start, "")
		if err != nil || !d.Due.Equal(time.Date(2026, 3, 9, 9, 30, 0, 0, calendar.Location())) {
			t.Fatalf("urgent: %+v %v", d, err)
		}
		// The sanitation department works 08:00–12:00, 14:00–18:00.
		hw, err := storage.NewIdentityStore(db).UnitByCode(ctx, "419900-HW")
		if err != nil {
			t.Fatal(err)
		}
		if err := cal.SetHours(ctx, identity.System(), hw, "08:00-12:00,14:00-18:00"); err != nil {
			t.Fatal(err)
		}
		d, err = svc.Deadline(ctx, c, taxonomy.StageHandle, taxonomy.Normal, start, "")
		if err != nil || !d.Due.Equal(time.Date(2026, 3, 9, 10, 0, 0, 0, calendar.Location())) {
			t.Fatalf("in the department's hours: %+v %v", d, err)
		}
		_, err = svc.Deadline(ctx, c, taxonomy.StageHandle, taxonomy.Critical, start, "")
		wantCode(t, err, apperr.Invalid, "a level the category does not offer")
	})
}
