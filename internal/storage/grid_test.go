package storage_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"chengguan/internal/apperr"
	"chengguan/internal/demo"
	"chengguan/internal/grid"
	"chengguan/internal/grid/coord"
	"chengguan/internal/identity"
	"chengguan/internal/ids"
	"chengguan/internal/ledger"
	"chengguan/internal/storage"
	"chengguan/internal/storage/storagetest"

	"github.com/paulmach/orb"
)

// overlappingGrid has two cells whose squares overlap, and one with a code
// of the wrong length: three problems.
const overlappingGrid = `{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"code":"419901002001001"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[0,2],[2,2],[2,0],[0,0]]]}},
 {"type":"Feature","properties":{"code":"419901002001002"},"geometry":{"type":"Polygon","coordinates":[[[1,1],[1,3],[3,3],[3,1],[1,1]]]}},
 {"type":"Feature","properties":{"code":"4199"},"geometry":{"type":"Polygon","coordinates":[[[5,5],[5,6],[6,6],[6,5],[5,5]]]}}
]}`

// The demo centre lies in the first cell of 光明社区.
const centreCell = "419901002001001"

// clock is a settable time for tests of caching.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func rootAdmin() *identity.Actor {
	return &identity.Actor{AccountID: ids.New(), Assignments: []identity.Assignment{{Role: identity.RoleAdmin, UnitPath: "/" + ids.New() + "/"}}}
}

func ledgerRecords(t *testing.T, db *storage.DB) []ledger.Record {
	t.Helper()
	var out []ledger.Record
	for r, err := range storage.NewLedgerStore(db).Records(context.Background()) {
		if err != nil {
			t.Fatalf("ledger: %v", err)
		}
		out = append(out, r)
	}
	return out
}

func TestGridImportWithProblemsStoresNothing(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		svc := grid.NewService(storage.NewGridStore(db), ids.New, nil)
		_, res, err := svc.Import(ctx, rootAdmin(), "bad.geojson", []byte(overlappingGrid), grid.Options{})
		wantCode(t, err, apperr.Invalid, "import with problems")
		if e := apperr.As(err); e.Key != "grid.import_invalid" || e.Args["Count"] != len(res.Problems) {
			t.Fatalf("error %q %v, want grid.import_invalid with the count of %d problems", e.Key, e.Args, len(res.Problems))
		}
		var reasons []grid.Reason
		for _, p := range res.Problems {
			reasons = append(reasons, p.Reason)
		}
		if !slices.Contains(reasons, grid.ReasonBadCode) || !slices.Contains(reasons, grid.ReasonOverlap) {
			t.Fatalf("problems %v, want a bad code and an overlap", reasons)
		}
		_, err = storage.NewGridStore(db).LatestGridVersion(ctx)
		wantCode(t, err, apperr.NotFound, "latest version after a refused import")
		if recs := ledgerRecords(t, db); len(recs) != 0 {
			t.Fatalf("a refused import left %d ledger records", len(recs))
		}
		_, _, err = svc.Current(ctx)
		wantCode(t, err, apperr.NotFound, "current grid with none imported")
		_, _, err = svc.Import(ctx, rootAdmin(), "x", []byte(`{"type":"FeatureCollection","features":[]}`), grid.Options{})
		wantCode(t, err, apperr.Invalid, "an empty grid")
		_, _, err = svc.Import(ctx, rootAdmin(), "x", []byte(`not json`), grid.Options{})
		wantCode(t, err, apperr.Invalid, "an unreadable file")
		_, _, err = svc.Import(ctx, rootAdmin(), "x", grid.DemoGeoJSON(), grid.Options{CodeLength: 13})
		wantCode(t, err, apperr.Invalid, "code length 13")
	})
}

