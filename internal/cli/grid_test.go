package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"chengguan/internal/apperr"
	"chengguan/internal/grid"
	"chengguan/internal/identity"
	"chengguan/internal/storage/storagetest"
)

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestGridImportStoresTheFileAsANewVersion(t *testing.T) {
	storagetest.EachDSN(t, func(t *testing.T, dsn string) {
		f := writeFile(t, "city.geojson", grid.DemoGeoJSON())
		out := mustRun(t, "", "grid", "import", "--db", dsn, "--file", f)
		if !strings.Contains(out, "grid version 1 imported from city.geojson: 240 cells, 15-digit codes") {
			t.Fatalf("first import: %q", out)
		}
		out = mustRun(t, "", "grid", "import", "--db", dsn, "--file", f, "--name", "2026 survey")
		if !strings.Contains(out, "grid version 2 imported from 2026 survey: 240 cells") {
			t.Fatalf("second import: %q", out)
		}
		_, v, err := openApp(t, dsn).grid.Current(context.Background())
		if err != nil || v.ID != 2 || v.Name != "2026 survey" || v.Cells != 240 {
			t.Fatalf("version in force: %+v, %v", v, err)
		}
	})
}

func TestGridImportWithProblemsPrintsEachAndStoresNothing(t *testing.T) {
	storagetest.EachDSN(t, func(t *testing.T, dsn string) {
		f := writeFile(t, "bad.geojson", []byte(`{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"code":"419901002001001"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[0,2],[2,2],[2,0],[0,0]]]}},
 {"type":"Feature","properties":{"code":"419901002001002"},"geometry":{"type":"Polygon","coordinates":[[[1,1],[1,3],[3,3],[3,1],[1,1]]]}},
 {"type":"Feature","properties":{"code":"4199"},"geometry":{"type":"Polygon","coordinates":[[[5,5],[5,6],[6,6],[6,5],[5,5]]]}},
 {"type":"Feature","properties":{"code":"419901002001003"},"geometry":{"type":"Point","coordinates":[7,7]}}
]}`))
		code, out, errOut := run(t, nil, "", "grid", "import", "--db", dsn, "--file", f)
		if code != 1 {
			t.Fatalf("exit %d, want 1\nstdout: %s\nstderr: %s", code, out, errOut)
		}
		for _, want := range []string{"nothing imported", "feature 1", "overlap", "feature 2", "4199", "bad_code", "feature 3", "geometry_type"} {
			if !strings.Contains(out, want) {
				t.Errorf("the report lacks %q:\n%s", want, out)
			}
		}
		if !strings.Contains(errOut, "has 3 problem(s); nothing was imported") {
			t.Errorf("stderr: %q", errOut)
		}
		if _, _, err := openApp(t, dsn).grid.Current(context.Background()); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("after a refused import: %v, want no grid", err)
		}
		if code, _, _ := run(t, nil, "", "grid", "import", "--db", dsn, "--file", f, "--code-length", "16"); code != 2 {
			t.Fatalf("--code-length 16: exit %d, want 2", code)
		}
	})
}

func TestDemoImportsTheDemoGridOnceAndNeverOverAnotherGrid(t *testing.T) {
	storagetest.EachDSN(t, func(t *testing.T, dsn string) {
		first := mustRun(t, "", "demo", "--db", dsn)
		if !strings.Contains(first, "demo unit grid imported as grid version 1: 240 cells") {
			t.Fatalf("first demo run: %q", first)
		}
		second := mustRun(t, "", "demo", "--db", dsn)
		if !strings.Contains(second, "nothing changed") || !strings.Contains(second, "unit grid in force: version 1") {
			t.Fatalf("second demo run: %q", second)
		}
		_, v, err := openApp(t, dsn).grid.Current(context.Background())
		if err != nil || v.ID != 1 || v.Digest != grid.Digest(grid.DemoCells()) {
			t.Fatalf("after two demo runs: %+v, %v", v, err)
		}
	})
	storagetest.EachDSN(t, func(t *testing.T, dsn string) {
		cells := grid.DemoCells()[:10]
		data, err := grid.MarshalGeoJSON(cells)
		if err != nil {
			t.Fatal(err)
		}
		mustRun(t, "", "grid", "import", "--db", dsn, "--file", writeFile(t, "own.geojson", data))
		out := mustRun(t, "", "demo", "--db", dsn)
		if !strings.Contains(out, "unit grid in force: version 1 (own.geojson), 10 cells") {
			t.Fatalf("demo over an installation's own grid: %q", out)
		}
	})
}

