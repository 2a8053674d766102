package web_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"chengguan/internal/grid"
	"chengguan/internal/i18n"
	"chengguan/internal/storage"
	"chengguan/internal/storage/storagetest"
	"chengguan/internal/urban/taxonomy"
)

// The demo market (光明农贸市场, 419901-SC-01) on 建设路 (419901-DL-01).
const marketLon, marketLat = 113.2010, 33.7410

func (u *user) postGeoJSON(tb testing.TB, path string, data []byte) *reply {
	tb.Helper()
	return u.do(tb, http.MethodPost, path, bytes.NewReader(data), "Content-Type", "application/geo+json", "Accept", "application/json")
}

func TestAreasImportThroughTheAPIAllOrNothingWithAReportPerFeature(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db) // the demo areas are version 1
		areas := grid.DemoAreas()
		areas[1].UnitCode = "419900-NOPE"
		areas[4].Geometry[0][0] = areas[4].Geometry[0][0][:3] // an open ring of three positions
		bad, err := grid.MarshalAreasGeoJSON(areas, nil)
		if err != nil {
			t.Fatal(err)
		}
		a.anonymous().postGeoJSON(t, "/api/v1/grid/areas", bad).wantError(t, http.StatusUnauthorized, "unauthenticated")
		a.loginDemo(t, "shiftlead").postGeoJSON(t, "/api/v1/grid/areas", grid.DemoAreasGeoJSON()).wantError(t, http.StatusForbidden, "forbidden")

		admin := a.loginDemo(t, "admin")
		e := admin.postGeoJSON(t, "/api/v1/grid/areas", bad).wantError(t, http.StatusBadRequest, "invalid")
		if want := a.T(i18n.ZH, "grid.areas_invalid", map[string]any{"Count": 2}); e.Error.Message != want {
			t.Errorf("message %q, want %q", e.Error.Message, want)
		}
		if len(e.Error.Fields) != 2 || e.Error.Fields[0].Field != "features[1].unknown_unit" ||
			!strings.Contains(e.Error.Fields[0].Message, "419900-NOPE") || e.Error.Fields[1].Field != "features[4].invalid_ring" {
			t.Fatalf("fields %+v", e.Error.Fields)
		}
		admin.postGeoJSON(t, "/api/v1/grid/areas", []byte(`{"type":"Feature"}`)).wantError(t, http.StatusBadRequest, "invalid")

		areas = grid.DemoAreas()
		areas[3].Name = "光明市场"
		good, err := grid.MarshalAreasGeoJSON(areas, nil)
		if err != nil {
			t.Fatal(err)
		}
		r := admin.postGeoJSON(t, "/api/v1/grid/areas?name=2026+survey", good)
		r.wantStatus(t, http.StatusCreated)
		var v struct {
			ID     int64  `json:"id"`
			Name   string `json:"name"`
			Areas  int    `json:"areas"`
			Digest string `json:"digest"`
		}
		r.decode(t, &v)
		if v.ID != 2 || v.Name != "2026 survey" || v.Areas != 5 || v.Digest != grid.AreaDigest(areas) {
			t.Fatalf("imported %+v", v)
		}

		r = a.loginDemo(t, "inspector").do(t, http.MethodGet, "/api/v1/grid/areas", nil)
		r.wantStatus(t, http.StatusOK)
		if r.header.Get("Content-Type") != "application/geo+json" || r.header.Get("X-Area-Version") != "2" {
			t.Fatalf("Content-Type %q, X-Area-Version %q", r.header.Get("Content-Type"), r.header.Get("X-Area-Version"))
		}
		var fc struct {
			Features []struct {
				Properties struct {
					Code       string   `json:"code"`
					Name       string   `json:"name"`
					UnitCode   string   `json:"unit_code"`
					UnitName   string   `json:"unit_name"`
					Kind       string   `json:"kind"`
					Categories []string `json:"categories"`
				} `json:"properties"`
			} `json:"features"`
		}
		r.decode(t, &fc)
		if len(fc.Features) != 5 {
			t.Fatalf("%d areas served, want 5", len(fc.Features))
		}
		market := fc.Features[2].Properties // code order: 419901-DL-01, -GY-01, -SC-01, …
		if market.Code != "419901-SC-01" || market.Name != "光明市场" || market.UnitName != "示范市环境卫生管理处" ||
			market.Kind != "市场" || strings.Join(market.Categories, ",") != "event:01,event:05" {
			t.Fatalf("the market as served: %+v", market)
		}
	})
}