func TestOnlyAnAdministratorOfTheWholeTreeImportsAGrid(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		svc := grid.NewService(storage.NewGridStore(db), ids.New, nil)
		districtAdmin := &identity.Actor{AccountID: ids.New(), Assignments: []identity.Assignment{{Role: identity.RoleAdmin, UnitPath: "/a/b/"}}}
		officer := &identity.Actor{AccountID: ids.New(), Assignments: []identity.Assignment{{Role: identity.RoleOfficer, UnitPath: "/a/"}}}
		for name, actor := range map[string]*identity.Actor{"district administrator": districtAdmin, "officer": officer, "nobody": nil} {
			_, _, err := svc.Import(ctx, actor, "demo", grid.DemoGeoJSON(), grid.Options{})
			if !apperr.Is(err, apperr.Forbidden) && !apperr.Is(err, apperr.Unauthenticated) {
				t.Fatalf("%s imports a grid: %v, want refused", name, err)
			}
		}
		if _, err := storage.NewGridStore(db).LatestGridVersion(ctx); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("after refused imports: %v, want no version", err)
		}
	})
}

func TestGridImportStoresAVersionWithItsLedgerRecord(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		admin := rootAdmin()
		svc := grid.NewService(storage.NewGridStore(db), ids.New, func() time.Time { return t0 })
		v, res, err := svc.Import(ctx, admin, "demo.geojson", grid.DemoGeoJSON(), grid.Options{})
		if err != nil {
			t.Fatalf("Import: %v", err)
		}
		want := grid.Version{ID: 1, CreatedAt: stored(t0), CreatedBy: admin.AccountID, Name: "demo.geojson", Cells: 240,
			Digest: grid.Digest(grid.DemoCells()), CodeLength: 15}
		if v != want || len(res.Cells) != 240 || len(res.Problems) != 0 {
			t.Fatalf("Import: %+v (%d cells, %d problems), want %+v", v, len(res.Cells), len(res.Problems), want)
		}
		latest, err := storage.NewGridStore(db).LatestGridVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wantTime(t, latest.CreatedAt, stored(t0), "created_at")
		if latest != want {
			t.Fatalf("stored version %+v, want %+v", latest, want)
		}
		cells, err := storage.NewGridStore(db).GridCells(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(cells) != 240 || grid.Digest(cells) != want.Digest {
			t.Fatalf("stored cells: %d with digest %s, want 240 with %s", len(cells), grid.Digest(cells), want.Digest)
		}
		recs := ledgerRecords(t, db)
		if len(recs) != 1 {
			t.Fatalf("ledger has %d records, want 1", len(recs))
		}
		r := recs[0]
		if r.Action != "grid.import" || r.Subject != (ledger.Subject{Kind: "grid_version", ID: "1"}) ||
			r.Before != "" || r.After != want.Digest || r.ActorID != admin.AccountID || r.Role != string(identity.RoleAdmin) {
			t.Fatalf("ledger record %+v", r)
		}
	})
}

func TestGridLookupFindsTheDemoCentreInWGS84AndGCJ02(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		if _, _, err := grid.NewService(storage.NewGridStore(db), ids.New, nil).Import(ctx, identity.System(), "demo", grid.DemoGeoJSON(), grid.Options{}); err != nil {
			t.Fatal(err)
		}
		// A fresh service, as on another node or after a restart: it reads the store.
		svc := grid.NewService(storage.NewGridStore(db), ids.New, nil)
		c, v, err := svc.Lookup(ctx, demo.CentreLon, demo.CentreLat, coord.WGS84)
		if err != nil {
			t.Fatalf("Lookup: %v", err)
		}
		if c.Code != centreCell || c.Community != (grid.Ref{Code: "419901002001", Name: "光明社区"}) ||
			c.Street != (grid.Ref{Code: "419901002", Name: "光明路街道"}) || c.District != (grid.Ref{Code: "419901", Name: "东城区"}) || v.ID != 1 {
			t.Fatalf("the demo centre: %s %s %+v %+v %+v in version %d", c.Code, c.Name, c.Community, c.Street, c.District, v.ID)
		}
		g := coord.WGS84ToGCJ02(orb.Point{demo.CentreLon, demo.CentreLat})
		c2, _, err := svc.Lookup(ctx, g.Lon(), g.Lat(), coord.GCJ02)
		if err != nil || c2.Code != centreCell {
			t.Fatalf("the demo centre in GCJ-02 %v: %s, %v; want %s", g, c2.Code, err, centreCell)
		}
		_, _, err = svc.Lookup(ctx, 116.39, 39.9, coord.WGS84)
		wantCode(t, err, apperr.NotFound, "a point in Beijing")
		if e := apperr.As(err); e.Key != "grid.outside" {
			t.Fatalf("outside: key %q, want grid.outside", e.Key)
		}
		_, _, err = svc.Lookup(ctx, demo.CentreLon, 91, coord.WGS84)
		wantCode(t, err, apperr.Invalid, "latitude 91")
		if e := apperr.As(err); len(e.Fields) != 1 || e.Fields[0].Field != "lat" {
			t.Fatalf("latitude 91: fields %+v, want lat", e.Fields)
		}
	})
}