func TestGridAreasImportListsAndRefusesUnknownUnitsWithTheFeatures(t *testing.T) {
	storagetest.EachDSN(t, func(t *testing.T, dsn string) {
		// The demo gives the units and its own areas as version 1.
		out := mustRun(t, "", "demo", "--db", dsn)
		if !strings.Contains(out, "demo responsibility areas imported as area version 1: 5 areas") {
			t.Fatalf("demo: %q", out)
		}
		areas := grid.DemoAreas()
		areas[3].Name = "光明市场"
		data, err := grid.MarshalAreasGeoJSON(areas, nil)
		if err != nil {
			t.Fatal(err)
		}
		out = mustRun(t, "", "grid", "areas", "import", "--db", dsn, "--file", writeFile(t, "areas.geojson", data))
		if !strings.Contains(out, "area version 2 imported from areas.geojson: 5 responsibility areas") {
			t.Fatalf("import: %q", out)
		}
		out = mustRun(t, "", "grid", "areas", "list", "--db", dsn)
		for _, want := range []string{"area version 2 (areas.geojson), 5 areas", "419901-SC-01", "市场", "419900-HW", "event:01,event:05", "光明市场"} {
			if !strings.Contains(out, want) {
				t.Errorf("the list lacks %q:\n%s", want, out)
			}
		}

		areas[0].UnitCode = "419900-NOPE"
		areas[2].UnitCode = "419900-GONE"
		data, err = grid.MarshalAreasGeoJSON(areas, nil)
		if err != nil {
			t.Fatal(err)
		}
		code, out, errOut := run(t, nil, "", "grid", "areas", "import", "--db", dsn, "--file", writeFile(t, "bad.geojson", data))
		if code != 1 {
			t.Fatalf("exit %d, want 1\nstdout: %s\nstderr: %s", code, out, errOut)
		}
		for _, want := range []string{"2 problem(s); nothing imported", "feature 0", "419902-GY-01", "unknown_unit", "419900-NOPE", "feature 2", "419900-GONE"} {
			if !strings.Contains(out, want) {
				t.Errorf("the report lacks %q:\n%s", want, out)
			}
		}
		if !strings.Contains(errOut, "has 2 problem(s); nothing was imported") || strings.Contains(errOut, "features[") {
			t.Errorf("stderr repeats the report or lacks the count: %q", errOut)
		}
		if _, v, err := openApp(t, dsn).areas.Current(context.Background()); err != nil || v.ID != 2 {
			t.Fatalf("after a refused import: version %d, %v; want 2 still", v.ID, err)
		}
		if code, _, _ := run(t, nil, "", "grid", "areas", "import", "--db", dsn); code != 2 {
			t.Fatalf("no --file: exit %d, want 2", code)
		}
	})
}

func TestGridAreasListWithNoneImportedSaysSo(t *testing.T) {
	dsn := storagetest.SQLiteDSN(t)
	code, _, errOut := run(t, nil, "", "grid", "areas", "list", "--db", dsn)
	if code != 1 || !strings.Contains(errOut, "No responsibility areas have been imported yet") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}

// TestGridAreasListShowsARecodedUnitAndWarnsOfADisabledOne: the list names each area's
// unit by its code now, and ends with a warning for every area whose unit cannot take
// cases, so none is ignored silently.
func TestGridAreasListShowsARecodedUnitAndWarnsOfADisabledOne(t *testing.T) {
	storagetest.EachDSN(t, func(t *testing.T, dsn string) {
		mustRun(t, "", "demo", "--db", dsn)
		ctx := context.Background()
		a := openApp(t, dsn)
		hw, err := a.identity.UnitByCode(ctx, identity.System(), "419900-HW")
		if err != nil {
			t.Fatal(err)
		}
		code := "419900-HWGL"
		if _, err := a.identity.UpdateUnit(ctx, identity.System(), hw.ID, identity.UnitPatch{Code: &code}); err != nil {
			t.Fatal(err)
		}
		out := mustRun(t, "", "grid", "areas", "list", "--db", dsn)
		if !strings.Contains(out, "419900-HWGL") || strings.Contains(out, "warning") {
			t.Fatalf("after the recoding the list should name 419900-HWGL without a warning:\n%s", out)
		}
		disabled := true
		if _, err := a.identity.UpdateUnit(ctx, identity.System(), hw.ID, identity.UnitPatch{Disabled: &disabled}); err != nil {
			t.Fatal(err)
		}
		out = mustRun(t, "", "grid", "areas", "list", "--db", dsn)
		for _, want := range []string{"cannot pass cases to their unit", "warning: area 419901-SC-01: unit 419900-HWGL", "is disabled (unit_disabled)"} {
			if !strings.Contains(out, want) {
				t.Errorf("the list lacks %q:\n%s", want, out)
			}
		}
	})
}
