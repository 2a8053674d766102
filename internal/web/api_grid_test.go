package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/paulmach/orb"

	"chengguan/internal/demo"
	"chengguan/internal/grid/coord"
	"chengguan/internal/i18n"
	"chengguan/internal/storage"
	"chengguan/internal/storage/storagetest"
)

func TestGridLookupResolvesAPointToItsGridCommunityStreetAndDistrict(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		officer := a.loginDemo(t, "officer")
		gcj := coord.WGS84ToGCJ02(orb.Point{demo.CentreLon, demo.CentreLat})
		for name, q := range map[string]url.Values{
			"wgs84 by default": {"lat": {"33.7450"}, "lon": {"113.1920"}},
			"gcj02":            {"lat": {fmt.Sprint(gcj.Lat())}, "lon": {fmt.Sprint(gcj.Lon())}, "crs": {"gcj02"}},
		} {
			r := officer.getJSON(t, "/api/v1/grid/lookup?"+q.Encode())
			r.wantStatus(t, http.StatusOK)
			type ref struct{ Code, Name string }
			var got struct {
				Grid, Community, Street, District ref
				Version                           int64
			}
			r.decode(t, &got)
			if got.Grid != (ref{"419901002001001", "光明社区 001"}) || got.Community != (ref{"419901002001", "光明社区"}) ||
				got.Street != (ref{"419901002", "光明路街道"}) || got.District != (ref{"419901", "东城区"}) || got.Version != 1 {
				t.Errorf("%s: %s", name, r)
			}
		}

		e := officer.getJSON(t, "/api/v1/grid/lookup?lat=39.9&lon=116.39").wantError(t, http.StatusNotFound, "not_found")
		if want := a.T(i18n.ZH, "grid.outside", map[string]any{"Version": 1}); e.Error.Message != want {
			t.Errorf("outside every cell: message %q, want %q", e.Error.Message, want)
		}
		for field, q := range map[string]string{
			"lat": "lat=91&lon=113.1920",
			"lon": "lat=33.745&lon=east",
			"crs": "lat=33.745&lon=113.192&crs=bd09",
		} {
			e := officer.getJSON(t, "/api/v1/grid/lookup?"+q).wantError(t, http.StatusBadRequest, "invalid")
			if e.field(field) == "" {
				t.Errorf("%s: the error names no field %q: %+v", q, field, e)
			}
		}
		a.anonymous().getJSON(t, "/api/v1/grid/lookup?lat=33.745&lon=113.192").wantError(t, http.StatusUnauthorized, "unauthenticated")
	})
}

func TestGridCellsAreServedAsGeoJSONToStaff(t *testing.T) {
	t.Parallel()
	a := startApp(t, storagetest.OpenSQLite(t))
	a.anonymous().getJSON(t, "/api/v1/grid/cells").wantError(t, http.StatusUnauthorized, "unauthenticated")
	r := a.loginDemo(t, "inspector").do(t, http.MethodGet, "/api/v1/grid/cells", nil)
	r.wantStatus(t, http.StatusOK)
	if ct := r.header.Get("Content-Type"); ct != "application/geo+json" || r.header.Get("X-Grid-Version") != "1" {
		t.Fatalf("Content-Type %q, X-Grid-Version %q", ct, r.header.Get("X-Grid-Version"))
	}
	var fc struct {
		Type     string `json:"type"`
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	r.decode(t, &fc)
	if fc.Type != "FeatureCollection" || len(fc.Features) != 240 || fc.Features[0].Properties["code"] == nil {
		t.Fatalf("cells: type %q, %d features", fc.Type, len(fc.Features))
	}
}