func TestGridVersionsAreNumberedAndAnotherNodeSeesTheNewOneWithinAMinute(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		clk := &clock{t: t0}
		here := grid.NewService(storage.NewGridStore(db), ids.New, clk.now)
		there := grid.NewService(storage.NewGridStore(db), ids.New, clk.now)
		v1, _, err := here.Import(ctx, identity.System(), "v1", grid.DemoGeoJSON(), grid.Options{})
		if err != nil || v1.ID != 1 {
			t.Fatalf("first import: %+v, %v", v1, err)
		}
		if _, v, err := there.Current(ctx); err != nil || v.ID != 1 {
			t.Fatalf("the other node: version %d, %v; want 1", v.ID, err)
		}
		// Version 2 moves one cell's name: a different digest.
		cells := grid.DemoCells()
		cells[0].Name = "改名网格"
		data, err := grid.MarshalGeoJSON(cells)
		if err != nil {
			t.Fatal(err)
		}
		v2, _, err := here.Import(ctx, identity.System(), "v2", data, grid.Options{})
		if err != nil || v2.ID != 2 || v2.Digest == v1.Digest {
			t.Fatalf("second import: %+v, %v", v2, err)
		}
		if _, v, _ := here.Current(ctx); v.ID != 2 {
			t.Fatalf("the importing node: version %d, want 2 at once", v.ID)
		}
		if _, v, _ := there.Current(ctx); v.ID != 1 {
			t.Fatalf("the other node right after: version %d, want the cached 1", v.ID)
		}
		clk.add(61 * time.Second)
		ix, v, err := there.Current(ctx)
		if err != nil || v.ID != 2 {
			t.Fatalf("the other node a minute later: version %d, %v; want 2", v.ID, err)
		}
		if c, _ := ix.Cell(cells[0].Code); c.Name != "改名网格" {
			t.Fatalf("the other node's index has %q, want the new name", c.Name)
		}
		recs := ledgerRecords(t, db)
		if len(recs) != 2 || recs[1].Subject.ID != "2" || recs[1].Before != v1.Digest || recs[1].After != v2.Digest {
			t.Fatalf("ledger: %+v", recs)
		}
		// The first version is still there, unchanged, for the cases routed with it.
		old, err := storage.NewGridStore(db).GridCells(ctx, 1)
		if err != nil || grid.Digest(old) != v1.Digest {
			t.Fatalf("version 1 after version 2: %v", err)
		}
	})
}

func TestGridCellsEditedInTheDatabaseAreRefused(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		if _, _, err := grid.NewService(storage.NewGridStore(db), ids.New, nil).Import(ctx, identity.System(), "demo", grid.DemoGeoJSON(), grid.Options{}); err != nil {
			t.Fatal(err)
		}
		if err := db.Transact(ctx, func(q storage.Querier) error {
			_, err := q.ExecContext(ctx, `UPDATE grid_cells SET name = 'tampered' WHERE code = $1`, centreCell)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		_, _, err := grid.NewService(storage.NewGridStore(db), ids.New, nil).Current(ctx)
		wantCode(t, err, apperr.Internal, "a grid whose cells no longer match their digest")
	})
}
