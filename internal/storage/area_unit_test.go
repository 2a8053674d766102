package storage_test

import (
	"context"
	"testing"
	"time"

	"chengguan/internal/apperr"
	"chengguan/internal/demo"
	"chengguan/internal/grid"
	"chengguan/internal/identity"
	"chengguan/internal/storage"
	"chengguan/internal/storage/storagetest"
)

// areaUnitIDs is each area's unit ID by area code, as the version in force has it.
func areaUnitIDs(t *testing.T, svc *grid.AreaService) map[string]string {
	t.Helper()
	ix, _, err := svc.Current(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, a := range ix.Areas() {
		out[a.Code] = a.UnitID
	}
	return out
}

// TestAnAreaKeepsItsUnitWhenTheUnitIsRecodedAndReportsItDisabled: the import resolves
// each unit code to the unit's ID and the store keeps it, so a unit recoded later still
// owns its areas; a disabled unit's areas are reported, not dropped.
func TestAnAreaKeepsItsUnitWhenTheUnitIsRecodedAndReportsItDisabled(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		ids := demoUnits(t, db)
		hw, err := ids.UnitByCode(ctx, identity.System(), "419900-HW")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := demo.LoadAreas(ctx, areaService(db, nil)); err != nil {
			t.Fatal(err)
		}
		const market = "419901-SC-01" // 光明农贸市场, imported with unit 419900-HW
		code := "419900-HWGL"
		if _, err := ids.UpdateUnit(ctx, identity.System(), hw.ID, identity.UnitPatch{Code: &code}); err != nil {
			t.Fatal(err)
		}
		// Another node (a fresh service) reads the areas from the store.
		there := areaService(db, nil)
		if got := areaUnitIDs(t, there)[market]; got != hw.ID {
			t.Fatalf("after the recoding the market's unit is %q, want %s", got, hw.ID)
		}
		ix, _, _ := there.Current(ctx)
		units, err := there.UnitsOf(ctx, ix.Areas())
		if err != nil {
			t.Fatal(err)
		}
		if u := units[hw.ID]; u == nil || u.Code != code || grid.AreaUnitWarning(u) != "" {
			t.Fatalf("the market's unit now: %+v, warning %q", u, grid.AreaUnitWarning(u))
		}
		// An import that names the new code resolves to the same unit.
		areas := grid.DemoAreas()
		for i := range areas {
			if areas[i].UnitCode == "419900-HW" {
				areas[i].UnitCode = code
			}
		}
		data, err := grid.MarshalAreasGeoJSON(areas, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := there.Import(ctx, identity.System(), "v2", data); err != nil {
			t.Fatal(err)
		}
		if got := areaUnitIDs(t, areaService(db, nil))[market]; got != hw.ID {
			t.Fatalf("version 2: the market's unit is %q, want %s", got, hw.ID)
		}

		disabled := true
		if _, err := ids.UpdateUnit(ctx, identity.System(), hw.ID, identity.UnitPatch{Disabled: &disabled}); err != nil {
			t.Fatal(err)
		}
		units, err = there.UnitsOf(ctx, ix.Areas())
		if err != nil || grid.AreaUnitWarning(units[hw.ID]) != grid.UnitDisabled {
			t.Fatalf("a disabled unit: %+v (%v), want the warning %s", units[hw.ID], err, grid.UnitDisabled)
		}
	})
}

// TestMigrationKeepsTheUnitOfEveryAreaImportedBefore: migration 00013 fills each area's
// unit_id from the unit that has its code; an area whose code names no unit is left
// without one and is reported as such.
func TestMigrationKeepsTheUnitOfEveryAreaImportedBefore(t *testing.T) {
	const added = 13
	storagetest.EachEmpty(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		if err := db.MigrateTo(ctx, added-1); err != nil {
			t.Fatal(err)
		}
		ids := demoUnits(t, db)
		hw, err := ids.UnitByCode(ctx, identity.System(), "419900-HW")
		if err != nil {
			t.Fatal(err)
		}
		geom := `{"type":"MultiPolygon","coordinates":[[[[113.2,33.74],[113.202,33.74],[113.202,33.742],[113.2,33.74]]]]}`
		err = db.Transact(ctx, func(q storage.Querier) error {
			if _, err := q.ExecContext(ctx, `INSERT INTO grid_area_versions (id, created_at, created_by, source_name, area_count, digest)
				VALUES (1, $1, 'system', 'old', 2, 'x')`, time.Now().UnixMilli()); err != nil {
				return err
			}
			for _, a := range [][2]string{{"MARKET", "419900-HW"}, {"ORPHAN", "419900-NOPE"}} {
				if _, err := q.ExecContext(ctx, `INSERT INTO grid_areas (version_id, code, name, unit_code, kind, categories, geometry)
					VALUES (1, $1, '', $2, '', '', $3)`, a[0], a[1], geom); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatalf("migrate past %d: %v", added, err)
		}
		areas, err := storage.NewGridStore(db).GridAreas(ctx, 1)
		if err != nil || len(areas) != 2 {
			t.Fatalf("areas after the migration: %+v, %v", areas, err)
		}
		if areas[0].Code != "MARKET" || areas[0].UnitID != hw.ID || areas[0].UnitCode != "419900-HW" {
			t.Fatalf("the market after the migration: unit %q (%s), want %s", areas[0].UnitID, areas[0].UnitCode, hw.ID)
		}
		if areas[1].Code != "ORPHAN" || areas[1].UnitID != "" {
			t.Fatalf("the orphan after the migration: unit %q, want none", areas[1].UnitID)
		}
		units, err := areaService(db, nil).UnitsOf(ctx, areas)
		if err != nil || grid.AreaUnitWarning(units[areas[1].UnitID]) != grid.UnitMissing {
			t.Fatalf("the orphan's warning: %q (%v), want %s", grid.AreaUnitWarning(units[areas[1].UnitID]), err, grid.UnitMissing)
		}
		if _, err := ids.UnitByCode(ctx, identity.System(), "419900-NOPE"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("the test needs 419900-NOPE to name no unit: %v", err)
		}
	})
}
