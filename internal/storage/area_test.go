package storage_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"chengguan/internal/apperr"
	"chengguan/internal/demo"
	"chengguan/internal/grid"
	"chengguan/internal/identity"
	"chengguan/internal/ids"
	"chengguan/internal/ledger"
	"chengguan/internal/storage"
	"chengguan/internal/storage/storagetest"

	"github.com/paulmach/orb"
)

// demoUnits loads the demo city's units into db and returns the identity service.
func demoUnits(t *testing.T, db *storage.DB) *identity.Service {
	t.Helper()
	svc, err := identity.NewService(storage.NewIdentityStore(db), identity.Options{Argon2: identity.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Load(context.Background(), svc, func(string) string { return "demo-password-1" }); err != nil {
		t.Fatal(err)
	}
	return svc
}

func areaService(db *storage.DB, now func() time.Time) *grid.AreaService {
	return grid.NewAreaService(storage.NewGridStore(db), storage.NewIdentityStore(db), ids.New, now)
}

// areasWithUnknownUnits is the demo areas with two features naming units that do not exist.
func areasWithUnknownUnits(t *testing.T) []byte {
	t.Helper()
	areas := grid.DemoAreas()
	areas[1].UnitCode = "419900-NOPE"
	areas[3].UnitCode = "419900-GONE"
	data, err := grid.MarshalAreasGeoJSON(areas, nil)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestAreaImportStoresAVersionWithItsLedgerRecord(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		demoUnits(t, db)
		before := len(ledgerRecords(t, db))
		admin := rootAdmin()
		v, res, err := areaService(db, func() time.Time { return t0 }).Import(ctx, admin, "areas.geojson", grid.DemoAreasGeoJSON())
		if err != nil {
			t.Fatalf("Import: %v", err)
		}
		want := grid.AreaVersion{ID: 1, CreatedAt: stored(t0), CreatedBy: admin.AccountID, Name: "areas.geojson", Areas: 5,
			Digest: grid.AreaDigest(grid.DemoAreas())}
		if v != want || len(res.Problems) != 0 {
			t.Fatalf("Import: %+v (problems %+v), want %+v", v, res.Problems, want)
		}
		store := storage.NewGridStore(db)
		latest, err := store.LatestAreaVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wantTime(t, latest.CreatedAt, stored(t0), "created_at")
		if latest != want {
			t.Fatalf("stored version %+v, want %+v", latest, want)
		}
		areas, err := store.GridAreas(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(areas) != 5 || grid.AreaDigest(areas) != want.Digest {
			t.Fatalf("stored areas: %d with digest %s, want 5 with %s", len(areas), grid.AreaDigest(areas), want.Digest)
		}
		for i := 1; i < len(areas); i++ {
			if areas[i-1].Code >= areas[i].Code {
				t.Fatalf("stored areas not in code order: %s before %s", areas[i-1].Code, areas[i].Code)
			}
		}
		recs := ledgerRecords(t, db)
		if len(recs) != before+1 {
			t.Fatalf("ledger grew by %d records, want 1", len(recs)-before)
		}
		r := recs[len(recs)-1]
		if r.Action != grid.ActImportAreas || r.Subject != (ledger.Subject{Kind: "area_version", ID: "1"}) ||
			r.Before != "" || r.After != want.Digest || r.ActorID != admin.AccountID {
			t.Fatalf("ledger record %+v", r)
		}
		// A fresh service, as on another node: it reads the store and finds the market.
		found, v2, err := areaService(db, nil).Containing(ctx, 113.2010, 33.7410)
		if err != nil || v2.ID != 1 || len(found) != 2 || found[0].Code != "419901-SC-01" || found[1].Code != "419901-DL-01" {
			t.Fatalf("Containing the market: %+v, version %d, %v", found, v2.ID, err)
		}
	})
}

func TestAreaImportWithUnknownUnitsStoresNothingAndListsEachFeature(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		demoUnits(t, db)
		before := len(ledgerRecords(t, db))
		svc := areaService(db, nil)
		_, res, err := svc.Import(ctx, rootAdmin(), "bad.geojson", areasWithUnknownUnits(t))
		wantCode(t, err, apperr.Invalid, "import with unknown units")
		e := apperr.As(err)
		if e.Key != "grid.areas_invalid" || e.Args["Count"] != 2 || len(e.Fields) != 2 {
			t.Fatalf("error %q %v %+v, want grid.areas_invalid with 2 problems and 2 fields", e.Key, e.Args, e.Fields)
		}
		if e.Fields[0].Field != "features[1].unknown_unit" || e.Fields[1].Field != "features[3].unknown_unit" ||
			e.Fields[0].Key != "grid.problem.unknown_unit" || e.Fields[0].Args["Other"] != "419900-NOPE" {
			t.Fatalf("fields %+v", e.Fields)
		}
		if len(res.Problems) != 2 || res.Problems[1].Other != "419900-GONE" {
			t.Fatalf("problems %+v", res.Problems)
		}
		_, err = storage.NewGridStore(db).LatestAreaVersion(ctx)
		wantCode(t, err, apperr.NotFound, "latest area version after a refused import")
		if recs := ledgerRecords(t, db); len(recs) != before {
			t.Fatalf("a refused import left %d ledger records", len(recs)-before)
		}
		_, _, err = svc.Current(ctx)
		wantCode(t, err, apperr.NotFound, "current areas with none imported")
		if found, _, err := svc.Containing(ctx, 113.2010, 33.7410); err != nil || len(found) != 0 {
			t.Fatalf("Containing with no areas: %v, %v; want none and no error", found, err)
		}
		_, _, err = svc.Import(ctx, rootAdmin(), "x", []byte(`{"type":"FeatureCollection","features":[]}`))
		wantCode(t, err, apperr.Invalid, "no areas")
		_, _, err = svc.Import(ctx, rootAdmin(), "x", []byte(`[]`))
		wantCode(t, err, apperr.Invalid, "an unreadable file")
	})
}