func TestTheDispatchSuggestionIsTheResponsibleAreasDepartment(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		cat := a.category(t, taxonomy.Event, "0502") // 占道经营: the transport bureau by category
		operator := a.loginDemo(t, "operator")
		report := func(lon, lat float64) string {
			r := operator.sendJSON(t, http.MethodPost, "/api/v1/cases", map[string]any{"channel": "hotline",
				"category_id": cat.ID, "description": "占道经营", "lon": lon, "lat": lat, "caller_phone": "13800000000"})
			r.wantStatus(t, http.StatusCreated)
			var rc struct{ Case caseJSON }
			r.decode(t, &rc)
			operator.move(t, rc.Case.ID, map[string]any{"move": "file"})
			return rc.Case.ID
		}
		inMarket, elsewhere := report(marketLon, marketLat), report(yingchengLon, yingchengLat)

		type suggestion struct {
			DepartmentID   string `json:"department_id"`
			DepartmentName string `json:"department_name"`
			Source         string `json:"source"`
			Area           *struct {
				Code, Name, Kind string
				Version          int64
			} `json:"area"`
		}
		var d struct {
			Suggested *suggestion `json:"suggested_department"`
		}
		shiftlead := a.loginDemo(t, "shiftlead")
		shiftlead.getJSON(t, "/api/v1/cases/"+inMarket).decode(t, &d)
		hw := a.unitID(t, "419900-HW")
		if s := d.Suggested; s == nil || s.DepartmentID != hw || s.DepartmentName != "示范市环境卫生管理处" || s.Source != "area" ||
			s.Area == nil || s.Area.Code != "419901-SC-01" || s.Area.Name != "光明农贸市场" || s.Area.Version != 1 {
			t.Fatalf("in the market: %+v", d.Suggested)
		}
		d.Suggested = nil
		shiftlead.getJSON(t, "/api/v1/cases/"+elsewhere).decode(t, &d)
		if s := d.Suggested; s == nil || s.DepartmentID != cat.DepartmentID || s.Source != "category" || s.Area != nil {
			t.Fatalf("outside every area: %+v", d.Suggested)
		}

		// The case page's dispatch form preselects the area's department and says why.
		page := shiftlead.get(t, "/cases/"+inMarket)
		page.wantBody(t, `value="`+hw+`" selected`, a.T(i18n.ZH, "cases.suggested_by_area_kind",
			map[string]any{"Name": "光明农贸市场", "Code": "419901-SC-01", "Kind": "市场"}))
		shiftlead.get(t, "/cases/"+elsewhere).wantBody(t, `value="`+cat.DepartmentID+`" selected`,
			a.T(i18n.ZH, "cases.suggested_by_category", nil))
		// So does the dispatch board's quick form.
		board := shiftlead.get(t, "/cases?view=dispatch")
		board.wantBody(t, a.T(i18n.ZH, "cases.suggested_area_short", map[string]any{"Name": "光明农贸市场", "Code": "419901-SC-01"}))
		if n := strings.Count(board.String(), `value="`+hw+`" selected`); n != 1 {
			t.Fatalf("the board preselects the sanitation department %d times, want once (the market case)", n)
		}

		// Dispatching takes whichever department the dispatcher sends; nothing of the
		// suggestion is stored.
		c := shiftlead.move(t, inMarket, map[string]any{"move": "dispatch", "department_id": hw})
		if c.DepartmentID != hw || c.State != "dispatched" {
			t.Fatalf("dispatched: %+v", c)
		}
	})
}

// TestARecodedDepartmentKeepsItsAreasAndADisabledOnesAreasAreReported: areas keep their
// unit by ID, so recoding the sanitation department changes nothing of who gets the
// market's cases; disabling it sends them to the category's department, and the areas API
// and the map page say so.
func TestARecodedDepartmentKeepsItsAreasAndADisabledOnesAreasAreReported(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db) // the demo areas are version 1
		cat := a.category(t, taxonomy.Event, "0502")
		operator := a.loginDemo(t, "operator")
		r := operator.sendJSON(t, http.MethodPost, "/api/v1/cases", map[string]any{"channel": "hotline",
			"category_id": cat.ID, "description": "占道经营", "lon": marketLon, "lat": marketLat, "caller_phone": "13800000000"})
		r.wantStatus(t, http.StatusCreated)
		var rc struct{ Case caseJSON }
		r.decode(t, &rc)
		operator.move(t, rc.Case.ID, map[string]any{"move": "file"})
		hw := a.unitID(t, "419900-HW")
		admin, shiftlead := a.loginDemo(t, "admin"), a.loginDemo(t, "shiftlead")
		suggested := func() (dept, source string) {
			var d struct {
				Suggested struct {
					DepartmentID string `json:"department_id"`
					Source       string `json:"source"`
				} `json:"suggested_department"`
			}
			shiftlead.getJSON(t, "/api/v1/cases/"+rc.Case.ID).decode(t, &d)
			return d.Suggested.DepartmentID, d.Suggested.Source
		}
		type props struct {
			Code             string `json:"code"`
			UnitCode         string `json:"unit_code"`
			ImportedUnitCode string `json:"imported_unit_code"`
			UnitID           string `json:"unit_id"`
			UnitWarning      string `json:"unit_warning"`
		}
		market := func() props {
			var fc struct {
				Features []struct{ Properties props } `json:"features"`
			}
			shiftlead.getJSON(t, "/api/v1/grid/areas").decode(t, &fc)
			for _, f := range fc.Features {
				if f.Properties.Code == "419901-SC-01" {
					return f.Properties
				}
			}
			t.Fatalf("no market in %+v", fc)
			return props{}
		}

		admin.sendJSON(t, http.MethodPatch, "/api/v1/units/"+hw, map[string]any{"code": "419900-HWGL"}).wantStatus(t, http.StatusOK)
		if dept, source := suggested(); dept != hw || source != "area" {
			t.Fatalf("after the recoding the market's case is suggested %s by %s, want %s by area", dept, source, hw)
		}
		if p := market(); p.UnitCode != "419900-HWGL" || p.ImportedUnitCode != "419900-HW" || p.UnitID != hw || p.UnitWarning != "" {
			t.Fatalf("the market after the recoding: %+v", p)
		}

		admin.sendJSON(t, http.MethodPatch, "/api/v1/units/"+hw, map[string]any{"disabled": true}).wantStatus(t, http.StatusOK)
		if dept, source := suggested(); dept != cat.DepartmentID || source != "category" {
			t.Fatalf("with the unit disabled the case is suggested %s by %s, want the category's %s", dept, source, cat.DepartmentID)
		}
		if p := market(); p.UnitWarning != "unit_disabled" {
			t.Fatalf("the market with its unit disabled: %+v", p)
		}
		shiftlead.get(t, "/map").wantBody(t, a.T(i18n.ZH, "map.unit_disabled", nil))
	})
}
