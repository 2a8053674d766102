package web_test

import (
	"bytes"
	"context"
	"html"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"chengguan/internal/grid"
	"chengguan/internal/i18n"
	"chengguan/internal/storage"
	"chengguan/internal/storage/storagetest"
)

// uploadGeoJSON posts a file to one of the map's import forms as a browser
// does, with the form's other fields as name/value pairs.
func uploadGeoJSON(t *testing.T, u *user, path string, data []byte, fields ...string) *reply {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for i := 0; i+1 < len(fields); i += 2 {
		_ = mw.WriteField(fields[i], fields[i+1])
	}
	fw, _ := mw.CreateFormFile("file", "city.geojson")
	_, _ = fw.Write(data)
	_ = mw.Close()
	return u.do(t, http.MethodPost, path, &buf, "Content-Type", mw.FormDataContentType(),
		"Accept", "text/html", "Origin", u.app.URL, "Sec-Fetch-Site", "same-origin")
}

// wantPage fails unless the page holds every string: markup as it is, text
// as it is or HTML-escaped as a template writes it.
func wantPage(t *testing.T, r *reply, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(r.String(), want) && !strings.Contains(r.String(), html.EscapeString(want)) {
			t.Errorf("%s %s lacks %q", r.method, r.path, want)
		}
	}
}

// badDemoGrid is the demo grid with a duplicate code (feature 3) and a code
// outside its community (feature 7), which leaves a gap where that cell was.
func badDemoGrid(t *testing.T) []byte {
	t.Helper()
	cells := grid.DemoCells()
	cells[3].Code = cells[2].Code
	cells[7].Code = "419999999999001"
	b, err := grid.MarshalGeoJSON(cells)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wantProblemRows fails unless the page has a row for every problem, in lang.
func wantProblemRows(t *testing.T, a *app, r *reply, lang string, ps []grid.Problem) {
	t.Helper()
	for _, p := range ps {
		where := strconv.Itoa(p.Feature)
		if p.Feature < 0 {
			where = a.T(lang, "grid.gap", nil)
		}
		code := "—"
		if p.Code != "" {
			code = "<code>" + p.Code + "</code>"
		}
		wantPage(t, r, "<tr><td>"+where+"</td><td>"+code+`<br><code class="muted">`+string(p.Reason)+`</code></td><td class="message">`+
			html.EscapeString(a.T(lang, "grid.problem."+string(p.Reason), map[string]any{"Code": p.Code, "Other": p.Other, "Detail": p.Message}))+"</td></tr>")
	}
}

func gridVersion(t *testing.T, a *app) grid.Version {
	t.Helper()
	_, v, err := a.Grid.Current(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestAdminImportsAUnitGridFromTheMapPage(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db) // the demo grid is version 1
		admin := a.loginDemo(t, "admin")
		if !strings.Contains(admin.get(t, "/map").String(), `href="/map/import"`) {
			t.Fatal("the map page does not lead an administrator to the import page")
		}
		page := admin.get(t, "/map/import")
		page.wantStatus(t, http.StatusOK)
		wantPage(t, page, `action="/map/import/cells"`, `action="/map/import/areas"`, a.T(i18n.ZH, "grid.import_cells", nil))

		bad := badDemoGrid(t)
		res, err := grid.Import(bad, grid.Options{CodeLength: 15})
		if err != nil {
			t.Fatal(err)
		}
		reasons := map[grid.Reason]bool{}
		for _, p := range res.Problems {
			reasons[p.Reason] = true
		}
		if !reasons[grid.ReasonDuplicateCode] || !reasons[grid.ReasonBadCode] || !reasons[grid.ReasonGap] {
			t.Fatalf("the bad grid's problems are not the ones meant: %+v", res.Problems)
		}
		r := uploadGeoJSON(t, admin, "/map/import/cells", bad, "name", "坏文件", "code_length", "15")
		r.wantStatus(t, http.StatusBadRequest)
		n := len(res.Problems)
		wantPage(t, r, a.T(i18n.ZH, "grid.import_invalid", map[string]any{"Count": n}),
			a.T(i18n.ZH, "grid.cells_problems", map[string]any{"Count": n}), `value="坏文件"`)
		wantProblemRows(t, a, r, i18n.ZH, res.Problems)
		if got := strings.Count(r.String(), "<tr><td>"); got != n {
			t.Errorf("%d problem rows, want %d", got, n)
		}
		if v := gridVersion(t, a); v.ID != 1 {
			t.Fatalf("after a refused file version %d is in force, want 1", v.ID)
		}
		admin.get(t, "/lang/en")
		wantProblemRows(t, a, uploadGeoJSON(t, admin, "/map/import/cells", bad), "en", res.Problems)
		admin.get(t, "/lang/zh-CN")
		for _, length := range []string{"13", "abc"} { // not a length: refused, not taken for the default
			wantPage(t, uploadGeoJSON(t, admin, "/map/import/cells", grid.DemoGeoJSON(), "code_length", length),
				a.T(i18n.ZH, "grid.code_length", nil))
		}
		wantPage(t, uploadGeoJSON(t, admin, "/map/import/cells", []byte(`{"type":"Feature"}`)), "GeoJSON")

		cells := grid.DemoCells()
		cells[0].Name = "建设路口网格"
		good, err := grid.MarshalGeoJSON(cells)
		if err != nil {
			t.Fatal(err)
		}
		loc := uploadGeoJSON(t, admin, "/map/import/cells", good, "name", "2026 普查", "code_length", "15").wantRedirect(t, "/map?")
		v := gridVersion(t, a)
		if v.ID != 2 || v.Name != "2026 普查" || v.Cells != 240 || v.CodeLength != 15 || v.Digest != grid.Digest(cells) {
			t.Fatalf("in force after the import: %+v", v)
		}
		wantPage(t, admin.get(t, loc), a.T(i18n.ZH, "grid.imported_cells",
			map[string]any{"Version": 2, "Name": "2026 普查", "Cells": 240, "CodeLength": 15}))
		// Without a name the version is named after the uploaded file.
		uploadGeoJSON(t, admin, "/map/import/cells", grid.DemoGeoJSON()).wantRedirect(t, "/map?")
		if v := gridVersion(t, a); v.ID != 3 || v.Name != "city.geojson" {
			t.Fatalf("in force after an import without a name: %+v", v)
		}
	})
}