func TestAreaImportRefusesADisabledUnit(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		ids := demoUnits(t, db)
		u, err := ids.UnitByCode(ctx, identity.System(), "419900-JT")
		if err != nil {
			t.Fatal(err)
		}
		disabled := true
		if _, err := ids.UpdateUnit(ctx, identity.System(), u.ID, identity.UnitPatch{Disabled: &disabled}); err != nil {
			t.Fatal(err)
		}
		_, res, err := areaService(db, nil).Import(ctx, rootAdmin(), "demo", grid.DemoAreasGeoJSON())
		wantCode(t, err, apperr.Invalid, "an area of a disabled unit")
		if len(res.Problems) != 1 || res.Problems[0].Reason != grid.ReasonUnknownUnit || !strings.Contains(res.Problems[0].Message, "disabled") {
			t.Fatalf("problems %+v, want the station square's disabled unit", res.Problems)
		}
	})
}

func TestOnlyAnAdministratorOfTheWholeTreeImportsAreas(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		demoUnits(t, db)
		svc := areaService(db, nil)
		districtAdmin := &identity.Actor{AccountID: ids.New(), Assignments: []identity.Assignment{{Role: identity.RoleAdmin, UnitPath: "/a/b/"}}}
		officer := &identity.Actor{AccountID: ids.New(), Assignments: []identity.Assignment{{Role: identity.RoleOfficer, UnitPath: "/a/"}}}
		for name, actor := range map[string]*identity.Actor{"district administrator": districtAdmin, "officer": officer, "nobody": nil} {
			_, _, err := svc.Import(ctx, actor, "demo", grid.DemoAreasGeoJSON())
			if !apperr.Is(err, apperr.Forbidden) && !apperr.Is(err, apperr.Unauthenticated) {
				t.Fatalf("%s imports areas: %v, want refused", name, err)
			}
		}
		if _, err := storage.NewGridStore(db).LatestAreaVersion(ctx); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("after refused imports: %v, want no version", err)
		}
	})
}

func TestAreaVersionsAreNumberedAndAnotherNodeSeesTheNewOneWithinAMinute(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		demoUnits(t, db)
		clk := &clock{t: t0}
		here, there := areaService(db, clk.now), areaService(db, clk.now)
		v1, _, err := demo.LoadAreas(ctx, here)
		if err != nil || v1.ID != 1 {
			t.Fatalf("first import: %+v, %v", v1, err)
		}
		if _, created, err := demo.LoadAreas(ctx, here); err != nil || created {
			t.Fatalf("loading the demo areas again: created %v, %v; want nothing done", created, err)
		}
		if _, v, err := there.Current(ctx); err != nil || v.ID != 1 {
			t.Fatalf("the other node: version %d, %v; want 1", v.ID, err)
		}
		// Version 2 hands the market to the transport bureau.
		areas := grid.DemoAreas()
		areas[3].UnitCode = "419900-JT"
		data, err := grid.MarshalAreasGeoJSON(areas, nil)
		if err != nil {
			t.Fatal(err)
		}
		v2, _, err := here.Import(ctx, identity.System(), "v2", data)
		if err != nil || v2.ID != 2 || v2.Digest == v1.Digest {
			t.Fatalf("second import: %+v, %v", v2, err)
		}
		market := orb.Point{113.2010, 33.7410}
		if ix, v, _ := here.Current(ctx); v.ID != 2 || ix.Containing(market)[0].UnitCode != "419900-JT" {
			t.Fatalf("the importing node: version %d, want 2 at once", v.ID)
		}
		if _, v, _ := there.Current(ctx); v.ID != 1 {
			t.Fatalf("the other node right after: version %d, want the cached 1", v.ID)
		}
		clk.add(61 * time.Second)
		if ix, v, err := there.Current(ctx); err != nil || v.ID != 2 || ix.Containing(market)[0].UnitCode != "419900-JT" {
			t.Fatalf("the other node a minute later: version %d, %v; want 2", v.ID, err)
		}
		recs := ledgerRecords(t, db)
		last := recs[len(recs)-1]
		if last.Subject.ID != "2" || last.Before != v1.Digest || last.After != v2.Digest {
			t.Fatalf("ledger: %+v", last)
		}
		old, err := storage.NewGridStore(db).GridAreas(ctx, 1)
		if err != nil || grid.AreaDigest(old) != v1.Digest {
			t.Fatalf("version 1 after version 2: %v", err)
		}
	})
}

func TestAreasEditedInTheDatabaseAreRefused(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		demoUnits(t, db)
		if _, _, err := demo.LoadAreas(ctx, areaService(db, nil)); err != nil {
			t.Fatal(err)
		}
		if err := db.Transact(ctx, func(q storage.Querier) error {
			_, err := q.ExecContext(ctx, `UPDATE grid_areas SET unit_code = '419900-JT' WHERE code = $1`, "419901-SC-01")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		_, _, err := areaService(db, nil).Current(ctx)
		wantCode(t, err, apperr.Internal, "areas that no longer match their digest")
	})
}