func TestOnlyAnAdministratorOfTheWholeTreeImportsGridsAndAreas(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		for _, name := range []string{"dept", "inspector", "squadlead"} {
			u := a.loginDemo(t, name)
			if strings.Contains(u.get(t, "/map").String(), `href="/map/import"`) {
				t.Errorf("%s: the map page links to the import page", name)
			}
			u.get(t, "/map/import").wantStatus(t, http.StatusForbidden)
			uploadGeoJSON(t, u, "/map/import/cells", grid.DemoGeoJSON()).wantStatus(t, http.StatusForbidden)
			uploadGeoJSON(t, u, "/map/import/areas", grid.DemoAreasGeoJSON()).wantStatus(t, http.StatusForbidden)
		}
		a.anonymous().get(t, "/map/import").wantRedirect(t, "/login?")
		if v := gridVersion(t, a); v.ID != 1 {
			t.Fatalf("grid version %d in force, want 1", v.ID)
		}
		if _, v, err := a.Areas.Current(context.Background()); err != nil || v.ID != 1 {
			t.Fatalf("area version %d in force (%v), want 1", v.ID, err)
		}
	})
}

func TestAdminImportsResponsibilityAreasFromTheMapPage(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db) // the demo areas are version 1
		admin := a.loginDemo(t, "admin")
		areas := grid.DemoAreas()
		areas[1].UnitCode = "419900-NOPE"
		areas[4].Geometry[0][0] = areas[4].Geometry[0][0][:3] // an open ring of three positions
		bad, err := grid.MarshalAreasGeoJSON(areas, nil)
		if err != nil {
			t.Fatal(err)
		}
		r := uploadGeoJSON(t, admin, "/map/import/areas", bad, "name", "坏责任区")
		r.wantStatus(t, http.StatusBadRequest)
		wantPage(t, r, a.T(i18n.ZH, "grid.areas_invalid", map[string]any{"Count": 2}),
			a.T(i18n.ZH, "grid.areas_problems", map[string]any{"Count": 2}),
			"<tr><td>1</td><td><code>"+areas[1].Code+`</code><br><code class="muted">unknown_unit</code></td>`,
			a.T(i18n.ZH, "grid.problem.unknown_unit", map[string]any{"Other": "419900-NOPE"}),
			"<tr><td>4</td><td><code>"+areas[4].Code+`</code><br><code class="muted">invalid_ring</code></td>`,
			`value="坏责任区"`)
		if _, v, err := a.Areas.Current(context.Background()); err != nil || v.ID != 1 {
			t.Fatalf("after a refused file area version %d is in force (%v), want 1", v.ID, err)
		}
		admin.get(t, "/lang/en")
		wantPage(t, uploadGeoJSON(t, admin, "/map/import/areas", bad),
			a.T("en", "grid.problem.unknown_unit", map[string]any{"Other": "419900-NOPE"}))
		admin.get(t, "/lang/zh-CN")

		areas = grid.DemoAreas()
		areas[3].Name = "光明市场"
		good, err := grid.MarshalAreasGeoJSON(areas, nil)
		if err != nil {
			t.Fatal(err)
		}
		loc := uploadGeoJSON(t, admin, "/map/import/areas", good, "name", "2026 责任区").wantRedirect(t, "/map?")
		_, v, err := a.Areas.Current(context.Background())
		if err != nil || v.ID != 2 || v.Name != "2026 责任区" || v.Areas != 5 || v.Digest != grid.AreaDigest(areas) {
			t.Fatalf("in force after the import: %+v (%v)", v, err)
		}
		page := admin.get(t, loc)
		wantPage(t, page, a.T(i18n.ZH, "grid.imported_areas", map[string]any{"Version": 2, "Name": "2026 责任区", "Areas": 5}), "光明市场")
	})
}

func TestGridImportThroughTheAPIAllOrNothingWithAReportPerFeature(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db) // the demo grid is version 1
		bad := badDemoGrid(t)
		a.anonymous().postGeoJSON(t, "/api/v1/grid/cells", bad).wantError(t, http.StatusUnauthorized, "unauthenticated")
		a.loginDemo(t, "shiftlead").postGeoJSON(t, "/api/v1/grid/cells", grid.DemoGeoJSON()).wantError(t, http.StatusForbidden, "forbidden")

		admin := a.loginDemo(t, "admin")
		res, err := grid.Import(bad, grid.Options{CodeLength: 15})
		if err != nil {
			t.Fatal(err)
		}
		e := admin.postGeoJSON(t, "/api/v1/grid/cells", bad).wantError(t, http.StatusBadRequest, "invalid")
		if want := a.T(i18n.ZH, "grid.import_invalid", map[string]any{"Count": len(res.Problems)}); e.Error.Message != want {
			t.Errorf("message %q, want %q", e.Error.Message, want)
		}
		if len(e.Error.Fields) != len(res.Problems) || e.Error.Fields[0].Field != "features[3].duplicate_code" ||
			e.Error.Fields[len(e.Error.Fields)-1].Field != "gaps[0].gap" {
			t.Fatalf("fields %+v", e.Error.Fields)
		}
		if e := admin.postGeoJSON(t, "/api/v1/grid/cells?code_length=13", grid.DemoGeoJSON()).wantError(t, http.StatusBadRequest, "invalid"); e.field("code_length") == "" {
			t.Errorf("a code length of 13 is refused without naming the field: %+v", e.Error)
		}
		if v := gridVersion(t, a); v.ID != 1 {
			t.Fatalf("after refused files version %d is in force, want 1", v.ID)
		}

		r := admin.postGeoJSON(t, "/api/v1/grid/cells?name=2026+survey", grid.DemoGeoJSON())
		r.wantStatus(t, http.StatusCreated)
		var v struct {
			ID         int64  `json:"id"`
			Name       string `json:"name"`
			Cells      int    `json:"cells"`
			CodeLength int    `json:"code_length"`
			Digest     string `json:"digest"`
		}
		r.decode(t, &v)
		if v.ID != 2 || v.Name != "2026 survey" || v.Cells != 240 || v.CodeLength != 15 || v.Digest != grid.Digest(grid.DemoCells()) {
			t.Fatalf("imported %+v", v)
		}
		if r := a.loginDemo(t, "inspector").getJSON(t, "/api/v1/grid/cells"); r.header.Get("X-Grid-Version") != "2" {
			t.Fatalf("X-Grid-Version %q after the import, want 2", r.header.Get("X-Grid-Version"))
		}
	})
}
